/*
 * Follow-up rules that several places ask about: when the yearly
 * evaluation is due and which agenda carries it, and when the group last
 * met.  Dates are day numbers in the configured zone.
 */
#include <stdlib.h>

#include "followup.h"
#include "store.h"

int
evaluation_due_day(struct ansvar *av, const struct agroup *g)
{
	char	*last = db_str(av->db, "SELECT max(date) FROM evaluations WHERE "
	    "group_id = ?", "l", g->id);
	int64_t	 activated = db_int(av->db, 0, "SELECT activated_at FROM groups "
	    "WHERE id = ?", "l", g->id);
	int	 base;

	if (last == NULL || date_parse(last, &base) == -1) {
		if (activated == 0) {
			free(last);
			return -1;
		}
		base = local_day((time_t)activated);
	}
	free(last);
	return day_add_months(base, av->cfg->evaluation_months);
}

bool
evaluation_on_agenda(struct ansvar *av, const struct agroup *g,
    int64_t meeting_id, int meeting_day)
{
	sqlite3_stmt	*st;
	int		 due = evaluation_due_day(av, g);
	bool		 later_before_due = false;

	if (due == -1)
		return false;
	if (meeting_day > due)
		return true;		/* overdue: on every agenda until recorded */
	/* Another meeting still before the due day takes it instead. */
	st = db_stmt(av->db, "SELECT start_at FROM meetings WHERE group_id = ? "
	    "AND state = 'scheduled' AND id != ? AND start_at > (SELECT "
	    "start_at FROM meetings WHERE id = ?)", "lll", g->id, meeting_id,
	    meeting_id);
	while (sqlite3_step(st) == SQLITE_ROW)
		later_before_due |= local_day((time_t)sqlite3_column_int64(st,
		    0)) <= due;
	sqlite3_finalize(st);
	/* Half a year ahead at most: right after an evaluation, the next
	 * meeting is not "the last one before" the following. */
	return !later_before_due && due - meeting_day <= 183;
}

int
last_meeting_day(struct ansvar *av, const struct agroup *g, time_t now)
{
	int64_t	t = db_int(av->db, 0, "SELECT max(start_at) FROM meetings WHERE "
	    "group_id = ? AND state = 'scheduled' AND start_at <= ?", "ll",
	    g->id, (int64_t)now);

	return t ? local_day((time_t)t) : -1;
}
