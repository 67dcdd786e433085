/*
 * Notices: the mails that follow from an event (a member becomes
 * coordinator, a group is activated or closed).  Each picks its
 * recipients and cause key and hands the mail to the outbox.
 */
#ifndef ANSVAR_NOTICES_H
#define ANSVAR_NOTICES_H

#include <stdint.h>

#include "ansvard.h"
#include "group.h"

/* The member has just become the group's coordinator. */
void	notice_coordinator_assigned(struct ansvar *, const struct agroup *,
	    int64_t member_id);

#endif
