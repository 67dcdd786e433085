/*
 * Notices: the mails that follow from an event (a member becomes
 * coordinator, a group is activated or closed).  Each picks its
 * recipients and cause key and hands the mail to the outbox.
 */
#ifndef ANSVAR_NOTICES_H
#define ANSVAR_NOTICES_H

#include <stdbool.h>
#include <stdint.h>

#include "ansvard.h"
#include "group.h"

/* The member has just become the group's coordinator; from_id is the
 * coordinator before (0: none), who is told too. */
void	notice_coordinator_assigned(struct ansvar *, const struct agroup *,
	    int64_t member_id, int64_t from_id);
/* G7: a group for a minor became active: the youth team is told. */
void	notice_group_started(struct ansvar *, const struct agroup *);
/* G9: the group closed: youth team (minor) or adult services told. */
void	notice_group_closed(struct ansvar *, const struct agroup *,
	    int64_t closure_id);
/* G8: the client turned 18 on `day`: the coordinator is told. */
void	notice_client_adult(struct ansvar *, const struct agroup *, int day);
/* T2: tell the coordinator that an outbox row failed or was dropped. */
void	notice_undelivered(struct ansvar *, int64_t outbox_id);
struct meeting;
struct tvars;
/* A mail of `kind` to the group's coordinator, once per cause. */
void	notice_to_coordinator(struct ansvar *, const struct agroup *,
	    const char *kind, const char *cause, struct tvars *);
/* M8: a client or guardian absent from a held meeting: coordinator told. */
void	notice_no_shows(struct ansvar *, const struct agroup *,
	    const struct meeting *);
/* M6, M8: the client, a guardian or a verge: their absence is followed up. */
bool	member_is_family(const char *role);
/* absent, absent_num, is_client, absent_phone for an absence mail. */
void	absence_vars(struct ansvar *, const struct member *, struct tvars *);
/* Age of the group's client on a day, in whole years. */
int	client_age(const struct agroup *, int day);

#endif
