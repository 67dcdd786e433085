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

/* What a received iCalendar object says, for iTIP REPLY handling. */
struct ical_reply {
	const char	*method;	/* REPLY, REQUEST, ..., "" for none */
	char		*uid;		/* of the first VEVENT, or NULL */
	int		 sequence;
	time_t		 dtstamp;	/* 0: none */
	char		*attendee;	/* the first ATTENDEE's address, or NULL */
	const char	*partstat;	/* accepted, tentative, declined, ... */
	char		*comment;
	int		 nevents;
	int		 nattendees;
};

/* 0 when text is an iCalendar object (whatever it says), -1 with err. */
int	ical_reply_parse(const char *text, struct ical_reply *, char *err,
	    size_t errlen);
void	ical_reply_clear(struct ical_reply *);

#endif
