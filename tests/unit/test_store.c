/*
 * test_store.c: unit tests for the SQLite store (daemon/store.c): a new
 * database's mode, pragmas and tables, reopening, refusing a newer
 * schema, a failed migration rolled back, and constraint errors.
 */

#include <check.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "util.h"
#include "unit_tmp.h"

static char	*dir;		/* this test's, inside base */
static char	*dbpath;	/* dir/ansvar.db */

static void
setup(void)
{
	dir = unit_dir();
	dbpath = xasprintf("%s/ansvar.db", dir);
}

static void
teardown(void)
{
	ck_assert_int_eq(unit_rm_tree(dir), 0);
	free(dbpath);
	free(dir);
	dbpath = dir = NULL;
}

/* store_open must succeed, with nothing in err. */
static sqlite3 *
open_ok(void)
{
	struct buf	 err;
	sqlite3		*db;

	buf_init(&err);
	db = store_open(dbpath, &err);
	ck_assert_msg(db != NULL, "store_open: %s", buf_str(&err));
	ck_assert_str_eq(buf_str(&err), "");
	buf_free(&err);
	return db;
}

/* A plain SQLite connection, bypassing store_open. */
static sqlite3 *
open_raw(void)
{
	sqlite3	*db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	return db;
}

static void
exec_raw(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;
	int	 rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
}

static int64_t
table_exists(sqlite3 *db, const char *name)
{
	return db_int(db, -1, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = ?", "s", name);
}

static void
add_group(sqlite3 *db, const char *ref)
{
	ck_assert_int_eq(db_run(db, "INSERT INTO groups (ref, client_born, "
	    "created_at) VALUES (?, '2010-05-01', 1800000000)", "s", ref),
	    SQLITE_DONE);
}

START_TEST(test_schema_version_positive)
{
	ck_assert_int_ge(store_schema_version(), 1);
}
END_TEST

START_TEST(test_new_database_mode_0600)
{
	struct stat	 st;
	sqlite3		*db;
	char		*wal;
	mode_t		 old = umask(0);	/* the mode must not rely on it */

	db = open_ok();
	umask(old);
	ck_assert_int_eq(stat(dbpath, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0600, "ansvar.db mode %o",
	    (unsigned)(st.st_mode & 07777));
	/* The WAL file holds the same data; it must be no more readable. */
	add_group(db, "BUF-1");
	wal = xasprintf("%s-wal", dbpath);
	ck_assert_int_eq(stat(wal, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0600, "ansvar.db-wal mode %o",
	    (unsigned)(st.st_mode & 07777));
	free(wal);
	store_close(db);
}
END_TEST

START_TEST(test_new_database_pragmas)
{
	sqlite3	*db = open_ok();
	char	*mode;

	ck_assert_int_eq(db_int(db, -1, "PRAGMA user_version", ""),
	    store_schema_version());
	mode = db_str(db, "PRAGMA journal_mode", "");
	ck_assert_ptr_nonnull(mode);
	ck_assert_str_eq(mode, "wal");
	free(mode);
	ck_assert_int_eq(db_int(db, -1, "PRAGMA foreign_keys", ""), 1);
	/* synchronous FULL is 2. */
	ck_assert_int_eq(db_int(db, -1, "PRAGMA synchronous", ""), 2);
	store_close(db);
}
END_TEST

START_TEST(test_new_database_tables)
{
	sqlite3	*db = open_ok();

	ck_assert_int_eq(table_exists(db, "groups"), 1);
	ck_assert_int_eq(table_exists(db, "members"), 1);
	ck_assert_int_eq(table_exists(db, "outbox"), 1);
	ck_assert_int_eq(table_exists(db, "audit"), 1);
	ck_assert_int_eq(table_exists(db, "no_such_table"), 0);
	store_close(db);
}
END_TEST

START_TEST(test_reopen_is_noop_and_keeps_data)
{
	sqlite3	*db = open_ok();
	char	*ref;

	add_group(db, "BUF-1");
	store_close(db);

	db = open_ok();
	ck_assert_int_eq(db_int(db, -1, "PRAGMA user_version", ""),
	    store_schema_version());
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups", ""), 1);
	ref = db_str(db, "SELECT ref FROM groups", "");
	ck_assert_str_eq(ref, "BUF-1");
	free(ref);
	store_close(db);

	/* A third time, still one row and the same version. */
	db = open_ok();
	ck_assert_int_eq(db_int(db, -1, "PRAGMA user_version", ""),
	    store_schema_version());
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups", ""), 1);
	store_close(db);
}
END_TEST

START_TEST(test_newer_schema_refused)
{
	struct buf	 err;
	sqlite3		*db = open_ok();
	char		*pragma, *newer, *known;
	int		 v = store_schema_version() + 3;

	add_group(db, "BUF-1");
	store_close(db);
	db = open_raw();
	pragma = xasprintf("PRAGMA user_version = %d", v);
	exec_raw(db, pragma);
	free(pragma);
	sqlite3_close(db);

	buf_init(&err);
	ck_assert_ptr_null(store_open(dbpath, &err));
	ck_assert_ptr_nonnull(strstr(buf_str(&err), "newer"));
	newer = xasprintf("version %d ", v);
	known = xasprintf("(%d)", store_schema_version());
	ck_assert_msg(strstr(buf_str(&err), newer) != NULL,
	    "\"%s\" not in \"%s\"", newer, buf_str(&err));
	ck_assert_msg(strstr(buf_str(&err), known) != NULL,
	    "\"%s\" not in \"%s\"", known, buf_str(&err));
	free(newer);
	free(known);
	buf_free(&err);

	/* Nothing was touched: the version and the data are as they were. */
	db = open_raw();
	ck_assert_int_eq(db_int(db, -1, "PRAGMA user_version", ""), v);
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups", ""), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_failed_migration_rolls_back)
{
	struct buf	 err;
	sqlite3		*db = open_raw();

	/* Version 0, but a table the first migration wants to create. */
	exec_raw(db, "CREATE TABLE groups (x INTEGER); "
	    "INSERT INTO groups VALUES (42);");
	ck_assert_int_eq(db_int(db, -1, "PRAGMA user_version", ""), 0);
	sqlite3_close(db);

	buf_init(&err);
	ck_assert_ptr_null(store_open(dbpath, &err));
	ck_assert_msg(strstr(buf_str(&err), "migration 1 failed") != NULL,
	    "err: %s", buf_str(&err));
	ck_assert_msg(strstr(buf_str(&err), "groups") != NULL, "err: %s",
	    buf_str(&err));
	buf_free(&err);

	db = open_raw();
	ck_assert_int_eq(db_int(db, -1, "PRAGMA user_version", ""), 0);
	/* No part of the migration is left behind... */
	ck_assert_int_eq(table_exists(db, "members"), 0);
	ck_assert_int_eq(table_exists(db, "outbox"), 0);
	ck_assert_int_eq(table_exists(db, "audit"), 0);
	/* ... and the table that was there is untouched. */
	ck_assert_int_eq(db_int(db, -1, "SELECT x FROM groups", ""), 42);
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups", ""), 1);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_failed_migration_late_conflict_rolls_back)
{
	struct buf	 err;
	sqlite3		*db = open_raw();

	/*
	 * audit is the last table of migration 1: groups, members and
	 * outbox are created before it fails, and must be undone.
	 */
	exec_raw(db, "CREATE TABLE audit (y TEXT);");
	sqlite3_close(db);

	buf_init(&err);
	ck_assert_ptr_null(store_open(dbpath, &err));
	ck_assert_msg(strstr(buf_str(&err), "migration 1 failed") != NULL,
	    "err: %s", buf_str(&err));
	ck_assert_msg(strstr(buf_str(&err), "audit") != NULL, "err: %s",
	    buf_str(&err));
	buf_free(&err);

	db = open_raw();
	ck_assert_int_eq(db_int(db, -1, "PRAGMA user_version", ""), 0);
	ck_assert_int_eq(table_exists(db, "groups"), 0);
	ck_assert_int_eq(table_exists(db, "members"), 0);
	ck_assert_int_eq(table_exists(db, "outbox"), 0);
	ck_assert_int_eq(table_exists(db, "audit"), 1);
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'index' AND name NOT LIKE 'sqlite_%'", ""), 0);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_missing_directory_refused)
{
	struct buf	 err;
	char		*path = xasprintf("%s/no/such/dir/ansvar.db", dir);

	buf_init(&err);
	ck_assert_ptr_null(store_open(path, &err));
	ck_assert_ptr_nonnull(strstr(buf_str(&err), path));
	buf_free(&err);
	free(path);
}
END_TEST

START_TEST(test_duplicate_ref_is_constraint)
{
	sqlite3	*db = open_ok();
	int	 rc;

	add_group(db, "BUF-1");
	rc = db_try(db, "INSERT INTO groups (ref, client_born, created_at) "
	    "VALUES (?, '2011-01-01', 1800000001)", "s", "BUF-1");
	ck_assert_int_eq(rc & 0xff, SQLITE_CONSTRAINT);
	/* The reference is unique case-insensitively. */
	rc = db_try(db, "INSERT INTO groups (ref, client_born, created_at) "
	    "VALUES (?, '2011-01-01', 1800000001)", "s", "buf-1");
	ck_assert_int_eq(rc & 0xff, SQLITE_CONSTRAINT);
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups", ""), 1);
	/* Another reference goes in. */
	rc = db_try(db, "INSERT INTO groups (ref, client_born, created_at) "
	    "VALUES (?, '2011-01-01', 1800000001)", "s", "BUF-2");
	ck_assert_int_eq(rc, SQLITE_DONE);
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups", ""), 2);
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups WHERE "
	    "ref = 'buf-2'", ""), 1);
	store_close(db);
}
END_TEST

START_TEST(test_foreign_keys_enforced)
{
	sqlite3	*db = open_ok();
	int	 rc;

	rc = db_try(db, "INSERT INTO members (group_id, num, name, role, "
	    "token, added_at) VALUES (999, 1, 'Kari', 'client', 't', 1)", "");
	ck_assert_int_eq(rc & 0xff, SQLITE_CONSTRAINT);
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM members", ""), 0);
	add_group(db, "BUF-1");
	rc = db_try(db, "INSERT INTO members (group_id, num, name, role, "
	    "token, added_at) VALUES ((SELECT id FROM groups), 1, 'Kari', "
	    "'client', 't', 1)", "");
	ck_assert_int_eq(rc, SQLITE_DONE);
	store_close(db);
}
END_TEST

/*
 * Exit tests: fatalx() ends the process with 70 (EX_SOFTWARE).  They run
 * only when Check forks (not with CK_FORK=no, where exit would end the
 * whole run).
 */
START_TEST(test_db_run_constraint_is_fatal)
{
	sqlite3	*db = open_ok();

	add_group(db, "BUF-1");
	db_run(db, "INSERT INTO groups (ref, client_born, created_at) "
	    "VALUES (?, '2011-01-01', 1800000001)", "s", "buf-1");
	ck_abort_msg("db_run returned after a constraint failure");
}
END_TEST

START_TEST(test_bind_count_mismatch_is_fatal)
{
	sqlite3	*db = open_ok();

	/* Two placeholders, three bind types. */
	db_int(db, 0, "SELECT ? + ?", "iii", 1, 2, 3);
	ck_abort_msg("db_int returned with a wrong bind count");
}
END_TEST

START_TEST(test_commit_and_rollback)
{
	sqlite3	*db = open_ok();

	store_begin(db);
	add_group(db, "BUF-1");
	store_rollback(db);
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups", ""), 0);
	store_begin(db);
	add_group(db, "BUF-2");
	ck_assert_int_eq(store_commit(db), 0);
	store_close(db);
	db = open_ok();
	ck_assert_int_eq(db_int(db, -1, "SELECT count(*) FROM groups WHERE "
	    "ref = 'BUF-2'", ""), 1);
	store_close(db);
}
END_TEST

static Suite *
store_suite(bool forking)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("core"), *fatal;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_schema_version_positive);
	tcase_add_test(tc, test_new_database_mode_0600);
	tcase_add_test(tc, test_new_database_pragmas);
	tcase_add_test(tc, test_new_database_tables);
	tcase_add_test(tc, test_reopen_is_noop_and_keeps_data);
	tcase_add_test(tc, test_newer_schema_refused);
	tcase_add_test(tc, test_failed_migration_rolls_back);
	tcase_add_test(tc, test_failed_migration_late_conflict_rolls_back);
	tcase_add_test(tc, test_missing_directory_refused);
	tcase_add_test(tc, test_duplicate_ref_is_constraint);
	tcase_add_test(tc, test_foreign_keys_enforced);
	tcase_add_test(tc, test_commit_and_rollback);
	suite_add_tcase(s, tc);
	if (forking) {
		fatal = tcase_create("fatal");
		tcase_add_checked_fixture(fatal, setup, teardown);
		tcase_add_exit_test(fatal, test_db_run_constraint_is_fatal, 70);
		tcase_add_exit_test(fatal, test_bind_count_mismatch_is_fatal,
		    70);
		suite_add_tcase(s, fatal);
	}
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(NULL);

	srunner_add_suite(sr, store_suite(srunner_fork_status(sr) != CK_NOFORK));
	return unit_run("store", sr);
}
