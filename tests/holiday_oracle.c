/*
 * holiday_oracle.c: prints every Norwegian public holiday from 1900-01-01
 * to 2200-12-31 as "YYYY-MM-DD name", for tests/e2e/test_holidays.py.
 */
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "holidays.h"

int
main(void)
{
	const char	*name;
	int		 day, last, y, m, d;

	last = day_from_ymd(2200, 12, 31);
	for (day = day_from_ymd(1900, 1, 1); day <= last; day++) {
		if ((name = holiday_name(day)) == NULL)
			continue;
		day_to_ymd(day, &y, &m, &d);
		printf("%04d-%02d-%02d %s\n", y, m, d, name);
	}
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
