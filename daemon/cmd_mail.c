/*
 * Mail-in commands (M9, R2-R4): minutes, received mail, `reply import`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "group.h"
#include "inbox.h"
#include "meeting.h"
#include "minutes.h"
#include "store.h"

/* The coordinator, the meeting's minute-taker (by --login) or an admin. */
static int
may_submit(struct cmd_ctx *ctx, const struct agroup *g,
    const struct meeting *mt)
{
	if (ctx->admin || db_int(ctx->av->db, 0, "SELECT 1 FROM members WHERE "
	    "group_id = ? AND login = ? AND removed_at IS NULL AND (coordinator "
	    "= 1 OR id = ?)", "lsl", g->id, ctx->user, mt->minute_taker))
		return 0;
	return deny(ctx, g->ref, "only the coordinator of %s or the minute-taker "
	    "of meeting %d may do this", g->ref, mt->num);
}

static int
held(struct cmd_ctx *ctx, const struct agroup *g, const struct meeting *mt)
{
	if (!strcmp(mt->state, "cancelled"))
		return refuse(ctx, EX_DATAERR, "%s/%d was cancelled; it has no "
		    "minutes", g->ref, mt->num);
	if (mt->start > clock_now(&ctx->av->clock))
		return refuse(ctx, EX_DATAERR, "%s/%d has not started yet",
		    g->ref, mt->num);
	return 0;
}

/* M9: minutes submit REF/N FILE */
static int
cmd_minutes_submit(struct cmd_ctx *ctx, struct args *a)
{
	const struct request	*req = ctx->req;
	struct agroup		 g;
	struct meeting		 mt;
	char			 err[300];
	int			 rc, version, sent;

	if (!req->has_file)
		return refuse(ctx, EX_USAGE, "minutes submit: FILE was not sent");
	if ((rc = find_meeting(ctx, a->pos[0], &g, &mt)) != 0)
		return rc;
	if ((rc = may_submit(ctx, &g, &mt)) != 0 || (rc = held(ctx, &g, &mt)))
		goto out;
	if (req->file_len == 0) {
		rc = refuse(ctx, EX_DATAERR, "minutes submit: %s is empty",
		    a->pos[1]);
		goto out;
	}
	if ((version = minutes_record(ctx->av, &g, &mt, req->file, req->file_len,
	    ctx->user, 0, &sent, err, sizeof(err))) == -1) {
		rc = refuse(ctx, EX_DATAERR, "minutes submit: %s: %s", a->pos[1],
		    err);
		goto out;
	}
	audit_note(ctx, g.ref, "minutes for %s/%d recorded (version %d, %zu "
	    "bytes)", g.ref, mt.num, version, req->file_len);
	say(ctx, "minutes for %s/%d recorded (version %d), sent to %d "
	    "member(s)", g.ref, mt.num, version, sent);
out:
	meeting_clear(&mt);
	return rc;
}

/* M9: with ip_replaces_minutes, the updated plan stands for the minutes. */
static int
cmd_minutes_plan(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	g;
	struct meeting	mt;
	int		rc;

	if ((rc = find_meeting(ctx, a->pos[0], &g, &mt)) != 0)
		return rc;
	if ((rc = held(ctx, &g, &mt)) != 0)
		goto out;
	if (!ctx->av->cfg->ip_replaces_minutes) {
		rc = refuse(ctx, EX_DATAERR, "minutes plan: the policy says "
		    "ip_replaces_minutes = no: the minutes are still due (M9)");
		goto out;
	}
	db_run(ctx->av->db, "INSERT INTO minutes (meeting_id, version, kind, "
	    "by_user, at) VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM "
	    "minutes WHERE meeting_id = ?1), 'plan', ?2, ?3)", "lsl", mt.id,
	    ctx->user, (int64_t)clock_now(&ctx->av->clock));
	audit_note(ctx, g.ref, "individual plan updated instead of minutes for "
	    "%s/%d", g.ref, mt.num);
	say(ctx, "%s/%d: the updated individual plan stands for the minutes; "
	    "no more reminders", g.ref, mt.num);
out:
	meeting_clear(&mt);
	return rc;
}

/* Received mail, one row each: by id (?1), or all of a class (?2). */
#define INBOX_ROWS "SELECT i.id, i.received_at, i.source, i.uid, coalesce(" \
	"i.class, 'new'), g.ref, m.num, coalesce(i.outcome, ''), i.size FROM " \
	"inbox i LEFT JOIN groups g ON g.id = i.group_id LEFT JOIN meetings m " \
	"ON m.id = i.meeting_id WHERE (?1 = 0 OR i.id = ?1) AND (?2 IS NULL OR " \
	"coalesce(i.class, 'new') = ?2) ORDER BY i.id"

static void
opt_int(struct val *o, const char *key, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		o_str(o, key, NULL);
	else
		o_int(o, key, sqlite3_column_int64(st, col));
}

static void
inbox_row(struct val *o, sqlite3_stmt *st)
{
	o_int(o, "id", sqlite3_column_int64(st, 0));
	fmt_time(o, "received", st, 1);
	o_str(o, "source", col_text(st, 2));
	opt_int(o, "uid", st, 3);
	o_str(o, "class", col_text(st, 4));
	o_str(o, "group", col_opt(st, 5));
	opt_int(o, "meeting", st, 6);
	o_str(o, "outcome", col_text(st, 7));
	o_int(o, "size", sqlite3_column_int64(st, 8));
}

/* R2-R4: one received mail through the same path as the mailbox's. */
static int
cmd_reply_import(struct cmd_ctx *ctx, struct args *a)
{
	const struct request	*req = ctx->req;
	sqlite3_stmt		*st;
	int64_t			 id;

	if (!req->has_file)
		return refuse(ctx, EX_USAGE, "reply import: FILE was not sent");
	if (req->file_len == 0)
		return refuse(ctx, EX_DATAERR, "reply import: %s is empty",
		    a->pos[0]);
	id = inbox_import(ctx->av, req->file, req->file_len, ctx->user);
	st = db_stmt(ctx->av->db, INBOX_ROWS, "ls", id, NULL);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (req->json)
			inbox_row(ctx->result = v_obj(), st);
		else
			say(ctx, "mail #%lld: %s: %s", (long long)id,
			    col_text(st, 4), col_text(st, 7));
		/* Not a CMD_WRITE: the mail was handled in its own
		 * transaction, as mail from the mailbox is. */
		store_begin(ctx->av->db);
		audit_write(ctx->av, req, ctx->user, "reply import",
		    col_opt(st, 5), col_text(st, 4));
		store_commit(ctx->av->db);
	}
	sqlite3_finalize(st);
	return 0;
}

/* What came in, newest last. */
static int
cmd_inbox_list(struct cmd_ctx *ctx, struct args *a)
{
	struct val	*list;
	sqlite3_stmt	*st;

	ctx->result = v_obj();
	list = o_arr(ctx->result, "mail");
	st = db_stmt(ctx->av->db, INBOX_ROWS, "ls", (int64_t)0,
	    arg_opt(a, "class"));
	while (sqlite3_step(st) == SQLITE_ROW)
		inbox_row(a_obj(list), st);
	sqlite3_finalize(st);
	return 0;
}

const struct cmd_entry cmd_mail_entries[] = {
	{ .name = "minutes submit", .usage = "REF/N FILE", .minpos = 2,
	  .maxpos = 2, .flags = CMD_WRITE | CMD_READER,
	  .exec = cmd_minutes_submit },
	{ .name = "minutes plan", .usage = "REF/N", .minpos = 1, .maxpos = 1,
	  .flags = CMD_WRITE, .exec = cmd_minutes_plan },
	{ .name = "reply import", .usage = "FILE", .minpos = 1, .maxpos = 1,
	  .flags = CMD_ADMIN, .exec = cmd_reply_import },
	{ .name = "inbox list", .usage = "[--class CLASS]", .opts = "class=",
	  .minpos = 0, .maxpos = 0, .flags = CMD_ADMIN, .exec = cmd_inbox_list },
	{ .name = NULL }
};
