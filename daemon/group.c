/*
 * Queries about groups and members, shared by commands and scheduler.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ansvard.h"
#include "group.h"
#include "log.h"
#include "meeting.h"
#include "store.h"
#include "util.h"

int
group_find(sqlite3 *db, const char *ref, struct agroup *g)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	st = db_stmt(db, "SELECT id, ref, state, client_born, created_at FROM "
	    "groups WHERE ref = ?", "s", ref);
	if (sqlite3_step(st) == SQLITE_ROW) {
		g->id = sqlite3_column_int64(st, 0);
		snprintf(g->ref, sizeof(g->ref), "%s", col_text(st, 1));
		snprintf(g->state, sizeof(g->state), "%s", col_text(st, 2));
		snprintf(g->born, sizeof(g->born), "%s", col_text(st, 3));
		g->created_at = sqlite3_column_int64(st, 4);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int
group_by_id(sqlite3 *db, int64_t id, struct agroup *g)
{
	char	*ref = db_str(db, "SELECT ref FROM groups WHERE id = ?", "l", id);
	int	 rc = ref ? group_find(db, ref, g) : -1;

	free(ref);
	return rc;
}

static char *
opt_dup(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL :
	    xstrdup(col_text(st, i));
}

int
member_load(sqlite3 *db, int64_t id, struct member *m)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	memset(m, 0, sizeof(*m));
	st = db_stmt(db, "SELECT num, name, role, service, email, lang, token, "
	    "login, guest, coordinator FROM members WHERE id = ?", "l", id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m->id = id;
		m->num = sqlite3_column_int(st, 0);
		m->name = opt_dup(st, 1);
		m->role = opt_dup(st, 2);
		m->service = opt_dup(st, 3);
		m->email = opt_dup(st, 4);
		m->lang = opt_dup(st, 5);
		m->token = opt_dup(st, 6);
		m->login = opt_dup(st, 7);
		m->guest = sqlite3_column_int(st, 8);
		m->coordinator = sqlite3_column_int(st, 9);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

void
member_clear(struct member *m)
{
	free(m->name);
	free(m->role);
	free(m->service);
	free(m->email);
	free(m->lang);
	free(m->token);
	free(m->login);
	memset(m, 0, sizeof(*m));
}

int64_t
member_find(sqlite3 *db, int64_t group_id, const char *spec)
{
	long	num;

	if (spec[0] == '#')
		spec++;
	if (isdigit((unsigned char)spec[0]) && parse_int(spec, 1, 1000000, &num))
		return db_int(db, -1, "SELECT id FROM members WHERE group_id = ? "
		    "AND num = ? AND removed_at IS NULL", "li", group_id, (int)num);
	return db_int(db, -1, "SELECT id FROM members WHERE group_id = ? AND "
	    "lower(email) = lower(?) AND removed_at IS NULL", "ls", group_id,
	    spec);
}

int64_t
group_coordinator(sqlite3 *db, int64_t group_id)
{
	return db_int(db, 0, "SELECT id FROM members WHERE group_id = ? AND "
	    "coordinator = 1 AND removed_at IS NULL", "l", group_id);
}

int
group_fixed_count(sqlite3 *db, int64_t group_id)
{
	return (int)db_int(db, 0, "SELECT count(*) FROM members WHERE "
	    "group_id = ? AND guest = 0 AND removed_at IS NULL", "l", group_id);
}

int
group_service_count(sqlite3 *db, const struct config *cfg, int64_t group_id)
{
	sqlite3_stmt	*st;
	int		 n = 0;

	st = db_stmt(db, "SELECT service FROM members WHERE group_id = ? AND "
	    "role = 'service' AND guest = 0 AND removed_at IS NULL", "l",
	    group_id);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (!config_is_non_service(cfg, col_text(st, 0)))
			n++;
	sqlite3_finalize(st);
	return n;
}

void
pending_item(struct ansvar *av, const struct agroup *g, const char *item,
    const char *source)
{
	if (db_int(av->db, 0, "SELECT 1 FROM agenda_pending WHERE group_id = ? "
	    "AND item = ? AND done_at IS NULL", "ls", g->id, item))
		return;
	db_run(av->db, "INSERT INTO agenda_pending (group_id, item, source, "
	    "created_at) VALUES (?, ?, ?, ?)", "lssl", g->id, item, source,
	    (int64_t)clock_now(&av->clock));
}

/* Every path that closes a group cancels its future meetings here. */
void
group_closed_hook(struct ansvar *av, const struct agroup *g)
{
	meetings_cancel_future(av, g, "group closed");
	log_info("group %s closed: pending mail stopped, future meetings "
	    "cancelled", g->ref);
}
