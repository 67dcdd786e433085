/*
 * Norwegian public holidays, computed rather than tabulated: the fixed
 * days of the year and the movable feasts counted from Easter Sunday.
 */
#include <stddef.h>

#include "clock.h"
#include "holidays.h"

/* Days after Easter Sunday of the movable holidays. */
#define MAUNDY_THURSDAY	(-3)
#define GOOD_FRIDAY	(-2)
#define EASTER_SUNDAY	0
#define EASTER_MONDAY	1
#define ASCENSION	39
#define WHIT_SUNDAY	49
#define WHIT_MONDAY	50

/*
 * 1 and 17 May became statutory holidays ("høgtidsdager") by the act of
 * 26 April 1947 (lov 1947-04-26 nr. 1), so they count from 1947 on, 1947
 * included, and not before.  That is also what python3-holidays encodes
 * (0.10.1, holidays/countries/norway.py: "if year >= 1947"), the oracle of
 * tests/e2e/test_holidays.py.  Like the oracle, the church holidays count
 * in every year, with Easter by the Gregorian rules.  Sundays are not
 * named as holidays here (the oracle's include_sundays=False); working_day
 * excludes them anyway.
 */
#define MAY_HOLIDAYS_FROM 1947

/* The anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
int
easter_sunday(int year)
{
	int	a, b, c, d, e, f, g, h, i, k, l, m, month, mday;

	a = year % 19;
	b = year / 100;
	c = year % 100;
	d = b / 4;
	e = b % 4;
	f = (b + 8) / 25;
	g = (b - f + 1) / 3;
	h = (19 * a + b - d - g + 15) % 30;
	i = c / 4;
	k = c % 4;
	l = (32 + 2 * e + 2 * i - h - k) % 7;
	m = (a + 11 * h + 22 * l) / 451;
	month = (h + l - 7 * m + 114) / 31;
	mday = (h + l - 7 * m + 114) % 31 + 1;
	return day_from_ymd(year, month, mday);
}

/* The name of a fixed-date holiday on y-m-d, or NULL. */
static const char *
fixed_name(int y, int m, int d)
{
	if (m == 1 && d == 1)
		return "Første nyttårsdag";
	if (m == 5 && d == 1 && y >= MAY_HOLIDAYS_FROM)
		return "Arbeidernes dag";
	if (m == 5 && d == 17 && y >= MAY_HOLIDAYS_FROM)
		return "Grunnlovsdag";
	if (m == 12 && d == 25)
		return "Første juledag";
	if (m == 12 && d == 26)
		return "Andre juledag";
	return NULL;
}

/* The name of the movable holiday `off` days after Easter Sunday, or NULL. */
static const char *
movable_name(int off)
{
	switch (off) {
	case MAUNDY_THURSDAY:
		return "Skjærtorsdag";
	case GOOD_FRIDAY:
		return "Langfredag";
	case EASTER_SUNDAY:
		return "Første påskedag";
	case EASTER_MONDAY:
		return "Andre påskedag";
	case ASCENSION:
		return "Kristi himmelfartsdag";
	case WHIT_SUNDAY:
		return "Første pinsedag";
	case WHIT_MONDAY:
		return "Andre pinsedag";
	default:
		return NULL;
	}
}

/*
 * Two holidays on one day.  Easter falls between 22 March and 25 April,
 * so only Ascension (1 or 17 May) and Whitsun (17 May) can meet a fixed
 * holiday; any other pair would be a bug, and gets the movable name.
 */
static const char *
both_name(int off, int m, int d)
{
	if (off == ASCENSION && m == 5 && d == 1)
		return "Kristi himmelfartsdag og arbeidernes dag";
	if (off == ASCENSION && m == 5 && d == 17)
		return "Kristi himmelfartsdag og grunnlovsdag";
	if (off == WHIT_SUNDAY && m == 5 && d == 17)
		return "Første pinsedag og grunnlovsdag";
	if (off == WHIT_MONDAY && m == 5 && d == 17)
		return "Andre pinsedag og grunnlovsdag";
	return movable_name(off);
}

const char *
holiday_name(int day)
{
	const char	*fixed, *movable;
	int		 y, m, d, off;

	day_to_ymd(day, &y, &m, &d);
	fixed = fixed_name(y, m, d);
	off = day - easter_sunday(y);
	movable = movable_name(off);
	if (fixed != NULL && movable != NULL)
		return both_name(off, m, d);
	return fixed != NULL ? fixed : movable;
}

bool
holiday_is(int day)
{
	return holiday_name(day) != NULL;
}

bool
working_day(int day)
{
	return day_of_week(day) < 6 && !holiday_is(day);
}

/*
 * Never more than five steps back: the longest run of days off is
 * Maundy Thursday to Easter Monday.
 */
int
send_day(int day, bool skip)
{
	if (!skip)
		return day;
	while (!working_day(day))
		day--;
	return day;
}
