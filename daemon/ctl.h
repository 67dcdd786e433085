/*
 * The control socket: a unix stream socket whose peers are identified by
 * SO_PEERCRED.  Requests are length-checked frames (ansvar-protocol.h);
 * a bad client gets an error and is dropped, never the daemon.
 */
#ifndef ANSVAR_CTL_H
#define ANSVAR_CTL_H

#include <poll.h>
#include <stddef.h>

struct ansvar;

struct ctl	*ctl_open(struct ansvar *, const char *path, const char *group,
		    struct buf *err);
void		 ctl_close(struct ctl *);
/* Fill pollfds; returns the count used (at most max). */
size_t		 ctl_pollfds(struct ctl *, struct pollfd *, size_t max);
void		 ctl_dispatch(struct ctl *, const struct pollfd *, size_t n);
int		 ctl_timeout_ms(const struct ctl *);	/* -1: none */

#endif
