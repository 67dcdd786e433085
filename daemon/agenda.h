/*
 * The agenda (M3, M4, E1, G8, G10): the policy's standard items with the
 * members' items before "any other business", the pending reviews, the
 * minute-taker, and the meeting's own evaluation last.
 */
#ifndef ANSVAR_AGENDA_H
#define ANSVAR_AGENDA_H

#include "ansvard.h"
#include "group.h"
#include "meeting.h"
#include "template.h"

/* Sets "items" (records n, text, notes[text]), "minute_taker", "when",
 * "place" and "meeting" in v, for a reader of language lang. */
void	agenda_vars(struct ansvar *, const struct agroup *,
	    const struct meeting *, const char *lang, struct tvars *v);
/* The agenda as plain text, as it is mailed and printed. */
char	*agenda_text(struct ansvar *, const struct agroup *,
	    const struct meeting *, const char *lang, const char *recipient);

#endif
