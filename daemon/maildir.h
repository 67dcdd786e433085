/*
 * The embedded transport: mail is written into state_dir/maildir, where
 * any mail reader opens it.  Delivery is tmp/ then rename into new/.
 */
#ifndef ANSVAR_MAILDIR_H
#define ANSVAR_MAILDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

int	maildir_init(const char *dir, struct buf *err);
/* name: unique and stable for one outbox row, so a retry can see it. */
int	maildir_deliver(const char *dir, const char *name, const char *msg,
	    size_t len);
bool	maildir_has(const char *dir, const char *name);

#endif
