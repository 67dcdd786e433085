/*
 * The scheduler: given the store and an instant, queue the work that is
 * due.  Every item has a cause key, so passes can repeat without harm.
 */
#ifndef ANSVAR_SCHEDULE_H
#define ANSVAR_SCHEDULE_H

#include <time.h>

#include "ansvard.h"

void	schedule_run(struct ansvar *, time_t now);
/* T1: when a mail due on `day` is sent (send_hour, send days, DST). */
time_t	send_moment(const struct ansvar *, int day);

#endif
