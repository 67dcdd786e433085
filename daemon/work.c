/*
 * The daemon's due work, run by the loop every WORK_INTERVAL, after each
 * change a command made, and by `clock set` and `--once`.
 */
#include "ansvard.h"
#include "outbox.h"
#include "schedule.h"

void
work_run(struct ansvar *av)
{
	time_t	now = clock_now(&av->clock), next;

	schedule_run(av, now);
	outbox_deliver(av);
	av->next_work = now + WORK_INTERVAL;
	if ((next = outbox_next(av)) != 0 && next > now && next < av->next_work)
		av->next_work = next;
}
