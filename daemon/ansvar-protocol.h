/*
 * The wire format between ansvarctl and ansvard, shared by both.
 * Frames: a header (type, length) then length bytes.  The client sends one
 * REQUEST; the daemon answers with OUT/ERR frames and ends with one EXIT.
 * Both sides are on one host, so integers are in host byte order.
 */
#ifndef ANSVAR_PROTOCOL_H
#define ANSVAR_PROTOCOL_H

#include <stdint.h>

#define ANSVAR_PROTOCOL_VERSION	1
#define ANSVAR_MAX_REQUEST	(16u * 1024 * 1024)	/* args + one file */
#define ANSVAR_MAX_ARGS		256
#define ANSVAR_MAX_ARG		(64u * 1024)

enum frame_type {
	FRAME_REQUEST = 1,	/* client → daemon: struct request_hdr, args, file */
	FRAME_OUT = 2,		/* daemon → client: bytes for stdout */
	FRAME_ERR = 3,		/* daemon → client: bytes for stderr */
	FRAME_EXIT = 4		/* daemon → client: uint32_t exit status */
};

struct frame_hdr {
	uint32_t	type;
	uint32_t	len;
};

#define REQ_JSON	0x1

/*
 * REQUEST payload: this header, then argc NUL-terminated arguments
 * (args_len bytes in all), then file_len bytes of file content.
 */
struct request_hdr {
	uint32_t	version;
	uint32_t	flags;
	uint32_t	argc;
	uint32_t	args_len;
	uint32_t	file_len;
	uint32_t	has_file;
};

#endif
