/*
 * Norwegian public holidays (helligdager, 1 and 17 May) and the working
 * days between them.  Computed from the year; days are day numbers.
 */
#ifndef ANSVAR_HOLIDAYS_H
#define ANSVAR_HOLIDAYS_H

#include <stdbool.h>

bool	holiday_is(int day);			/* a Norwegian public holiday */
const char *holiday_name(int day);		/* Norwegian name, or NULL */
int	easter_sunday(int year);		/* day number */
bool	working_day(int day);			/* not Sat/Sun and not a holiday */
/* T1: the day a mail due on `day` is sent: with skip, a weekend or holiday
 * moves to the nearest working day BEFORE it, never after. */
int	send_day(int day, bool skip);

#endif
