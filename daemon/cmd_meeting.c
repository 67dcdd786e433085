/*
 * Meeting commands (M1-M7, G10): schedule, move, cancel, invite a guest
 * later, list, show; and the agenda: add an item, show it as it will be
 * mailed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agenda.h"
#include "cmd.h"
#include "group.h"
#include "meeting.h"
#include "store.h"

/* REF/N: the group (with access checked) and its meeting N. */
int
find_meeting(struct cmd_ctx *ctx, const char *spec, struct agroup *g,
    struct meeting *mt)
{
	const char	*slash = strrchr(spec, '/');
	char		 ref[64];
	long		 num;
	int64_t		 id;
	int		 rc;

	if (slash == NULL || slash - spec >= (long)sizeof(ref) ||
	    !parse_int(slash + 1, 1, 100000, &num))
		return refuse(ctx, EX_DATAERR, "\"%s\" is not a meeting (expected "
		    "REF/N, e.g. BUF-2027-014/2)", spec);
	snprintf(ref, sizeof(ref), "%.*s", (int)(slash - spec), spec);
	if ((rc = find_group(ctx, ref, g)) != 0)
		return rc;
	if ((id = meeting_find(ctx->av->db, g->id, (int)num)) == -1 ||
	    meeting_load(ctx->av->db, id, mt) == -1)
		return refuse(ctx, EX_DATAERR, "%s: no meeting %ld (see "
		    "ansvarctl meeting list %s)", g->ref, num, g->ref);
	return 0;
}

static int
member_of(struct cmd_ctx *ctx, const struct agroup *g, const char *spec,
    int64_t *id)
{
	if ((*id = member_find(ctx->av->db, g->id, spec)) == -1)
		return refuse(ctx, EX_DATAERR, "%s: no member \"%s\"", g->ref, spec);
	return 0;
}

/* --start with --minutes or --end: a time-boxed meeting (M1). */
static int
meeting_times(struct cmd_ctx *ctx, const struct args *a, time_t old_start,
    time_t old_end, time_t *start, time_t *end)
{
	const char	*s = arg_opt(a, "start"), *mins = arg_opt(a, "minutes");
	const char	*e = arg_opt(a, "end");
	long		 n, hh, mm;
	if (mins && e)
		return refuse(ctx, EX_USAGE, "give --minutes or --end, not both");
	*start = old_start;
	if (s && time_parse_local(s, start) == -1)
		return refuse(ctx, EX_DATAERR, "--start: \"%s\" is not a local "
		    "time (expected YYYY-MM-DD HH:MM; a time skipped by a DST "
		    "change does not exist)", s);
	if (mins) {
		if (!parse_int(mins, 1, 24 * 60, &n))
			return refuse(ctx, EX_DATAERR, "--minutes: \"%s\" is not a "
			    "number of minutes", mins);
		*end = *start + n * 60;
	} else if (e) {
		if (strlen(e) != 5 || e[2] != ':' || !parse_int((char[3]){ e[0],
		    e[1], 0 }, 0, 23, &hh) || !parse_int(e + 3, 0, 59, &mm))
			return refuse(ctx, EX_DATAERR, "--end: \"%s\" is not a time "
			    "of day (expected HH:MM)", e);
		*end = local_instant(local_day(*start), (int)hh, (int)mm);
		if (*end == -1)
			return refuse(ctx, EX_DATAERR, "--end: %s does not exist "
			    "on that day (DST)", e);
	} else if (old_end)
		*end = *start + (old_end - old_start);
	else
		return refuse(ctx, EX_USAGE, "give the length: --minutes N or "
		    "--end HH:MM");
	if (*end <= *start)
		return refuse(ctx, EX_DATAERR, "the meeting must end after it "
		    "starts");
	if (*end - *start > (time_t)ctx->av->cfg->max_meeting_minutes * 60)
		return refuse(ctx, EX_DATAERR, "the meeting is %ld minutes; "
		    "meetings are time-boxed to max_meeting_minutes = %d (M1)",
		    (long)(*end - *start) / 60, ctx->av->cfg->max_meeting_minutes);
	if (*start <= clock_now(&ctx->av->clock))
		return refuse(ctx, EX_DATAERR, "--start: the meeting would be in "
		    "the past");
	return 0;
}

static int
group_meets(struct cmd_ctx *ctx, const struct agroup *g)
{
	if (strcmp(g->state, "active"))
		return refuse(ctx, EX_DATAERR, "%s is %s; meetings are for "
		    "active groups (consent first, G6)", g->ref, g->state);
	return 0;
}

/* Invitees: fixed members, guests asked for, and for a group's first
 * meeting every service involved, the GP by policy (G10). */
static void
invite_members(struct cmd_ctx *ctx, const struct agroup *g, int64_t mid,
    bool first, int64_t *without, int nwithout)
{
	sqlite3_stmt	*st;
	struct config	*cfg = ctx->av->cfg;

	st = db_stmt(ctx->av->db, "SELECT id, guest, role, coalesce(service, "
	    "'') FROM members WHERE group_id = ? AND removed_at IS NULL", "l",
	    g->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t		 id = sqlite3_column_int64(st, 0);
		bool		 guest = sqlite3_column_int(st, 1);
		const char	*service = col_text(st, 3);
		bool		 gp = !strcasecmp(service, "fastlege") ||
		    !strcasecmp(service, "GP");
		bool		 skip = false;

		for (int i = 0; i < nwithout; i++)
			skip |= without[i] == id;
		if (guest && !(first && !strcmp(col_text(st, 2), "service") &&
		    (!gp || cfg->invite_gp_first_meeting)))
			skip = true;
		if (!skip)
			db_run(ctx->av->db, "INSERT OR IGNORE INTO invitees "
			    "(meeting_id, member_id, guest) VALUES (?, ?, ?)",
			    "lli", mid, id, (int)guest);
	}
	sqlite3_finalize(st);
}

static int
cmd_meeting_schedule(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	struct meeting	 mt;
	const char	*place = arg_opt(a, "place"), *mtk = arg_opt(a, "minute-taker");
	int64_t		 without[16], guest, taker = 0, mid;
	int		 nwithout = 0, rc, num;
	time_t		 start, end;
	char		 uidhex[33], *uid;
	bool		 first;

	if ((rc = find_group(ctx, a->pos[0], &g)) || (rc = group_meets(ctx, &g)))
		return rc;
	if (arg_opt(a, "start") == NULL || place == NULL)
		return refuse(ctx, EX_USAGE, "meeting schedule: --start and "
		    "--place are required\nusage: meeting schedule %s",
		    ctx->entry->usage);
	if ((rc = check_text(ctx, "--place", place)) ||
	    (rc = meeting_times(ctx, a, 0, 0, &start, &end)))
		return rc;
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->optname[i], "without")) {
			if (nwithout == 16)
				return refuse(ctx, EX_USAGE, "too many --without");
			if ((rc = member_of(ctx, &g, a->optval[i], &without[nwithout++])))
				return rc;
		}
	if (mtk && (rc = member_of(ctx, &g, mtk, &taker)))
		return rc;
	first = db_int(ctx->av->db, 0, "SELECT count(*) FROM meetings WHERE "
	    "group_id = ? AND state = 'scheduled'", "l", g.id) == 0 &&
	    db_int(ctx->av->db, 0, "SELECT count(*) FROM meetings WHERE "
	    "group_id = ?", "l", g.id) == 0;
	num = (int)db_int(ctx->av->db, 0, "SELECT max(num) FROM meetings WHERE "
	    "group_id = ?", "l", g.id) + 1;
	random_hex(uidhex, 16);
	uid = xasprintf("%s@%s", uidhex, strchr(ctx->av->cfg->from, '@') + 1);
	if (taker == 0)
		taker = minute_taker_pick(ctx->av->db, ctx->av->cfg, g.id);
	db_run(ctx->av->db, "INSERT INTO meetings (group_id, num, uid, start_at, "
	    "end_at, place, first, minute_taker, created_at) VALUES (?, ?, ?, "
	    "?, ?, ?, ?, NULLIF(?, 0), ?)", "lisllsill", g.id, num, uid,
	    (int64_t)start, (int64_t)end, place, (int)first, taker,
	    (int64_t)clock_now(&ctx->av->clock));
	free(uid);
	mid = sqlite3_last_insert_rowid(ctx->av->db);
	invite_members(ctx, &g, mid, first, without, nwithout);
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->optname[i], "guest")) {
			if ((rc = member_of(ctx, &g, a->optval[i], &guest)))
				return rc;
			db_run(ctx->av->db, "INSERT OR IGNORE INTO invitees "
			    "(meeting_id, member_id, guest) VALUES (?, ?, 1)",
			    "ll", mid, guest);
		}
	meeting_load(ctx->av->db, mid, &mt);
	meeting_send(ctx->av, &g, &mt, "REQUEST", 0);
	audit_note(ctx, g.ref, "meeting %s/%d scheduled%s", g.ref, num,
	    first ? " (the group's first)" : "");
	ctx->result = v_obj();
	o_strf(ctx->result, "meeting", "%s/%d", g.ref, num);
	o_str(ctx->result, "uid", mt.uid);
	o_int(ctx->result, "invitees", db_int(ctx->av->db, 0, "SELECT count(*) "
	    "FROM invitees WHERE meeting_id = ?", "l", mid));
	o_bool(ctx->result, "first", first);
	{
		char *when = meeting_when(&mt, ctx->av->cfg->language);

		say(ctx, "%s/%d scheduled: %s, %s; invitations are on their way.",
		    g.ref, num, when, place);
		free(when);
	}
	meeting_clear(&mt);
	return 0;
}

static int
cmd_meeting_move(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	struct meeting	 mt;
	const char	*place = arg_opt(a, "place");
	time_t		 start, end;
	int		 rc;

	if (arg_opt(a, "start") == NULL)
		return refuse(ctx, EX_USAGE, "meeting move: --start is required\n"
		    "usage: meeting move %s", ctx->entry->usage);
	if ((rc = find_meeting(ctx, a->pos[0], &g, &mt)))
		return rc;
	if ((rc = group_meets(ctx, &g)) || (strcmp(mt.state, "scheduled") &&
	    (rc = refuse(ctx, EX_DATAERR, "%s/%d is cancelled", g.ref, mt.num))) ||
	    (place && (rc = check_text(ctx, "--place", place))) ||
	    (rc = meeting_times(ctx, a, mt.start, mt.end, &start, &end))) {
		meeting_clear(&mt);
		return rc;
	}
	db_run(ctx->av->db, "UPDATE meetings SET start_at = ?, end_at = ?, "
	    "place = coalesce(?, place), sequence = sequence + 1 WHERE id = ?",
	    "llsl", (int64_t)start, (int64_t)end, place, mt.id);
	{
		int64_t id = mt.id;

		meeting_clear(&mt);
		meeting_load(ctx->av->db, id, &mt);
	}
	meeting_send(ctx->av, &g, &mt, "REQUEST", 0);
	audit_note(ctx, g.ref, "meeting %s/%d moved (sequence %d)", g.ref,
	    mt.num, mt.sequence);
	say(ctx, "%s/%d moved; every invitee gets the update.", g.ref, mt.num);
	meeting_clear(&mt);
	return 0;
}

static int
cmd_meeting_cancel(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	struct meeting	 mt;
	const char	*reason = arg_opt(a, "reason");
	int		 rc;

	if ((rc = find_meeting(ctx, a->pos[0], &g, &mt)))
		return rc;
	if (strcmp(mt.state, "scheduled"))
		rc = refuse(ctx, EX_DATAERR, "%s/%d is already cancelled", g.ref,
		    mt.num);
	else if (mt.start <= clock_now(&ctx->av->clock))
		rc = refuse(ctx, EX_DATAERR, "%s/%d has started; it cannot be "
		    "cancelled", g.ref, mt.num);
	else if (reason)
		rc = check_text(ctx, "--reason", reason);
	if (rc) {
		meeting_clear(&mt);
		return rc;
	}
	db_run(ctx->av->db, "UPDATE meetings SET state = 'cancelled', sequence "
	    "= sequence + 1, cancel_reason = ? WHERE id = ?", "sl", reason, mt.id);
	/* Reminders and agendas still queued for it are moot. */
	db_run(ctx->av->db, "UPDATE outbox SET state = 'dropped', last_error = "
	    "'meeting cancelled' WHERE state = 'pending' AND (cause GLOB "
	    "'agenda*:m=' || ?1 || ':*' OR cause = 'agenda-prepare:m=' || ?1 OR "
	    "cause GLOB 'invite:m=' || ?1 || ':*' OR cause GLOB 'post:m=' || ?1 "
	    "|| ':*')", "l", mt.id);
	mt.sequence++;
	meeting_send(ctx->av, &g, &mt, "CANCEL", 0);
	audit_note(ctx, g.ref, "meeting %s/%d cancelled", g.ref, mt.num);
	say(ctx, "%s/%d cancelled; every invitee gets the cancellation.", g.ref,
	    mt.num);
	meeting_clear(&mt);
	return 0;
}

static int
cmd_meeting_invite(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	struct meeting	 mt;
	int64_t		 who = 0;
	int		 rc;

	if ((rc = find_meeting(ctx, a->pos[0], &g, &mt)))
		return rc;
	if (strcmp(mt.state, "scheduled") || mt.start <= clock_now(&ctx->av->clock))
		rc = refuse(ctx, EX_DATAERR, "%s/%d is not a coming meeting",
		    g.ref, mt.num);
	else if ((rc = member_of(ctx, &g, a->pos[1], &who)) == 0 &&
	    db_int(ctx->av->db, 0, "SELECT 1 FROM invitees WHERE meeting_id = ? "
	    "AND member_id = ?", "ll", mt.id, who))
		rc = refuse(ctx, EX_DATAERR, "%s is already invited to %s/%d",
		    a->pos[1], g.ref, mt.num);
	if (rc == 0) {
		db_run(ctx->av->db, "INSERT INTO invitees (meeting_id, member_id, "
		    "guest, added_seq) VALUES (?, ?, 1, ?)", "lli", mt.id, who,
		    mt.sequence);
		/* Only the new guest is told; the others' copies stand. */
		meeting_send(ctx->av, &g, &mt, "REQUEST", who);
		audit_note(ctx, g.ref, "member #%lld invited to %s/%d",
		    (long long)db_int(ctx->av->db, 0, "SELECT num FROM members "
		    "WHERE id = ?", "l", who), g.ref, mt.num);
		say(ctx, "%s invited to %s/%d.", a->pos[1], g.ref, mt.num);
	}
	meeting_clear(&mt);
	return rc;
}

static void
meeting_row(struct cmd_ctx *ctx, const struct agroup *g, struct val *o,
    const struct meeting *mt)
{
	char	a[32], b[32];

	time_format_local(mt->start, a, sizeof(a));
	time_format_local(mt->end, b, sizeof(b));
	o_strf(o, "meeting", "%s/%d", g->ref, mt->num);
	o_str(o, "start", a);
	o_str(o, "end", b + 11);
	o_str(o, "place", mt->place);
	o_str(o, "state", mt->state);
	o_int(o, "sequence", mt->sequence);
	o_bool(o, "agenda_sent", mt->agenda_sent_at != 0);
	(void)ctx;
}

static int
cmd_meeting_list(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	int64_t		*ids = NULL;
	size_t		 n = 0;
	int		 rc;

	if ((rc = find_group(ctx, a->pos[0], &g)))
		return rc;
	ctx->result = v_arr();
	ids = db_ids(ctx->av->db, &n, "SELECT id FROM meetings WHERE group_id = ? "
	    "ORDER BY num", "l", g.id);
	for (size_t i = 0; i < n; i++) {
		struct meeting	mt;

		if (meeting_load(ctx->av->db, ids[i], &mt) == 0) {
			meeting_row(ctx, &g, a_obj(ctx->result), &mt);
			meeting_clear(&mt);
		}
	}
	free(ids);
	return 0;
}

static int
cmd_meeting_show(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	struct meeting	 mt;
	sqlite3_stmt	*st;
	struct val	*o, *inv;
	struct member	 m;
	int		 rc;

	if ((rc = find_meeting(ctx, a->pos[0], &g, &mt)))
		return rc;
	o = ctx->result = v_obj();
	meeting_row(ctx, &g, o, &mt);
	o_str(o, "uid", mt.uid);
	o_bool(o, "first", mt.first);
	if (mt.minute_taker && member_load(ctx->av->db, mt.minute_taker, &m) == 0) {
		o_strf(o, "minute_taker", "#%d %s", m.num, m.name);
		member_clear(&m);
	} else
		o_str(o, "minute_taker", NULL);
	inv = o_arr(o, "invitees");
	st = db_stmt(ctx->av->db, "SELECT m.num, m.name, m.role, coalesce("
	    "m.service, ''), m.email, m.channel, i.guest, (SELECT partstat FROM "
	    "answers x WHERE x.meeting_id = i.meeting_id AND x.member_id = "
	    "i.member_id AND x.sequence >= ?2) FROM invitees i JOIN members m ON "
	    "m.id = i.member_id WHERE i.meeting_id = ?1 ORDER BY m.num", "li",
	    mt.id, mt.sequence);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct val *r = a_obj(inv);

		o_int(r, "num", sqlite3_column_int(st, 0));
		o_str(r, "name", col_text(st, 1));
		o_str(r, "role", col_text(st, 2));
		o_str(r, "service", col_text(st, 3));
		o_str(r, "email", col_opt(st, 4));
		o_str(r, "channel", col_text(st, 5));
		o_bool(r, "guest", sqlite3_column_int(st, 6));
		o_str(r, "answer", col_opt(st, 7));
	}
	sqlite3_finalize(st);
	meeting_clear(&mt);
	return 0;
}

static int
cmd_agenda_add(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	struct meeting	 mt;
	const char	*by = arg_opt(a, "by");
	int64_t		 who = 0;
	int		 rc;

	/* Any member may add an item: a read right is enough. */
	if ((rc = find_meeting(ctx, a->pos[0], &g, &mt)))
		return rc;
	if ((rc = check_text(ctx, "item", a->pos[1])) ||
	    (by && (rc = member_of(ctx, &g, by, &who))))
		;
	else if (strcmp(mt.state, "scheduled"))
		rc = refuse(ctx, EX_DATAERR, "%s/%d is cancelled", g.ref, mt.num);
	else if (mt.agenda_sent_at)
		rc = refuse(ctx, EX_DATAERR, "the agenda of %s/%d has been sent; "
		    "raise it under \"any other business\" at the meeting",
		    g.ref, mt.num);
	if (rc == 0) {
		db_run(ctx->av->db, "INSERT INTO agenda_items (meeting_id, text, "
		    "by_member, created_at) VALUES (?, ?, NULLIF(?, 0), ?)",
		    "lsll", mt.id, a->pos[1], who,
		    (int64_t)clock_now(&ctx->av->clock));
		audit_note(ctx, g.ref, "agenda item added to %s/%d", g.ref, mt.num);
		say(ctx, "added to the agenda of %s/%d.", g.ref, mt.num);
	}
	meeting_clear(&mt);
	return rc;
}

static int
cmd_agenda_show(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	struct meeting	 mt;
	struct member	 c;
	char		*text;
	int		 rc;
	int64_t		 cid;

	if ((rc = find_meeting(ctx, a->pos[0], &g, &mt)))
		return rc;
	cid = group_coordinator(ctx->av->db, g.id);
	memset(&c, 0, sizeof(c));
	if (cid)
		member_load(ctx->av->db, cid, &c);
	text = agenda_text(ctx->av, &g, &mt, c.lang ? c.lang :
	    ctx->av->cfg->language, c.name);
	ctx->result = v_obj();
	o_strf(ctx->result, "meeting", "%s/%d", g.ref, mt.num);
	o_str(ctx->result, "text", text);
	buf_puts(&ctx->out, text);
	free(text);
	member_clear(&c);
	meeting_clear(&mt);
	return 0;
}

const struct cmd_entry cmd_meeting_entries[] = {
	{ .name = "meeting schedule",
	  .usage = "REF --start TIME (--minutes N | --end HH:MM) --place TEXT "
	    "[--guest MEMBER]... [--without MEMBER]... [--minute-taker MEMBER]",
	  .opts = "start=,minutes=,end=,place=,guest=*,without=*,minute-taker=",
	  .minpos = 1, .maxpos = 1, .flags = CMD_WRITE,
	  .exec = cmd_meeting_schedule },
	{ .name = "meeting move",
	  .usage = "REF/N --start TIME [(--minutes N | --end HH:MM)] [--place TEXT]",
	  .opts = "start=,minutes=,end=,place=", .minpos = 1, .maxpos = 1,
	  .flags = CMD_WRITE, .exec = cmd_meeting_move },
	{ .name = "meeting cancel", .usage = "REF/N [--reason TEXT]",
	  .opts = "reason=", .minpos = 1, .maxpos = 1, .flags = CMD_WRITE,
	  .exec = cmd_meeting_cancel },
	{ .name = "meeting invite", .usage = "REF/N MEMBER", .minpos = 2,
	  .maxpos = 2, .flags = CMD_WRITE, .exec = cmd_meeting_invite },
	{ .name = "meeting list", .usage = "REF", .minpos = 1, .maxpos = 1,
	  .exec = cmd_meeting_list },
	{ .name = "meeting show", .usage = "REF/N", .minpos = 1, .maxpos = 1,
	  .exec = cmd_meeting_show },
	{ .name = "agenda add", .usage = "REF/N TEXT [--by MEMBER]",
	  .opts = "by=", .minpos = 2, .maxpos = 2, .flags = CMD_WRITE | CMD_READER,
	  .exec = cmd_agenda_add },
	{ .name = "agenda show", .usage = "REF/N", .minpos = 1, .maxpos = 1,
	  .exec = cmd_agenda_show },
	{ .name = NULL }
};
