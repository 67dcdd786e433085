/*
 * The one source of "now", and the calendar arithmetic around it.
 * Dates are day numbers (days since 1970-01-01); instants are time_t (UTC).
 * Local times are in the configured timezone, which main sets in TZ.
 */
#ifndef ANSVAR_CLOCK_H
#define ANSVAR_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct clock {
	bool	test;		/* --test-clock or --once: time moves only when told */
	time_t	fixed;		/* the test time */
};

time_t	clock_now(const struct clock *);
int	clock_set(struct clock *, time_t);

/* Day numbers. */
int	day_from_ymd(int y, int m, int d);
void	day_to_ymd(int day, int *y, int *m, int *d);
int	day_of_week(int day);			/* 1 = Monday … 7 = Sunday */
int	day_add_months(int day, int months);	/* clamps to month end */

/* Parsing and formatting; all return -1 on a bad value. */
int	date_parse(const char *, int *day);		/* YYYY-MM-DD */
int	time_parse_local(const char *, time_t *);	/* YYYY-MM-DD[ T]HH:MM */
int	local_day(time_t);				/* local date of an instant */
time_t	local_instant(int day, int hour, int minute);	/* -1 if it doesn't exist */
void	date_format(int day, char *, size_t);		/* YYYY-MM-DD */
void	time_format_local(time_t, char *, size_t);	/* YYYY-MM-DD HH:MM */
void	time_format_rfc3339(time_t, char *, size_t);	/* local, with offset */
int	timezone_valid(const char *name);
int	timezone_set(const char *name);			/* -1 if unknown */

#endif
