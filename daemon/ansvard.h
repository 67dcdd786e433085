/*
 * The daemon's one context: configuration, store, clock and the control
 * socket.  No other mutable state is global.
 */
#ifndef ANSVARD_H
#define ANSVARD_H

#include <signal.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <sysexits.h>

#include "clock.h"
#include "config.h"

struct ctl;
struct mailtext;
struct sender;
struct fetcher;

struct ansvar {
	struct config	*cfg;
	char		*config_path;
	sqlite3		*db;
	struct clock	 clock;
	struct ctl	*ctl;
	struct mailtext	*texts;
	struct sender	*sender;	/* with [smtp]; NULL for the Maildir */
	struct fetcher	*fetcher;	/* with [imap] */
	int		 lock_fd;
	bool		 foreground;
	time_t		 next_work;	/* when the loop must run work_run() */
	bool		 poll_mail;	/* test clock: next work_run reads mail */
	volatile sig_atomic_t quit;
	volatile sig_atomic_t reload;
};

#define WORK_INTERVAL	60	/* seconds between scheduler passes */

/* Everything due at the clock's now: scheduler pass, then the outbox. */
void	work_run(struct ansvar *);

#endif
