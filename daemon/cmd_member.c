/*
 * Member commands (G1-G4): add, remove, list, coordinator handover and
 * the client's contact person.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "group.h"
#include "notices.h"
#include "store.h"

static int
member_check(struct cmd_ctx *ctx, const struct agroup *g,
    const struct newmember *nm)
{
	struct config	*cfg = ctx->av->cfg;
	int		 rc;

	if ((rc = check_text(ctx, "name", nm->name)) ||
	    (rc = check_choice(ctx, "--role", nm->role,
	    "client|guardian|verge|relative|service")) ||
	    (nm->email && (rc = check_email(ctx, "--email", nm->email))) ||
	    (nm->phone && (rc = check_text(ctx, "--phone", nm->phone))) ||
	    (nm->address && (rc = check_text(ctx, "--address", nm->address))) ||
	    (nm->channel && (rc = check_choice(ctx, "--channel", nm->channel,
	    "mail|post"))) ||
	    (nm->lang && (rc = check_choice(ctx, "--lang", nm->lang, "nb|en"))))
		return rc;
	if (!strcmp(g->state, "closed"))
		return refuse(ctx, EX_DATAERR, "%s is closed; reopen it first "
		    "(ansvarctl group reopen %s)", g->ref, g->ref);
	if (!strcmp(nm->role, "service") && nm->service == NULL)
		return refuse(ctx, EX_DATAERR, "a service member needs "
		    "--service NAME (e.g. NAV, Fastlege, Skole)");
	if (nm->service && strcmp(nm->role, "service"))
		return refuse(ctx, EX_DATAERR, "--service is only for members "
		    "with --role service");
	if (nm->service && (rc = check_text(ctx, "--service", nm->service)))
		return rc;
	if (!strcmp(nm->role, "client") && db_int(ctx->av->db, 0, "SELECT 1 "
	    "FROM members WHERE group_id = ? AND role = 'client' AND "
	    "removed_at IS NULL", "l", g->id))
		return refuse(ctx, EX_DATAERR, "%s already has its client "
		    "(member #1)", g->ref);
	if (nm->channel && !strcmp(nm->channel, "post") && nm->address == NULL)
		return refuse(ctx, EX_DATAERR, "a member who gets post needs "
		    "--address");
	if (nm->channel == NULL && !strcmp(cfg->default_channel, "post") &&
	    nm->address == NULL)
		return refuse(ctx, EX_DATAERR, "default_channel is post, so the "
		    "member needs --address (or --channel mail)");
	if (nm->login && getpwnam(nm->login) == NULL)
		return refuse(ctx, EX_DATAERR, "--login: no Unix user \"%s\"",
		    nm->login);
	if (nm->email && member_find(ctx->av->db, g->id, nm->email) != -1)
		return refuse(ctx, EX_DATAERR, "%s is already a member of %s",
		    nm->email, g->ref);
	if (!nm->guest && group_fixed_count(ctx->av->db, g->id) >=
	    cfg->max_fixed_members)
		return refuse(ctx, EX_DATAERR, "%s has %d fixed members, the "
		    "most max_fixed_members allows (G4); invite this person to "
		    "single meetings instead with --guest", g->ref,
		    cfg->max_fixed_members);
	if (nm->coordinator) {
		int64_t	c = group_coordinator(ctx->av->db, g->id);

		if (c)
			return refuse(ctx, EX_DATAERR, "%s already has a "
			    "coordinator (member #%lld); hand over with: "
			    "ansvarctl coordinator set %s MEMBER", g->ref,
			    (long long)db_int(ctx->av->db, 0, "SELECT num FROM "
			    "members WHERE id = ?", "l", c), g->ref);
		if (strcmp(nm->role, "service") || nm->guest)
			return refuse(ctx, EX_DATAERR, "the coordinator must be "
			    "a fixed service member (G2)");
	}
	return 0;
}

int
member_insert(struct cmd_ctx *ctx, const struct agroup *g,
    const struct newmember *nm, int64_t *id)
{
	char	token[33];
	int	rc, num;

	if ((rc = member_check(ctx, g, nm)) != 0)
		return rc;
	random_hex(token, 16);
	num = (int)db_int(ctx->av->db, 0, "SELECT max(num) FROM members WHERE "
	    "group_id = ?", "l", g->id) + 1;
	rc = db_try(ctx->av->db, "INSERT INTO members (group_id, num, name, role, "
	    "service, email, phone, channel, address, lang, guest, login, "
	    "coordinator, token, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?)", "lissssssssisisl", g->id, num, nm->name,
	    nm->role, nm->service, nm->email, nm->phone,
	    nm->channel ? nm->channel : ctx->av->cfg->default_channel,
	    nm->address, nm->lang, (int)nm->guest, nm->login,
	    (int)nm->coordinator, token, (int64_t)clock_now(&ctx->av->clock));
	if (rc != SQLITE_DONE)
		return refuse(ctx, EX_SOFTWARE, "member add: the store refused "
		    "the member: %s", sqlite3_errmsg(ctx->av->db));
	*id = sqlite3_last_insert_rowid(ctx->av->db);
	audit_note(ctx, g->ref, "member #%d added as %s%s%s", num, nm->role,
	    nm->guest ? " (guest)" : "", nm->coordinator ? ", coordinator" : "");
	if (nm->coordinator)
		notice_coordinator_assigned(ctx->av, g, *id, 0);
	return 0;
}

void
member_row(struct val *o, sqlite3_stmt *st)
{
	o_int(o, "num", sqlite3_column_int(st, 0));
	o_str(o, "name", col_text(st, 1));
	o_str(o, "role", col_text(st, 2));
	o_str(o, "service", sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
	    col_text(st, 3));
	o_str(o, "email", sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL :
	    col_text(st, 4));
	o_str(o, "phone", sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL :
	    col_text(st, 5));
	o_str(o, "channel", col_text(st, 6));
	o_bool(o, "guest", sqlite3_column_int(st, 7));
	o_bool(o, "coordinator", sqlite3_column_int(st, 8));
	o_str(o, "login", sqlite3_column_type(st, 9) == SQLITE_NULL ? NULL :
	    col_text(st, 9));
}

static int
cmd_member_add(struct cmd_ctx *ctx, struct args *a)
{
	struct newmember	nm;
	struct agroup		g;
	int64_t			id;
	int			rc;

	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if (arg_opt(a, "role") == NULL)
		return refuse(ctx, EX_USAGE, "member add: --role is required "
		    "(client, guardian, verge, relative or service)");
	memset(&nm, 0, sizeof(nm));
	nm.name = a->pos[1];
	nm.role = arg_opt(a, "role");
	nm.service = arg_opt(a, "service");
	nm.email = arg_opt(a, "email");
	nm.phone = arg_opt(a, "phone");
	nm.channel = arg_opt(a, "channel");
	nm.address = arg_opt(a, "address");
	nm.lang = arg_opt(a, "lang");
	nm.login = arg_opt(a, "login");
	nm.guest = arg_flag(a, "guest");
	nm.coordinator = arg_flag(a, "coordinator");
	if ((rc = member_insert(ctx, &g, &nm, &id)) != 0)
		return rc;
	ctx->result = v_obj();
	o_str(ctx->result, "group", g.ref);
	o_int(ctx->result, "member", db_int(ctx->av->db, 0, "SELECT num FROM "
	    "members WHERE id = ?", "l", id));
	o_str(ctx->result, "role", nm.role);
	o_bool(ctx->result, "guest", nm.guest);
	o_bool(ctx->result, "coordinator", nm.coordinator);
	say(ctx, "%s: %s added as member #%lld (%s%s%s).", g.ref, nm.name,
	    (long long)db_int(ctx->av->db, 0, "SELECT num FROM members WHERE "
	    "id = ?", "l", id), nm.service ? nm.service : nm.role,
	    nm.guest ? ", guest" : "", nm.coordinator ? ", coordinator" : "");
	return 0;
}

static int
cmd_member_list(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	sqlite3_stmt	*st;
	int		 rc;

	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	ctx->result = v_arr();
	st = db_stmt(ctx->av->db, "SELECT " MEMBER_COLUMNS " FROM members "
	    "WHERE group_id = ? AND removed_at IS NULL ORDER BY num", "l", g.id);
	while (sqlite3_step(st) == SQLITE_ROW)
		member_row(a_obj(ctx->result), st);
	sqlite3_finalize(st);
	return 0;
}

/* MEMBER of a group, or a refusal naming what was not found. */
static int
find_member(struct cmd_ctx *ctx, const struct agroup *g, const char *spec,
    struct member *m)
{
	int64_t	id = member_find(ctx->av->db, g->id, spec);

	if (id == -1 || member_load(ctx->av->db, id, m) == -1)
		return refuse(ctx, EX_DATAERR, "%s: no member \"%s\" (give "
		    "#N from 'ansvarctl member list %s', or an e-mail "
		    "address)", g->ref, spec, g->ref);
	return 0;
}

/* G2: hand the group over from its coordinator to `to`. */
static int
handover(struct cmd_ctx *ctx, const struct agroup *g, const struct member *to,
    const char *wish)
{
	sqlite3		*db = ctx->av->db;
	int64_t		 from = group_coordinator(db, g->id);

	if (strcmp(to->role, "service") || to->guest)
		return refuse(ctx, EX_DATAERR, "%s: member #%d is not a fixed "
		    "service member; the coordinator must be one (G2)", g->ref,
		    to->num);
	if (from == to->id)
		return refuse(ctx, EX_DATAERR, "%s: member #%d already "
		    "coordinates", g->ref, to->num);
	if (wish && check_text(ctx, "--client-wish", wish))
		return EX_DATAERR;
	db_run(db, "UPDATE members SET coordinator = 0 WHERE group_id = ?",
	    "l", g->id);
	db_run(db, "UPDATE members SET coordinator = 1 WHERE id = ?", "l", to->id);
	db_run(db, "INSERT INTO handovers (group_id, from_member, to_member, at, "
	    "client_wish, by_user) VALUES (?, NULLIF(?, 0), ?, ?, ?, ?)",
	    "llllss", g->id, from, to->id, (int64_t)clock_now(&ctx->av->clock),
	    wish, ctx->user);
	audit_note(ctx, g->ref, "coordinator handed over from #%lld to #%d%s%s",
	    (long long)db_int(db, 0, "SELECT num FROM members WHERE id = ?",
	    "l", from), to->num, wish ? "; client's wish: " : "",
	    wish ? wish : "");
	notice_coordinator_assigned(ctx->av, g, to->id, from);
	return 0;
}

static int
cmd_coordinator_set(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	g;
	struct member	m;
	int		rc;

	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if ((rc = find_member(ctx, &g, a->pos[1], &m)) != 0)
		return rc;
	if ((rc = handover(ctx, &g, &m, arg_opt(a, "client-wish"))) == 0)
		say(ctx, "%s: %s (#%d) is now the coordinator; the old and the "
		    "new coordinator are told by mail.", g.ref, m.name, m.num);
	member_clear(&m);
	return rc;
}

static int
cmd_member_remove(struct cmd_ctx *ctx, struct args *a)
{
	const char	*succ = arg_opt(a, "successor");
	struct agroup	 g;
	struct member	 m, s;
	int		 rc;

	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if ((rc = find_member(ctx, &g, a->pos[1], &m)) != 0)
		return rc;
	rc = 0;
	if (!strcmp(m.role, "client"))
		rc = refuse(ctx, EX_DATAERR, "%s: the client cannot be removed; "
		    "close the group instead (ansvarctl group close %s --reason "
		    "TEXT --summary TEXT)", g.ref, g.ref);
	else if (m.coordinator && succ == NULL && strcmp(g.state, "closed"))
		rc = refuse(ctx, EX_DATAERR, "%s: member #%d is the coordinator, "
		    "and a group always has one (G2); hand over in the same "
		    "command: ansvarctl member remove %s %s --successor MEMBER",
		    g.ref, m.num, g.ref, a->pos[1]);
	else if (succ && !m.coordinator)
		rc = refuse(ctx, EX_DATAERR, "%s: --successor is only for "
		    "removing the coordinator", g.ref);
	else if (succ && (rc = find_member(ctx, &g, succ, &s)) == 0) {
		if (s.id == m.id)
			rc = refuse(ctx, EX_DATAERR, "%s: the successor must be "
			    "another member", g.ref);
		else
			rc = handover(ctx, &g, &s, NULL);
		member_clear(&s);
	}
	if (rc == 0) {
		db_run(ctx->av->db, "UPDATE members SET removed_at = ?, "
		    "coordinator = 0 WHERE id = ?", "ll",
		    (int64_t)clock_now(&ctx->av->clock), m.id);
		db_run(ctx->av->db, "UPDATE groups SET contact_member = NULL "
		    "WHERE contact_member = ?", "l", m.id);
		audit_note(ctx, g.ref, "member #%d removed", m.num);
		say(ctx, "%s: member #%d removed.", g.ref, m.num);
	}
	member_clear(&m);
	return rc;
}

static int
cmd_contact_set(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	g;
	struct member	m;
	int		rc;

	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	if ((rc = find_member(ctx, &g, a->pos[1], &m)) != 0)
		return rc;
	if (!strcmp(m.role, "client"))
		rc = refuse(ctx, EX_DATAERR, "%s: the contact person is another "
		    "member than the client (G3)", g.ref);
	else {
		db_run(ctx->av->db, "UPDATE groups SET contact_member = ? WHERE "
		    "id = ?", "ll", m.id, g.id);
		audit_note(ctx, g.ref, "contact person set to #%d", m.num);
		say(ctx, "%s: %s (#%d) is the client's contact person.", g.ref,
		    m.name, m.num);
	}
	member_clear(&m);
	return rc;
}

const struct cmd_entry cmd_member_entries[] = {
	{ .name = "member add",
	  .usage = "REF NAME --role ROLE [--service NAME] [--email ADDR] "
	    "[--phone TEXT] [--channel mail|post] [--address TEXT] "
	    "[--lang nb|en] [--guest] [--coordinator] [--login USER]",
	  .opts = "role=,service=,email=,phone=,channel=,address=,lang=,"
	    "guest,coordinator,login=",
	  .minpos = 2, .maxpos = 2, .flags = CMD_WRITE,
	  .exec = cmd_member_add },
	{ .name = "member list", .usage = "REF", .minpos = 1, .maxpos = 1,
	  .exec = cmd_member_list },
	{ .name = "member remove", .usage = "REF MEMBER [--successor MEMBER]",
	  .opts = "successor=", .minpos = 2, .maxpos = 2, .flags = CMD_WRITE,
	  .exec = cmd_member_remove },
	{ .name = "coordinator set", .usage = "REF MEMBER [--client-wish TEXT]",
	  .opts = "client-wish=", .minpos = 2, .maxpos = 2, .flags = CMD_WRITE,
	  .exec = cmd_coordinator_set },
	{ .name = "contact set", .usage = "REF MEMBER", .minpos = 2,
	  .maxpos = 2, .flags = CMD_WRITE, .exec = cmd_contact_set },
	{ .name = NULL }
};
