/*
 * test_holidays.c: unit tests for the Norwegian public holidays
 * (daemon/holidays.c): Easter, the holidays of 2027 by name, the 1947
 * start of 1 and 17 May, working days and the send day of T1.
 */

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "holidays.h"

static int
ymd(int y, int m, int d)
{
	return day_from_ymd(y, m, d);
}

static void
expect_easter(int y, int m, int d)
{
	int	got = easter_sunday(y);
	char	buf[16];

	date_format(got, buf, sizeof(buf));
	ck_assert_msg(got == ymd(y, m, d), "Easter %d: got %s, want %04d-%02d-%02d",
	    y, buf, y, m, d);
	ck_assert_int_eq(day_of_week(got), 7);
}

/* The holiday on y-m-d is called want (NULL: not a holiday). */
static void
expect_name(int y, int m, int d, const char *want)
{
	const char	*got = holiday_name(ymd(y, m, d));

	if (want == NULL) {
		ck_assert_msg(got == NULL, "%04d-%02d-%02d: got \"%s\", want "
		    "no holiday", y, m, d, got);
		ck_assert(!holiday_is(ymd(y, m, d)));
		return;
	}
	ck_assert_msg(got != NULL, "%04d-%02d-%02d: got no holiday, want "
	    "\"%s\"", y, m, d, want);
	ck_assert_str_eq(got, want);
	ck_assert(holiday_is(ymd(y, m, d)));
}

/* A mail due on `due` with skip is sent on `want`. */
static void
expect_send(int due, int want)
{
	char	b1[16], b2[16], b3[16];
	int	got = send_day(due, true);

	date_format(due, b1, sizeof(b1));
	date_format(got, b2, sizeof(b2));
	date_format(want, b3, sizeof(b3));
	ck_assert_msg(got == want, "due %s: sent %s, want %s", b1, b2, b3);
	ck_assert(working_day(got));
	ck_assert_int_le(got, due);
	ck_assert_int_eq(send_day(due, false), due);
}

START_TEST(test_easter_known)
{
	expect_easter(2024, 3, 31);
	expect_easter(2025, 4, 20);
	expect_easter(2026, 4, 5);
	expect_easter(2027, 3, 28);
	expect_easter(2038, 4, 25);	/* the latest possible date */
	expect_easter(1954, 4, 18);
	expect_easter(1900, 4, 15);
	expect_easter(1913, 3, 23);
	expect_easter(2000, 4, 23);
	expect_easter(2008, 3, 23);
	expect_easter(2100, 3, 28);
	expect_easter(2200, 4, 6);
}
END_TEST

START_TEST(test_easter_range)
{
	int	y, y2, m, d, e;

	/* Always a Sunday from 22 March to 25 April. */
	for (y = 1900; y <= 2200; y++) {
		e = easter_sunday(y);
		day_to_ymd(e, &y2, &m, &d);
		ck_assert_int_eq(y2, y);
		ck_assert_int_eq(day_of_week(e), 7);
		ck_assert_int_ge(e, ymd(y, 3, 22));
		ck_assert_int_le(e, ymd(y, 4, 25));
	}
}
END_TEST

START_TEST(test_holidays_2027)
{
	int	day, n = 0;

	expect_name(2027, 1, 1, "Første nyttårsdag");
	expect_name(2027, 3, 25, "Skjærtorsdag");
	expect_name(2027, 3, 26, "Langfredag");
	expect_name(2027, 3, 28, "Første påskedag");
	expect_name(2027, 3, 29, "Andre påskedag");
	expect_name(2027, 5, 1, "Arbeidernes dag");
	expect_name(2027, 5, 6, "Kristi himmelfartsdag");
	expect_name(2027, 5, 16, "Første pinsedag");
	/* Whit Monday is 17 May in 2027. */
	expect_name(2027, 5, 17, "Andre pinsedag og grunnlovsdag");
	expect_name(2027, 12, 25, "Første juledag");
	expect_name(2027, 12, 26, "Andre juledag");
	/* Eleven dates in all; 24 and 31 December are ordinary days. */
	for (day = ymd(2027, 1, 1); day <= ymd(2027, 12, 31); day++)
		n += holiday_is(day);
	ck_assert_int_eq(n, 11);
	expect_name(2027, 3, 27, NULL);		/* Easter Saturday */
	expect_name(2027, 12, 24, NULL);
	expect_name(2027, 12, 31, NULL);
	expect_name(2027, 3, 21, NULL);		/* a Sunday is not named */
}
END_TEST

START_TEST(test_holidays_2025)
{
	int	day, n = 0;

	/* Twelve separate dates when nothing collides. */
	expect_name(2025, 4, 17, "Skjærtorsdag");
	expect_name(2025, 5, 17, "Grunnlovsdag");
	expect_name(2025, 5, 29, "Kristi himmelfartsdag");
	expect_name(2025, 6, 8, "Første pinsedag");
	expect_name(2025, 6, 9, "Andre pinsedag");
	for (day = ymd(2025, 1, 1); day <= ymd(2025, 12, 31); day++)
		n += holiday_is(day);
	ck_assert_int_eq(n, 12);
}
END_TEST

START_TEST(test_collisions)
{
	expect_name(2008, 5, 1, "Kristi himmelfartsdag og arbeidernes dag");
	expect_name(2007, 5, 17, "Kristi himmelfartsdag og grunnlovsdag");
	expect_name(1970, 5, 17, "Første pinsedag og grunnlovsdag");
	expect_name(2032, 5, 17, "Andre pinsedag og grunnlovsdag");
}
END_TEST

START_TEST(test_may_from_1947)
{
	/* Statutory from the act of 26 April 1947, as python3-holidays has it. */
	expect_name(1946, 5, 1, NULL);
	expect_name(1946, 5, 17, NULL);
	expect_name(1947, 5, 1, "Arbeidernes dag");
	expect_name(1947, 5, 17, "Grunnlovsdag");
	/* 1913: Ascension on 1 May, before 1 May was a holiday. */
	expect_name(1913, 5, 1, "Kristi himmelfartsdag");
	/* The church holidays count before 1947 too. */
	expect_name(1900, 1, 1, "Første nyttårsdag");
	expect_name(1900, 4, 13, "Langfredag");
	expect_name(1900, 12, 26, "Andre juledag");
}
END_TEST

START_TEST(test_working_day)
{
	ck_assert(working_day(ymd(2027, 3, 24)));	/* Wednesday */
	ck_assert(!working_day(ymd(2027, 3, 25)));	/* Maundy Thursday */
	ck_assert(!working_day(ymd(2027, 3, 27)));	/* Saturday */
	ck_assert(!working_day(ymd(2027, 3, 28)));	/* Easter Sunday */
	ck_assert(working_day(ymd(2027, 3, 30)));	/* Tuesday */
	ck_assert(!working_day(ymd(2027, 5, 17)));
	ck_assert(working_day(ymd(2027, 12, 24)));	/* Friday */
	ck_assert(working_day(ymd(2027, 12, 27)));	/* Monday */
	ck_assert(!working_day(ymd(2027, 12, 26)));	/* Sunday */
	ck_assert(working_day(ymd(1946, 5, 17)));	/* Friday, before 1947 */
}
END_TEST

START_TEST(test_T1_send_day_easter_2027)
{
	/* Thu 25 and Fri 26 are holidays, 27-28 weekend, Mon 29 Easter. */
	expect_send(ymd(2027, 3, 29), ymd(2027, 3, 24));
	expect_send(ymd(2027, 3, 28), ymd(2027, 3, 24));
	expect_send(ymd(2027, 3, 27), ymd(2027, 3, 24));
	expect_send(ymd(2027, 3, 26), ymd(2027, 3, 24));
	expect_send(ymd(2027, 3, 25), ymd(2027, 3, 24));
	expect_send(ymd(2027, 3, 24), ymd(2027, 3, 24));
	expect_send(ymd(2027, 3, 30), ymd(2027, 3, 30));
}
END_TEST

START_TEST(test_T1_send_day_may_2027)
{
	/* 17 May (Monday, and Whit Monday) goes back over Whitsun. */
	expect_send(ymd(2027, 5, 17), ymd(2027, 5, 14));
	expect_send(ymd(2027, 5, 16), ymd(2027, 5, 14));
	expect_send(ymd(2027, 5, 15), ymd(2027, 5, 14));
	/* Ascension (Thursday) to Wednesday. */
	expect_send(ymd(2027, 5, 6), ymd(2027, 5, 5));
	/* 1 May is a Saturday: Friday 30 April. */
	expect_send(ymd(2027, 5, 1), ymd(2027, 4, 30));
	expect_send(ymd(2027, 5, 2), ymd(2027, 4, 30));
}
END_TEST

START_TEST(test_T1_send_day_christmas_2027)
{
	/* 25 Dec Saturday, 26 Dec Sunday, 27 Dec Monday a working day. */
	expect_send(ymd(2027, 12, 25), ymd(2027, 12, 24));
	expect_send(ymd(2027, 12, 26), ymd(2027, 12, 24));
	expect_send(ymd(2027, 12, 27), ymd(2027, 12, 27));
	/* New Year 2028 is a Saturday: Friday 31 December 2027. */
	expect_send(ymd(2028, 1, 1), ymd(2027, 12, 31));
	expect_send(ymd(2028, 1, 2), ymd(2027, 12, 31));
}
END_TEST

START_TEST(test_T1_send_day_plain)
{
	int	day;

	/* A plain Monday stays; a plain weekend goes to Friday. */
	expect_send(ymd(2027, 1, 4), ymd(2027, 1, 4));
	expect_send(ymd(2027, 1, 9), ymd(2027, 1, 8));
	expect_send(ymd(2027, 1, 10), ymd(2027, 1, 8));
	/* Without skip nothing moves, whatever the day. */
	for (day = ymd(2027, 1, 1); day <= ymd(2028, 1, 2); day++)
		ck_assert_int_eq(send_day(day, false), day);
}
END_TEST

START_TEST(test_T1_send_day_never_after)
{
	int	day, s, t;

	/*
	 * 1900-2200: the send day is the latest working day not after the
	 * due day, and it is never more than five days earlier.
	 */
	for (day = ymd(1900, 1, 8); day <= ymd(2200, 12, 31); day++) {
		s = send_day(day, true);
		ck_assert_int_le(s, day);
		ck_assert_int_ge(s, day - 5);
		ck_assert(working_day(s));
		for (t = s + 1; t <= day; t++)
			ck_assert(!working_day(t));
	}
}
END_TEST

static Suite *
holidays_suite(void)
{
	Suite	*s = suite_create("holidays");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_easter_known);
	tcase_add_test(tc, test_easter_range);
	tcase_add_test(tc, test_holidays_2027);
	tcase_add_test(tc, test_holidays_2025);
	tcase_add_test(tc, test_collisions);
	tcase_add_test(tc, test_may_from_1947);
	tcase_add_test(tc, test_working_day);
	tcase_add_test(tc, test_T1_send_day_easter_2027);
	tcase_add_test(tc, test_T1_send_day_may_2027);
	tcase_add_test(tc, test_T1_send_day_christmas_2027);
	tcase_add_test(tc, test_T1_send_day_plain);
	tcase_add_test(tc, test_T1_send_day_never_after);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(holidays_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
