/*
 * The IMAP fetcher thread.  A pass: log in, check UIDVALIDITY, store every
 * message past the last UID in the inbox table with the cursor in the
 * same transaction, mark on the server the mail the main thread has
 * finished with, log out.  No transaction is open while the network
 * is used.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <glib.h>

#include "fetcher.h"
#include "imap.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct fconf {
	char	*url, *tls, *user, *password_file, *ca_file, *mailbox;
	char	*processed;
	int	 poll_seconds;
	size_t	 max_bytes;
};

struct fetcher {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 kick;
	pthread_cond_t	 done;
	sqlite3		*db;
	struct fconf	 conf;
	bool		 timed;
	int		 efd;
	time_t		 now;
	unsigned long	 requested, finished;
	bool		 stop, changed;
	/* The thread's own. */
	struct imap	*im;
	char		 last_error[512];
};

const char *
inbox_left_alone(const char *cls)
{
	static const char *const left[] = { "unknown", "reply-unknown",
	    "malformed", "too-big", NULL };

	for (const char *const *l = left; *l; l++)
		if (!strcmp(cls, *l))
			return *l;
	return NULL;
}

static void
fconf_free(struct fconf *c)
{
	free(c->url);
	free(c->tls);
	free(c->user);
	free(c->password_file);
	free(c->ca_file);
	free(c->mailbox);
	free(c->processed);
	memset(c, 0, sizeof(*c));
}

static void
fconf_copy(struct fconf *c, const struct config *cfg)
{
	c->url = xstrdup(cfg->imap_url);
	c->tls = xstrdup(cfg->imap_tls);
	c->user = xstrdup(cfg->imap_user);
	c->password_file = xstrdup(cfg->imap_password_file);
	c->ca_file = xstrdup(cfg->imap_ca_file);
	c->mailbox = xstrdup(cfg->imap_mailbox);
	c->processed = xstrdup(cfg->imap_processed_mailbox);
	c->poll_seconds = cfg->imap_poll_seconds;
	c->max_bytes = (size_t)cfg->imap_max_message_mb * 1024 * 1024;
}

static void
fconf_dup(struct fconf *d, const struct fconf *s)
{
	d->url = xstrdup(s->url);
	d->tls = xstrdup(s->tls);
	d->user = xstrdup(s->user);
	d->password_file = xstrdup(s->password_file);
	d->ca_file = xstrdup(s->ca_file);
	d->mailbox = xstrdup(s->mailbox);
	d->processed = xstrdup(s->processed);
	d->poll_seconds = s->poll_seconds;
	d->max_bytes = s->max_bytes;
}

/* A problem is logged when it starts and when it ends, not every poll. */
static void
problem(struct fetcher *f, const struct fconf *c, time_t now, const char *err)
{
	if (err == NULL) {
		if (f->last_error[0])
			log_info("imap: %s: reading mail again", c->url);
		f->last_error[0] = '\0';
	} else if (strcmp(err, f->last_error)) {
		log_warnx("imap: %s", err);
		snprintf(f->last_error, sizeof(f->last_error), "%s", err);
	}
	store_begin(f->db);
	db_run(f->db, "INSERT INTO imap_state (mailbox, uidvalidity, last_uid, "
	    "polled_at, error) VALUES (?1, 0, 0, ?2, ?3) ON CONFLICT (mailbox) "
	    "DO UPDATE SET polled_at = ?2, error = ?3", "sls", c->mailbox,
	    (int64_t)now, err);
	store_commit(f->db);
}

static void
session_close(struct fetcher *f)
{
	imap_close(f->im);
	f->im = NULL;
}

static int
session(struct fetcher *f, const struct fconf *c, char *err, size_t errlen)
{
	struct imap_conf ic;
	char		*pw;

	if (f->im)
		return 0;
	if (password_read(c->password_file, &pw, err, errlen) == -1)
		return -1;
	memset(&ic, 0, sizeof(ic));
	ic.url = c->url;
	ic.tls = c->tls;
	ic.user = c->user;
	ic.password = pw;
	ic.ca_file = c->ca_file;
	ic.mailbox = c->mailbox;
	ic.processed_mailbox = c->processed;
	ic.timeout = 60;
	f->im = imap_open(&ic, err, errlen);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	return f->im ? 0 : -1;
}

/* Store one message (or, too big, its record) and move the cursor. */
static void
store_one(struct fetcher *f, const struct fconf *c, uint32_t uidvalidity,
    uint32_t uid, time_t now, const char *msg, size_t len, int too_big,
    int was_seen, const char *why)
{
	gchar	*sum = NULL;

	store_begin(f->db);
	if (too_big) {
		char *outcome = xasprintf("%s; left in the mailbox unread", why);

		db_try(f->db, "INSERT INTO inbox (source, uidvalidity, uid, "
		    "received_at, size, class, outcome, handled_at, imap_done) "
		    "VALUES ('imap', ?, ?, ?, 0, 'too-big', ?, ?, 1)", "lllsl",
		    (int64_t)uidvalidity, (int64_t)uid, (int64_t)now, outcome,
		    (int64_t)now);
		log_warnx("imap: UID %u: %s", uid, outcome);
		free(outcome);
	} else {
		sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
		    (const guchar *)msg, len);
		db_try(f->db, "INSERT INTO inbox (source, uidvalidity, uid, "
		    "received_at, size, sha256, raw, was_seen) VALUES ('imap', ?, "
		    "?, ?, ?, ?, ?, ?)", "lllisbi", (int64_t)uidvalidity,
		    (int64_t)uid, (int64_t)now, (int)len, sum, msg, len, was_seen);
		g_free(sum);
	}
	db_run(f->db, "UPDATE imap_state SET last_uid = ? WHERE mailbox = ? "
	    "AND last_uid < ?", "lsl", (int64_t)uid, c->mailbox, (int64_t)uid);
	store_commit(f->db);
}

/* New mail into the inbox table; returns how many were stored, or -1. */
static int
fetch_new(struct fetcher *f, const struct fconf *c, time_t now, char *err,
    size_t errlen)
{
	uint32_t	 uv, stored_uv, last, *uids = NULL;
	int		 n, got = 0;

	if (imap_uidvalidity(f->im, &uv, err, errlen) == -1)
		return -1;
	stored_uv = (uint32_t)db_int(f->db, 0, "SELECT uidvalidity FROM "
	    "imap_state WHERE mailbox = ?", "s", c->mailbox);
	if (stored_uv != uv) {
		if (stored_uv != 0)
			log_warnx("imap: %s: UIDVALIDITY changed from %u to %u; "
			    "reading the mailbox again (mail handled before is "
			    "recognised by its content)", c->mailbox, stored_uv,
			    uv);
		store_begin(f->db);
		db_run(f->db, "INSERT INTO imap_state (mailbox, uidvalidity, "
		    "last_uid) VALUES (?1, ?2, 0) ON CONFLICT (mailbox) DO UPDATE "
		    "SET uidvalidity = ?2, last_uid = 0", "sl", c->mailbox,
		    (int64_t)uv);
		store_commit(f->db);
	}
	last = (uint32_t)db_int(f->db, 0, "SELECT last_uid FROM imap_state "
	    "WHERE mailbox = ?", "s", c->mailbox);
	if ((n = imap_search_after(f->im, last, &uids, err, errlen)) == -1)
		return -1;
	for (int i = 0; i < n && !f->stop; i++) {
		char	*msg = NULL, why[300];
		size_t	 len = 0;
		int	 too_big = 0, seen = 0;

		if (imap_fetch(f->im, uv, uids[i], c->max_bytes, &msg, &len,
		    &too_big, &seen, why, sizeof(why)) == -1 && !too_big) {
			/* Gone meanwhile (moved by a person): nothing to keep. */
			if (strstr(why, "no message with UID")) {
				log_warnx("imap: %s; gone before it was read",
				    why);
				store_begin(f->db);
				db_run(f->db, "UPDATE imap_state SET last_uid = ? "
				    "WHERE mailbox = ? AND last_uid < ?", "lsl",
				    (int64_t)uids[i], c->mailbox,
				    (int64_t)uids[i]);
				store_commit(f->db);
				continue;
			}
			snprintf(err, errlen, "%s", why);
			free(uids);
			return -1;
		}
		store_one(f, c, uv, uids[i], now, msg, len, too_big, seen, why);
		free(msg);
		got++;
	}
	free(uids);
	return got;
}

/* Mark on the server what the main thread has finished with. */
static int
mark_done(struct fetcher *f, const struct fconf *c, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	uint32_t	 uv;
	struct {
		int64_t	 id;
		uint32_t uid;
		int	 handled, was_seen;
	}		*rows = NULL;
	size_t		 n = 0;
	int		 rc = 0;

	uv = (uint32_t)db_int(f->db, 0, "SELECT uidvalidity FROM imap_state "
	    "WHERE mailbox = ?", "s", c->mailbox);
	st = db_stmt(f->db, "SELECT id, uid, class, was_seen FROM inbox WHERE "
	    "source = 'imap' AND class IS NOT NULL AND imap_done = 0 AND "
	    "uidvalidity = ? ORDER BY id LIMIT 500", "l", (int64_t)uv);
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows = xrealloc(rows, sizeof(*rows) * (n + 1));
		rows[n].id = sqlite3_column_int64(st, 0);
		rows[n].uid = (uint32_t)sqlite3_column_int64(st, 1);
		rows[n].handled = inbox_left_alone(col_text(st, 2)) == NULL;
		rows[n].was_seen = sqlite3_column_int(st, 3);
		n++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (rows[i].handled) {
			if (imap_flag(f->im, rows[i].uid, "\\Seen", err,
			    errlen) == -1 || imap_flag(f->im, rows[i].uid,
			    "$AnsvarDone", err, errlen) == -1 ||
			    (*c->processed && imap_copy(f->im, rows[i].uid,
			    c->processed, err, errlen) == -1))
				rc = -1;
		} else if (!rows[i].was_seen &&
		    imap_unflag(f->im, rows[i].uid, "\\Seen", err, errlen) == -1)
			rc = -1;
		if (rc == 0) {
			store_begin(f->db);
			db_run(f->db, "UPDATE inbox SET imap_done = 1 WHERE id = ?",
			    "l", rows[i].id);
			store_commit(f->db);
		}
	}
	free(rows);
	return rc;
}

static void
pass(struct fetcher *f, const struct fconf *c, time_t now)
{
	char	err[512];
	int	got = 0;

	if (session(f, c, err, sizeof(err)) == -1 ||
	    (got = fetch_new(f, c, now, err, sizeof(err))) == -1) {
		session_close(f);
		problem(f, c, now, err);
		return;
	}
	/* A server that will not take the marks still has its mail read. */
	if (mark_done(f, c, err, sizeof(err)) == -1) {
		session_close(f);
		problem(f, c, now, err);
	} else
		problem(f, c, now, NULL);
	/* A selected mailbox does not show mail that came since (Dovecot
	 * syncs at SELECT and NOOP): one fresh session per pass. */
	session_close(f);
	if (got > 0) {
		uint64_t one = 1;

		if (write(f->efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
			log_warn("fetcher: eventfd");
	}
}

static void *
run(void *arg)
{
	struct fetcher	*f = arg;
	struct fconf	 conf;
	struct timespec	 until;
	unsigned long	 req;
	time_t		 now;

	pthread_mutex_lock(&f->mu);
	/* The first look at the mailbox is at start. */
	if (f->timed)
		f->requested++;
	for (;;) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += f->conf.poll_seconds;
		while (!f->stop && f->requested == f->finished) {
			if (!f->timed) {
				pthread_cond_wait(&f->kick, &f->mu);
				continue;
			}
			if (pthread_cond_timedwait(&f->kick, &f->mu, &until) ==
			    ETIMEDOUT)
				break;
		}
		if (f->stop)
			break;
		req = f->requested;
		now = f->requested == f->finished || f->now == 0 ? time(NULL) :
		    f->now;
		fconf_dup(&conf, &f->conf);
		if (f->changed) {
			f->changed = false;
			session_close(f);
		}
		pthread_mutex_unlock(&f->mu);
		pass(f, &conf, now);
		fconf_free(&conf);
		pthread_mutex_lock(&f->mu);
		f->finished = req;
		pthread_cond_broadcast(&f->done);
	}
	f->finished = f->requested;
	pthread_cond_broadcast(&f->done);
	pthread_mutex_unlock(&f->mu);
	session_close(f);
	return NULL;
}

struct fetcher *
fetcher_start(const char *db_path, const struct config *cfg, bool timed)
{
	struct fetcher	*f = xcalloc(1, sizeof(*f));
	struct buf	 err;
	sigset_t	 all, old;

	buf_init(&err);
	if ((f->db = store_open(db_path, &err)) == NULL)
		fatalx("fetcher: %s", buf_str(&err));
	buf_free(&err);
	if ((f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("fetcher: eventfd");
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->kick, NULL);
	pthread_cond_init(&f->done, NULL);
	fconf_copy(&f->conf, cfg);
	f->timed = timed;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&f->th, NULL, run, f) != 0)
		fatal("fetcher: pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return f;
}

void
fetcher_configure(struct fetcher *f, const struct config *cfg)
{
	pthread_mutex_lock(&f->mu);
	fconf_free(&f->conf);
	fconf_copy(&f->conf, cfg);
	f->changed = true;
	pthread_mutex_unlock(&f->mu);
}

void
fetcher_kick(struct fetcher *f, time_t now, bool wait)
{
	unsigned long	mine;

	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->now = now;
	mine = ++f->requested;
	pthread_cond_signal(&f->kick);
	while (wait && f->finished < mine && !f->stop)
		pthread_cond_wait(&f->done, &f->mu);
	pthread_mutex_unlock(&f->mu);
}

int
fetcher_fd(const struct fetcher *f)
{
	return f ? f->efd : -1;
}

void
fetcher_drain(struct fetcher *f)
{
	uint64_t	v;

	if (f && read(f->efd, &v, sizeof(v)) == -1 && errno != EAGAIN)
		log_warn("fetcher: eventfd");
}

void
fetcher_stop(struct fetcher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->kick);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->th, NULL);
	store_close(f->db);
	close(f->efd);
	fconf_free(&f->conf);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->kick);
	pthread_cond_destroy(&f->done);
	free(f);
}
