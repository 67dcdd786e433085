/*
 * Meetings (M1-M7): loading them, choosing the minute-taker, and sending
 * their iTIP REQUEST or CANCEL to the invitees through the outbox.
 */
#ifndef ANSVAR_MEETING_H
#define ANSVAR_MEETING_H

#include <stdint.h>
#include <time.h>

#include "ansvard.h"
#include "group.h"

struct meeting {
	int64_t	 id;
	int64_t	 group_id;
	int	 num;
	char	*uid;
	int	 sequence;
	time_t	 start, end;
	char	*place;
	char	*state;		/* scheduled, cancelled */
	int	 first;
	int64_t	 minute_taker;	/* member id, 0: none */
	time_t	 agenda_sent_at;	/* 0: not yet */
};

int	meeting_load(sqlite3 *, int64_t id, struct meeting *);
void	meeting_clear(struct meeting *);
/* The meeting and its group; -1 (nothing to clear) if either is missing. */
int	meeting_and_group(sqlite3 *, int64_t id, struct meeting *,
	    struct agroup *);
int64_t	meeting_find(sqlite3 *, int64_t group_id, int num);	/* -1: none */
/* M7: minutes_by = coordinator, or the fixed service member who took the
 * minutes least recently. */
int64_t	minute_taker_pick(sqlite3 *, const struct config *, int64_t group_id);
/* M2: the meeting's current REQUEST (or CANCEL) to every invitee with
 * e-mail, or to one member when only != 0. */
void	meeting_send(struct ansvar *, const struct agroup *,
	    const struct meeting *, const char *method, int64_t only);
/* G9: cancel every future meeting of the group, with CANCELs. */
void	meetings_cancel_future(struct ansvar *, const struct agroup *,
	    const char *reason);
/* "tirsdag 2027-03-02 kl. 10:00-11:30" in the member's language. */
char	*meeting_when(const struct meeting *, const char *lang);
/* M3: the day the agenda is due (lead days before the meeting). */
int	meeting_agenda_day(const struct ansvar *, const struct meeting *);

#endif
