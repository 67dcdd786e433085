/*
 * Follow-up (A1-A2, E2, M8, M10): actions and their owners, the yearly
 * evaluation, attendance, and the next meeting.  Queries shared by the
 * commands, the scheduler, the agenda and status.
 */
#ifndef ANSVAR_FOLLOWUP_H
#define ANSVAR_FOLLOWUP_H

#include <stdbool.h>

#include "ansvard.h"
#include "group.h"

/* E2: the day the group's next yearly evaluation is due (activation or
 * the last evaluation, plus evaluation_months); -1 if never active. */
int	evaluation_due_day(struct ansvar *, const struct agroup *);
/* E2: does this meeting's agenda carry the yearly evaluation?  The last
 * meeting before it falls due does, and any meeting once it is overdue. */
bool	evaluation_on_agenda(struct ansvar *, const struct agroup *,
	    int64_t meeting_id, int meeting_day);
/* The day of the group's last meeting that took place before now, or -1. */
int	last_meeting_day(struct ansvar *, const struct agroup *, time_t now);

#endif
