/*
 * Builds invitations with libical, never by hand.  Two traps from
 * LIBRARIES.md §3 are handled here: the TZID must read plain
 * "Europe/Oslo" (Thunderbird breaks on libical's default prefix), and the
 * zone's VTIMEZONE is cut to the years around the meeting.
 */
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "ical.h"
#include "util.h"

/* A name for a parameter: libical turns '"' into ^' (RFC 6868), which many
 * clients show as it is; control characters have no place there either. */
static char *
param_name(const char *s)
{
	char	*r = xstrdup(s ? s : ""), *w = r;

	for (const char *p = r; *p; p++) {
		if (*p == '"')
			continue;
		*w++ = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
	}
	*w = '\0';
	return r;
}

static icalproperty *
local_time(icalproperty *(*make)(struct icaltimetype), time_t t,
    icaltimezone *zone, const char *tzid)
{
	struct icaltimetype	 tt = icaltime_from_timet_with_zone(t, 0, zone);
	icalproperty		*p;

	tt.zone = NULL;		/* written as local time with our TZID */
	p = make(tt);
	icalproperty_add_parameter(p, icalparameter_new_tzid(tzid));
	return p;
}

static icalcomponent *
vtimezone(icaltimezone *zone, const char *tzid, time_t start)
{
	icalcomponent		*vtz;
	struct icaltimetype	 from;

	vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
	/* From a year before the meeting: enough for every client. */
	from = icaltime_from_timet_with_zone(start - 366 * 24 * 3600, 0,
	    icaltimezone_get_utc_timezone());
	icaltimezone_truncate_vtimezone(vtz, from, icaltime_null_time(), 0);
	icalproperty_set_tzid(icalcomponent_get_first_property(vtz,
	    ICAL_TZID_PROPERTY), tzid);
	return vtz;
}

static icalproperty *
attendee(const struct ical_attendee *a, bool request)
{
	char		*mailto = xasprintf("mailto:%s", a->email);
	char		*cn = param_name(a->name);
	icalproperty	*p = icalproperty_new_attendee(mailto);

	icalproperty_add_parameter(p, icalparameter_new_cn(cn));
	icalproperty_add_parameter(p, icalparameter_new_cutype(
	    ICAL_CUTYPE_INDIVIDUAL));
	icalproperty_add_parameter(p, icalparameter_new_role(a->chair ?
	    ICAL_ROLE_CHAIR : ICAL_ROLE_REQPARTICIPANT));
	/* The chair is an invitee too: his copy asks him as well. */
	if (request) {
		icalproperty_add_parameter(p, icalparameter_new_partstat(
		    ICAL_PARTSTAT_NEEDSACTION));
		icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
	}
	free(mailto);
	free(cn);
	return p;
}

char *
ical_build(const struct ical_event *ev, char *err, size_t errlen)
{
	icaltimezone	*zone = icaltimezone_get_builtin_timezone(ev->tzid);
	icalcomponent	*cal, *vev;
	icalproperty	*org;
	char		*mailto, *cn, *text;
	bool		 request = !strcmp(ev->method, "REQUEST");

	if (zone == NULL || icaltimezone_get_component(zone) == NULL) {
		snprintf(err, errlen, "libical has no time zone %s", ev->tzid);
		return NULL;
	}
	cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid(
	    "-//ansvar//ansvard//NB"));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(request ?
	    ICAL_METHOD_REQUEST : ICAL_METHOD_CANCEL));
	icalcomponent_add_component(cal, vtimezone(zone, ev->tzid, ev->start));

	vev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	icalcomponent_add_property(vev, icalproperty_new_uid(ev->uid));
	icalcomponent_add_property(vev, icalproperty_new_sequence(ev->sequence));
	icalcomponent_add_property(vev, icalproperty_new_dtstamp(
	    icaltime_from_timet_with_zone(ev->dtstamp, 0,
	    icaltimezone_get_utc_timezone())));
	icalcomponent_add_property(vev, local_time(icalproperty_new_dtstart,
	    ev->start, zone, ev->tzid));
	icalcomponent_add_property(vev, local_time(icalproperty_new_dtend,
	    ev->end, zone, ev->tzid));
	icalcomponent_add_property(vev, icalproperty_new_summary(ev->summary));
	if (ev->location)
		icalcomponent_add_property(vev,
		    icalproperty_new_location(ev->location));
	if (ev->description)
		icalcomponent_add_property(vev,
		    icalproperty_new_description(ev->description));
	icalcomponent_add_property(vev, icalproperty_new_status(request ?
	    ICAL_STATUS_CONFIRMED : ICAL_STATUS_CANCELLED));
	icalcomponent_add_property(vev, icalproperty_new_transp(
	    ICAL_TRANSP_OPAQUE));
	mailto = xasprintf("mailto:%s", ev->organizer_email);
	cn = param_name(ev->organizer_name);
	org = icalproperty_new_organizer(mailto);
	icalproperty_add_parameter(org, icalparameter_new_cn(cn));
	icalcomponent_add_property(vev, org);
	free(mailto);
	free(cn);
	for (size_t i = 0; i < ev->natt; i++)
		icalcomponent_add_property(vev, attendee(&ev->att[i], request));
	icalcomponent_add_component(cal, vev);

	text = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	if (text == NULL) {
		snprintf(err, errlen, "libical could not write the calendar");
		return NULL;
	}
	return text;
}
