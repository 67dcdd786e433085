/*
 * ansvarctl: the thin client of ansvard.  It sends its arguments (and the
 * content of a FILE argument, read with the caller's own rights) over the
 * control socket, prints what comes back and exits with the daemon's
 * status.  All parsing and checking happens in the daemon.  See ansvarctl(8).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "ansvar-protocol.h"

#define DEFAULT_SOCKET	"/run/ansvar/ansvar.sock"

/* Commands whose argument at this position (after the command words) is a
 * FILE to send; the daemon never opens a path a caller names. */
static const struct {
	const char	*cmd1, *cmd2;
	int		 pos;
} file_args[] = {
	{ "minutes", "submit", 1 },
	{ "reply", "import", 0 },
	{ "import", NULL, 0 },
};

struct bytes {
	char	*p;
	size_t	 len;
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: ansvarctl [-s SOCKET] [--json] COMMAND [ARGS...]\n"
	    "       ansvarctl help      (the daemon's list of commands)\n"
	    "The socket is %s unless -s or ANSVAR_SOCKET says otherwise.\n",
	    DEFAULT_SOCKET);
}

static void
append(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n > ANSVAR_MAX_REQUEST + 64) {
		fprintf(stderr, "ansvarctl: request too large (limit %u bytes)\n",
		    ANSVAR_MAX_REQUEST);
		exit(EX_DATAERR);
	}
	if ((b->p = realloc(b->p, b->len + n + 1)) == NULL) {
		perror("ansvarctl");
		exit(EX_OSERR);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
read_file(const char *path, struct bytes *b)
{
	FILE	*fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char	 chunk[65536];
	size_t	 n;

	if (fp == NULL) {
		fprintf(stderr, "ansvarctl: %s: %s\n", path, strerror(errno));
		exit(EX_NOINPUT);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		append(b, chunk, n);
	if (ferror(fp)) {
		fprintf(stderr, "ansvarctl: %s: read error\n", path);
		exit(EX_IOERR);
	}
	if (fp != stdin)
		fclose(fp);
}

/* The FILE argument of this command line, or NULL. */
static const char *
file_arg(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(file_args) / sizeof(*file_args); i++) {
		int words = file_args[i].cmd2 ? 2 : 1, pos = 0;

		if (strcmp(argv[0], file_args[i].cmd1) || (words == 2 &&
		    (argc < 2 || strcmp(argv[1], file_args[i].cmd2))))
			continue;
		for (int j = words; j < argc; j++) {
			if (argv[j][0] == '-' && argv[j][1] == '-')
				continue;	/* an option; no file options take values */
			if (pos++ == file_args[i].pos)
				return argv[j];
		}
	}
	return NULL;
}

static void
build_request(int argc, char **argv, int json, struct bytes *req)
{
	struct frame_hdr	fh = { FRAME_REQUEST, 0 };
	struct request_hdr	rh;
	struct bytes		args = { NULL, 0 }, file = { NULL, 0 };
	const char		*path = file_arg(argc, argv);

	for (int i = 0; i < argc; i++)
		append(&args, argv[i], strlen(argv[i]) + 1);
	if (path)
		read_file(path, &file);
	memset(&rh, 0, sizeof(rh));
	rh.version = ANSVAR_PROTOCOL_VERSION;
	rh.flags = json ? REQ_JSON : 0;
	rh.argc = (uint32_t)argc;
	rh.args_len = (uint32_t)args.len;
	rh.file_len = (uint32_t)file.len;
	rh.has_file = path != NULL;
	fh.len = (uint32_t)(sizeof(rh) + args.len + file.len);
	append(req, &fh, sizeof(fh));
	append(req, &rh, sizeof(rh));
	append(req, args.p, args.len);
	if (file.len)
		append(req, file.p, file.len);
	free(args.p);
	free(file.p);
}

static int
connect_daemon(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ansvarctl: %s: socket path too long\n", path);
		exit(EX_USAGE);
	}
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "ansvarctl: cannot reach ansvard at %s: %s "
		    "(is ansvard running?)\n", path, strerror(errno));
		exit(EX_UNAVAILABLE);
	}
	return fd;
}

static int
read_full(int fd, void *p, size_t n)
{
	char	*c = p;

	while (n) {
		ssize_t r = read(fd, c, n);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
write_full(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Print frames until EXIT; returns the daemon's status. */
static int
replies(int fd)
{
	struct frame_hdr	 h;
	char			*p;
	uint32_t		 status;

	for (;;) {
		if (read_full(fd, &h, sizeof(h)) == -1 || h.len > ANSVAR_MAX_REQUEST) {
			fprintf(stderr, "ansvarctl: ansvard closed the connection "
			    "without an answer\n");
			return EX_PROTOCOL;
		}
		if ((p = malloc(h.len + 1)) == NULL || read_full(fd, p, h.len) == -1) {
			fprintf(stderr, "ansvarctl: truncated answer\n");
			return EX_PROTOCOL;
		}
		if (h.type == FRAME_OUT)
			fwrite(p, 1, h.len, stdout);
		else if (h.type == FRAME_ERR) {
			fflush(stdout);
			fwrite(p, 1, h.len, stderr);
		} else if (h.type == FRAME_EXIT && h.len == sizeof(status)) {
			memcpy(&status, p, sizeof(status));
			free(p);
			return (int)status;
		}
		free(p);
	}
}

int
main(int argc, char **argv)
{
	const char	*sock = getenv("ANSVAR_SOCKET");
	struct bytes	 req = { NULL, 0 };
	int		 json = 0, fd, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			sock = argv[++i];
		else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			json = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "ansvarctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (argc - i > ANSVAR_MAX_ARGS) {
		fprintf(stderr, "ansvarctl: too many arguments\n");
		return EX_USAGE;
	}
	build_request(argc - i, argv + i, json, &req);
	fd = connect_daemon(sock ? sock : DEFAULT_SOCKET);
	if (write_full(fd, req.p, req.len) == -1) {
		fprintf(stderr, "ansvarctl: cannot send to ansvard: %s\n",
		    strerror(errno));
		return EX_UNAVAILABLE;
	}
	free(req.p);
	i = replies(fd);
	close(fd);
	return i;
}
