/*
 * Files for unit tests: one directory per run under /tmp, one per test
 * inside it, and the run's removed by unit_run() even after a failure.
 * Header-only: each test program includes it once.
 */
#ifndef ANSVAR_UNIT_TMP_H
#define ANSVAR_UNIT_TMP_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

static char	unit_base[64];

static int
unit_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
unit_rm_tree(const char *path)
{
	return nftw(path, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new directory for one test, inside the run's (malloc'd). */
static char *
unit_dir(void)
{
	char	*d = xasprintf("%s/XXXXXX", unit_base);

	ck_assert_msg(mkdtemp(d) != NULL, "mkdtemp %s failed", d);
	return d;
}

/* Runs sr's suites with /tmp/ansvar-test-NAME-XXXXXX as the run's
 * directory; frees sr; the program's exit status. */
static int
unit_run(const char *name, SRunner *sr)
{
	int	failed;

	snprintf(unit_base, sizeof(unit_base), "/tmp/ansvar-test-%s-XXXXXX",
	    name);
	if (mkdtemp(unit_base) == NULL) {
		perror(unit_base);
		srunner_free(sr);
		return EXIT_FAILURE;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (unit_rm_tree(unit_base) != 0) {
		perror(unit_base);
		failed++;
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
