/*
 * The SQLite store: opening, numbered migrations, transactions, and the
 * bind-by-format helpers every query uses.  Only ansvard opens it.
 */
#ifndef ANSVAR_STORE_H
#define ANSVAR_STORE_H

#include <stdint.h>
#include <sqlite3.h>

#include "util.h"

int		 store_schema_version(void);	/* what this binary knows */
/* Opens (creating 0600) and migrates; NULL with a message in err. */
sqlite3		*store_open(const char *path, struct buf *err);
void		 store_close(sqlite3 *);

void		 store_begin(sqlite3 *);	/* BEGIN IMMEDIATE */
int		 store_commit(sqlite3 *);	/* 0 or -1 (then rolled back) */
void		 store_rollback(sqlite3 *);

/*
 * Bind types: 'i' int, 'l' int64_t, 's' const char * (NULL binds NULL),
 * 'b' blob (const void *, size_t).
 */
sqlite3_stmt	*db_stmt(sqlite3 *, const char *sql, const char *types, ...);
int		 db_run(sqlite3 *, const char *sql, const char *types, ...);
int		 db_try(sqlite3 *, const char *sql, const char *types, ...);
int64_t		 db_int(sqlite3 *, int64_t dflt, const char *sql,
		    const char *types, ...);
char		*db_str(sqlite3 *, const char *sql, const char *types, ...);
int64_t		*db_ids(sqlite3 *, size_t *n, const char *sql,
		    const char *types, ...);	/* malloc'd; NULL when none */
const char	*col_text(sqlite3_stmt *, int);	/* "" for NULL */
const char	*col_opt(sqlite3_stmt *, int);	/* NULL for NULL */

#endif
