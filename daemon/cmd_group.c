/*
 * Group commands (G1, G5-G9): create, list, show; consent, transitions,
 * closing and reopening.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "followup.h"
#include "group.h"
#include "notices.h"
#include "schedule.h"
#include "store.h"

/* G5: fewer services than the policy asks for is allowed, but said. */
static void
warn_services(struct cmd_ctx *ctx, const struct agroup *g)
{
	int	n = group_service_count(ctx->av->db, ctx->av->cfg, g->id);

	if (n < ctx->av->cfg->min_services)
		warn_user(ctx, "%s has %d service%s counting toward "
		    "min_services = %d (G5): a responsibility group is meant "
		    "for help from several services", g->ref, n, n == 1 ? "" :
		    "s", ctx->av->cfg->min_services);
}

static int
cmd_group_create(struct cmd_ctx *ctx, struct args *a)
{
	const char		*ref = a->pos[0], *client = arg_opt(a, "client");
	const char		*born = arg_opt(a, "born");
	struct newmember	 nm;
	struct agroup		 g;
	int64_t			 id;
	int			 rc, day;

	if (client == NULL || born == NULL)
		return refuse(ctx, EX_USAGE, "group create: --client NAME and "
		    "--born YYYY-MM-DD are required\nusage: group create %s",
		    ctx->entry->usage);
	if (!ref_valid(ref))
		return refuse(ctx, EX_DATAERR, "\"%s\" is not a group reference "
		    "(1-32 letters, digits or '-', e.g. BUF-2027-014)", ref);
	if ((rc = check_date(ctx, "--born", born, &day)) != 0)
		return rc;
	if (day > local_day(clock_now(&ctx->av->clock)))
		return refuse(ctx, EX_DATAERR, "--born: %s is in the future", born);
	if (group_find(ctx->av->db, ref, &g) == 0)
		return refuse(ctx, EX_DATAERR, "%s: a group with this reference "
		    "already exists", g.ref);
	db_run(ctx->av->db, "INSERT INTO groups (ref, client_born, created_at, "
	    "created_by) VALUES (?, ?, ?, ?)", "ssls", ref, born,
	    (int64_t)clock_now(&ctx->av->clock), ctx->user);
	group_find(ctx->av->db, ref, &g);
	audit_note(ctx, g.ref, "group created (draft)");
	memset(&nm, 0, sizeof(nm));
	nm.name = client;
	nm.role = "client";
	nm.email = arg_opt(a, "email");
	nm.channel = arg_opt(a, "channel");
	nm.address = arg_opt(a, "address");
	nm.lang = arg_opt(a, "lang");
	if ((rc = member_insert(ctx, &g, &nm, &id)) != 0)
		return rc;
	warn_services(ctx, &g);
	ctx->result = v_obj();
	o_str(ctx->result, "group", g.ref);
	o_str(ctx->result, "state", "draft");
	o_int(ctx->result, "client_member", 1);
	say(ctx, "%s created as a draft; the client is member #1.", g.ref);
	say(ctx, "Next: add the members (ansvarctl member add %s NAME --role "
	    "ROLE ...), name the coordinator (--coordinator), then register "
	    "consent (ansvarctl group consent %s --date DATE --by NAME).",
	    g.ref, g.ref);
	return 0;
}

static int
cmd_group_list(struct cmd_ctx *ctx, struct args *a)
{
	const char	*state = arg_opt(a, "state");
	sqlite3_stmt	*st;
	int		 rc;

	if (state && (rc = check_choice(ctx, "--state", state,
	    "draft|active|closed")))
		return rc;
	ctx->result = v_arr();
	st = db_stmt(ctx->av->db, "SELECT g.ref, g.state, "
	    "(SELECT name FROM members WHERE group_id = g.id AND role = 'client' "
	    " AND removed_at IS NULL), "
	    "(SELECT name FROM members WHERE group_id = g.id AND coordinator = 1 "
	    " AND removed_at IS NULL), "
	    "(SELECT count(*) FROM members WHERE group_id = g.id AND "
	    " removed_at IS NULL) FROM groups g WHERE (?1 IS NULL OR "
	    "g.state = ?1) AND (?2 OR EXISTS (SELECT 1 FROM members WHERE "
	    "group_id = g.id AND login = ?3 AND removed_at IS NULL) OR "
	    "(g.state = 'draft' AND g.created_by = ?3)) ORDER BY g.ref", "sis",
	    state, (int)ctx->admin, ctx->user);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct val *o = a_obj(ctx->result);

		o_str(o, "ref", col_text(st, 0));
		o_str(o, "state", col_text(st, 1));
		o_str(o, "client", col_text(st, 2));
		o_str(o, "coordinator", sqlite3_column_type(st, 3) ==
		    SQLITE_NULL ? NULL : col_text(st, 3));
		o_int(o, "members", sqlite3_column_int(st, 4));
	}
	sqlite3_finalize(st);
	return 0;
}

/* E2, M10, A2 flags: evaluation overdue, too long without a meeting,
 * actions past their evaluation date. */
static void
followup_flags(struct cmd_ctx *ctx, const struct agroup *g, struct val *arr)
{
	struct ansvar	*av = ctx->av;
	sqlite3_stmt	*st;
	int		 today = local_day(clock_now(&av->clock)), due, last;
	int64_t		 activated, overdue;
	char		 date[16], *s;

	if (strcmp(g->state, "active"))
		return;
	if ((due = evaluation_due_day(av, g)) != -1 && due < today) {
		date_format(due, date, sizeof(date));
		s = xasprintf("yearly evaluation overdue since %s (E2)", date);
		a_str(arr, s);
		free(s);
	}
	last = last_meeting_day(av, g, clock_now(&av->clock));
	activated = db_int(av->db, 0, "SELECT activated_at FROM groups WHERE "
	    "id = ?", "l", g->id);
	if ((last != -1 ? last : local_day((time_t)activated)) +
	    av->cfg->max_meeting_gap_days < today) {
		s = xasprintf("no meeting for more than max_meeting_gap_days = %d "
		    "(M10)", av->cfg->max_meeting_gap_days);
		a_str(arr, s);
		free(s);
	}
	/* M9: minutes not recorded minutes_due_days after the meeting. */
	st = db_stmt(av->db, "SELECT num, start_at FROM meetings m WHERE "
	    "group_id = ? AND state = 'scheduled' AND end_at <= ? AND NOT EXISTS "
	    "(SELECT 1 FROM minutes x WHERE x.meeting_id = m.id) ORDER BY num",
	    "ll", g->id, (int64_t)clock_now(&av->clock));
	while (sqlite3_step(st) == SQLITE_ROW) {
		int mdue = local_day((time_t)sqlite3_column_int64(st, 1)) +
		    av->cfg->minutes_due_days;

		/* from the moment the coordinator is told */
		if (clock_now(&av->clock) < send_moment(av, mdue))
			continue;
		date_format(mdue, date, sizeof(date));
		s = xasprintf("minutes for meeting %d overdue since %s (M9)",
		    sqlite3_column_int(st, 0), date);
		a_str(arr, s);
		free(s);
	}
	sqlite3_finalize(st);
	date_format(today, date, sizeof(date));
	if ((overdue = db_int(av->db, 0, "SELECT count(*) FROM actions WHERE "
	    "group_id = ? AND done_at IS NULL AND evaluate < ?", "ls", g->id,
	    date)) > 0) {
		s = xasprintf("%lld action%s past the evaluation date (A2)",
		    (long long)overdue, overdue == 1 ? "" : "s");
		a_str(arr, s);
		free(s);
	}
}

/* What needs attention in a group, for status and group show. */
void
group_flags(struct cmd_ctx *ctx, const struct agroup *g, struct val *arr)
{
	sqlite3		*db = ctx->av->db;
	int		 services = group_service_count(db, ctx->av->cfg, g->id);
	sqlite3_stmt	*st;
	char		*s;

	if (!strcmp(g->state, "closed"))
		return;
	if (!strcmp(g->state, "draft"))
		a_str(arr, "draft: consent not registered (G6)");
	if (group_coordinator(db, g->id) == 0)
		a_str(arr, "no coordinator (G2)");
	if (services < ctx->av->cfg->min_services) {
		s = xasprintf("%d service%s, fewer than min_services = %d (G5)",
		    services, services == 1 ? "" : "s", ctx->av->cfg->min_services);
		a_str(arr, s);
		free(s);
	}
	followup_flags(ctx, g, arr);
	st = db_stmt(db, "SELECT item FROM agenda_pending WHERE group_id = ? "
	    "AND done_at IS NULL AND source = 'G8' ORDER BY id", "l", g->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		s = xasprintf("for the next agenda: %s (G8)", col_text(st, 0));
		a_str(arr, s);
		free(s);
	}
	sqlite3_finalize(st);
}

static void
show_consent(struct cmd_ctx *ctx, const struct agroup *g, struct val *o)
{
	sqlite3_stmt	*st;

	st = db_stmt(ctx->av->db, "SELECT consent_date, consent_by, "
	    "consent_scope, (SELECT num FROM members WHERE id = contact_member) "
	    "FROM groups WHERE id = ?", "l", g->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		o_str(o, "consent_date", col_opt(st, 0));
		o_str(o, "consent_by", col_opt(st, 1));
		o_str(o, "consent_scope", col_opt(st, 2));
		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			o_str(o, "contact", NULL);
		else
			o_strf(o, "contact", "#%d", sqlite3_column_int(st, 3));
	}
	sqlite3_finalize(st);
}

static int
cmd_group_show(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	sqlite3_stmt	*st;
	struct val	*o, *members, *list;
	char		 when[32];
	int		 rc;
	int64_t		 coord;

	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	o = ctx->result = v_obj();
	o_str(o, "ref", g.ref);
	o_str(o, "state", g.state);
	o_str(o, "born", g.born);
	time_format_local((time_t)g.created_at, when, sizeof(when));
	o_str(o, "created", when);
	show_consent(ctx, &g, o);
	if ((coord = group_coordinator(ctx->av->db, g.id)) != 0)
		o_strf(o, "coordinator", "#%lld", (long long)db_int(ctx->av->db,
		    0, "SELECT num FROM members WHERE id = ?", "l", coord));
	else
		o_str(o, "coordinator", NULL);
	o_int(o, "services", group_service_count(ctx->av->db, ctx->av->cfg, g.id));
	o_int(o, "fixed_members", group_fixed_count(ctx->av->db, g.id));
	group_flags(ctx, &g, o_arr(o, "flags"));
	members = o_arr(o, "members");
	st = db_stmt(ctx->av->db, "SELECT " MEMBER_COLUMNS " FROM members "
	    "WHERE group_id = ? AND removed_at IS NULL ORDER BY num", "l", g.id);
	while (sqlite3_step(st) == SQLITE_ROW)
		member_row(a_obj(members), st);
	sqlite3_finalize(st);
	list = o_arr(o, "transitions");
	st = db_stmt(ctx->av->db, "SELECT kind, date, note FROM transitions "
	    "WHERE group_id = ? ORDER BY date, id", "l", g.id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct val *t = a_obj(list);

		o_str(t, "kind", col_text(st, 0));
		o_str(t, "date", col_text(st, 1));
		o_str(t, "note", col_opt(st, 2));
	}
	sqlite3_finalize(st);
	list = o_arr(o, "closures");
	st = db_stmt(ctx->av->db, "SELECT closed_at, reason, summary, "
	    "reopened_at FROM closures WHERE group_id = ? ORDER BY id", "l", g.id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct val *t = a_obj(list);

		time_format_local((time_t)sqlite3_column_int64(st, 0), when,
		    sizeof(when));
		o_str(t, "closed", when);
		o_str(t, "reason", col_text(st, 1));
		o_str(t, "summary", col_text(st, 2));
		o_bool(t, "reopened", sqlite3_column_type(st, 3) != SQLITE_NULL);
	}
	sqlite3_finalize(st);
	return 0;
}

static int
cmd_group_consent(struct cmd_ctx *ctx, struct args *a)
{
	const char	*date = arg_opt(a, "date"), *by = arg_opt(a, "by");
	const char	*scope = arg_opt(a, "scope");
	struct agroup	 g;
	int		 rc, day, today = local_day(clock_now(&ctx->av->clock));

	if (date == NULL || by == NULL)
		return refuse(ctx, EX_USAGE, "group consent: --date and --by are "
		    "required\nusage: group consent %s", ctx->entry->usage);
	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if ((rc = check_date(ctx, "--date", date, &day)) ||
	    (rc = check_text(ctx, "--by", by)) ||
	    (scope && (rc = check_text(ctx, "--scope", scope))))
		return rc;
	if (day > today)
		return refuse(ctx, EX_DATAERR, "--date: consent dated %s is in "
		    "the future", date);
	if (strcmp(g.state, "draft"))
		return refuse(ctx, EX_DATAERR, "%s is %s; consent activates a "
		    "draft group", g.ref, g.state);
	if (group_coordinator(ctx->av->db, g.id) == 0)
		return refuse(ctx, EX_DATAERR, "%s has no coordinator, and an "
		    "active group always has one (G2); name one first: "
		    "ansvarctl member add %s NAME --role service --service "
		    "SERVICE --coordinator", g.ref, g.ref);
	db_run(ctx->av->db, "UPDATE groups SET state = 'active', consent_date "
	    "= ?, consent_by = ?, consent_scope = ?, activated_at = ? WHERE "
	    "id = ?", "sssll", date, by, scope,
	    (int64_t)clock_now(&ctx->av->clock), g.id);
	snprintf(g.state, sizeof(g.state), "active");
	audit_note(ctx, g.ref, "consent of %s registered; group active", date);
	warn_services(ctx, &g);
	if (client_age(&g, today) < 18)
		notice_group_started(ctx->av, &g);
	say(ctx, "%s is active: consent of %s registered.%s", g.ref, date,
	    client_age(&g, today) < 18 ? " The youth team is told (G7)." : "");
	return 0;
}

static const char *transition_kinds = "kindergarten-school|lower-secondary|"
    "upper-secondary|adult|own-home|work|other";

static int
cmd_group_transition(struct cmd_ctx *ctx, struct args *a)
{
	const char	*kind = arg_opt(a, "kind"), *date = arg_opt(a, "date");
	const char	*note = arg_opt(a, "note");
	struct agroup	 g;
	int		 rc, day;
	char		*item;

	if (kind == NULL || date == NULL)
		return refuse(ctx, EX_USAGE, "group transition: --kind and --date "
		    "are required\nusage: group transition %s", ctx->entry->usage);
	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if ((rc = check_choice(ctx, "--kind", kind, transition_kinds)) ||
	    (rc = check_date(ctx, "--date", date, &day)) ||
	    (note && (rc = check_text(ctx, "--note", note))))
		return rc;
	if (!strcmp(g.state, "closed"))
		return refuse(ctx, EX_DATAERR, "%s is closed", g.ref);
	db_run(ctx->av->db, "INSERT INTO transitions (group_id, kind, date, "
	    "note, created_at) VALUES (?, ?, ?, ?, ?)", "lsssl", g.id, kind,
	    date, note, (int64_t)clock_now(&ctx->av->clock));
	item = xasprintf("membership review (transition: %s, %s)", kind, date);
	pending_item(ctx->av, &g, item, "G8");
	free(item);
	audit_note(ctx, g.ref, "transition %s on %s recorded", kind, date);
	say(ctx, "%s: transition %s recorded; \"membership review\" goes on "
	    "the next agenda (G8).", g.ref, kind);
	return 0;
}

static int
cmd_group_close(struct cmd_ctx *ctx, struct args *a)
{
	const char	*reason = arg_opt(a, "reason"), *summary = arg_opt(a, "summary");
	struct agroup	 g;
	int64_t		 closure;
	int		 rc, dropped;

	if (reason == NULL || summary == NULL)
		return refuse(ctx, EX_USAGE, "group close: --reason and --summary "
		    "(the final evaluation, E3) are required\nusage: group close "
		    "%s", ctx->entry->usage);
	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if ((rc = check_text(ctx, "--reason", reason)) ||
	    (rc = check_text(ctx, "--summary", summary)))
		return rc;
	if (!strcmp(g.state, "closed"))
		return refuse(ctx, EX_DATAERR, "%s is already closed", g.ref);
	if (!strcmp(g.state, "draft"))
		return refuse(ctx, EX_DATAERR, "%s is a draft that never became "
		    "active; nothing to close", g.ref);
	/* Every pending reminder stops; what the group was owed is moot. */
	dropped = (int)db_int(ctx->av->db, 0, "SELECT count(*) FROM outbox "
	    "WHERE group_id = ? AND state = 'pending'", "l", g.id);
	db_run(ctx->av->db, "UPDATE outbox SET state = 'dropped', last_error = "
	    "'group closed' WHERE group_id = ? AND state = 'pending'", "l", g.id);
	db_run(ctx->av->db, "INSERT INTO closures (group_id, closed_at, reason, "
	    "summary, by_user) VALUES (?, ?, ?, ?, ?)", "llsss", g.id,
	    (int64_t)clock_now(&ctx->av->clock), reason, summary, ctx->user);
	closure = sqlite3_last_insert_rowid(ctx->av->db);
	db_run(ctx->av->db, "UPDATE groups SET state = 'closed' WHERE id = ?",
	    "l", g.id);
	snprintf(g.state, sizeof(g.state), "closed");
	group_closed_hook(ctx->av, &g);
	notice_group_closed(ctx->av, &g, closure);
	audit_note(ctx, g.ref, "group closed (%d pending mail%s stopped)",
	    dropped, dropped == 1 ? "" : "s");
	say(ctx, "%s is closed; the final evaluation is recorded and %s is "
	    "told.", g.ref, client_age(&g, local_day(clock_now(&ctx->av->clock)))
	    < 18 ? ctx->av->cfg->notify_children : ctx->av->cfg->notify_adults);
	return 0;
}

static int
cmd_group_reopen(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	g;
	int		rc;
	bool		consented;

	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if (strcmp(g.state, "closed"))
		return refuse(ctx, EX_DATAERR, "%s is %s, not closed", g.ref,
		    g.state);
	consented = db_int(ctx->av->db, 0, "SELECT consent_date IS NOT NULL "
	    "FROM groups WHERE id = ?", "l", g.id);
	if (consented && group_coordinator(ctx->av->db, g.id) == 0)
		return refuse(ctx, EX_DATAERR, "%s has no coordinator; an active "
		    "group needs one (G2)", g.ref);
	db_run(ctx->av->db, "UPDATE groups SET state = ? WHERE id = ?", "sl",
	    consented ? "active" : "draft", g.id);
	db_run(ctx->av->db, "UPDATE closures SET reopened_at = ? WHERE "
	    "group_id = ? AND reopened_at IS NULL", "ll",
	    (int64_t)clock_now(&ctx->av->clock), g.id);
	audit_note(ctx, g.ref, "group reopened");
	say(ctx, "%s is reopened (%s).", g.ref, consented ? "active" : "draft");
	return 0;
}

const struct cmd_entry cmd_group_entries[] = {
	{ .name = "group create",
	  .usage = "REF --client NAME --born DATE [--email ADDR] "
	    "[--channel mail|post] [--address TEXT] [--lang nb|en]",
	  .opts = "client=,born=,email=,channel=,address=,lang=",
	  .minpos = 1, .maxpos = 1, .flags = CMD_WRITE,
	  .exec = cmd_group_create },
	{ .name = "group list", .usage = "[--state draft|active|closed]",
	  .opts = "state=", .minpos = 0, .maxpos = 0,
	  .exec = cmd_group_list },
	{ .name = "group show", .usage = "REF", .minpos = 1, .maxpos = 1,
	  .exec = cmd_group_show },
	{ .name = "group consent",
	  .usage = "REF --date DATE --by NAME [--scope TEXT]",
	  .opts = "date=,by=,scope=", .minpos = 1, .maxpos = 1,
	  .flags = CMD_WRITE, .exec = cmd_group_consent },
	{ .name = "group transition",
	  .usage = "REF --kind KIND --date DATE [--note TEXT]",
	  .opts = "kind=,date=,note=", .minpos = 1, .maxpos = 1,
	  .flags = CMD_WRITE, .exec = cmd_group_transition },
	{ .name = "group close", .usage = "REF --reason TEXT --summary TEXT",
	  .opts = "reason=,summary=", .minpos = 1, .maxpos = 1,
	  .flags = CMD_WRITE, .exec = cmd_group_close },
	{ .name = "group reopen", .usage = "REF", .minpos = 1, .maxpos = 1,
	  .flags = CMD_WRITE, .exec = cmd_group_reopen },
	{ .name = NULL }
};
