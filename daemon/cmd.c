/*
 * Runs one ansvarctl request: finds the entry in the command table, parses
 * options against its spec, runs it in a transaction when it writes, writes
 * the audit row, and packs the reply frames.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ansvar-protocol.h"
#include "audit.h"
#include "cmd.h"
#include "group.h"
#include "log.h"
#include "store.h"

static const struct cmd_entry *tables[] = {
	cmd_group_entries, cmd_member_entries, cmd_meeting_entries,
	cmd_followup_entries, cmd_mail_entries, cmd_ops_entries,
};

void
reply_frame(struct buf *b, uint32_t type, const void *p, size_t len)
{
	struct frame_hdr	h = { type, (uint32_t)len };

	buf_add(b, &h, sizeof(h));
	buf_add(b, p, len);
}

const char *
arg_opt(const struct args *a, const char *name)
{
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->optname[i], name))
			return a->optval[i];
	return NULL;
}

bool
arg_flag(const struct args *a, const char *name)
{
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->optname[i], name))
			return true;
	return false;
}

int
refuse(struct cmd_ctx *ctx, int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	buf_vprintf(&ctx->err, fmt, ap);
	va_end(ap);
	buf_puts(&ctx->err, "\n");
	return status;
}

void
warn_user(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;

	buf_puts(&ctx->err, "warning: ");
	va_start(ap, fmt);
	buf_vprintf(&ctx->err, fmt, ap);
	va_end(ap);
	buf_puts(&ctx->err, "\n");
}

void
say(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	buf_vprintf(&ctx->out, fmt, ap);
	va_end(ap);
	buf_puts(&ctx->out, "\n");
}

void
audit_note(struct cmd_ctx *ctx, const char *ref, const char *fmt, ...)
{
	va_list	ap;

	if (ref && ctx->audit_ref == NULL)
		ctx->audit_ref = xstrdup(ref);
	if (ctx->audit.len)
		buf_puts(&ctx->audit, "; ");
	va_start(ap, fmt);
	buf_vprintf(&ctx->audit, fmt, ap);
	va_end(ap);
}

static const struct cmd_entry *
cmd_find(int argc, char **argv, int *words)
{
	const struct cmd_entry	*e;
	size_t			 n0 = strlen(argv[0]);

	for (size_t t = 0; t < sizeof(tables) / sizeof(*tables); t++)
		for (e = tables[t]; e->name; e++) {
			const char *sp = strchr(e->name, ' ');

			if (sp == NULL && !strcmp(e->name, argv[0])) {
				*words = 1;
				return e;
			}
			if (sp && argc > 1 && (size_t)(sp - e->name) == n0 &&
			    !strncmp(e->name, argv[0], n0) &&
			    !strcmp(sp + 1, argv[1])) {
				*words = 2;
				return e;
			}
		}
	return NULL;
}

/* The spec entry for --name: "=" takes a value, "=*" may repeat. */
static const char *
opt_spec(const char *spec, const char *name, size_t len)
{
	for (const char *p = spec; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		size_t n = strcspn(p, ",=");

		if (n == len && !strncmp(p, name, len))
			return p + n;
	}
	return NULL;
}

static int
args_parse(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc,
    char **argv, struct args *a)
{
	bool	 dashdash = false;

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		char		*arg = argv[i], *eq;
		const char	*spec;
		size_t		 len;

		if (dashdash || strncmp(arg, "--", 2) || arg[2] == '\0') {
			if (!dashdash && !strcmp(arg, "--")) {
				dashdash = true;
				continue;
			}
			if (a->npos == (int)(sizeof(a->pos) / sizeof(*a->pos)) ||
			    a->npos >= e->maxpos)
				return refuse(ctx, EX_USAGE, "%s: unexpected "
				    "argument \"%s\"\nusage: %s %s", e->name,
				    arg, e->name, e->usage);
			a->pos[a->npos++] = arg;
			continue;
		}
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		if ((spec = opt_spec(e->opts, arg + 2, len)) == NULL)
			return refuse(ctx, EX_USAGE, "%s: unknown option "
			    "--%.*s\nusage: %s %s", e->name, (int)len, arg + 2,
			    e->name, e->usage);
		if (a->nopt == CMD_MAX_OPTS)
			return refuse(ctx, EX_USAGE, "%s: too many options", e->name);
		a->optname[a->nopt] = arg + 2;
		if (eq)
			*eq = '\0';
		if (spec[0] != '=' || spec[1] != '*')
			for (int j = 0; j < a->nopt; j++)
				if (!strcmp(a->optname[j], arg + 2))
					return refuse(ctx, EX_USAGE, "%s: --%s "
					    "given twice", e->name, arg + 2);
		if (*spec == '=') {
			if (eq)
				a->optval[a->nopt] = eq + 1;
			else if (i + 1 < argc)
				a->optval[a->nopt] = argv[++i];
			else
				return refuse(ctx, EX_USAGE, "%s: --%s needs a "
				    "value\nusage: %s %s", e->name, arg + 2,
				    e->name, e->usage);
		} else if (eq)
			return refuse(ctx, EX_USAGE, "%s: --%.*s takes no value",
			    e->name, (int)len, arg + 2);
		a->nopt++;
	}
	if (a->npos < e->minpos)
		return refuse(ctx, EX_USAGE, "%s: missing argument\nusage: %s %s",
		    e->name, e->name, e->usage);
	return 0;
}

/* The caller's groups as the kernel reports them for the socket peer. */
static bool
in_admin_group(const struct request *req, const char *group)
{
	struct group	*gr = getgrnam(group);

	if (gr == NULL)
		return false;
	if (req->gid == gr->gr_gid)
		return true;
	for (int i = 0; i < req->ngroups; i++)
		if (req->groups[i] == gr->gr_gid)
			return true;
	return false;
}

static void
ctx_init(struct cmd_ctx *ctx, struct ansvar *av, const struct request *req)
{
	struct passwd	*pw;

	memset(ctx, 0, sizeof(*ctx));
	ctx->av = av;
	ctx->req = req;
	buf_init(&ctx->out);
	buf_init(&ctx->err);
	buf_init(&ctx->audit);
	if ((pw = getpwuid(req->uid)) != NULL)
		ctx->user = xstrdup(pw->pw_name);
	else
		ctx->user = xasprintf("uid%u", (unsigned)req->uid);
	ctx->admin = req->uid == 0 || in_admin_group(req, av->cfg->admin_group);
}

static void
ctx_free(struct cmd_ctx *ctx)
{
	v_free(ctx->result);
	buf_free(&ctx->out);
	buf_free(&ctx->err);
	buf_free(&ctx->audit);
	free(ctx->audit_ref);
	free(ctx->denied);
	free(ctx->denied_ref);
	free(ctx->user);
}

static int
run_entry(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc, char **argv)
{
	struct args	a;
	int		status;

	if ((status = args_parse(ctx, e, argc, argv, &a)) != 0)
		return status;
	if ((e->flags & CMD_ADMIN) && !ctx->admin)
		status = deny(ctx, NULL, "only root and members of %s may do this",
		    ctx->av->cfg->admin_group);
	else if (!(e->flags & CMD_WRITE))
		status = e->exec(ctx, &a);
	else {
		store_begin(ctx->av->db);
		status = e->exec(ctx, &a);
		if (status == 0) {
			audit_write(ctx->av, ctx->req, ctx->user, e->name,
			    ctx->audit_ref, ctx->audit.len ?
			    buf_str(&ctx->audit) : NULL);
			if (store_commit(ctx->av->db) == -1)
				return refuse(ctx, EX_TEMPFAIL, "%s: could not be "
				    "saved, nothing changed; try again", e->name);
		} else
			store_rollback(ctx->av->db);
	}
	/* A refused access is audited after the change was rolled back. */
	if (ctx->denied)
		audit_refusal(ctx->av, ctx->req, ctx->user, e->name,
		    ctx->denied_ref, ctx->denied);
	return status;
}

static void
usage_all(struct buf *b)
{
	buf_puts(b, "commands:\n");
	for (size_t t = 0; t < sizeof(tables) / sizeof(*tables); t++)
		for (const struct cmd_entry *e = tables[t]; e->name; e++)
			buf_printf(b, "  %s %s\n", e->name, e->usage);
}

void
cmd_execute(struct ansvar *av, const struct request *req, struct buf *reply)
{
	const struct cmd_entry	*e;
	struct cmd_ctx		 ctx;
	struct buf		 text;
	uint32_t		 status;
	int			 words = 0;

	ctx_init(&ctx, av, req);
	buf_init(&text);
	if (!strcmp(req->argv[0], "help")) {
		usage_all(&ctx.out);
		status = 0;
	} else if ((e = cmd_find(req->argc, req->argv, &words)) == NULL) {
		buf_printf(&ctx.err, "unknown command \"%s\"; ", req->argv[0]);
		usage_all(&ctx.err);
		status = EX_USAGE;
	} else {
		ctx.entry = e;
		status = (uint32_t)run_entry(&ctx, e, req->argc - words,
		    req->argv + words);
		if (status == 0)
			work_run(av);	/* mail a change caused goes out now */
	}
	if (req->json) {
		struct val *o = ctx.result;

		if (o == NULL) {
			o = v_obj();
			if (status == 0)
				o_str(o, "message", buf_str(&ctx.out));
			else {
				o_str(o, "error", buf_str(&ctx.err));
				o_int(o, "status", status);
			}
		}
		v_json(&text, o);
		if (o != ctx.result)
			v_free(o);
	} else {
		/* A sentence said to the user stands for the record. */
		if (ctx.out.len)
			buf_add(&text, ctx.out.data, ctx.out.len);
		else if (ctx.result)
			v_text(&text, ctx.result);
	}
	if (text.len)
		reply_frame(reply, FRAME_OUT, text.data, text.len);
	if (ctx.err.len)
		reply_frame(reply, FRAME_ERR, ctx.err.data, ctx.err.len);
	reply_frame(reply, FRAME_EXIT, &status, sizeof(status));
	buf_free(&text);
	ctx_free(&ctx);
}

int
deny(struct cmd_ctx *ctx, const char *ref, const char *fmt, ...)
{
	struct buf	why;
	va_list		ap;

	buf_init(&why);
	va_start(ap, fmt);
	buf_vprintf(&why, fmt, ap);
	va_end(ap);
	refuse(ctx, EX_NOPERM, "%s: permission denied for %s: %s",
	    ctx->entry->name, ctx->user, buf_str(&why));
	free(ctx->denied);
	free(ctx->denied_ref);
	ctx->denied = buf_steal(&why);
	ctx->denied_ref = ref ? xstrdup(ref) : NULL;
	return EX_NOPERM;
}

/*
 * Who may touch a group: admins everything; a member whose --login is the
 * caller reads it, and changes it when that member coordinates; whoever
 * created a draft may set it up until consent makes it active.
 */
int
group_access(struct cmd_ctx *ctx, const struct agroup *g, bool write)
{
	sqlite3_stmt	*st;
	int		 coordinator = -1;

	if (ctx->admin)
		return 0;
	if (!strcmp(g->state, "draft") && db_int(ctx->av->db, 0, "SELECT 1 "
	    "FROM groups WHERE id = ? AND created_by = ?", "ls", g->id,
	    ctx->user))
		return 0;
	st = db_stmt(ctx->av->db, "SELECT max(coordinator) FROM members WHERE "
	    "group_id = ? AND login = ? AND removed_at IS NULL", "ls", g->id,
	    ctx->user);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		coordinator = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (coordinator == -1)
		return deny(ctx, g->ref, "not a member of %s (ask an admin to "
		    "add you with --login %s)", g->ref, ctx->user);
	if (write && coordinator == 0)
		return deny(ctx, g->ref, "only the coordinator of %s may change "
		    "it", g->ref);
	return 0;
}

int
check_text(struct cmd_ctx *ctx, const char *what, const char *s)
{
	if (!utf8_valid(s, strlen(s)))
		return refuse(ctx, EX_DATAERR, "%s: not valid UTF-8", what);
	if (s[strspn(s, " \t\r\n")] == '\0')
		return refuse(ctx, EX_DATAERR, "%s: must not be empty", what);
	return 0;
}

int
check_email(struct cmd_ctx *ctx, const char *what, const char *s)
{
	if (!email_valid(s))
		return refuse(ctx, EX_DATAERR, "%s: \"%s\" is not an e-mail "
		    "address (expected name@domain.example)", what, s);
	return 0;
}

int
check_choice(struct cmd_ctx *ctx, const char *what, const char *s,
    const char *choices)
{
	size_t	n = strlen(s);

	for (const char *c = choices; c && !strchr(s, '|');
	    c = strchr(c, '|') ? strchr(c, '|') + 1 : NULL)
		if (n && !strncmp(c, s, n) && (c[n] == '|' || c[n] == '\0'))
			return 0;
	return refuse(ctx, EX_DATAERR, "%s: \"%s\" is not one of %s", what, s,
	    choices);
}

int
check_date(struct cmd_ctx *ctx, const char *what, const char *s, int *day)
{
	if (date_parse(s, day) == -1)
		return refuse(ctx, EX_DATAERR, "%s: \"%s\" is not a date "
		    "(expected YYYY-MM-DD)", what, s);
	return 0;
}

int
find_group(struct cmd_ctx *ctx, const char *ref, struct agroup *g)
{
	if (!ref_valid(ref))
		return refuse(ctx, EX_DATAERR, "\"%s\" is not a group reference "
		    "(1-32 letters, digits or '-')", ref);
	if (group_find(ctx->av->db, ref, g) == -1) {
		if (!ctx->admin)	/* don't tell outsiders what exists */
			return deny(ctx, ref, "no group %s that you may see", ref);
		return refuse(ctx, EX_DATAERR, "%s: no such group", ref);
	}
	return group_access(ctx, g, ctx->entry &&
	    (ctx->entry->flags & (CMD_WRITE | CMD_READER)) == CMD_WRITE);
}
