/*
 * The daemon's due work, run by the loop every WORK_INTERVAL, after each
 * change a command made, when the fetcher stored new mail, and by `clock
 * set` and `--once`: received mail first, then the scheduler, then the
 * outbox.
 */
#include "ansvard.h"
#include "fetcher.h"
#include "inbox.h"
#include "outbox.h"
#include "schedule.h"

void
work_run(struct ansvar *av)
{
	time_t	now = clock_now(&av->clock), next;

	/* With a test clock, the mailbox is read now, and marked after. */
	if (av->fetcher && av->clock.test)
		fetcher_kick(av->fetcher, now, true);
	if (inbox_run(av) > 0 || (av->fetcher && av->clock.test))
		fetcher_kick(av->fetcher, now, av->clock.test);
	schedule_run(av, now);
	outbox_deliver(av);
	av->next_work = now + WORK_INTERVAL;
	if ((next = outbox_next(av)) != 0 && next > now && next < av->next_work)
		av->next_work = next;
}
