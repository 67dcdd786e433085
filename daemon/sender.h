/*
 * The sender: a thread with its own database connection that takes due
 * outbox rows to the SMTP server, so a slow or absent server never blocks
 * the control socket.  The main thread kicks it; in test-clock mode it
 * waits for the pass, so `clock set` returns after the mail went out.
 */
#ifndef ANSVAR_SENDER_H
#define ANSVAR_SENDER_H

#include <stdbool.h>
#include <time.h>

#include "config.h"

struct sender;

struct sender	*sender_start(const char *db_path, const struct config *);
void		 sender_configure(struct sender *, const struct config *);
void		 sender_kick(struct sender *, time_t now, bool wait);
void		 sender_stop(struct sender *);

/* The delay before the n-th retry: a minute, doubling, at most an hour. */
long		 retry_delay(long attempts);

#endif
