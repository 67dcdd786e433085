/*
 * The audit log: who (Unix user from the socket's peer credentials) changed
 * what, when.  Written in the same transaction as the change itself.
 */
#ifndef ANSVAR_AUDIT_H
#define ANSVAR_AUDIT_H

#include "ansvard.h"

struct request;

void	audit_write(struct ansvar *, const struct request *, const char *user,
	    const char *command, const char *ref, const char *detail);
/* A refused request, in its own transaction. */
void	audit_refusal(struct ansvar *, const struct request *, const char *user,
	    const char *command, const char *ref, const char *why);
/* Record work the daemon did on its own (uid 0, user "ansvard"). */
void	audit_daemon(struct ansvar *, const char *ref, const char *what);

#endif
