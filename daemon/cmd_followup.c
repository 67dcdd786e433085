/*
 * Follow-up commands (A1, E2, M8): actions, the yearly evaluation and
 * attendance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "followup.h"
#include "group.h"
#include "meeting.h"
#include "notices.h"
#include "store.h"

static int
member_id_of(struct cmd_ctx *ctx, const struct agroup *g, const char *spec,
    int64_t *id)
{
	if ((*id = member_find(ctx->av->db, g->id, spec)) == -1)
		return refuse(ctx, EX_DATAERR, "%s: no member \"%s\"", g->ref, spec);
	return 0;
}

/* A1: an action answers what, who, from when, how long, evaluated when. */
static int
cmd_action_add(struct cmd_ctx *ctx, struct args *a)
{
	const char	*goal = arg_opt(a, "goal"), *owner = arg_opt(a, "owner");
	const char	*start = arg_opt(a, "start"), *weeks = arg_opt(a, "weeks");
	const char	*until = arg_opt(a, "until"), *eval = arg_opt(a, "evaluate");
	struct agroup	 g;
	int64_t		 oid;
	int		 rc, ds, du, de, num;
	long		 w;
	char		 ubuf[16];

	if (!goal || !owner || !start || (!weeks && !until) || !eval)
		return refuse(ctx, EX_DATAERR, "action add: missing%s%s%s%s%s: "
		    "every action needs a goal, an owner, a start, a length and "
		    "an evaluation date (A1)\nusage: action add %s",
		    goal ? "" : " --goal", owner ? "" : " --owner",
		    start ? "" : " --start", weeks || until ? "" :
		    " --weeks/--until", eval ? "" : " --evaluate",
		    ctx->entry->usage);
	if (weeks && until)
		return refuse(ctx, EX_USAGE, "give --weeks or --until, not both");
	if ((rc = find_group(ctx, a->pos[0], &g)))
		return rc;
	if (strcmp(g.state, "active"))
		return refuse(ctx, EX_DATAERR, "%s is %s; actions are for active "
		    "groups", g.ref, g.state);
	if ((rc = check_text(ctx, "--goal", goal)) ||
	    (rc = member_id_of(ctx, &g, owner, &oid)) ||
	    (rc = check_date(ctx, "--start", start, &ds)) ||
	    (rc = check_date(ctx, "--evaluate", eval, &de)))
		return rc;
	if (weeks) {
		if (!parse_int(weeks, 1, 520, &w))
			return refuse(ctx, EX_DATAERR, "--weeks: \"%s\" is not a "
			    "number of weeks (1-520)", weeks);
		du = ds + 7 * (int)w;
	} else if ((rc = check_date(ctx, "--until", until, &du)))
		return rc;
	if (du < ds)
		return refuse(ctx, EX_DATAERR, "the action must end after it starts");
	if (de < ds)
		return refuse(ctx, EX_DATAERR, "--evaluate: %s is before the "
		    "action starts", eval);
	date_format(du, ubuf, sizeof(ubuf));
	num = (int)db_int(ctx->av->db, 0, "SELECT max(num) FROM actions WHERE "
	    "group_id = ?", "l", g.id) + 1;
	db_run(ctx->av->db, "INSERT INTO actions (group_id, num, goal, owner, "
	    "start, until, evaluate, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "lislsssl", g.id, num, goal, oid, start, ubuf, eval,
	    (int64_t)clock_now(&ctx->av->clock));
	audit_note(ctx, g.ref, "action %s/a%d added", g.ref, num);
	ctx->result = v_obj();
	o_strf(ctx->result, "action", "%s/a%d", g.ref, num);
	say(ctx, "%s/a%d added; evaluated %s.", g.ref, num, eval);
	return 0;
}

/* REF/aN */
static int
find_action(struct cmd_ctx *ctx, const char *spec, struct agroup *g,
    int64_t *id)
{
	const char	*slash = strrchr(spec, '/');
	char		 ref[64];
	long		 num;
	int		 rc;

	if (slash == NULL || slash[1] != 'a' || slash - spec >= (long)sizeof(ref) ||
	    !parse_int(slash + 2, 1, 100000, &num))
		return refuse(ctx, EX_DATAERR, "\"%s\" is not an action (expected "
		    "REF/aN, e.g. BUF-2027-014/a3)", spec);
	snprintf(ref, sizeof(ref), "%.*s", (int)(slash - spec), spec);
	if ((rc = find_group(ctx, ref, g)))
		return rc;
	if ((*id = db_int(ctx->av->db, -1, "SELECT id FROM actions WHERE "
	    "group_id = ? AND num = ?", "li", g->id, (int)num)) == -1)
		return refuse(ctx, EX_DATAERR, "%s: no action a%ld", g->ref, num);
	return 0;
}

static int
cmd_action_done(struct cmd_ctx *ctx, struct args *a)
{
	const char	*note = arg_opt(a, "note");
	struct agroup	 g;
	int64_t		 id;
	int		 rc;

	if ((rc = find_action(ctx, a->pos[0], &g, &id)) ||
	    (note && (rc = check_text(ctx, "--note", note))))
		return rc;
	if (db_int(ctx->av->db, 0, "SELECT done_at IS NOT NULL FROM actions "
	    "WHERE id = ?", "l", id))
		return refuse(ctx, EX_DATAERR, "%s is already done", a->pos[0]);
	db_run(ctx->av->db, "UPDATE actions SET done_at = ?, note = ? WHERE "
	    "id = ?", "lsl", (int64_t)clock_now(&ctx->av->clock), note, id);
	audit_note(ctx, g.ref, "action %s done", a->pos[0]);
	say(ctx, "%s is done.", a->pos[0]);
	return 0;
}

static int
cmd_action_list(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	sqlite3_stmt	*st;
	char		 today[16];
	int		 rc;

	if ((rc = find_group(ctx, a->pos[0], &g)))
		return rc;
	date_format(local_day(clock_now(&ctx->av->clock)), today, sizeof(today));
	ctx->result = v_arr();
	st = db_stmt(ctx->av->db, "SELECT a.num, a.goal, m.num, m.name, a.start, "
	    "a.until, a.evaluate, a.done_at IS NOT NULL, a.done_at IS NULL AND "
	    "a.evaluate < ?2 FROM actions a JOIN members m ON m.id = a.owner "
	    "WHERE a.group_id = ?1 AND (?3 = 0 OR (a.done_at IS NULL AND "
	    "a.evaluate < ?2)) ORDER BY a.num", "lsi", g.id, today,
	    (int)arg_flag(a, "overdue"));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct val *o = a_obj(ctx->result);

		o_strf(o, "action", "%s/a%d", g.ref, sqlite3_column_int(st, 0));
		o_str(o, "goal", col_text(st, 1));
		o_strf(o, "owner", "#%d %s", sqlite3_column_int(st, 2),
		    col_text(st, 3));
		o_str(o, "start", col_text(st, 4));
		o_str(o, "until", col_text(st, 5));
		o_str(o, "evaluate", col_text(st, 6));
		o_bool(o, "done", sqlite3_column_int(st, 7));
		o_bool(o, "overdue", sqlite3_column_int(st, 8));
	}
	sqlite3_finalize(st);
	return 0;
}

static int
cmd_evaluation_record(struct cmd_ctx *ctx, struct args *a)
{
	const char	*date = arg_opt(a, "date"), *summary = arg_opt(a, "summary");
	struct agroup	 g;
	int		 rc, day;
	char		 next[16];

	if (!date || !summary)
		return refuse(ctx, EX_USAGE, "evaluation record: --date and "
		    "--summary are required\nusage: evaluation record %s",
		    ctx->entry->usage);
	if ((rc = find_group(ctx, a->pos[0], &g)) ||
	    (rc = check_date(ctx, "--date", date, &day)) ||
	    (rc = check_text(ctx, "--summary", summary)))
		return rc;
	if (day > local_day(clock_now(&ctx->av->clock)))
		return refuse(ctx, EX_DATAERR, "--date: %s is in the future", date);
	if (strcmp(g.state, "active"))
		return refuse(ctx, EX_DATAERR, "%s is %s", g.ref, g.state);
	db_run(ctx->av->db, "INSERT INTO evaluations (group_id, date, summary, "
	    "by_user, created_at) VALUES (?, ?, ?, ?, ?)", "lsssl", g.id, date,
	    summary, ctx->user, (int64_t)clock_now(&ctx->av->clock));
	date_format(evaluation_due_day(ctx->av, &g), next, sizeof(next));
	audit_note(ctx, g.ref, "yearly evaluation of %s recorded", date);
	say(ctx, "%s: yearly evaluation of %s recorded; the next is due %s.",
	    g.ref, date, next);
	return 0;
}

/* M8: who came; the rest of the invitees count as absent. */
static int
cmd_attendance(struct cmd_ctx *ctx, struct args *a)
{
	const char	*present = arg_opt(a, "present");
	struct agroup	 g;
	struct meeting	 mt;
	int64_t		 id, mid;
	char		*list, *tok, *next;
	int		 rc, num, absent;
	const char	*slash = strrchr(a->pos[0], '/');
	long		 n;
	char		 ref[64];

	if (present == NULL)
		return refuse(ctx, EX_USAGE, "attendance: --present MEMBER[,MEMBER"
		    "...] is required");
	if (slash == NULL || slash - a->pos[0] >= (long)sizeof(ref) ||
	    !parse_int(slash + 1, 1, 100000, &n))
		return refuse(ctx, EX_DATAERR, "\"%s\" is not a meeting (expected "
		    "REF/N)", a->pos[0]);
	snprintf(ref, sizeof(ref), "%.*s", (int)(slash - a->pos[0]), a->pos[0]);
	if ((rc = find_group(ctx, ref, &g)))
		return rc;
	num = (int)n;
	if ((mid = meeting_find(ctx->av->db, g.id, num)) == -1 ||
	    meeting_load(ctx->av->db, mid, &mt) == -1)
		return refuse(ctx, EX_DATAERR, "%s: no meeting %d", g.ref, num);
	if (strcmp(mt.state, "scheduled") || mt.start > clock_now(&ctx->av->clock)) {
		rc = refuse(ctx, EX_DATAERR, "%s/%d has not taken place", g.ref, num);
		meeting_clear(&mt);
		return rc;
	}
	db_run(ctx->av->db, "DELETE FROM attendance WHERE meeting_id = ?", "l", mid);
	list = xstrdup(present);
	for (tok = list; tok; tok = next) {
		if ((next = strchr(tok, ',')) != NULL)
			*next++ = '\0';
		tok += strspn(tok, " ");
		if (*tok == '\0')
			continue;
		if ((rc = member_id_of(ctx, &g, tok, &id)) != 0)
			break;
		db_run(ctx->av->db, "INSERT OR REPLACE INTO attendance (meeting_id, "
		    "member_id, present, recorded_at) VALUES (?, ?, 1, ?)", "lll",
		    mid, id, (int64_t)clock_now(&ctx->av->clock));
	}
	free(list);
	if (rc) {
		meeting_clear(&mt);
		return rc;
	}
	db_run(ctx->av->db, "INSERT OR IGNORE INTO attendance (meeting_id, "
	    "member_id, present, recorded_at) SELECT meeting_id, member_id, 0, ? "
	    "FROM invitees WHERE meeting_id = ?", "ll",
	    (int64_t)clock_now(&ctx->av->clock), mid);
	absent = (int)db_int(ctx->av->db, 0, "SELECT count(*) FROM attendance "
	    "WHERE meeting_id = ? AND present = 0", "l", mid);
	notice_no_shows(ctx->av, &g, &mt);
	audit_note(ctx, g.ref, "attendance of %s/%d recorded (%d absent)", g.ref,
	    num, absent);
	say(ctx, "%s/%d: attendance recorded; %d absent.", g.ref, num, absent);
	meeting_clear(&mt);
	return 0;
}

const struct cmd_entry cmd_followup_entries[] = {
	{ .name = "action add",
	  .usage = "REF --goal TEXT --owner MEMBER --start DATE (--weeks N | "
	    "--until DATE) --evaluate DATE",
	  .opts = "goal=,owner=,start=,weeks=,until=,evaluate=", .minpos = 1,
	  .maxpos = 1, .flags = CMD_WRITE, .exec = cmd_action_add },
	{ .name = "action done", .usage = "REF/aN [--note TEXT]",
	  .opts = "note=", .minpos = 1, .maxpos = 1, .flags = CMD_WRITE,
	  .exec = cmd_action_done },
	{ .name = "action list", .usage = "REF [--overdue]", .opts = "overdue",
	  .minpos = 1, .maxpos = 1, .exec = cmd_action_list },
	{ .name = "evaluation record", .usage = "REF --date DATE --summary TEXT",
	  .opts = "date=,summary=", .minpos = 1, .maxpos = 1, .flags = CMD_WRITE,
	  .exec = cmd_evaluation_record },
	{ .name = "attendance", .usage = "REF/N --present MEMBER[,MEMBER...]",
	  .opts = "present=", .minpos = 1, .maxpos = 1, .flags = CMD_WRITE,
	  .exec = cmd_attendance },
	{ .name = NULL }
};
