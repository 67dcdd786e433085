/*
 * Audit rows.  The command line is kept as typed (arguments quoted when
 * they hold spaces, control characters escaped) so a reader sees exactly
 * what was asked.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "store.h"

static char *
cmdline(const struct request *req)
{
	struct buf	b;

	buf_init(&b);
	for (int i = 0; i < req->argc; i++) {
		const char	*a = req->argv[i];
		bool		 quote = *a == '\0' || strpbrk(a, " \t\"'") != NULL;

		if (i)
			buf_puts(&b, " ");
		if (quote)
			buf_puts(&b, "\"");
		for (; *a; a++) {
			if (*a == '"' || *a == '\\')
				buf_printf(&b, "\\%c", *a);
			else if (*a == '\n')
				buf_puts(&b, "\\n");
			else if ((unsigned char)*a < 0x20 || *a == 0x7f)
				buf_printf(&b, "\\x%02x", (unsigned char)*a);
			else
				buf_add(&b, a, 1);
		}
		if (quote)
			buf_puts(&b, "\"");
	}
	return buf_steal(&b);
}

static void
audit_row(struct ansvar *av, const struct request *req, const char *user,
    const char *ref, const char *detail, const char *outcome)
{
	char	*line = cmdline(req);

	db_run(av->db, "INSERT INTO audit (at, uid, user, command, group_ref, "
	    "detail, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)", "lisssss",
	    (int64_t)clock_now(&av->clock), (int)req->uid, user, line, ref,
	    detail ? detail : "", outcome);
	free(line);
}

void
audit_write(struct ansvar *av, const struct request *req, const char *user,
    const char *command, const char *ref, const char *detail)
{
	(void)command;
	audit_row(av, req, user, ref, detail, "ok");
}

void
audit_refusal(struct ansvar *av, const struct request *req, const char *user,
    const char *command, const char *ref, const char *why)
{
	char	*outcome = xasprintf("refused: %s", why);

	(void)command;
	store_begin(av->db);
	audit_row(av, req, user, ref, NULL, outcome);
	store_commit(av->db);
	free(outcome);
}

void
audit_daemon(struct ansvar *av, const char *ref, const char *what)
{
	db_run(av->db, "INSERT INTO audit (at, uid, user, command, group_ref, "
	    "detail) VALUES (?, 0, 'ansvard', '(scheduler)', ?, ?)", "lss",
	    (int64_t)clock_now(&av->clock), ref, what);
}
