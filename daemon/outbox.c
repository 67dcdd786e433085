/*
 * Outbox rows and their delivery.  A row is "pending" until the transport
 * accepted it; attempts is raised and committed before each try, so after
 * a crash a row with attempts > 0 is checked for an earlier delivery
 * before it is tried again.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "compose.h"
#include "log.h"
#include "mailtext.h"
#include "maildir.h"
#include "group.h"
#include "outbox.h"
#include "sender.h"
#include "store.h"

void
outbox_message_id(const char *from, const char *cause, const char *token,
    char *out, size_t len)
{
	gchar	*sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, cause, -1);

	snprintf(out, len, "ansvar.%.24s.%.16s@%s", sum, token,
	    strchr(from, '@') + 1);
	g_free(sum);
}

int
outbox_add(struct ansvar *av, const struct outmail *om)
{
	char		 msgid[256], tokbuf[33], *subject, *body, *err, *msg;
	const char	*token = om->token;
	struct mail	 m;
	size_t		 len;
	int		 rc;

	if (db_int(av->db, 0, "SELECT 1 FROM outbox WHERE cause = ?", "s",
	    om->cause))
		return 0;
	tvars_set(om->vars, "ref", om->ref);
	tvars_set(om->vars, "recipient", om->to_name);
	tvars_set(om->vars, "service_name", av->cfg->from_name);
	tvars_set(om->vars, "service_mail", av->cfg->from);
	if (mailtext_render(av->texts, om->kind, om->lang ? om->lang :
	    av->cfg->language, om->vars, &subject, &body, &err) == -1) {
		log_warnx("outbox: %s: cause=%s: %s", om->ref ? om->ref : "-",
		    om->cause, err);
		free(err);
		return -1;
	}
	if (token == NULL) {
		random_hex(tokbuf, 8);
		token = tokbuf;
	}
	outbox_message_id(av->cfg->from, om->cause, token, msgid, sizeof(msgid));
	memset(&m, 0, sizeof(m));
	m.to = om->to;
	m.to_name = om->to_name;
	m.subject = subject;
	m.body = body;
	m.message_id = msgid;
	m.kind = om->kind;
	m.ref = om->ref;
	m.date = om->due;
	m.ics = om->ics;
	m.method = om->method;
	m.verified = om->verified;
	m.attach_name = om->attach_name;
	m.attach_type = om->attach_type;
	m.attach = om->attach;
	m.attach_len = om->attach_len;
	msg = compose_message(av->cfg, &m, &len);
	rc = db_run(av->db, "INSERT INTO outbox (cause, group_id, kind, rcpt, "
	    "subject, message_id, message, created_at, due_at, deadline, "
	    "next_attempt) VALUES (?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, "
	    "NULLIF(?, 0), ?)", "slssssbllll", om->cause, (int64_t)om->group_id,
	    om->kind, om->to, subject, msgid, msg, len,
	    (int64_t)clock_now(&av->clock), (int64_t)om->due,
	    (int64_t)om->deadline, (int64_t)om->due);
	free(subject);
	free(body);
	free(msg);
	if (rc != SQLITE_DONE)
		fatalx("outbox: insert %s failed", om->cause);
	log_info("outbox: queued %s %s cause=%s", om->kind,
	    om->ref ? om->ref : "-", om->cause);
	return 1;
}

int
outbox_to_member(struct ansvar *av, const struct agroup *g,
    const struct member *m, const char *kind, const char *cause,
    struct tvars *v, const struct outmail *extra)
{
	struct outmail	om;

	if (m->email == NULL)
		return 0;
	if (extra)
		om = *extra;
	else
		memset(&om, 0, sizeof(om));
	om.cause = cause;
	om.group_id = g->id;
	om.ref = g->ref;
	om.kind = kind;
	om.to = m->email;
	om.to_name = m->name;
	om.lang = m->lang;
	om.token = m->token;
	om.vars = v;
	om.due = clock_now(&av->clock);
	return outbox_add(av, &om);
}

static char *
maildir_path(struct ansvar *av)
{
	return xasprintf("%s/maildir", av->cfg->state_dir);
}

static void
row_mark(struct ansvar *av, int64_t id, const char *state, const char *err)
{
	store_begin(av->db);
	db_run(av->db, "UPDATE outbox SET state = ?, last_error = ?, sent_at = "
	    "CASE WHEN ? = 'sent' THEN ? END WHERE id = ?", "sssll", state, err,
	    state, (int64_t)clock_now(&av->clock), id);
	store_commit(av->db);
}

struct outrow {
	int64_t	 id;
	char	*cause;
	char	*kind;
	char	*msg;
	size_t	 len;
	int64_t	 attempts;
	int64_t	 created_at;
};

static int
row_load(struct ansvar *av, int64_t id, struct outrow *r)
{
	sqlite3_stmt	*st;
	int		 found;

	st = db_stmt(av->db, "SELECT cause, kind, message, attempts, created_at "
	    "FROM outbox WHERE id = ? AND state = 'pending'", "l", id);
	if ((found = sqlite3_step(st) == SQLITE_ROW)) {
		r->id = id;
		r->cause = xstrdup(col_text(st, 0));
		r->kind = xstrdup(col_text(st, 1));
		r->len = (size_t)sqlite3_column_bytes(st, 2);
		r->msg = xmalloc(r->len + 1);
		memcpy(r->msg, sqlite3_column_blob(st, 2), r->len);
		r->msg[r->len] = '\0';
		r->attempts = sqlite3_column_int64(st, 3);
		r->created_at = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return found ? 0 : -1;
}

static void
row_free(struct outrow *r)
{
	free(r->cause);
	free(r->kind);
	free(r->msg);
}

/* One row through the Maildir transport. */
static void
deliver_maildir(struct ansvar *av, const struct outrow *r, const char *dir)
{
	char	*name = xasprintf("%lld.A%lld.ansvar", (long long)r->created_at,
	    (long long)r->id);

	if (r->attempts > 0 && maildir_has(dir, name)) {
		log_info("outbox: #%lld cause=%s was delivered before a restart",
		    (long long)r->id, r->cause);
		row_mark(av, r->id, "sent", NULL);
		free(name);
		return;
	}
	store_begin(av->db);
	db_run(av->db, "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?",
	    "l", r->id);
	store_commit(av->db);
	if (maildir_deliver(dir, name, r->msg, r->len) == 0) {
		row_mark(av, r->id, "sent", NULL);
		log_info("outbox: sent #%lld %s cause=%s to maildir",
		    (long long)r->id, r->kind, r->cause);
	} else {
		store_begin(av->db);
		db_run(av->db, "UPDATE outbox SET next_attempt = ?, last_error = "
		    "'maildir write failed' WHERE id = ?", "ll",
		    (int64_t)clock_now(&av->clock) + 60, r->id);
		store_commit(av->db);
	}
	free(name);
}

static int outbox_deliver_maildir(struct ansvar *);

/* Ids first, then one row at a time: no statement stays open across commits. */
static int64_t *
ids(struct ansvar *av, const char *sql, time_t now, size_t *n)
{
	sqlite3_stmt	*st = db_stmt(av->db, sql, "l", (int64_t)now);
	int64_t		*v = NULL;

	*n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xrealloc(v, sizeof(*v) * (*n + 1));
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

static void
drop_expired(struct ansvar *av, time_t now)
{
	size_t	 n;
	int64_t	*v = ids(av, "SELECT id FROM outbox WHERE state = 'pending' "
	    "AND deadline IS NOT NULL AND deadline < ?", now, &n);

	for (size_t i = 0; i < n; i++) {
		char *cause = db_str(av->db, "SELECT cause FROM outbox WHERE "
		    "id = ?", "l", v[i]);

		log_warnx("outbox: dropped #%lld cause=%s: its moment passed",
		    (long long)v[i], cause);
		row_mark(av, v[i], "dropped", "no longer useful");
		free(cause);
	}
	free(v);
}

int
outbox_deliver(struct ansvar *av)
{
	if (av->sender) {
		/* Tests wait for the pass; the daemon's loop does not. */
		sender_kick(av->sender, clock_now(&av->clock), av->clock.test);
		return 0;
	}
	return outbox_deliver_maildir(av);
}

static int
outbox_deliver_maildir(struct ansvar *av)
{
	time_t		 now = clock_now(&av->clock);
	char		*dir = maildir_path(av);
	size_t		 n, i;
	int64_t		*v;

	drop_expired(av, now);
	v = ids(av, "SELECT id FROM outbox WHERE state = 'pending' AND "
	    "next_attempt <= ? ORDER BY next_attempt, id", now, &n);
	for (i = 0; i < n && !av->quit; i++) {
		struct outrow r;

		if (row_load(av, v[i], &r) == -1)
			continue;
		deliver_maildir(av, &r, dir);
		row_free(&r);
	}
	free(v);
	free(dir);
	return (int)i;
}

time_t
outbox_next(struct ansvar *av)
{
	return (time_t)db_int(av->db, 0, "SELECT min(next_attempt) FROM outbox "
	    "WHERE state = 'pending'", "");
}
