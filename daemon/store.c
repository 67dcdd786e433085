/*
 * SQLite for ansvard.  WAL, foreign keys on, synchronous FULL (a committed
 * change survives kill -9 and power loss), and migrations numbered by
 * PRAGMA user_version, each applied in its own transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

#include "schema.inc"	/* static const char *migrations[] */

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
store_schema_version(void)
{
	return NMIGRATIONS;
}

static int
migrate(sqlite3 *db, struct buf *err)
{
	int	 v = (int)db_int(db, 0, "PRAGMA user_version", "");
	char	*msg = NULL, pragma[64];

	if (v > NMIGRATIONS) {
		buf_printf(err, "database schema version %d is newer than this "
		    "ansvard knows (%d): install the newer ansvard, or restore "
		    "a backup made by this version", v, NMIGRATIONS);
		return -1;
	}
	for (; v < NMIGRATIONS; v++) {
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", v + 1);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) ||
		    sqlite3_exec(db, migrations[v], NULL, NULL, &msg) ||
		    sqlite3_exec(db, pragma, NULL, NULL, &msg) ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg)) {
			buf_printf(err, "migration %d failed: %s", v + 1,
			    msg ? msg : "?");
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		log_info("store: migrated schema to version %d", v + 1);
	}
	return 0;
}

sqlite3 *
store_open(const char *path, struct buf *err)
{
	sqlite3	*db = NULL;
	char	*msg = NULL;
	int	 fd;

	/* Create the file ourselves so it is 0600 from its first byte. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* Health and welfare data: readable by the service alone (T3). */
	if (fchmod(fd, 0600) == -1) {
		buf_printf(err, "%s: chmod: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	close(fd);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: %s", path, db ? sqlite3_errmsg(db) : "?");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "PRAGMA foreign_keys=ON;", NULL, NULL, &msg) != SQLITE_OK) {
		buf_printf(err, "%s: %s", path, msg ? msg : "?");
		sqlite3_free(msg);
		sqlite3_close(db);
		return NULL;
	}
	if (migrate(db, err) == -1) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

void
store_close(sqlite3 *db)
{
	if (db)
		sqlite3_close(db);
}

void
store_begin(sqlite3 *db)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		fatalx("store: begin: %s", sqlite3_errmsg(db));
}

int
store_commit(sqlite3 *db)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	log_warnx("store: commit: %s", sqlite3_errmsg(db));
	store_rollback(db);
	return -1;
}

void
store_rollback(sqlite3 *db)
{
	if (sqlite3_get_autocommit(db) == 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *
vstmt(sqlite3 *db, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt	*st;
	const char	*s;
	const void	*p;
	size_t		 n;
	int		 i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("store: prepare \"%s\": %s", sql, sqlite3_errmsg(db));
	if ((size_t)sqlite3_bind_parameter_count(st) != strlen(types))
		fatalx("store: \"%s\" has %d parameters, bound %zu", sql,
		    sqlite3_bind_parameter_count(st), strlen(types));
	for (i = 1; *types; types++, i++) {
		switch (*types) {
		case 'i':
			sqlite3_bind_int(st, i, va_arg(ap, int));
			break;
		case 'l':
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 's':
			if ((s = va_arg(ap, const char *)) == NULL)
				sqlite3_bind_null(st, i);
			else
				sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
			break;
		case 'b':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			sqlite3_bind_blob64(st, i, p, n, SQLITE_TRANSIENT);
			break;
		default:
			fatalx("store: bad bind type '%c'", *types);
		}
	}
	return st;
}

sqlite3_stmt *
db_stmt(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt	*st;
	va_list		 ap;

	va_start(ap, types);
	st = vstmt(db, sql, types, ap);
	va_end(ap);
	return st;
}

static int
vrun(sqlite3 *db, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt	*st = vstmt(db, sql, types, ap);
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	return rc;
}

/*
 * Every statement the daemon runs is expected to succeed: the commands
 * check their input first, so a failure here is a broken invariant.
 */
int
db_run(sqlite3 *db, const char *sql, const char *types, ...)
{
	va_list		 ap;
	int		 rc;

	va_start(ap, types);
	rc = vrun(db, sql, types, ap);
	va_end(ap);
	if (rc != SQLITE_DONE)
		fatalx("store: \"%s\": %s", sql, sqlite3_errmsg(db));
	return rc;
}

/* For the few statements whose constraint failure is an answer. */
int
db_try(sqlite3 *db, const char *sql, const char *types, ...)
{
	va_list		 ap;
	int		 rc;

	va_start(ap, types);
	rc = vrun(db, sql, types, ap);
	va_end(ap);
	if (rc != SQLITE_DONE && (rc & 0xff) != SQLITE_CONSTRAINT)
		fatalx("store: \"%s\": %s", sql, sqlite3_errmsg(db));
	return rc;
}

int64_t
db_int(sqlite3 *db, int64_t dflt, const char *sql, const char *types, ...)
{
	sqlite3_stmt	*st;
	va_list		 ap;
	int64_t		 v = dflt;

	va_start(ap, types);
	st = vstmt(db, sql, types, ap);
	va_end(ap);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

char *
db_str(sqlite3 *db, const char *sql, const char *types, ...)
{
	sqlite3_stmt	*st;
	va_list		 ap;
	char		*v = NULL;

	va_start(ap, types);
	st = vstmt(db, sql, types, ap);
	va_end(ap);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* The first column of every row, for work that commits row by row: no
 * statement stays open across those commits. */
int64_t *
db_ids(sqlite3 *db, size_t *n, const char *sql, const char *types, ...)
{
	sqlite3_stmt	*st;
	va_list		 ap;
	int64_t		*v = NULL;

	va_start(ap, types);
	st = vstmt(db, sql, types, ap);
	va_end(ap);
	*n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xrealloc(v, sizeof(*v) * (*n + 1));
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

const char *
col_opt(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : col_text(st, i);
}
