/*
 * The outbox makes mail exactly-once: due work becomes one row per mail,
 * keyed by a UNIQUE cause, in the transaction that records why.  The
 * message is composed once, at enqueue, so every retry sends the same bytes.
 */
#ifndef ANSVAR_OUTBOX_H
#define ANSVAR_OUTBOX_H

#include <stdint.h>
#include <time.h>

#include "ansvard.h"
#include "template.h"

struct outmail {
	const char	*cause;		/* e.g. "coordinator:g=4:m=9:a=31" */
	int64_t		 group_id;	/* 0: not about one group */
	const char	*ref;		/* the group's reference, or NULL */
	const char	*kind;		/* template name */
	const char	*to;
	const char	*to_name;
	const char	*lang;		/* NULL: the installation's */
	const char	*token;		/* per-recipient secret for Message-ID */
	struct tvars	*vars;		/* the caller's; ref/name/... added */
	time_t		 due;
	time_t		 deadline;	/* 0: useful for ever */
	const char	*ics;		/* an invitation's calendar, or NULL */
	const char	*method;
	const char	*verified;	/* a forward: "yes" or "no" */
	const char	*attach_name;	/* one attachment, or NULL */
	const char	*attach_type;
	const void	*attach;
	size_t		 attach_len;
};

/* 1 queued, 0 the cause was already queued, -1 could not compose (logged). */
int	outbox_add(struct ansvar *, const struct outmail *);
struct agroup;
struct member;
/* outbox_add() of a mail of `kind` to a member of group g, due now; the
 * rest of *extra (attachment, deadline...) when given.  0 when the
 * member has no e-mail. */
int	outbox_to_member(struct ansvar *, const struct agroup *,
	    const struct member *, const char *kind, const char *cause,
	    struct tvars *, const struct outmail *extra);
/* Deliver what is due at now; returns the count sent. */
int	outbox_deliver(struct ansvar *);
/* When the next pending row is due, or 0 when none is. */
time_t	outbox_next(struct ansvar *);
void	outbox_message_id(const char *from, const char *cause,
	    const char *token, char *out, size_t len);

#endif
