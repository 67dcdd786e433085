/*
 * Operations: status, audit, outbox list, and the test clock.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "group.h"
#include "outbox.h"
#include "store.h"

#ifndef ANSVAR_VERSION
#define ANSVAR_VERSION "0.1"
#endif

/* A time column as local "YYYY-MM-DD HH:MM", or null. */
void
fmt_time(struct val *o, const char *key, sqlite3_stmt *st, int col)
{
	char	buf[32];

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		o_str(o, key, NULL);
		return;
	}
	time_format_local((time_t)sqlite3_column_int64(st, col), buf, sizeof(buf));
	o_str(o, key, buf);
}

/* Each group the caller may see that has something flagged. */
static void
status_groups(struct cmd_ctx *ctx, struct val *arr)
{
	sqlite3_stmt	*st;
	char		**refs = NULL;
	size_t		 n = 0;

	st = db_stmt(ctx->av->db, "SELECT ref FROM groups WHERE state != "
	    "'closed' AND (?1 OR id IN (SELECT group_id FROM members WHERE "
	    "login = ?2 AND removed_at IS NULL)) ORDER BY ref", "is",
	    (int)ctx->admin, ctx->user);
	while (sqlite3_step(st) == SQLITE_ROW) {
		refs = xrealloc(refs, sizeof(*refs) * (n + 1));
		refs[n++] = xstrdup(col_text(st, 0));
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		struct agroup	 g;
		struct val	*flags = v_arr();

		if (group_find(ctx->av->db, refs[i], &g) == 0)
			group_flags(ctx, &g, flags);
		if (v_len(flags)) {
			for (size_t j = 0; j < v_len(flags); j++) {
				struct val *r = a_obj(arr);

				o_str(r, "group", g.ref);
				o_str(r, "flag", v_str_at(flags, j));
			}
		}
		v_free(flags);
		free(refs[i]);
	}
	free(refs);
}

/* R2: received mail left alone or not trusted, and the mailbox's state. */
static void
status_mail_in(struct cmd_ctx *ctx, struct val *o)
{
	static const char *const counted[][2] = { { "unknown", "unknown" },
	    { "reply-unknown", "reply_unknown" }, { "unverified", "unverified" },
	    { "malformed", "malformed" }, { "too-big", "too_big" } };
	sqlite3_stmt	*st;

	for (size_t i = 0; i < sizeof(counted) / sizeof(*counted); i++)
		o_int(o, counted[i][1], db_int(ctx->av->db, 0, "SELECT count(*) "
		    "FROM inbox WHERE class = ?", "s", counted[i][0]));
	o_bool(o, "imap", ctx->av->cfg->imap);
	st = db_stmt(ctx->av->db, "SELECT polled_at, error FROM imap_state "
	    "WHERE mailbox = ?", "s", ctx->av->cfg->imap ?
	    ctx->av->cfg->imap_mailbox : "");
	if (sqlite3_step(st) == SQLITE_ROW) {
		fmt_time(o, "last_poll", st, 0);
		o_str(o, "error", col_opt(st, 1));
	} else {
		o_str(o, "last_poll", NULL);
		o_str(o, "error", NULL);
	}
	sqlite3_finalize(st);
}

static int
cmd_status(struct cmd_ctx *ctx, struct args *a)
{
	struct ansvar	*av = ctx->av;
	struct val	*o, *outbox;
	struct agroup	 g;
	char		 now[32];
	int		 rc;

	if (a->npos && (rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	o = ctx->result = v_obj();
	o_str(o, "version", ANSVAR_VERSION);
	time_format_local(clock_now(&av->clock), now, sizeof(now));
	o_str(o, "now", now);
	o_bool(o, "test_clock", av->clock.test);
	o_str(o, "timezone", av->cfg->timezone);
	o_str(o, "transport", av->cfg->smtp ? "smtp" : "maildir");
	if (a->npos) {
		o_str(o, "group", g.ref);
		o_str(o, "state", g.state);
		group_flags(ctx, &g, o_arr(o, "flags"));
	} else {
		o_int(o, "groups_draft", db_int(av->db, 0, "SELECT count(*) FROM "
		    "groups WHERE state = 'draft'", ""));
		o_int(o, "groups_active", db_int(av->db, 0, "SELECT count(*) FROM "
		    "groups WHERE state = 'active'", ""));
		o_int(o, "groups_closed", db_int(av->db, 0, "SELECT count(*) FROM "
		    "groups WHERE state = 'closed'", ""));
	}
	if (a->npos == 0)
		status_groups(ctx, o_arr(o, "groups"));
	if (a->npos == 0 && ctx->admin)
		status_mail_in(ctx, o_obj(o, "mail_in"));
	outbox = o_obj(o, "outbox");
	for (const char *const *s = (const char *const[]){ "pending", "sent",
	    "failed", "dropped", NULL }; *s; s++)
		o_int(outbox, *s, db_int(av->db, 0, "SELECT count(*) FROM outbox "
		    "WHERE state = ? AND (? = 0 OR group_id = ?)", "sll", *s,
		    (int64_t)a->npos, (int64_t)(a->npos ? g.id : 0)));
	return 0;
}

static int
cmd_audit(struct cmd_ctx *ctx, struct args *a)
{
	const char	*since = arg_opt(a, "since");
	sqlite3_stmt	*st;
	struct agroup	 g;
	time_t		 from = 0;
	int		 rc, day;

	if (a->npos && (rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if (a->npos == 0 && !ctx->admin)
		return deny(ctx, NULL, "the whole audit log is for admins; "
		    "give a group: ansvarctl audit REF");
	if (since) {
		if ((rc = check_date(ctx, "--since", since, &day)) != 0)
			return rc;
		from = local_instant(day, 0, 0);
	}
	ctx->result = v_arr();
	st = db_stmt(ctx->av->db, "SELECT at, user, uid, group_ref, command, "
	    "detail, outcome FROM audit WHERE (?1 IS NULL OR group_ref = ?1) "
	    "AND at >= ?2 ORDER BY id", "sl", a->npos ? g.ref : NULL,
	    (int64_t)from);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct val *o = a_obj(ctx->result);

		fmt_time(o, "at", st, 0);
		o_str(o, "user", col_text(st, 1));
		o_int(o, "uid", sqlite3_column_int(st, 2));
		o_str(o, "group", col_opt(st, 3));
		o_str(o, "command", col_text(st, 4));
		o_str(o, "detail", col_text(st, 5));
		o_str(o, "outcome", col_text(st, 6));
	}
	sqlite3_finalize(st);
	return 0;
}

static int
cmd_outbox_list(struct cmd_ctx *ctx, struct args *a)
{
	const char	*state = NULL;
	sqlite3_stmt	*st;
	struct agroup	 g;
	int		 rc, nstate = 0;

	for (const char *const *s = (const char *const[]){ "pending", "failed",
	    "sent", NULL }; *s; s++)
		if (arg_flag(a, *s)) {
			state = *s;
			nstate++;
		}
	if (nstate > 1)
		return refuse(ctx, EX_USAGE, "outbox list: give one of --pending, "
		    "--failed, --sent");
	if (a->npos && (rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if (a->npos == 0 && !ctx->admin)
		return deny(ctx, NULL, "the whole outbox is for admins; give a "
		    "group: ansvarctl outbox list REF");
	ctx->result = v_arr();
	st = db_stmt(ctx->av->db, "SELECT o.id, o.state, o.kind, g.ref, o.rcpt, "
	    "o.due_at, o.sent_at, o.attempts, o.last_error, o.subject, o.cause, "
	    "o.message_id FROM outbox o LEFT JOIN groups g ON g.id = o.group_id "
	    "WHERE (?1 IS NULL OR o.state = ?1) AND (?2 = 0 OR o.group_id = ?2) "
	    "ORDER BY o.id", "sl", state, (int64_t)(a->npos ? g.id : 0));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct val *o = a_obj(ctx->result);

		o_int(o, "id", sqlite3_column_int64(st, 0));
		o_str(o, "state", col_text(st, 1));
		o_str(o, "kind", col_text(st, 2));
		o_str(o, "group", col_opt(st, 3));
		o_str(o, "to", col_text(st, 4));
		fmt_time(o, "due", st, 5);
		fmt_time(o, "sent", st, 6);
		o_int(o, "attempts", sqlite3_column_int(st, 7));
		o_str(o, "error", col_opt(st, 8));
		if (ctx->req->json) {
			o_str(o, "subject", col_text(st, 9));
			o_str(o, "cause", col_text(st, 10));
			o_str(o, "message_id", col_text(st, 11));
		}
	}
	sqlite3_finalize(st);
	return 0;
}

static int
cmd_outbox_retry(struct cmd_ctx *ctx, struct args *a)
{
	long	id;
	char	*state;

	if (!parse_int(a->pos[0], 1, INT64_MAX, &id))
		return refuse(ctx, EX_DATAERR, "outbox retry: \"%s\" is not an "
		    "outbox id (see ansvarctl outbox list --failed)", a->pos[0]);
	if ((state = db_str(ctx->av->db, "SELECT state FROM outbox WHERE id = ?",
	    "l", (int64_t)id)) == NULL)
		return refuse(ctx, EX_DATAERR, "outbox retry: no mail #%ld", id);
	if (strcmp(state, "failed")) {
		refuse(ctx, EX_DATAERR, "outbox retry: #%ld is %s; only a failed "
		    "mail is sent again", id, state);
		free(state);
		return EX_DATAERR;
	}
	free(state);
	db_run(ctx->av->db, "UPDATE outbox SET state = 'pending', next_attempt "
	    "= ?, last_error = NULL, reported = 0 WHERE id = ?", "ll",
	    (int64_t)clock_now(&ctx->av->clock), (int64_t)id);
	audit_note(ctx, NULL, "outbox #%ld queued again", id);
	say(ctx, "mail #%ld is queued again.", id);
	return 0;
}

static int
cmd_clock_set(struct cmd_ctx *ctx, struct args *a)
{
	struct ansvar	*av = ctx->av;
	time_t		 t;
	char		 buf[32];

	if (!av->clock.test)
		return refuse(ctx, EX_DATAERR, "clock set: ansvard keeps real "
		    "time; start it with --test-clock TIME to set the clock");
	if (time_parse_local(a->pos[0], &t) == -1)
		return refuse(ctx, EX_DATAERR, "clock set: \"%s\" is not a local "
		    "time (expected YYYY-MM-DD HH:MM)", a->pos[0]);
	if (t < clock_now(&av->clock))
		return refuse(ctx, EX_DATAERR, "clock set: %s is before the "
		    "clock's time; it only moves forward", a->pos[0]);
	clock_set(&av->clock, t);
	av->poll_mail = true;
	time_format_local(t, buf, sizeof(buf));
	audit_note(ctx, NULL, "clock set to %s", buf);
	say(ctx, "clock: %s", buf);
	return 0;
}

const struct cmd_entry cmd_ops_entries[] = {
	{ .name = "status", .usage = "[REF]", .minpos = 0, .maxpos = 1,
	  .exec = cmd_status },
	{ .name = "audit", .usage = "[REF] [--since DATE]", .opts = "since=",
	  .minpos = 0, .maxpos = 1, .exec = cmd_audit },
	{ .name = "outbox list", .usage = "[--pending | --failed | --sent] [REF]",
	  .opts = "pending,failed,sent", .minpos = 0, .maxpos = 1,
	  .exec = cmd_outbox_list },
	{ .name = "outbox retry", .usage = "ID", .minpos = 1, .maxpos = 1,
	  .flags = CMD_WRITE | CMD_ADMIN, .exec = cmd_outbox_retry },
	{ .name = "clock set", .usage = "TIME", .minpos = 1, .maxpos = 1,
	  .flags = CMD_WRITE | CMD_ADMIN, .exec = cmd_clock_set },
	{ .name = NULL }
};
