/*
 * IMAP on libcurl, with the traps of LIBRARIES.md §2 handled here: reply
 * lines that curl cuts or refuses (so UIDs come by ESEARCH, checked against
 * its COUNT, or in small FETCH windows), bodies fetched only by URL (a
 * custom FETCH reads the literal as protocol), no EXAMINE, and a server
 * whose answers are parsed as if it were hostile.
 */
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "imap.h"
#include "log.h"
#include "util.h"

/*
 * curl 7.88 strips a reply line longer than half its buffer (keeping 40
 * bytes, rc 0).  Its buffer is at most 512 KiB; lines longer than this are
 * not trusted even when curl says nothing.  It refuses more than 300 KiB
 * of reply lines per command anyway (see search_seq), so MAX_RESPONSE only
 * guards against a curl without that limit.
 */
#define BUFFER_SIZE	524288
#define TRUST_LINE	(128 * 1024)
#define MAX_RESPONSE	(4 * 1024 * 1024)	/* untagged, one command */
#define MAX_NAME	200			/* mailbox name, UTF-8 bytes */
#define MAX_FLAG	64

struct imap {
	CURL		*curl;
	char		*base;		/* imaps://host:port */
	char		*hostport;	/* for messages */
	char		*user;
	char		*box_url;	/* base/mailbox, escaped */
	char		*box_quoted;	/* the mailbox as an IMAP string */
	char		*ensured;	/* copy target known to exist */
	int		 esearch;
	int		 uidplus;
	int		 readonly;
	uint32_t	 exists;	/* messages in the session's view */
	int		 cut;		/* curl stripped a response line */
	struct buf	 body;		/* what the write callback got */
	size_t		 body_max;
	int		 body_over;
	size_t		 longest;	/* longest line in body */
	char		 last[256];	/* last tagged reply, printable */
	char		 last_no[256];	/* last tagged NO or BAD */
	char		 curlerr[CURL_ERROR_SIZE];
};

struct range {
	uint32_t	 lo, hi;
};

static pthread_once_t	 curl_once = PTHREAD_ONCE_INIT;
static CURLcode		 curl_init_rc;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* --- small parsers: every number and length bounded --------------------- */

/* Digits only, no sign, no overflow, at most max. */
static int
parse_num(const char **pp, uint64_t max, uint64_t *out)
{
	const char	*p = *pp;
	uint64_t	 v = 0;
	int		 n = 0;

	while (isdigit((unsigned char)*p)) {
		if (++n > 20 || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (n == 0 || v > max)
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

static int
parse_nz32(const char **pp, uint32_t *out)
{
	uint64_t	v;

	if (parse_num(pp, UINT32_MAX, &v) == -1 || v == 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
word_is(const char *p, const char *word)
{
	size_t	n = strlen(word);

	return strncasecmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0' ||
	    p[n] == ')' || p[n] == '(' || p[n] == '\r' || p[n] == '\n');
}

/* Past a quoted string at p ('"'), NULL if it does not end on this line. */
static const char *
skip_quoted(const char *p)
{
	for (p++; *p != '\0' && *p != '\r' && *p != '\n'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/*
 * Past one value: an atom or number, a quoted string or a parenthesized
 * list.  A literal ({n}) cannot be skipped on one line: NULL, as for any
 * malformed value.
 */
static const char *
skip_value(const char *p)
{
	int	depth = 0;

	while (*p == ' ')
		p++;
	for (;;) {
		if (*p == '"') {
			if ((p = skip_quoted(p)) == NULL)
				return NULL;
		} else if (*p == '(') {
			depth++;
			p++;
		} else if (*p == ')') {
			if (depth == 0)
				return NULL;
			depth--;
			p++;
		} else if (*p == ' ' && depth > 0) {
			p++;
		} else if (*p == '{' || *p == '\0' || *p == '\r' ||
		    *p == '\n' || *p == ' ') {
			return NULL;
		} else {
			while (*p != '\0' && *p != ' ' && *p != '(' &&
			    *p != ')' && *p != '"' && *p != '{' && *p != '\r' &&
			    *p != '\n')
				p++;
		}
		if (depth == 0)
			return p;
	}
}

/*
 * The value of item NAME (a number) in an untagged FETCH line:
 * "* 12 FETCH (UID 40 RFC822.SIZE 870)".  Walks the item list pair by pair,
 * so a keyword called UID inside FLAGS is not taken for the item.
 */
static int
fetch_item(const char *line, const char *name, uint64_t max, uint64_t *out)
{
	const char	*p = line;
	uint64_t	 seq;

	if (strncmp(p, "* ", 2) != 0)
		return -1;
	p += 2;
	if (parse_num(&p, UINT32_MAX, &seq) == -1 || *p++ != ' ' ||
	    !word_is(p, "FETCH"))
		return -1;
	p += 5;
	while (*p == ' ')
		p++;
	if (*p++ != '(')
		return -1;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')' || *p == '\0')
			return -1;
		if (word_is(p, name)) {
			p += strlen(name);
			while (*p == ' ')
				p++;
			return parse_num(&p, max, out);
		}
		/* the item's name, then its value */
		if ((p = skip_value(p)) == NULL)
			return -1;
		while (*p == ' ')
			p++;
		if ((p = skip_value(p)) == NULL)
			return -1;
	}
}

/* "1:13,15,20:18" into ranges (lo <= hi); -1 when malformed. */
static int
parse_set(const char **pp, struct range **r, size_t *n, size_t *cap)
{
	const char	*p = *pp;
	uint32_t	 a, b;

	for (;;) {
		if (parse_nz32(&p, &a) == -1)
			return -1;
		b = a;
		if (*p == ':') {
			p++;
			if (parse_nz32(&p, &b) == -1)
				return -1;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*r = xrealloc(*r, *cap * sizeof(**r));
		}
		(*r)[*n].lo = a < b ? a : b;
		(*r)[*n].hi = a < b ? b : a;
		(*n)++;
		if (*p != ',')
			break;
		p++;
	}
	*pp = p;
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct range	*x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts and merges overlapping ranges; returns how many UIDs they hold. */
static uint64_t
merge_ranges(struct range *r, size_t *n)
{
	size_t		i, j;
	uint64_t	total = 0;

	if (*n == 0)
		return 0;
	qsort(r, *n, sizeof(*r), range_cmp);
	for (i = 0, j = 1; j < *n; j++) {
		if ((uint64_t)r[j].lo <= (uint64_t)r[i].hi + 1) {
			if (r[j].hi > r[i].hi)
				r[i].hi = r[j].hi;
		} else
			r[++i] = r[j];
	}
	*n = i + 1;
	for (i = 0; i < *n; i++)
		total += (uint64_t)r[i].hi - r[i].lo + 1;
	return total;
}

/* The next line of the write buffer (without CRLF), or NULL. */
static char *
next_line(char **pp)
{
	char	*p = *pp, *e;

	if (p == NULL || *p == '\0')
		return NULL;
	if ((e = strchr(p, '\n')) != NULL) {
		*pp = e + 1;
		if (e > p && e[-1] == '\r')
			e--;
		*e = '\0';
	} else
		*pp = p + strlen(p);
	return p;
}

/* Server text for our messages: printable ASCII, bounded. */
static void
printable(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t	i, o = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < len && src[i] != '\r' && src[i] != '\n' &&
	    o + 1 < dstlen; i++) {
		unsigned char	c = (unsigned char)src[i];

		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[o] = '\0';
}

/* --- mailbox names ------------------------------------------------------ */

/*
 * IMAP4rev1 mailbox names are modified UTF-7 (RFC 3501 5.1.3): "Løst"
 * is "L&APg-st".  Control characters cannot be sent, and * and % would be
 * patterns to the LIST that checks whether a mailbox exists: refused.
 */
static const char	mutf7_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "abcdefghijklmnopqrstuvwxyz0123456789+,";

/* One UTF-16 unit into the base64 run; bits keeps what is left over. */
static void
mutf7_unit(struct buf *out, uint32_t *bits, int *nbits, uint32_t unit)
{
	*bits = (*bits << 16) | unit;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		buf_add(out, &mutf7_b64[(*bits >> *nbits) & 0x3f], 1);
	}
	*bits &= (1u << *nbits) - 1;
}

static int
mutf7(const char *name, struct buf *out, char *err, size_t errlen)
{
	const unsigned char	*p = (const unsigned char *)name;
	size_t			 len = strlen(name);

	if (len == 0 || len > MAX_NAME || !utf8_valid(name, len) ||
	    has_ctl(name) || strpbrk(name, "*%") != NULL) {
		snprintf(err, errlen, "mailbox name \"%.*s\" is not usable "
		    "(expected 1-%d bytes of UTF-8 without control characters, "
		    "* or %%)", has_ctl(name) ? 0 : 60, name, MAX_NAME);
		return -1;
	}
	while (*p != '\0') {
		uint32_t	bits = 0;
		int		nbits = 0;

		if (*p < 0x80) {
			if (*p == '&')
				buf_puts(out, "&-");
			else
				buf_add(out, p, 1);
			p++;
			continue;
		}
		buf_puts(out, "&");
		while (*p >= 0x80) {
			uint32_t	cp;

			/* utf8_valid() said every sequence is complete */
			p += utf8_decode((const char *)p, strlen((const char *)p),
			    &cp);
			if (cp >= 0x10000) {
				/* a surrogate pair */
				cp -= 0x10000;
				mutf7_unit(out, &bits, &nbits,
				    0xd800 | (cp >> 10));
				mutf7_unit(out, &bits, &nbits,
				    0xdc00 | (cp & 0x3ff));
			} else
				mutf7_unit(out, &bits, &nbits, cp);
		}
		if (nbits > 0)
			buf_add(out, &mutf7_b64[(bits << (6 - nbits)) & 0x3f],
			    1);
		buf_puts(out, "-");
	}
	return 0;
}

/* A 7-bit name as an IMAP quoted string. */
static char *
quoted(const char *s)
{
	struct buf	b;

	buf_init(&b);
	buf_puts(&b, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_puts(&b, "\\");
		buf_add(&b, s, 1);
	}
	buf_puts(&b, "\"");
	return buf_steal(&b);
}

/* Both forms of a mailbox name: quoted for commands, escaped for URLs. */
static int
mailbox_forms(struct imap *im, const char *name, char **q, char **url,
    char *err, size_t errlen)
{
	struct buf	 b;
	char		*esc;

	buf_init(&b);
	if (mutf7(name, &b, err, errlen) == -1) {
		buf_free(&b);
		return -1;
	}
	if (q != NULL)
		*q = quoted(buf_str(&b));
	if (url != NULL) {
		/* every reserved character escaped, ';' and '/' included */
		if ((esc = curl_easy_escape(im->curl, buf_str(&b), 0)) == NULL)
			fatalx("imap: out of memory");
		*url = xasprintf("%s/%s", im->base, esc);
		curl_free(esc);
	}
	buf_free(&b);
	return 0;
}

/* --- curl ----------------------------------------------------------------- */

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct imap	*im = arg;
	size_t		 n = size * nmemb;

	if (n > im->body_max || im->body.len > im->body_max - n) {
		im->body_over = 1;
		return 0;	/* curl aborts, and closes the connection */
	}
	buf_add(&im->body, ptr, n);
	return n;
}

/* "* 12 EXISTS" and "* 3 EXPUNGE", whoever asked: the session's count. */
static void
untagged(struct imap *im, const char *p, size_t len)
{
	char		 line[64];
	const char	*q = line;
	uint64_t	 v;

	if (len >= sizeof(line) || !isdigit((unsigned char)*p))
		return;
	memcpy(line, p, len);
	line[len] = '\0';
	if (parse_num(&q, UINT32_MAX, &v) == -1 || *q++ != ' ')
		return;
	if (word_is(q, "EXISTS"))
		im->exists = (uint32_t)v;
	else if (word_is(q, "EXPUNGE") && im->exists > 0)
		im->exists--;
}

/* Every protocol line: we keep the last tagged reply for messages. */
static size_t
header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct imap	*im = arg;
	size_t		 n = size * nmemb, t;

	if (n > 2 && ptr[0] == '*' && ptr[1] == ' ') {
		untagged(im, ptr + 2, n - 2);
		return n;
	}
	if (n < 2 || ptr[0] == '*' || ptr[0] == '+')
		return n;
	for (t = 0; t < n && ptr[t] != ' '; t++)
		;
	if (t + 3 >= n || (strncasecmp(ptr + t + 1, "OK", 2) != 0 &&
	    strncasecmp(ptr + t + 1, "NO", 2) != 0 &&
	    strncasecmp(ptr + t + 1, "BAD", 3) != 0))
		return n;
	printable(im->last, sizeof(im->last), ptr + t + 1, n - t - 1);
	/* curl LOGOUTs after a failed SELECT: keep the NO for the message */
	if (strncasecmp(im->last, "OK", 2) != 0)
		memcpy(im->last_no, im->last, sizeof(im->last_no));
	if (strstr(im->last, "[READ-ONLY]") != NULL)
		im->readonly = 1;
	else if (strstr(im->last, "[READ-WRITE]") != NULL)
		im->readonly = 0;
	return n;
}

/* curl's own notes: the only sign that it cut a long line. */
static int
debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct imap	*im = arg;
	static const char cut[] = "Excessive server response line";

	(void)c;
	if (type == CURLINFO_TEXT && size >= sizeof(cut) - 1 &&
	    memcmp(data, cut, sizeof(cut) - 1) == 0)
		im->cut = 1;
	return 0;
}

#define SETOPT(im, opt, val) do {					\
	if (curl_easy_setopt((im)->curl, (opt), (val)) != CURLE_OK) {	\
		snprintf(err, errlen, "libcurl refuses %s", #opt);	\
		return -1;						\
	}								\
} while (0)

static int
setup(struct imap *im, const struct imap_conf *c, int starttls, char *err,
    size_t errlen)
{
	long	t = c->timeout > 0 ? c->timeout : 30;

	SETOPT(im, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	SETOPT(im, CURLOPT_NOSIGNAL, 1L);
	SETOPT(im, CURLOPT_ERRORBUFFER, im->curlerr);
	SETOPT(im, CURLOPT_BUFFERSIZE, (long)BUFFER_SIZE);
	SETOPT(im, CURLOPT_MAXCONNECTS, 1L);
	SETOPT(im, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(im, CURLOPT_CONNECTTIMEOUT, t);
	SETOPT(im, CURLOPT_SERVER_RESPONSE_TIMEOUT, t);
	SETOPT(im, CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(im, CURLOPT_LOW_SPEED_TIME, t);
	/* a server that trickles a byte a second does not keep us forever */
	SETOPT(im, CURLOPT_TIMEOUT, t * 6 < 60 ? 60L : t * 6);
	SETOPT(im, CURLOPT_USE_SSL, (long)(starttls ? CURLUSESSL_ALL :
	    CURLUSESSL_NONE));
	SETOPT(im, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(im, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(im, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL && *c->ca_file != '\0')
		SETOPT(im, CURLOPT_CAINFO, c->ca_file);
	SETOPT(im, CURLOPT_USERNAME, c->user);
	SETOPT(im, CURLOPT_PASSWORD, c->password != NULL ? c->password :
	    "");
	SETOPT(im, CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(im, CURLOPT_WRITEDATA, im);
	SETOPT(im, CURLOPT_HEADERFUNCTION, header_cb);
	SETOPT(im, CURLOPT_HEADERDATA, im);
	SETOPT(im, CURLOPT_DEBUGFUNCTION, debug_cb);
	SETOPT(im, CURLOPT_DEBUGDATA, im);
	/* for the debug callback only; nothing is printed */
	SETOPT(im, CURLOPT_VERBOSE, 1L);
	return 0;
}

/*
 * One command.  custom NULL = curl's own (a URL fetch); the request must be
 * reset then, or curl sends the previous custom command instead.  After
 * any failure curl closes the connection (imap_done with a bad status), so
 * a half-read reply never reaches the next command.
 */
static CURLcode
perform(struct imap *im, const char *url, const char *custom, size_t max)
{
	CURLcode	 rc;
	const char	*p, *e;

	buf_reset(&im->body);
	im->body_max = max;
	im->body_over = 0;
	im->cut = 0;
	im->longest = 0;
	im->last[0] = '\0';
	im->last_no[0] = '\0';
	im->curlerr[0] = '\0';
	if (curl_easy_setopt(im->curl, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(im->curl, CURLOPT_CUSTOMREQUEST, custom) !=
	    CURLE_OK)
		return CURLE_FAILED_INIT;
	rc = curl_easy_perform(im->curl);
	if (custom != NULL)
		for (p = buf_str(&im->body); *p != '\0'; p = e + 1) {
			if ((e = strchr(p, '\n')) == NULL)
				e = p + strlen(p) - 1;
			if ((size_t)(e - p) > im->longest)
				im->longest = (size_t)(e - p);
		}
	if (rc == CURLE_OK && im->cut)
		rc = CURLE_WEIRD_SERVER_REPLY;
	return rc;
}

/* The server's words on the last command: its NO or BAD if there was one. */
static const char *
said(struct imap *im)
{
	return *im->last_no ? im->last_no : im->last;
}

/* What went wrong, in words for the log. */
static void
describe(struct imap *im, CURLcode rc, const char *what, char *err,
    size_t errlen)
{
	const char	*detail = *im->curlerr ? im->curlerr :
	    curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		snprintf(err, errlen, "cannot connect to %s: %s", im->hostport,
		    detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "%s on %s: timed out (%s)", what,
		    im->hostport, detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(err, errlen, "TLS with %s: the server's certificate "
		    "is refused (ca_file): %s", im->hostport, detail);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(err, errlen, "TLS with %s: cannot use ca_file: %s",
		    im->hostport, detail);
		break;
	case CURLE_USE_SSL_FAILED:
		snprintf(err, errlen, "TLS with %s: the server offers no "
		    "STARTTLS (tls = required): %s", im->hostport, detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
		snprintf(err, errlen, "TLS with %s failed: %s", im->hostport,
		    detail);
		break;
	case CURLE_LOGIN_DENIED:
		snprintf(err, errlen, "login denied for user \"%s\" on %s%s%s",
		    im->user, im->hostport, *said(im) ? ": server said: " : "",
		    said(im));
		break;
	case CURLE_QUOTE_ERROR:
		snprintf(err, errlen, "%s refused by %s: %s", what,
		    im->hostport, *said(im) ? said(im) : detail);
		break;
	case CURLE_WRITE_ERROR:
		if (im->body_over) {
			snprintf(err, errlen, "%s on %s: the reply is larger "
			    "than %zu bytes", what, im->hostport, im->body_max);
			break;
		}
		/* FALLTHROUGH */
	default:
		if (im->cut)
			snprintf(err, errlen, "%s on %s: a reply line was too "
			    "long for libcurl and was cut", what, im->hostport);
		else
			snprintf(err, errlen, "%s on %s failed: %s%s%s "
			    "(curl %d)", what, im->hostport, detail, *said(im) ?
			    "; server said: " : "", said(im), (int)rc);
		break;
	}
}

/* --- open and close ------------------------------------------------------- */

static int
is_loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "::1") ||
	    !strcmp(host, "[::1]") || !strcasecmp(host, "localhost");
}

/* imap[s]://host[:port] and nothing else; sets base and hostport. */
static int
parse_url(struct imap *im, const char *url, int *tls_on_connect, char *err,
    size_t errlen)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL, *port = NULL;
	char		*path = NULL, *part = NULL;
	/* not echoed when it might hold a password */
	const char	*shown = strchr(url, '@') == NULL ? url : "...";
	int		 rc = -1;

	if ((u = curl_url()) == NULL)
		fatalx("imap: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		snprintf(err, errlen, "url \"%s\" is not usable (expected "
		    "imaps://host[:port] or imap://host[:port])", shown);
		goto out;
	}
	if (strcmp(scheme, "imaps") != 0 && strcmp(scheme, "imap") != 0) {
		snprintf(err, errlen, "url \"%s\": the scheme must be imaps or "
		    "imap", shown);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_OPTIONS, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK ||
	    (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    strcmp(path, "/") != 0 && strcmp(path, "") != 0)) {
		snprintf(err, errlen, "url \"%s\": only imaps://host[:port] "
		    "(the user and the mailbox have keys of their own)", shown);
		goto out;
	}
	*tls_on_connect = strcmp(scheme, "imaps") == 0;
	im->base = xasprintf("%s://%s:%s", scheme, host, port);
	im->hostport = xasprintf("%s:%s", host, port);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(part);
	curl_url_cleanup(u);
	return rc;
}

static void
parse_capability(struct imap *im)
{
	char	*p = im->body.data, *line, *tok, *save;

	while ((line = next_line(&p)) != NULL) {
		if (strncasecmp(line, "* CAPABILITY ", 13) != 0)
			continue;
		for (tok = strtok_r(line + 13, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save)) {
			if (!strcasecmp(tok, "ESEARCH"))
				im->esearch = 1;
			else if (!strcasecmp(tok, "UIDPLUS"))
				im->uidplus = 1;
		}
	}
}

struct imap *
imap_open(const struct imap_conf *c, char *err, size_t errlen)
{
	struct imap	*im;
	char		*url;
	CURLcode	 rc;
	int		 tls_on_connect, starttls;

	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s",
		    curl_easy_strerror(curl_init_rc));
		return NULL;
	}
	if (c->url == NULL || c->tls == NULL || c->mailbox == NULL) {
		snprintf(err, errlen, "imap: url, tls and mailbox are needed");
		return NULL;
	}
	im = xcalloc(1, sizeof(*im));
	buf_init(&im->body);
	if ((im->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl: cannot make a handle");
		goto fail;
	}
	if (parse_url(im, c->url, &tls_on_connect, err, errlen) == -1)
		goto fail;
	if (!strcmp(c->tls, "required"))
		starttls = 1;
	else if (!strcmp(c->tls, "off")) {
		/* our own password in clear text: only to this machine */
		char	*host = xstrdup(im->hostport);

		*strrchr(host, ':') = '\0';
		if (!is_loopback(host)) {
			snprintf(err, errlen, "tls = off is only allowed for a "
			    "server on this machine, not %s", host);
			free(host);
			goto fail;
		}
		free(host);
		if (tls_on_connect) {
			snprintf(err, errlen, "tls = off with an imaps:// url: "
			    "use imap:// or tls = required");
			goto fail;
		}
		starttls = 0;
	} else {
		snprintf(err, errlen, "tls = \"%s\" (expected required or off)",
		    c->tls);
		goto fail;
	}
	if (c->user == NULL || *c->user == '\0' || has_ctl(c->user)) {
		snprintf(err, errlen, "no usable user name");
		goto fail;
	}
	im->user = xstrdup(c->user);
	if (mailbox_forms(im, c->mailbox, &im->box_quoted, &im->box_url, err,
	    errlen) == -1)
		goto fail;
	/* a bad processed_mailbox shows now, not at the first copy */
	if (c->processed_mailbox != NULL && *c->processed_mailbox != '\0' &&
	    mailbox_forms(im, c->processed_mailbox, NULL, NULL, err,
	    errlen) == -1)
		goto fail;
	if (setup(im, c, starttls, err, errlen) == -1)
		goto fail;

	/* Log in first, with no mailbox: a refused login and a missing
	 * mailbox both come back as 67 otherwise. */
	url = xasprintf("%s/", im->base);
	rc = perform(im, url, "CAPABILITY", 65536);
	free(url);
	if (rc != CURLE_OK) {
		describe(im, rc, "login", err, errlen);
		goto fail;
	}
	parse_capability(im);
	/* curl SELECTs the mailbox of the URL before the NOOP */
	if ((rc = perform(im, im->box_url, "NOOP", 65536)) != CURLE_OK) {
		if (strstr(im->curlerr, "Select failed") != NULL)
			snprintf(err, errlen, "no such mailbox \"%s\" on %s "
			    "(or it cannot be selected)%s%s", c->mailbox,
			    im->hostport, *said(im) ? ": server said: " : "",
			    said(im));
		else
			describe(im, rc, "SELECT", err, errlen);
		goto fail;
	}
	if (im->readonly) {
		snprintf(err, errlen, "mailbox \"%s\" on %s is read-only",
		    c->mailbox, im->hostport);
		goto fail;
	}
	log_debug("imap: logged in to %s as %s, %s selected%s", im->hostport,
	    im->user, c->mailbox, im->esearch ? ", ESEARCH" : "");
	return im;
fail:
	imap_close(im);
	return NULL;
}

void
imap_close(struct imap *im)
{
	if (im == NULL)
		return;
	/* curl sends LOGOUT when the handle goes */
	if (im->curl != NULL)
		curl_easy_cleanup(im->curl);
	free(im->base);
	free(im->hostport);
	free(im->user);
	free(im->box_url);
	free(im->box_quoted);
	free(im->ensured);
	buf_free(&im->body);
	free(im);
}

/* --- commands ------------------------------------------------------------- */

/*
 * STATUS on the selected mailbox (RFC 3501 frowns on it, servers answer;
 * a custom SELECT would leave curl unsure what is selected).
 */
int
imap_uidvalidity(struct imap *im, uint32_t *uidvalidity, char *err,
    size_t errlen)
{
	char		*cmd, *p, *line;
	const char	*a;
	CURLcode	 rc;
	int		 seen = 0;

	cmd = xasprintf("STATUS %s (UIDVALIDITY)", im->box_quoted);
	rc = perform(im, im->box_url, cmd, 65536);
	free(cmd);
	if (rc != CURLE_OK) {
		describe(im, rc, "STATUS", err, errlen);
		return -1;
	}
	p = im->body.data;
	while ((line = next_line(&p)) != NULL) {
		if (strncasecmp(line, "* STATUS ", 9) != 0)
			continue;
		/* the attribute list is the last parenthesis: the mailbox
		 * name before it may hold anything */
		if ((a = strrchr(line, '(')) == NULL)
			continue;
		for (a++; a != NULL && *a != '\0' && *a != ')';) {
			while (*a == ' ')
				a++;
			if (!word_is(a, "UIDVALIDITY")) {
				/* a name and its value */
				if ((a = skip_value(a)) != NULL)
					a = skip_value(a);
				continue;
			}
			a += 11;
			while (*a == ' ')
				a++;
			if (parse_nz32(&a, uidvalidity) == -1)
				break;
			seen = 1;
		}
	}
	if (!seen) {
		snprintf(err, errlen, "STATUS on %s: no UIDVALIDITY in the "
		    "reply", im->hostport);
		return -1;
	}
	return 0;
}

/*
 * ESEARCH (RFC 4731): the set comes compressed ("1:13,15:3015") with
 * COUNT beside it, so a cut reply shows as a count that does not match.
 * Returns 0 when the reply could be trusted, 1 when not (use FETCH).
 */
static int
search_esearch(struct imap *im, uint32_t lo, struct range **r, size_t *nr,
    char *err, size_t errlen)
{
	char		*cmd, *p, *line;
	const char	*q;
	size_t		 cap = 0;
	uint64_t	 count = 0, total, v;
	int		 have_count = 0;
	CURLcode	 rc;

	cmd = xasprintf("UID SEARCH RETURN (COUNT ALL) UID %" PRIu32 ":*", lo);
	rc = perform(im, im->box_url, cmd, MAX_RESPONSE);
	free(cmd);
	if (rc != CURLE_OK) {
		/* cut, or more than curl takes: ask in smaller pieces */
		if (im->cut || im->body_over || (rc == CURLE_RECV_ERROR &&
		    strstr(im->curlerr, "Too large") != NULL)) {
			log_debug("imap: ESEARCH reply from %s too long (%s); "
			    "reading UIDs in windows", im->hostport,
			    im->cut ? "cut" : im->curlerr);
			return 1;
		}
		describe(im, rc, "UID SEARCH", err, errlen);
		return -1;
	}
	if (im->longest > TRUST_LINE)
		return 1;
	p = im->body.data;
	while ((line = next_line(&p)) != NULL) {
		if (strncasecmp(line, "* ESEARCH", 9) != 0 ||
		    (line[9] != ' ' && line[9] != '\0'))
			continue;
		q = line + 9;
		while (*q == ' ')
			q++;
		if (*q == '(' && (q = skip_value(q)) == NULL)
			return 1;
		while (*q != '\0') {
			while (*q == ' ')
				q++;
			if (*q == '\0')
				break;
			if (word_is(q, "UID")) {
				q += 3;
			} else if (word_is(q, "COUNT")) {
				q += 5;
				while (*q == ' ')
					q++;
				if (parse_num(&q, UINT32_MAX, &v) == -1)
					return 1;
				count += v;
				have_count = 1;
			} else if (word_is(q, "ALL")) {
				q += 3;
				while (*q == ' ')
					q++;
				if (parse_set(&q, r, nr, &cap) == -1)
					return 1;
			} else {
				/* MIN, MAX, anything new: name and value */
				if ((q = skip_value(q)) == NULL)
					return 1;
				while (*q == ' ')
					q++;
				if ((q = skip_value(q)) == NULL)
					return 1;
			}
		}
	}
	total = merge_ranges(*r, nr);
	if (!have_count || total != count) {
		log_debug("imap: ESEARCH from %s gave %" PRIu64 " UIDs for "
		    "COUNT %" PRIu64 "; asking again with FETCH", im->hostport,
		    total, count);
		return 1;
	}
	return 0;
}

/*
 * The UIDs of messages lo..hi (sequence numbers) into r, and the UID of
 * message lo into *first (0 if the server did not say).  Plain FETCH, not
 * UID FETCH: the server may not send EXPUNGE during it (RFC 3501 7.4.1),
 * so the numbers keep meaning the same messages from window to window.
 */
static int
fetch_uids(struct imap *im, uint32_t lo, uint32_t hi, struct range **r,
    size_t *nr, size_t *cap, uint32_t *first, char *err, size_t errlen)
{
	char		*cmd, *p, *line;
	const char	*q;
	uint64_t	 seq, v;
	CURLcode	 rc;

	cmd = xasprintf("FETCH %" PRIu32 ":%" PRIu32 " (UID)", lo, hi);
	rc = perform(im, im->box_url, cmd, MAX_RESPONSE);
	free(cmd);
	if (rc != CURLE_OK) {
		describe(im, rc, "FETCH (UID)", err, errlen);
		return -1;
	}
	*first = 0;
	p = im->body.data;
	while ((line = next_line(&p)) != NULL) {
		q = line + 2;
		if (fetch_item(line, "UID", UINT32_MAX, &v) == -1 || v == 0 ||
		    parse_num(&q, UINT32_MAX, &seq) == -1 || seq < lo ||
		    seq > hi)
			continue;
		if (seq == lo)
			*first = (uint32_t)v;
		if (r == NULL)
			continue;
		if (*nr == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*r = xrealloc(*r, *cap * sizeof(**r));
		}
		(*r)[*nr].lo = (*r)[*nr].hi = (uint32_t)v;
		(*nr)++;
	}
	return 0;
}

/*
 * Without ESEARCH, or when its answer could not be trusted.  Debian's curl
 * 7.88.1 counts reply lines toward its 300 KiB header limit about
 * quadratically (the pingpong reader re-counts what is left in its buffer
 * after each line): a custom command with 50 untagged lines counted 29 KB,
 * 100 lines 104-111 KB, 170 lines 245 KB, 500 lines failed with rc 56 "Too
 * large response headers".  So "UID SEARCH" or "UID FETCH n:*" fails on a
 * few hundred messages.  Sequence numbers are dense where UIDs are not:
 * find the first message past after_uid by bisection, then read UIDs in
 * windows of SEQ_WINDOW messages.
 */
#ifndef SEQ_WINDOW
#define SEQ_WINDOW	50
#endif

static int
search_seq(struct imap *im, uint32_t after, struct range **r, size_t *nr,
    char *err, size_t errlen)
{
	uint32_t	 n, lo, hi, mid, u;
	size_t		 cap = 0, w;
	CURLcode	 rc;

	/* NOOP: the session's message count (EXISTS) is up to date, even
	 * after curl reconnected */
	if ((rc = perform(im, im->box_url, "NOOP", MAX_RESPONSE)) !=
	    CURLE_OK) {
		describe(im, rc, "NOOP", err, errlen);
		return -1;
	}
	if ((n = im->exists) == 0)
		return 0;
	/* the newest messages first: usually the boundary is among them */
	lo = n > SEQ_WINDOW ? n - SEQ_WINDOW + 1 : 1;
	if (fetch_uids(im, lo, n, r, nr, &cap, &u, err, errlen) == -1)
		return -1;
	if (u != 0 && u > after && lo > 1) {
		/* first message with a UID past after_uid is in 1..lo */
		*nr = 0;
		hi = lo;
		lo = 1;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (fetch_uids(im, mid, mid, NULL, NULL, NULL, &u, err,
			    errlen) == -1)
				return -1;
			if (u > after)
				hi = mid;
			else
				lo = mid + 1;
		}
		/* windows bounded too, should a server answer with nothing */
		for (w = 0; lo <= n && *nr < IMAP_MAX_UIDS &&
		    w <= IMAP_MAX_UIDS / SEQ_WINDOW; lo = hi + 1, w++) {
			hi = n - lo >= SEQ_WINDOW - 1 ? lo + SEQ_WINDOW - 1 : n;
			if (fetch_uids(im, lo, hi, r, nr, &cap, &u, err,
			    errlen) == -1)
				return -1;
			if (hi == n)
				break;
		}
	}
	merge_ranges(*r, nr);
	return 0;
}

int
imap_search_after(struct imap *im, uint32_t after_uid, uint32_t **uids,
    char *err, size_t errlen)
{
	struct range	*r = NULL;
	size_t		 nr = 0, i, n = 0, cap = 0;
	uint32_t	*out = NULL, u;
	int		 rc = 1;

	*uids = NULL;
	if (after_uid == UINT32_MAX)
		return 0;
	if (im->esearch)
		rc = search_esearch(im, after_uid + 1, &r, &nr, err, errlen);
	if (rc == 1) {
		nr = 0;
		rc = search_seq(im, after_uid, &r, &nr, err, errlen);
	}
	if (rc == -1) {
		free(r);
		return -1;
	}
	/* "n:*" also matches the last message when n is past it: the filter
	 * drops that one */
	for (i = 0; i < nr && n < IMAP_MAX_UIDS; i++) {
		u = r[i].lo > after_uid ? r[i].lo : after_uid + 1;
		for (; u >= r[i].lo && u <= r[i].hi && n < IMAP_MAX_UIDS; u++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				out = xrealloc(out, cap * sizeof(*out));
			}
			out[n++] = u;
			if (u == UINT32_MAX)
				break;
		}
	}
	free(r);
	/* merged ranges come out sorted already; keep the promise anyway */
	if (n > 1)
		qsort(out, n, sizeof(*out), u32_cmp);
	*uids = out;
	return (int)n;
}

/* Does the FLAGS list of this FETCH line hold \Seen? */
static int
has_seen(const char *line)
{
	const char	*f = strcasestr(line, "FLAGS (");
	size_t		 n;

	if (f == NULL)
		return 0;
	f += 7;
	n = strcspn(f, ")");
	for (const char *p = f; p < f + n; p++)
		if (!strncasecmp(p, "\\Seen", 5) && (p[5] == ' ' || p[5] == ')'))
			return 1;
	return 0;
}

int
imap_fetch(struct imap *im, uint32_t uidvalidity, uint32_t uid,
    size_t max_bytes, char **msg, size_t *len, int *too_big, int *was_seen,
    char *err, size_t errlen)
{
	char		*url, *cmd, *p, *line;
	uint64_t	 size = 0, v;
	int		 found = 0;
	CURLcode	 rc;

	*msg = NULL;
	*len = 0;
	*too_big = 0;
	if (was_seen)
		*was_seen = 0;
	if (uid == 0 || uidvalidity == 0) {
		snprintf(err, errlen, "fetch: UID and UIDVALIDITY must not be "
		    "0");
		return -1;
	}
	/* UIDVALIDITY in the URL: curl refuses (78) if the mailbox changed */
	url = xasprintf("%s;UIDVALIDITY=%" PRIu32, im->box_url, uidvalidity);
	cmd = xasprintf("UID FETCH %" PRIu32 " (UID RFC822.SIZE FLAGS)", uid);
	rc = perform(im, url, cmd, 65536);
	free(cmd);
	free(url);
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND &&
	    strstr(im->curlerr, "UIDVALIDITY") != NULL) {
		snprintf(err, errlen, "UID %" PRIu32 " on %s: the mailbox's "
		    "UIDVALIDITY is no longer %" PRIu32, uid, im->hostport,
		    uidvalidity);
		return -1;
	}
	if (rc != CURLE_OK) {
		describe(im, rc, "UID FETCH (RFC822.SIZE)", err, errlen);
		return -1;
	}
	p = im->body.data;
	while ((line = next_line(&p)) != NULL)
		if (fetch_item(line, "UID", UINT32_MAX, &v) == 0 && v == uid &&
		    fetch_item(line, "RFC822.SIZE", UINT64_MAX, &size) == 0) {
			found = 1;
			if (was_seen)
				*was_seen = has_seen(line);
		}
	if (!found) {
		snprintf(err, errlen, "no message with UID %" PRIu32 " in the "
		    "mailbox on %s", uid, im->hostport);
		return -1;
	}
	if (size > max_bytes) {
		*too_big = 1;
		snprintf(err, errlen, "message UID %" PRIu32 " is %" PRIu64
		    " bytes, more than the limit of %zu", uid, size, max_bytes);
		return -1;
	}

	/* The body only by URL (a custom FETCH would read it as protocol),
	 * with the custom request reset.  The write callback stops at
	 * max_bytes should the server have lied about the size. */
	url = xasprintf("%s;UIDVALIDITY=%" PRIu32 ";UID=%" PRIu32,
	    im->box_url, uidvalidity, uid);
	rc = perform(im, url, NULL, max_bytes);
	free(url);
	if (rc == CURLE_WRITE_ERROR && im->body_over) {
		*too_big = 1;
		snprintf(err, errlen, "message UID %" PRIu32 " is more than "
		    "the limit of %zu bytes", uid, max_bytes);
		return -1;
	}
	if (rc != CURLE_OK) {
		if (rc == CURLE_REMOTE_FILE_NOT_FOUND &&
		    strstr(im->curlerr, "UIDVALIDITY") != NULL)
			snprintf(err, errlen, "UID %" PRIu32 " on %s: the "
			    "mailbox's UIDVALIDITY is no longer %" PRIu32, uid,
			    im->hostport, uidvalidity);
		else
			describe(im, rc, "UID FETCH", err, errlen);
		return -1;
	}
	*len = im->body.len;
	if (im->body.len == 0)
		*msg = xcalloc(1, 1);
	else
		*msg = buf_steal(&im->body);
	return 0;
}

/* \Seen and the like, or a keyword atom (RFC 3501 flag-keyword). */
static int
flag_ok(const char *flag)
{
	static const char *const sys[] = { "\\Seen", "\\Answered",
	    "\\Flagged", "\\Draft" };
	size_t	n = strlen(flag);

	if (flag[0] == '\\') {
		for (size_t i = 0; i < sizeof(sys) / sizeof(*sys); i++)
			if (!strcasecmp(flag, sys[i]))
				return 1;
		return 0;
	}
	if (n == 0 || n > MAX_FLAG)
		return 0;
	for (const char *p = flag; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("(){%*\"\\]", *p) != NULL)
			return 0;
	return 1;
}

static int store_flag(struct imap *, uint32_t, const char *, char,
    char *, size_t);

int
imap_flag(struct imap *im, uint32_t uid, const char *flag, char *err,
    size_t errlen)
{
	return store_flag(im, uid, flag, '+', err, errlen);
}

int
imap_unflag(struct imap *im, uint32_t uid, const char *flag, char *err,
    size_t errlen)
{
	return store_flag(im, uid, flag, '-', err, errlen);
}

static int
store_flag(struct imap *im, uint32_t uid, const char *flag, char sign,
    char *err, size_t errlen)
{
	char		*cmd;
	CURLcode	 rc;

	if (uid == 0 || !flag_ok(flag)) {
		/* \Deleted too: nothing is ever deleted here */
		snprintf(err, errlen, "flag \"%.*s\" is not allowed (expected "
		    "\\Seen, \\Answered, \\Flagged, \\Draft or a keyword)",
		    has_ctl(flag) ? 0 : MAX_FLAG, flag);
		return -1;
	}
	if (im->readonly) {
		snprintf(err, errlen, "the mailbox on %s is read-only",
		    im->hostport);
		return -1;
	}
	cmd = xasprintf("UID STORE %" PRIu32 " %cFLAGS.SILENT (%s)", uid, sign,
	    flag);
	rc = perform(im, im->box_url, cmd, 1024 * 1024);
	free(cmd);
	if (rc != CURLE_OK) {
		describe(im, rc, "UID STORE", err, errlen);
		return -1;
	}
	/* Dovecot's answer when the mailbox was opened read-only elsewhere */
	if (strcasestr(im->last, "read-only") != NULL ||
	    strcasestr(im->last, "ignored") != NULL) {
		snprintf(err, errlen, "UID STORE on %s: %s", im->hostport,
		    im->last);
		return -1;
	}
	return 0;
}

/* Is there such a mailbox?  LIST with the exact name (no wildcards). */
static int
mailbox_exists(struct imap *im, const char *q, int *exists, char *err,
    size_t errlen)
{
	char		*cmd, *p, *line;
	CURLcode	 rc;

	cmd = xasprintf("LIST \"\" %s", q);
	rc = perform(im, im->box_url, cmd, 1024 * 1024);
	free(cmd);
	if (rc != CURLE_OK) {
		describe(im, rc, "LIST", err, errlen);
		return -1;
	}
	*exists = 0;
	p = im->body.data;
	while ((line = next_line(&p)) != NULL)
		if (strncasecmp(line, "* LIST ", 7) == 0 &&
		    strcasestr(line, "\\NonExistent") == NULL &&
		    strcasestr(line, "\\Noselect") == NULL)
			*exists = 1;
	return 0;
}

/*
 * CREATE, ALREADYEXISTS being fine (someone else was quicker), then
 * SUBSCRIBE so that people see the folder in their mail program.
 */
static int
create(struct imap *im, const char *q, char *err, size_t errlen)
{
	char		*cmd;
	CURLcode	 rc;

	cmd = xasprintf("CREATE %s", q);
	rc = perform(im, im->box_url, cmd, 65536);
	free(cmd);
	if (rc != CURLE_OK && !(rc == CURLE_QUOTE_ERROR &&
	    strstr(said(im), "[ALREADYEXISTS]") != NULL)) {
		describe(im, rc, "CREATE", err, errlen);
		return -1;
	}
	cmd = xasprintf("SUBSCRIBE %s", q);
	if ((rc = perform(im, im->box_url, cmd, 65536)) != CURLE_OK)
		log_debug("imap: SUBSCRIBE %s on %s: %s", q, im->hostport,
		    *said(im) ? said(im) : curl_easy_strerror(rc));
	free(cmd);
	return 0;
}

int
imap_copy(struct imap *im, uint32_t uid, const char *mailbox, char *err,
    size_t errlen)
{
	char		*q = NULL, *cmd;
	CURLcode	 rc;
	int		 exists, ret = -1;

	if (uid == 0) {
		snprintf(err, errlen, "copy: UID must not be 0");
		return -1;
	}
	if (mailbox_forms(im, mailbox, &q, NULL, err, errlen) == -1)
		return -1;
	if (im->ensured == NULL || strcmp(im->ensured, q) != 0) {
		if (mailbox_exists(im, q, &exists, err, errlen) == -1 ||
		    (!exists && create(im, q, err, errlen) == -1))
			goto out;
		free(im->ensured);
		im->ensured = xstrdup(q);
	}
	cmd = xasprintf("UID COPY %" PRIu32 " %s", uid, q);
	rc = perform(im, im->box_url, cmd, 1024 * 1024);
	if (rc == CURLE_QUOTE_ERROR && strstr(said(im), "[TRYCREATE]") !=
	    NULL) {
		/* deleted since we looked: make it again, once */
		if (create(im, q, err, errlen) == -1) {
			free(cmd);
			free(im->ensured);
			im->ensured = NULL;
			goto out;
		}
		rc = perform(im, im->box_url, cmd, 1024 * 1024);
	}
	free(cmd);
	if (rc != CURLE_OK) {
		free(im->ensured);
		im->ensured = NULL;
		describe(im, rc, "UID COPY", err, errlen);
		goto out;
	}
	/* UIDPLUS servers say where the copy went; no COPYUID means no
	 * message had that UID (the command still succeeds) */
	if (im->uidplus && strstr(im->last, "[COPYUID ") == NULL) {
		snprintf(err, errlen, "UID COPY on %s: no message with UID %"
		    PRIu32 " (%s)", im->hostport, uid, im->last);
		goto out;
	}
	ret = 0;
out:
	free(q);
	return ret;
}
