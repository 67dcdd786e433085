/*
 * Minutes (M9, R3): recorded from `minutes submit` or a mail, archived in
 * the state directory, and sent to every member of the group.
 */
#ifndef ANSVAR_MINUTES_H
#define ANSVAR_MINUTES_H

#include <stddef.h>
#include <stdint.h>

#include "ansvard.h"
#include "group.h"
#include "meeting.h"

/* The kind of file: "txt", "pdf" or "docx" (with its MIME type), or NULL
 * when it is none of those. */
const char	*minutes_type(const void *, size_t, const char **mime);

/*
 * Archives the minutes, records them as the meeting's next version and
 * queues them to every member (post members through the coordinator).
 * Inside the caller's transaction.  Returns the version, or -1 with err
 * (nothing recorded); *sent counts the mails queued.
 */
int		 minutes_record(struct ansvar *, const struct agroup *,
		    const struct meeting *, const void *, size_t,
		    const char *by_user, int64_t inbox_id, int *sent,
		    char *err, size_t errlen);
/* The member who is to write the meeting's minutes (M7). */
int64_t		 minutes_writer(struct ansvar *, const struct agroup *,
		    const struct meeting *);

#endif
