/*
 * test_clock.c: unit tests for the clock and calendar arithmetic
 * (daemon/clock.c): day numbers, weekdays, month arithmetic, date and
 * local time parsing around the DST changes of Europe/Oslo, and zones.
 */

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

/* 2027 in Europe/Oslo: CEST from 03-28 02:00 to 10-31 03:00. */
#define SPRING_Y 2027
#define SPRING_M 3
#define SPRING_D 28
#define FALL_Y	 2027
#define FALL_M	 10
#define FALL_D	 31

static void
oslo(void)
{
	ck_assert_int_eq(timezone_set("Europe/Oslo"), 0);
}

/* The UTC instant of a day number and time. */
static time_t
utc(int y, int m, int d, int hh, int mm)
{
	return (time_t)day_from_ymd(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	return m == 2 && leap(y) ? 29 : dim[m - 1];
}

START_TEST(test_day_anchors)
{
	ck_assert_int_eq(day_from_ymd(1970, 1, 1), 0);
	ck_assert_int_eq(day_from_ymd(1969, 12, 31), -1);
	ck_assert_int_eq(day_from_ymd(1900, 1, 1), -25567);
	ck_assert_int_eq(day_from_ymd(2000, 3, 1), 11017);
	ck_assert_int_eq(day_from_ymd(2027, 1, 4), 20822);
	ck_assert_int_eq(day_from_ymd(2200, 12, 31), 84370);
}
END_TEST

START_TEST(test_ymd_round_trip_1900_to_2200)
{
	int	y = 1900, m = 1, d = 1, day, first, last, yy, mm, dd;

	first = day_from_ymd(1900, 1, 1);
	last = day_from_ymd(2200, 12, 31);
	ck_assert_int_eq(last - first + 1, 109938);
	/* Walk the calendar independently, one day at a time. */
	for (day = first; day <= last; day++) {
		/* Plain ifs: a ck_assert per day would be slow. */
		if (day_from_ymd(y, m, d) != day)
			ck_abort_msg("%04d-%02d-%02d: got day %d, want %d",
			    y, m, d, day_from_ymd(y, m, d), day);
		day_to_ymd(day, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			ck_abort_msg("day %d: got %04d-%02d-%02d, want "
			    "%04d-%02d-%02d", day, yy, mm, dd, y, m, d);
		if (++d > mdays(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	ck_assert_int_eq(y, 2201);
	ck_assert_int_eq(m, 1);
	ck_assert_int_eq(d, 1);
}
END_TEST

START_TEST(test_day_of_week)
{
	int	day;

	ck_assert_int_eq(day_of_week(day_from_ymd(2027, 1, 4)), 1);
	ck_assert_int_eq(day_of_week(day_from_ymd(2027, 1, 10)), 7);
	ck_assert_int_eq(day_of_week(day_from_ymd(1970, 1, 1)), 4);
	ck_assert_int_eq(day_of_week(day_from_ymd(1900, 1, 1)), 1);
	ck_assert_int_eq(day_of_week(day_from_ymd(2000, 3, 1)), 3);
	ck_assert_int_eq(day_of_week(day_from_ymd(2200, 12, 31)), 3);
	/* Every day is the one after its predecessor, before 1970 too. */
	for (day = day_from_ymd(1900, 1, 1); day < day_from_ymd(2201, 1, 1);
	    day++) {
		int w = day_of_week(day);

		if (w < 1 || w > 7 || day_of_week(day + 1) != w % 7 + 1)
			ck_abort_msg("day %d is weekday %d, day %d is %d",
			    day, w, day + 1, day_of_week(day + 1));
	}
}
END_TEST

static void
expect_add_months(int y, int m, int d, int n, int wy, int wm, int wd)
{
	int	got = day_add_months(day_from_ymd(y, m, d), n), gy, gm, gd;

	day_to_ymd(got, &gy, &gm, &gd);
	ck_assert_msg(gy == wy && gm == wm && gd == wd,
	    "%04d-%02d-%02d %+d months: got %04d-%02d-%02d, want "
	    "%04d-%02d-%02d", y, m, d, n, gy, gm, gd, wy, wm, wd);
}

START_TEST(test_day_add_months_clamps)
{
	expect_add_months(2027, 1, 31, 1, 2027, 2, 28);
	expect_add_months(2028, 1, 31, 1, 2028, 2, 29);
	expect_add_months(2100, 1, 31, 1, 2100, 2, 28);
	expect_add_months(2000, 1, 31, 1, 2000, 2, 29);
	expect_add_months(2027, 3, 31, 1, 2027, 4, 30);
	expect_add_months(2027, 3, 31, -1, 2027, 2, 28);
	expect_add_months(2027, 1, 31, 3, 2027, 4, 30);
	expect_add_months(2027, 8, 31, 1, 2027, 9, 30);
	/* Across year ends, both ways. */
	expect_add_months(2027, 12, 15, 1, 2028, 1, 15);
	expect_add_months(2027, 1, 10, -1, 2026, 12, 10);
	expect_add_months(2027, 1, 15, 12, 2028, 1, 15);
	expect_add_months(2028, 2, 29, 12, 2029, 2, 28);
	expect_add_months(2028, 2, 29, 48, 2032, 2, 29);
	expect_add_months(2027, 5, 31, 0, 2027, 5, 31);
	expect_add_months(2027, 5, 31, -24, 2025, 5, 31);
}
END_TEST

static void
expect_date(const char *s, int y, int m, int d)
{
	int	day = -999999;

	ck_assert_msg(date_parse(s, &day) == 0, "\"%s\" refused", s);
	ck_assert_int_eq(day, day_from_ymd(y, m, d));
}

static void
expect_bad_date(const char *s)
{
	int	day = 0;

	ck_assert_msg(date_parse(s, &day) == -1, "\"%s\" accepted", s);
}

START_TEST(test_date_parse)
{
	expect_date("2028-02-29", 2028, 2, 29);
	expect_date("2000-02-29", 2000, 2, 29);
	expect_date("2027-01-04", 2027, 1, 4);
	expect_date("2027-12-31", 2027, 12, 31);
	expect_date("1900-01-01", 1900, 1, 1);
	expect_date("2200-12-31", 2200, 12, 31);

	expect_bad_date("2027-02-29");
	expect_bad_date("1900-02-29");
	expect_bad_date("2100-02-29");
	expect_bad_date("2027-13-01");
	expect_bad_date("2027-00-10");
	expect_bad_date("2027-01-00");
	expect_bad_date("2027-04-31");
	expect_bad_date("2027-01-32");
	expect_bad_date("2027-1-01");
	expect_bad_date("2027-01-1");
	expect_bad_date("27-01-01");
	expect_bad_date("2027-01-011");
	expect_bad_date("2027/01/01");
	expect_bad_date("2027-01-0a");
	expect_bad_date(" 2027-01-01");
	expect_bad_date("2027-01-01 ");
	expect_bad_date("+027-01-01");
	expect_bad_date("2027-+1-01");
	expect_bad_date("1899-12-31");
	expect_bad_date("2201-01-01");
	expect_bad_date("");
}
END_TEST

START_TEST(test_date_format)
{
	char	buf[16];

	date_format(day_from_ymd(2027, 1, 4), buf, sizeof(buf));
	ck_assert_str_eq(buf, "2027-01-04");
	date_format(day_from_ymd(1900, 12, 31), buf, sizeof(buf));
	ck_assert_str_eq(buf, "1900-12-31");
}
END_TEST

static void
expect_bad_time(const char *s)
{
	time_t	t = 12345;

	ck_assert_msg(time_parse_local(s, &t) == -1, "\"%s\" accepted", s);
}

static time_t
parse_time_ok(const char *s)
{
	time_t	t = 0;

	ck_assert_msg(time_parse_local(s, &t) == 0, "\"%s\" refused", s);
	return t;
}

START_TEST(test_time_parse_dst_gap)
{
	oslo();
	/* 02:00-02:59 does not exist on the spring-forward day. */
	expect_bad_time("2027-03-28 02:30");
	expect_bad_time("2027-03-28 02:00");
	expect_bad_time("2027-03-28 02:59");
	expect_bad_time("2027-03-28T02:30");
	ck_assert_int_eq(local_instant(day_from_ymd(2027, 3, 28), 2, 30), -1);
	/* Around the gap. */
	ck_assert_int_eq(parse_time_ok("2027-03-28 03:30"),
	    utc(2027, 3, 28, 1, 30));
	ck_assert_int_eq(parse_time_ok("2027-03-28 03:00"),
	    utc(2027, 3, 28, 1, 0));
	ck_assert_int_eq(parse_time_ok("2027-03-28 01:59"),
	    utc(2027, 3, 28, 0, 59));
	/* The same wall time a day earlier and later exists. */
	ck_assert_int_eq(parse_time_ok("2027-03-27 02:30"),
	    utc(2027, 3, 27, 1, 30));
	ck_assert_int_eq(parse_time_ok("2027-03-29 02:30"),
	    utc(2027, 3, 29, 0, 30));
}
END_TEST

START_TEST(test_time_parse_dst_fall_back)
{
	time_t	t;

	oslo();
	/* 02:00-02:59 happens twice; either instant is that wall time. */
	t = parse_time_ok("2027-10-31 02:30");
	ck_assert_msg(t == utc(2027, 10, 31, 0, 30) ||
	    t == utc(2027, 10, 31, 1, 30), "2027-10-31 02:30 gave %lld",
	    (long long)t);
	ck_assert_int_eq(parse_time_ok("2027-10-31 01:30"),
	    utc(2027, 10, 30, 23, 30));
	ck_assert_int_eq(parse_time_ok("2027-10-31 03:30"),
	    utc(2027, 10, 31, 2, 30));
}
END_TEST

START_TEST(test_time_parse_separators_and_errors)
{
	oslo();
	ck_assert_int_eq(parse_time_ok("2027-06-01 12:00"),
	    utc(2027, 6, 1, 10, 0));
	ck_assert_int_eq(parse_time_ok("2027-06-01T12:00"),
	    utc(2027, 6, 1, 10, 0));
	ck_assert_int_eq(parse_time_ok("2027-01-04 08:00"),
	    utc(2027, 1, 4, 7, 0));
	ck_assert_int_eq(parse_time_ok("2027-01-04 00:00"),
	    utc(2027, 1, 3, 23, 0));
	ck_assert_int_eq(parse_time_ok("2027-12-31 23:59"),
	    utc(2027, 12, 31, 22, 59));

	expect_bad_time("2027-06-01_12:00");
	expect_bad_time("2027-06-01t12:00");
	expect_bad_time("2027-06-01  12:00");
	expect_bad_time("2027-06-01 24:00");
	expect_bad_time("2027-06-01 12:60");
	expect_bad_time("2027-06-01 12:0");
	expect_bad_time("2027-06-01 12:000");
	expect_bad_time("2027-06-01 1:00");
	expect_bad_time("2027-06-01 12.00");
	expect_bad_time("2027-06-01 12:00Z");
	expect_bad_time("2027-06-01");
	expect_bad_time("2027-02-29 12:00");
	expect_bad_time("2027-6-01 12:00");
	expect_bad_time("");
}
END_TEST

START_TEST(test_local_instant_and_day_consistent_2027)
{
	int	first = day_from_ymd(2027, 1, 1), last = day_from_ymd(2027, 12, 31);
	int	spring = day_from_ymd(SPRING_Y, SPRING_M, SPRING_D);
	int	fall = day_from_ymd(FALL_Y, FALL_M, FALL_D);
	int	y, m, d, gaps = 0;
	char	got[64], want[64];

	oslo();
	for (int day = first; day <= last; day++) {
		time_t	midnight = local_instant(day, 0, 0);
		time_t	next = local_instant(day + 1, 0, 0);
		long	len = (long)(next - midnight);

		ck_assert_int_ne(midnight, -1);
		ck_assert_int_ne(next, -1);
		/* Days are 24 hours, but the two DST days. */
		if (day == spring)
			ck_assert_int_eq(len, 23 * 3600);
		else if (day == fall)
			ck_assert_int_eq(len, 25 * 3600);
		else
			ck_assert_int_eq(len, 24 * 3600);
		/* The first and last second of the day are on it. */
		ck_assert_int_eq(local_day(midnight), day);
		ck_assert_int_eq(local_day(midnight - 1), day - 1);
		ck_assert_int_eq(local_day(next - 1), day);

		day_to_ymd(day, &y, &m, &d);
		/* Plain ifs: a ck_assert per quarter hour would be slow. */
		for (int h = 0; h < 24; h++)
			for (int mi = 0; mi < 60; mi += 15) {
				time_t	t = local_instant(day, h, mi), p = 0;

				snprintf(want, sizeof(want),
				    "%04d-%02d-%02d %02d:%02d", y, m, d, h, mi);
				if (day == spring && h == 2) {
					if (t != -1)
						ck_abort_msg("%s exists", want);
					gaps++;
					continue;
				}
				if (t == -1)
					ck_abort_msg("%s does not exist", want);
				if (local_day(t) != day)
					ck_abort_msg("%s: local_day %d, want "
					    "%d", want, local_day(t), day);
				time_format_local(t, got, sizeof(got));
				if (strcmp(got, want) != 0)
					ck_abort_msg("%s formats as %s", want,
					    got);
				/* And parsing the text gives the instant. */
				if (time_parse_local(want, &p) != 0 || p != t)
					ck_abort_msg("%s parses as %lld, want "
					    "%lld", want, (long long)p,
					    (long long)t);
			}
	}
	ck_assert_int_eq(gaps, 4);
}
END_TEST

START_TEST(test_local_day_across_dst_changes)
{
	oslo();
	/* 2027-03-28 01:30Z is 03:30 CEST; 00:30Z is 01:30 CET. */
	ck_assert_int_eq(local_day(utc(2027, 3, 28, 1, 30)),
	    day_from_ymd(2027, 3, 28));
	/* 22:30Z is 00:30 the next day in summer, 23:30 in winter. */
	ck_assert_int_eq(local_day(utc(2027, 3, 28, 22, 30)),
	    day_from_ymd(2027, 3, 29));
	ck_assert_int_eq(local_day(utc(2027, 3, 27, 22, 30)),
	    day_from_ymd(2027, 3, 27));
	ck_assert_int_eq(local_day(utc(2027, 10, 30, 22, 30)),
	    day_from_ymd(2027, 10, 31));
	ck_assert_int_eq(local_day(utc(2027, 10, 31, 22, 30)),
	    day_from_ymd(2027, 10, 31));
	ck_assert_int_eq(local_day(utc(2027, 10, 31, 23, 0)),
	    day_from_ymd(2027, 11, 1));
}
END_TEST

START_TEST(test_time_format_rfc3339_offsets)
{
	char	buf[64];

	oslo();
	time_format_rfc3339(utc(2027, 1, 4, 7, 0), buf, sizeof(buf));
	ck_assert_str_eq(buf, "2027-01-04T08:00:00+01:00");
	time_format_rfc3339(utc(2027, 6, 1, 10, 0), buf, sizeof(buf));
	ck_assert_str_eq(buf, "2027-06-01T12:00:00+02:00");
	time_format_local(utc(2027, 3, 28, 1, 0), buf, sizeof(buf));
	ck_assert_str_eq(buf, "2027-03-28 03:00");
	time_format_local(utc(2027, 3, 28, 0, 59), buf, sizeof(buf));
	ck_assert_str_eq(buf, "2027-03-28 01:59");
}
END_TEST

START_TEST(test_timezone_valid)
{
	ck_assert(timezone_valid("Europe/Oslo"));
	ck_assert(timezone_valid("UTC"));
	ck_assert(timezone_valid("America/New_York"));
	ck_assert(!timezone_valid("Mars/Base"));
	ck_assert(!timezone_valid("../etc/passwd"));
	ck_assert(!timezone_valid("Europe/../../../etc/passwd"));
	ck_assert(!timezone_valid("Europe/../Europe/Oslo"));
	ck_assert(!timezone_valid("/usr/share/zoneinfo/Europe/Oslo"));
	ck_assert(!timezone_valid("/etc/passwd"));
	ck_assert(!timezone_valid("Europe"));	/* a directory */
	ck_assert(!timezone_valid("europe/oslo"));
	ck_assert(!timezone_valid(""));
}
END_TEST

START_TEST(test_timezone_set)
{
	time_t	t = utc(2027, 1, 4, 12, 0);
	char	buf[32];

	ck_assert_int_eq(timezone_set("UTC"), 0);
	time_format_local(t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2027-01-04 12:00");
	oslo();
	ck_assert_str_eq(getenv("TZ"), "Europe/Oslo");
	time_format_local(t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2027-01-04 13:00");
	/* An unknown zone is refused and leaves the zone as it was. */
	ck_assert_int_eq(timezone_set("Mars/Base"), -1);
	ck_assert_int_eq(timezone_set("../etc/passwd"), -1);
	ck_assert_str_eq(getenv("TZ"), "Europe/Oslo");
	time_format_local(t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2027-01-04 13:00");
}
END_TEST

START_TEST(test_clock_test_mode)
{
	struct clock	c = { .test = true, .fixed = 1800000000 };
	struct clock	real = { .test = false, .fixed = 1800000000 };
	time_t		before, got;

	ck_assert_int_eq(clock_now(&c), 1800000000);
	ck_assert_int_eq(clock_now(&c), 1800000000);
	ck_assert_int_eq(clock_set(&c, 1800086400), 0);
	ck_assert_int_eq(clock_now(&c), 1800086400);
	/* The real clock cannot be set, and follows time(). */
	ck_assert_int_eq(clock_set(&real, 1), -1);
	ck_assert_int_eq(real.fixed, 1800000000);
	before = time(NULL);
	got = clock_now(&real);
	ck_assert_int_ge(got, before);
	ck_assert_int_le(got, time(NULL));
}
END_TEST

static Suite *
clock_suite(void)
{
	Suite	*s = suite_create("clock");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_day_anchors);
	tcase_add_test(tc, test_ymd_round_trip_1900_to_2200);
	tcase_add_test(tc, test_day_of_week);
	tcase_add_test(tc, test_day_add_months_clamps);
	tcase_add_test(tc, test_date_parse);
	tcase_add_test(tc, test_date_format);
	tcase_add_test(tc, test_time_parse_dst_gap);
	tcase_add_test(tc, test_time_parse_dst_fall_back);
	tcase_add_test(tc, test_time_parse_separators_and_errors);
	tcase_add_test(tc, test_local_instant_and_day_consistent_2027);
	tcase_add_test(tc, test_local_day_across_dst_changes);
	tcase_add_test(tc, test_time_format_rfc3339_offsets);
	tcase_add_test(tc, test_timezone_valid);
	tcase_add_test(tc, test_timezone_set);
	tcase_add_test(tc, test_clock_test_mode);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(clock_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
