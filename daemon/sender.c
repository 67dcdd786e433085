/*
 * The SMTP sender thread.  Per batch: raise attempts and commit (so a
 * crash is noticed), send in one session, then record each message's
 * fate: sent after the server's 250, retried with backoff after a 4xx or
 * no connection, failed after a 5xx.  No transaction is open while the
 * network is used.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sender.h"
#include "smtp.h"
#include "store.h"
#include "util.h"

#define BATCH	50

struct sender {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 kick;
	pthread_cond_t	 done;
	sqlite3		*db;
	struct smtp_conf conf;
	time_t		 now;
	unsigned long	 requested, finished;
	bool		 stop;
};

long
retry_delay(long attempts)
{
	long	d = 60;

	while (--attempts > 0 && d < 3600)
		d *= 2;
	return d < 3600 ? d : 3600;
}

static void
conf_free(struct smtp_conf *c)
{
	free(c->host);
	free(c->tls);
	free(c->user);
	free(c->password_file);
	free(c->ca_file);
	free(c->from);
	memset(c, 0, sizeof(*c));
}

static void
conf_copy(struct smtp_conf *c, const struct config *cfg)
{
	c->host = xstrdup(cfg->smtp_host);
	c->port = cfg->smtp_port;
	c->tls = xstrdup(cfg->smtp_tls);
	c->user = xstrdup(cfg->smtp_user);
	c->password_file = xstrdup(cfg->smtp_password_file);
	c->ca_file = xstrdup(cfg->smtp_ca_file);
	c->timeout = cfg->smtp_timeout;
	c->from = xstrdup(cfg->from);
}

static void
conf_dup(struct smtp_conf *dst, const struct smtp_conf *src)
{
	dst->host = xstrdup(src->host);
	dst->port = src->port;
	dst->tls = xstrdup(src->tls);
	dst->user = xstrdup(src->user);
	dst->password_file = xstrdup(src->password_file);
	dst->ca_file = xstrdup(src->ca_file);
	dst->timeout = src->timeout;
	dst->from = xstrdup(src->from);
}

static void
drop_expired(sqlite3 *db, time_t now)
{
	sqlite3_stmt	*st;

	st = db_stmt(db, "SELECT id, cause FROM outbox WHERE state = 'pending' "
	    "AND deadline IS NOT NULL AND deadline < ?", "l", (int64_t)now);
	while (sqlite3_step(st) == SQLITE_ROW)
		log_warnx("outbox: dropped #%lld cause=%s: not sent before it "
		    "stopped being useful", (long long)sqlite3_column_int64(st, 0),
		    col_text(st, 1));
	sqlite3_finalize(st);
	db_run(db, "UPDATE outbox SET state = 'dropped', last_error = "
	    "coalesce(last_error || '; ', '') || 'not sent before its deadline' "
	    "WHERE state = 'pending' AND deadline IS NOT NULL AND deadline < ?",
	    "l", (int64_t)now);
}

/* Up to BATCH due rows, with attempts raised and committed. */
static size_t
batch_load(sqlite3 *db, time_t now, struct smtp_item *it, char **causes)
{
	sqlite3_stmt	*st;
	size_t		 n = 0;

	st = db_stmt(db, "SELECT id, rcpt, message, cause FROM outbox WHERE "
	    "state = 'pending' AND next_attempt <= ? ORDER BY next_attempt, id "
	    "LIMIT ?", "li", (int64_t)now, BATCH);
	while (n < BATCH && sqlite3_step(st) == SQLITE_ROW) {
		size_t	len = (size_t)sqlite3_column_bytes(st, 2);
		char	*msg = xmalloc(len + 1);

		memcpy(msg, sqlite3_column_blob(st, 2), len);
		msg[len] = '\0';
		memset(&it[n], 0, sizeof(it[n]));
		it[n].id = sqlite3_column_int64(st, 0);
		it[n].rcpt = xstrdup(col_text(st, 1));
		it[n].msg = msg;
		causes[n] = xstrdup(col_text(st, 3));
		n++;
	}
	sqlite3_finalize(st);
	store_begin(db);
	for (size_t i = 0; i < n; i++)
		db_run(db, "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?",
		    "l", it[i].id);
	store_commit(db);
	return n;
}

static void
batch_record(sqlite3 *db, time_t now, struct smtp_item *it, char **causes,
    size_t n)
{
	store_begin(db);
	for (size_t i = 0; i < n; i++) {
		switch (it[i].result) {
		case SMTP_SENT:
			db_run(db, "UPDATE outbox SET state = 'sent', sent_at = ?, "
			    "last_error = NULL WHERE id = ?", "ll", (int64_t)now,
			    it[i].id);
			log_info("outbox: sent #%lld cause=%s", (long long)it[i].id,
			    causes[i]);
			break;
		case SMTP_TEMPFAIL:
			db_run(db, "UPDATE outbox SET next_attempt = ? + ?, "
			    "last_error = ? WHERE id = ?", "llsl", (int64_t)now,
			    (int64_t)retry_delay(db_int(db, 1, "SELECT attempts "
			    "FROM outbox WHERE id = ?", "l", it[i].id)),
			    it[i].error, it[i].id);
			log_warnx("outbox: #%lld cause=%s: %s; will retry",
			    (long long)it[i].id, causes[i], it[i].error);
			break;
		case SMTP_PERMFAIL:
			db_run(db, "UPDATE outbox SET state = 'failed', last_error "
			    "= ? WHERE id = ?", "sl", it[i].error, it[i].id);
			log_warnx("outbox: #%lld cause=%s failed: %s",
			    (long long)it[i].id, causes[i], it[i].error);
			break;
		}
	}
	store_commit(db);
}

static void
pass(struct sender *s, const struct smtp_conf *conf, time_t now)
{
	struct smtp_item	 it[BATCH];
	char			*causes[BATCH], err[300];
	size_t			 n;
	int			 rc;

	store_begin(s->db);
	drop_expired(s->db, now);
	store_commit(s->db);
	do {
		if ((n = batch_load(s->db, now, it, causes)) == 0)
			break;
		rc = smtp_send(conf, it, n, err, sizeof(err));
		if (rc == -1)
			log_warnx("smtp: %s", err);
		batch_record(s->db, now, it, causes, n);
		for (size_t i = 0; i < n; i++) {
			free((char *)it[i].rcpt);
			free((char *)it[i].msg);
			free(causes[i]);
		}
		/* The server is away: back off instead of hammering it. */
	} while (rc == 0 && n == BATCH && !s->stop);
}

static void *
run(void *arg)
{
	struct sender	*s = arg;
	struct smtp_conf conf;
	unsigned long	 req;
	time_t		 now;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stop && s->requested == s->finished)
			pthread_cond_wait(&s->kick, &s->mu);
		if (s->stop)
			break;
		req = s->requested;
		now = s->now;
		conf_dup(&conf, &s->conf);
		pthread_mutex_unlock(&s->mu);
		pass(s, &conf, now);
		conf_free(&conf);
		pthread_mutex_lock(&s->mu);
		s->finished = req;
		pthread_cond_broadcast(&s->done);
	}
	s->finished = s->requested;
	pthread_cond_broadcast(&s->done);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct sender *
sender_start(const char *db_path, const struct config *cfg)
{
	struct sender	*s = xcalloc(1, sizeof(*s));
	struct buf	 err;
	sigset_t	 all, old;

	buf_init(&err);
	if ((s->db = store_open(db_path, &err)) == NULL)
		fatalx("sender: %s", buf_str(&err));
	buf_free(&err);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->kick, NULL);
	pthread_cond_init(&s->done, NULL);
	conf_copy(&s->conf, cfg);
	smtp_init();
	/* Signals are the main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&s->th, NULL, run, s) != 0)
		fatal("sender: pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return s;
}

void
sender_configure(struct sender *s, const struct config *cfg)
{
	pthread_mutex_lock(&s->mu);
	conf_free(&s->conf);
	conf_copy(&s->conf, cfg);
	pthread_mutex_unlock(&s->mu);
}

void
sender_kick(struct sender *s, time_t now, bool wait)
{
	unsigned long	mine;

	pthread_mutex_lock(&s->mu);
	s->now = now;
	mine = ++s->requested;
	pthread_cond_signal(&s->kick);
	while (wait && s->finished < mine && !s->stop)
		pthread_cond_wait(&s->done, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

void
sender_stop(struct sender *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->kick);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	store_close(s->db);
	conf_free(&s->conf);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->kick);
	pthread_cond_destroy(&s->done);
	free(s);
}
