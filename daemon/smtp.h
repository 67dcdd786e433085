/*
 * SMTP submission with libESMTP: one session per batch, STARTTLS with our
 * own SSL_CTX (TLS 1.2 at most, LIBRARIES.md §1), AUTH, and a status per
 * message that tells sent (250), temporary (4xx, no connection) and
 * permanent (5xx) apart.
 */
#ifndef ANSVAR_SMTP_H
#define ANSVAR_SMTP_H

#include <stddef.h>
#include <stdint.h>

struct smtp_conf {
	char	*host;
	int	 port;
	char	*tls;		/* required, optional, off */
	char	*user;		/* empty: no AUTH */
	char	*password_file;
	char	*ca_file;	/* empty: the system store */
	int	 timeout;	/* seconds */
	char	*from;		/* envelope sender */
};

enum smtp_result { SMTP_SENT, SMTP_TEMPFAIL, SMTP_PERMFAIL };

struct smtp_item {
	int64_t		 id;
	const char	*rcpt;
	const char	*msg;		/* CRLF, NUL-terminated */
	enum smtp_result result;
	int		 code;
	char		 error[256];
};

void	smtp_init(void);
/* Sends every item in one session; each item's result is set.  Returns -1
 * when the session itself failed (no connection, TLS, AUTH), with err. */
int	smtp_send(const struct smtp_conf *, struct smtp_item *, size_t n,
	    char *err, size_t errlen);

#endif
