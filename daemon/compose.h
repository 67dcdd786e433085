/*
 * Composing mail with GMime: UTF-8 bodies, RFC 2047 headers, the headers
 * every ansvar mail carries (Message-ID, Reply-To, Auto-Submitted).
 */
#ifndef ANSVAR_COMPOSE_H
#define ANSVAR_COMPOSE_H

#include <stddef.h>
#include <time.h>

#include <glib.h>

#include "config.h"

struct mail {
	const char	*to;		/* checked address */
	const char	*to_name;	/* display name, may be NULL */
	const char	*subject;	/* one line, already sanitized */
	const char	*body;		/* UTF-8 text */
	const char	*message_id;	/* without <> */
	const char	*kind;		/* X-Ansvar-Kind */
	const char	*ref;		/* X-Ansvar-Ref, may be NULL */
	const char	*verified;	/* X-Ansvar-Verified (a forward), or NULL */
	time_t		 date;
	/* An invitation: the iCalendar object and its iTIP method. */
	const char	*ics;
	const char	*method;
	/* One attachment, e.g. a letter as PDF; "message/rfc822" forwards a
	 * received mail. */
	const char	*attach_name;
	const char	*attach_type;	/* "application/pdf" */
	const void	*attach;
	size_t		 attach_len;
};

void	 compose_init(void);
/* The whole message with CRLF line ends; malloc'd, length in *len. */
char	*compose_message(const struct config *, const struct mail *, size_t *len);

/* GMime's bytes as a malloc'd string (NUL added after *len bytes); the
 * array is freed. */
char	*bytes_take(GByteArray *, size_t *len);

#endif
