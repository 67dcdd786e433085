/*
 * Time for ansvard.  Production reads the system clock; tests and --once
 * inject it, so the same binary can walk a group through a year in seconds.
 * Local time conversion relies on TZ, set once from the configuration.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"

time_t
clock_now(const struct clock *c)
{
	if (c->test)
		return c->fixed;
	return time(NULL);
}

int
clock_set(struct clock *c, time_t t)
{
	if (!c->test)
		return -1;
	c->fixed = t;
	return 0;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int
day_from_ymd(int y, int m, int d)
{
	int	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
day_to_ymd(int z, int *y, int *m, int *d)
{
	int	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int
day_of_week(int day)
{
	/* 1970-01-01 was a Thursday (4). */
	int	w = (day % 7 + 7) % 7;

	return (w + 3) % 7 + 1;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dim[m - 1];
}

int
day_add_months(int day, int months)
{
	int	y, m, d, total;

	day_to_ymd(day, &y, &m, &d);
	total = y * 12 + (m - 1) + months;
	y = total / 12;
	m = total % 12 + 1;
	if (d > days_in_month(y, m))
		d = days_in_month(y, m);
	return day_from_ymd(y, m, d);
}

static int
digits(const char *s, int n, int *out)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
ymd_parse(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) ||
	    s[7] != '-' || digits(s + 8, 2, d))
		return -1;
	if (*y < 1900 || *y > 2200 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int
date_parse(const char *s, int *day)
{
	int	y, m, d;

	if (strlen(s) != 10 || ymd_parse(s, &y, &m, &d))
		return -1;
	*day = day_from_ymd(y, m, d);
	return 0;
}

time_t
local_instant(int day, int hour, int minute)
{
	struct tm	tm;
	int		y, m, d;
	time_t		t;

	day_to_ymd(day, &y, &m, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* A wall-clock time skipped by a DST change does not exist. */
	if (t == (time_t)-1 || tm.tm_hour != hour || tm.tm_min != minute ||
	    tm.tm_mday != d)
		return -1;
	return t;
}

int
time_parse_local(const char *s, time_t *out)
{
	int	y, m, d, hh, mm;
	time_t	t;

	if (strlen(s) != 16 || ymd_parse(s, &y, &m, &d) ||
	    (s[10] != ' ' && s[10] != 'T') || digits(s + 11, 2, &hh) ||
	    s[13] != ':' || digits(s + 14, 2, &mm) || hh > 23 || mm > 59)
		return -1;
	if ((t = local_instant(day_from_ymd(y, m, d), hh, mm)) == -1)
		return -1;
	*out = t;
	return 0;
}

int
local_day(time_t t)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	return day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void
date_format(int day, char *buf, size_t len)
{
	int	y, m, d;

	day_to_ymd(day, &y, &m, &d);
	snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

void
time_format_local(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

void
time_format_rfc3339(time_t t, char *buf, size_t len)
{
	struct tm	tm;
	char		off[8];

	localtime_r(&t, &tm);
	strftime(off, sizeof(off), "%z", &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (strlen(buf) + 7 < len)
		snprintf(buf + strlen(buf), len - strlen(buf), "%.3s:%.2s",
		    off, off + 3);
}

/* A zone is known when tzdata has a file for it; glibc would silently
 * fall back to UTC for a typo. */
int
timezone_valid(const char *name)
{
	char		path[512];
	struct stat	st;

	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") ||
	    strlen(name) > 200)
		return 0;
	{
	char		magic[4];
	FILE		*fp;
	int		 ok;

	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (fp = fopen(path, "rb")) == NULL)
		return 0;
	/* A zone file, not zone.tab or leapseconds beside it. */
	ok = fread(magic, 1, 4, fp) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(fp);
	return ok;
	}
}

int
timezone_set(const char *name)
{
	if (!timezone_valid(name))
		return -1;
	if (setenv("TZ", name, 1) == -1)
		return -1;
	tzset();
	return 0;
}
