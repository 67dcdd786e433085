/*
 * Group commands (G1, G5-G9): create, list, show; consent, transitions,
 * closing and reopening.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "group.h"
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
	db_run(ctx->av->db, "INSERT INTO groups (ref, client_born, created_at) "
	    "VALUES (?, ?, ?)", "ssl", ref, born,
	    (int64_t)clock_now(&ctx->av->clock));
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
	    " removed_at IS NULL) FROM groups g WHERE ?1 IS NULL OR "
	    "g.state = ?1 ORDER BY g.ref", "s", state);
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

static int
cmd_group_show(struct cmd_ctx *ctx, struct args *a)
{
	struct agroup	 g;
	sqlite3_stmt	*st;
	struct val	*o, *members;
	char		 when[32];
	int		 rc, services;

	if ((rc = find_group(ctx, a->pos[0], &g)) != 0)
		return rc;
	o = ctx->result = v_obj();
	o_str(o, "ref", g.ref);
	o_str(o, "state", g.state);
	o_str(o, "born", g.born);
	time_format_local((time_t)g.created_at, when, sizeof(when));
	o_str(o, "created", when);
	services = group_service_count(ctx->av->db, ctx->av->cfg, g.id);
	o_int(o, "services", services);
	o_int(o, "fixed_members", group_fixed_count(ctx->av->db, g.id));
	if (services < ctx->av->cfg->min_services)
		o_strf(o, "warning", "fewer services than min_services = %d (G5)",
		    ctx->av->cfg->min_services);
	members = o_arr(o, "members");
	st = db_stmt(ctx->av->db, "SELECT " MEMBER_COLUMNS " FROM members "
	    "WHERE group_id = ? AND removed_at IS NULL ORDER BY num", "l", g.id);
	while (sqlite3_step(st) == SQLITE_ROW)
		member_row(a_obj(members), st);
	sqlite3_finalize(st);
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
	{ .name = NULL }
};
