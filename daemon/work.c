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

	/* With a test clock, `clock set` reads the mailbox now (and marks it
	 * after); a real clock's fetcher polls on its own. */
	if (av->fetcher && av->poll_mail)
		fetcher_kick(av->fetcher, now, true);
	if (inbox_run(av) > 0 || (av->fetcher && av->poll_mail))
		fetcher_kick(av->fetcher, now, av->poll_mail);
	av->poll_mail = false;
	schedule_run(av, now);
	outbox_deliver(av);
	av->next_work = now + WORK_INTERVAL;
	if ((next = outbox_next(av)) != 0 && next > now && next < av->next_work)
		av->next_work = next;
}
