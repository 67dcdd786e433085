/*
 * libESMTP, with its traps (LIBRARIES.md §1) handled here: our own
 * SSL_CTX (the built-in one is freed under us), TLS capped at 1.2 (1.3
 * stalls), timeouts in milliseconds with the RFC minimum overridden, a
 * failed AUTH seen only in the protocol monitor, and a session that
 * "succeeds" without sending when the certificate is refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <auth-client.h>
#include <libesmtp.h>

#include "log.h"
#include "smtp.h"
#include "util.h"

struct session_state {
	const char	*user;
	char		*password;
	int		 auth_failed;	/* a 535 or 530 came back */
	int		 no_starttls;
	char		 tls_error[160];
	char		 last_reply[160];
};

void
smtp_init(void)
{
	auth_client_init();
}

static int
interact(auth_client_request_t req, char **result, int fields, void *arg)
{
	struct session_state	*ss = arg;

	for (int i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = (char *)ss->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = ss->password;
		else
			return 0;
	}
	return 1;
}

/* Server lines, as they pass: the only place a failed AUTH shows. */
static void
monitor(const char *buf, int len, int writing, void *arg)
{
	struct session_state	*ss = arg;

	if (writing != 0 || len < 3)
		return;
	if (!strncmp(buf, "535", 3) || !strncmp(buf, "530", 3))
		ss->auth_failed = 1;
	snprintf(ss->last_reply, sizeof(ss->last_reply), "%.*s",
	    (int)strcspn(buf, "\r\n") < len ? (int)strcspn(buf, "\r\n") : len,
	    buf);
}

static void
event(smtp_session_t s, int ev, void *arg, ...)
{
	struct session_state	*ss = arg;
	va_list			 ap;
	int			*ok;

	(void)s;
	va_start(ap, arg);
	switch (ev) {
	case SMTP_EV_EXTNA_STARTTLS:
		ss->no_starttls = 1;
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		(void)va_arg(ap, long);
		ok = va_arg(ap, int *);
		*ok = 0;
		snprintf(ss->tls_error, sizeof(ss->tls_error), "the server's "
		    "certificate is not trusted (ca_file)");
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		*ok = 0;
		snprintf(ss->tls_error, sizeof(ss->tls_error), "the server's "
		    "certificate does not name the host");
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
	case SMTP_EV_UNUSABLE_CA_LIST:
		ok = va_arg(ap, int *);
		*ok = 0;
		snprintf(ss->tls_error, sizeof(ss->tls_error), "no usable "
		    "server certificate or CA list");
		break;
	default:
		break;
	}
	va_end(ap);
}

/* Keep OpenSSL's reason, so the log says why the handshake failed. */
static int
verify(int ok, X509_STORE_CTX *x)
{
	SSL			*ssl;
	struct session_state	*ss;

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl && (ss = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl))) != NULL)
		snprintf(ss->tls_error, sizeof(ss->tls_error), "the server's "
		    "certificate is refused: %s", X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(x)));
	return 0;
}

static SSL_CTX *
tls_context(const struct smtp_conf *c, struct session_state *ss, char *err,
    size_t errlen)
{
	SSL_CTX	*ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		snprintf(err, errlen, "TLS: cannot make a context");
		return NULL;
	}
	/* libESMTP stalls now and then over TLS 1.3 (LIBRARIES.md §1). */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify);
	SSL_CTX_set_app_data(ctx, ss);
	if ((*c->ca_file && SSL_CTX_load_verify_locations(ctx, c->ca_file,
	    NULL) != 1) || (!*c->ca_file &&
	    SSL_CTX_set_default_verify_paths(ctx) != 1)) {
		snprintf(err, errlen, "TLS: cannot load CA %s", *c->ca_file ?
		    c->ca_file : "from the system store");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

struct rcpt_walk {
	int		 code;
	char		 text[200];
};

static void
rcpt_status(smtp_recipient_t r, const char *mailbox, void *arg)
{
	struct rcpt_walk	*w = arg;
	const smtp_status_t	*st = smtp_recipient_status(r);

	(void)mailbox;
	w->code = st->code;
	snprintf(w->text, sizeof(w->text), "%.*s", (int)strcspn(st->text ?
	    st->text : "", "\r\n"), st->text ? st->text : "");
}

/* One message's fate from what the server said to RCPT and DATA. */
static void
item_result(smtp_message_t m, struct smtp_item *it)
{
	const smtp_status_t	*st = smtp_message_transfer_status(m);
	struct rcpt_walk	 w = { 0, "" };

	smtp_enumerate_recipients(m, rcpt_status, &w);
	it->code = st->code;
	if (st->code == 250) {
		it->result = SMTP_SENT;
		return;
	}
	if (w.code >= 400 && w.code != 250)
		it->code = w.code;
	if (it->code >= 500) {
		it->result = SMTP_PERMFAIL;
		snprintf(it->error, sizeof(it->error), "%d %s", it->code,
		    w.code >= 500 ? w.text : st->text ? st->text : "");
	} else {
		it->result = SMTP_TEMPFAIL;
		snprintf(it->error, sizeof(it->error), "%d %s", it->code,
		    w.code >= 400 ? w.text : st->text ? st->text : "not sent");
	}
	it->error[strcspn(it->error, "\r\n")] = '\0';
}

static void
fail_all(struct smtp_item *items, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++) {
		items[i].result = SMTP_TEMPFAIL;
		items[i].code = 0;
		snprintf(items[i].error, sizeof(items[i].error), "%s", why);
	}
}

int
smtp_send(const struct smtp_conf *c, struct smtp_item *items, size_t n,
    char *err, size_t errlen)
{
	struct session_state	 ss;
	smtp_session_t		 s;
	smtp_message_t		*msgs;
	auth_context_t		 ac = NULL;
	SSL_CTX			*ctx = NULL;
	char			 hostport[300], ebuf[128];
	const int		 which[] = { Timeout_GREETING, Timeout_ENVELOPE,
	    Timeout_DATA, Timeout_TRANSFER, Timeout_DATA2 };
	int			 rc = 0;

	memset(&ss, 0, sizeof(ss));
	ss.user = c->user;
	if (*c->user && password_read(c->password_file, &ss.password, err,
	    errlen) == -1) {
		fail_all(items, n, err);
		return -1;
	}
	s = smtp_create_session();
	snprintf(hostport, sizeof(hostport), "%s:%d", c->host, c->port);
	smtp_set_server(s, hostport);
	for (size_t i = 0; i < sizeof(which) / sizeof(*which); i++)
		smtp_set_timeout(s, which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
		    (long)c->timeout * 1000);
	smtp_set_eventcb(s, event, &ss);
	smtp_set_monitorcb(s, monitor, &ss, 0);
	smtp_option_require_all_recipients(s, 1);
	if (strcmp(c->tls, "off")) {
		if ((ctx = tls_context(c, &ss, err, errlen)) == NULL) {
			smtp_destroy_session(s);
			free(ss.password);
			fail_all(items, n, err);
			return -1;
		}
		smtp_starttls_enable(s, strcmp(c->tls, "required") ?
		    Starttls_ENABLED : Starttls_REQUIRED);
		smtp_starttls_set_ctx(s, ctx);
		SSL_CTX_free(ctx);	/* the session holds its own reference */
	} else
		smtp_starttls_enable(s, Starttls_DISABLED);
	if (*c->user) {
		ac = auth_create_context();
		auth_set_mechanism_flags(ac, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(ac, interact, &ss);
		smtp_auth_set_context(s, ac);
	}
	msgs = xcalloc(n, sizeof(*msgs));
	for (size_t i = 0; i < n; i++) {
		msgs[i] = smtp_add_message(s);
		smtp_set_reverse_path(msgs[i], c->from);
		smtp_add_recipient(msgs[i], items[i].rcpt);
		smtp_set_messagecb(msgs[i], _smtp_message_str_cb,
		    (void *)items[i].msg);
	}
	if (!smtp_start_session(s)) {
		snprintf(err, errlen, "cannot reach %s: %s", hostport,
		    smtp_strerror(smtp_errno(), ebuf, sizeof(ebuf)));
		fail_all(items, n, err);
		rc = -1;
	} else if (ss.no_starttls && !strcmp(c->tls, "required")) {
		snprintf(err, errlen, "%s does not offer STARTTLS, and tls = "
		    "required", hostport);
		fail_all(items, n, err);
		rc = -1;
	} else if (*ss.tls_error) {
		snprintf(err, errlen, "%s: TLS: %s", hostport, ss.tls_error);
		fail_all(items, n, err);
		rc = -1;
	} else if (ss.auth_failed) {
		snprintf(err, errlen, "%s: authentication as %s failed (%s)",
		    hostport, c->user, ss.last_reply);
		fail_all(items, n, err);
		rc = -1;
	} else {
		size_t tried = 0;

		for (size_t i = 0; i < n; i++) {
			item_result(msgs[i], &items[i]);
			tried += items[i].code != 0;
		}
		/* A refused handshake ends the session with nothing tried. */
		if (tried == 0 && n > 0) {
			snprintf(err, errlen, "%s: session ended before any "
			    "mail: %s", hostport, smtp_errno() ? smtp_strerror(
			    smtp_errno(), ebuf, sizeof(ebuf)) : ss.last_reply);
			fail_all(items, n, err);
			rc = -1;
		}
	}
	smtp_destroy_session(s);
	if (ac)
		auth_destroy_context(ac);
	if (ss.password) {
		explicit_bzero(ss.password, strlen(ss.password));
		free(ss.password);
	}
	free(msgs);
	return rc;
}
