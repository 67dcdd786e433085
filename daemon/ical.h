/*
 * iCalendar with libical: the iTIP REQUEST and CANCEL objects carried by
 * invitations (RFC 5545/5546), with the VTIMEZONE of the configured zone.
 */
#ifndef ANSVAR_ICAL_H
#define ANSVAR_ICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct ical_attendee {
	const char	*name;
	const char	*email;
	bool		 chair;		/* the coordinator (R1) */
};

struct ical_event {
	const char			*method;	/* REQUEST or CANCEL */
	const char			*uid;
	int				 sequence;
	time_t				 dtstamp;
	time_t				 start, end;
	const char			*tzid;
	const char			*summary;
	const char			*location;
	const char			*description;
	const char			*organizer_name;
	const char			*organizer_email;
	const struct ical_attendee	*att;
	size_t				 natt;
};

/* The VCALENDAR as text (CRLF, folded); malloc'd, or NULL with err. */
char	*ical_build(const struct ical_event *, char *err, size_t errlen);

#endif
