/*
 * Builds invitations with libical, never by hand.  Two traps from
 * LIBRARIES.md §3 are handled here: the TZID must read plain
 * "Europe/Oslo" (Thunderbird breaks on libical's default prefix), and the
 * zone's VTIMEZONE is cut to the years around the meeting.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* "mailto:a@b" (any case, maybe with spaces) to "a@b"; NULL if no mailto. */
static char *
mailto(const char *v)
{
	while (v && (*v == ' ' || *v == '\t'))
		v++;
	if (v == NULL || strncasecmp(v, "mailto:", 7))
		return NULL;
	v += 7;
	return xstrdup(v);
}

/* UTC seconds of a DTSTAMP, or 0. */
static time_t
utc_seconds(struct icaltimetype t)
{
	if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
		return 0;
	return icaltime_as_timet_with_zone(t, t.zone ? t.zone :
	    icaltimezone_get_utc_timezone());
}

int
ical_reply_parse(const char *text, struct ical_reply *r, char *err,
    size_t errlen)
{
	icalcomponent	*cal, *ev;
	icalproperty	*p;
	int		 rc = -1;

	memset(r, 0, sizeof(*r));
	icalerror_set_errors_are_fatal(0);
	cal = icalparser_parse_string(text);
	if (cal == NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		snprintf(err, errlen, "not an iCalendar object");
		goto done;
	}
	switch (icalcomponent_get_method(cal)) {
	case ICAL_METHOD_REPLY: r->method = "REPLY"; break;
	case ICAL_METHOD_REQUEST: r->method = "REQUEST"; break;
	case ICAL_METHOD_CANCEL: r->method = "CANCEL"; break;
	case ICAL_METHOD_COUNTER: r->method = "COUNTER"; break;
	case ICAL_METHOD_REFRESH: r->method = "REFRESH"; break;
	case ICAL_METHOD_NONE: r->method = ""; break;
	default: r->method = "OTHER"; break;
	}
	for (ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	    ev; ev = icalcomponent_get_next_component(cal,
	    ICAL_VEVENT_COMPONENT)) {
		if (r->nevents++ > 0)
			continue;
		if (icalcomponent_get_uid(ev))
			r->uid = xstrdup(icalcomponent_get_uid(ev));
		if ((p = icalcomponent_get_first_property(ev,
		    ICAL_SEQUENCE_PROPERTY)) != NULL)
			r->sequence = icalproperty_get_sequence(p);
		if ((p = icalcomponent_get_first_property(ev,
		    ICAL_DTSTAMP_PROPERTY)) != NULL)
			r->dtstamp = utc_seconds(icalproperty_get_dtstamp(p));
		if ((p = icalcomponent_get_first_property(ev,
		    ICAL_COMMENT_PROPERTY)) != NULL && icalproperty_get_comment(p))
			r->comment = xstrdup(icalproperty_get_comment(p));
		for (p = icalcomponent_get_first_property(ev,
		    ICAL_ATTENDEE_PROPERTY); p; p = icalcomponent_get_next_property(
		    ev, ICAL_ATTENDEE_PROPERTY)) {
			icalparameter	*ps;

			if (r->nattendees++ > 0)
				continue;
			r->attendee = mailto(icalproperty_get_attendee(p));
			ps = icalproperty_get_first_parameter(p,
			    ICAL_PARTSTAT_PARAMETER);
			switch (ps ? icalparameter_get_partstat(ps) :
			    ICAL_PARTSTAT_NONE) {
			case ICAL_PARTSTAT_ACCEPTED: r->partstat = "accepted"; break;
			case ICAL_PARTSTAT_TENTATIVE: r->partstat = "tentative"; break;
			case ICAL_PARTSTAT_DECLINED: r->partstat = "declined"; break;
			case ICAL_PARTSTAT_DELEGATED: r->partstat = "delegated"; break;
			case ICAL_PARTSTAT_NEEDSACTION: r->partstat = "needs-action"; break;
			case ICAL_PARTSTAT_NONE: r->partstat = ""; break;
			default: r->partstat = "other"; break;
			}
		}
	}
	rc = 0;
done:
	if (cal)
		icalcomponent_free(cal);
	return rc;
}

void
ical_reply_clear(struct ical_reply *r)
{
	free(r->uid);
	free(r->attendee);
	free(r->comment);
	memset(r, 0, sizeof(*r));
}
