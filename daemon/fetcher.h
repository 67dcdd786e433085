/*
 * The fetcher: a thread with its own database connection that copies new
 * mail from the IMAP mailbox into the inbox table, and afterwards marks on
 * the server what the main thread has handled.  It never deletes anything.
 * With a real clock it polls every poll_seconds; with a test clock only
 * when kicked, and the kick can wait for the pass.
 */
#ifndef ANSVAR_FETCHER_H
#define ANSVAR_FETCHER_H

#include <stdbool.h>
#include <time.h>

#include "config.h"

struct fetcher;

/* timed: poll on its own every poll_seconds (false with a test clock). */
struct fetcher	*fetcher_start(const char *db_path, const struct config *,
		    bool timed);
void		 fetcher_configure(struct fetcher *, const struct config *);
/* One pass now, stamped `now`; with wait, returns when it is done. */
void		 fetcher_kick(struct fetcher *, time_t now, bool wait);
/* Readable when new mail was stored; fetcher_drain() resets it. */
int		 fetcher_fd(const struct fetcher *);
void		 fetcher_drain(struct fetcher *);
void		 fetcher_stop(struct fetcher *);

/* The classes of received mail left on the server exactly as they were
 * (the class itself, a static string), or NULL for one that is marked. */
const char	*inbox_left_alone(const char *cls);

#endif
