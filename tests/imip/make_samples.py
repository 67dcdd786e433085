#!/usr/bin/python3
"""Writes the sample invitations in tests/imip/samples/ for check_imip.py.

Built with python3-icalendar and the standard email package only (no
libical, so a libical mistake in ansvard cannot hide in the samples too).
The messages look like what ansvard sends (SPEC R1, IMIP.md): From and
ORGANIZER are the service mailbox, the coordinator is an ATTENDEE with
ROLE=CHAIR (asked to answer like everyone else; in good-update.eml it
has ACCEPTED already), each mail goes to one member, and the layout is
multipart/mixed[multipart/alternative[text/plain, text/calendar], application/ics].

good-*.eml must pass check_imip.py; each bad-*.eml breaks exactly one rule;
lenient-*.eml passes only with --lenient.  The output is the same on every
run (fixed dates and Message-IDs), so the samples can be diffed.

Usage: make_samples.py [OUTDIR]     (default: samples/ beside this file)
"""
import os
import sys
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import default as POLICY

import icalendar

HERE = os.path.dirname(os.path.abspath(__file__))
TZID = "Europe/Oslo"
SERVICE = ("Ansvarsgruppe Testby", "ansvar@kommune.example")
CHAIR = ("Nils Navesen", "nils@nav.example")
MEMBERS = [("Guro Nordmann", "guro@example.org"),
           ("Lise Lærer", "lise@skole.example")]
UID = "moete-7f3a9c@ansvar.kommune.example"
SUMMARY = "[BUF-2027-014] Ansvarsgruppemøte – gjennomgang av individuell plan"
LOCATION = "Rådhuset, møterom Fjæra (2. etasje), Storgata 1, 9990 Båtsfjord"
DESCRIPTION = ("Sakliste:\n1. Status siden sist\n2. Tiltak på skolen\n"
               "3. Neste møte\n\nSvar med Godta eller Avslå i e-postprogrammet.")


def vtimezone():
    """Europe/Oslo as a VTIMEZONE: CET/CEST with the EU rule (last Sunday
    of March 01:00 UTC, last Sunday of October 01:00 UTC) in force since
    1996.  Written out by hand here; the checker compares ical.js, which
    reads this, with python3-icalendar, which uses the tz database."""
    tz = icalendar.Timezone()
    tz.add("tzid", TZID)
    for kind, month, start, frm, to, name in (
            (icalendar.TimezoneDaylight, 3, datetime(1996, 3, 31, 2, 0),
             timedelta(hours=1), timedelta(hours=2), "CEST"),
            (icalendar.TimezoneStandard, 10, datetime(1996, 10, 27, 3, 0),
             timedelta(hours=2), timedelta(hours=1), "CET")):
        sub = kind()
        sub.add("tzname", name)
        sub.add("tzoffsetfrom", frm)
        sub.add("tzoffsetto", to)
        sub.add("dtstart", start)
        sub.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        tz.add_component(sub)
    return tz


def calendar(method, sequence, start, minutes=90, tz=True, summary=SUMMARY,
             organizer=SERVICE[1], rdate=None, reply_from=None, chair_asked=True):
    """One iCalendar object (bytes, CRLF, folded by python3-icalendar)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//ansvar//tests/imip/make_samples.py//NB")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if tz:
        cal.add_component(vtimezone())
    ev = icalendar.Event()
    ev.add("uid", UID)
    ev.add("sequence", sequence)
    ev.add("dtstamp", datetime(2027, 1, 4, 8, 0, tzinfo=timezone.utc)
           + timedelta(days=sequence))
    ev.add("dtstart", start, parameters={"TZID": TZID})
    ev.add("dtend", start + timedelta(minutes=minutes), parameters={"TZID": TZID})
    if rdate is not None:
        ev.add("rdate", rdate, parameters={"TZID": TZID})
    ev.add("summary", summary)
    ev.add("location", LOCATION)
    ev.add("description", DESCRIPTION)
    ev.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    ev.add("organizer", "mailto:" + organizer, parameters={"CN": SERVICE[0]})
    people = [(CHAIR, True)] + [(m, False) for m in MEMBERS]
    for (cn, addr), chair in people:
        if reply_from and addr != reply_from:
            continue
        params = {"CN": cn, "CUTYPE": "INDIVIDUAL",
                  "ROLE": "CHAIR" if chair else "REQ-PARTICIPANT"}
        if method == "REQUEST":
            # The chair is asked too (as ansvard does), or has accepted
            # already without RSVP (chair_asked=False); both are fine.
            if chair and not chair_asked:
                params["PARTSTAT"] = "ACCEPTED"
            else:
                params["PARTSTAT"] = "NEEDS-ACTION"
                params["RSVP"] = "TRUE"
        elif method == "REPLY":
            params["PARTSTAT"] = "ACCEPTED"
        ev.add("attendee", "mailto:" + addr, parameters=params)
    cal.add_component(ev)
    return cal.to_ical()


def message(ics, method, subject, to, sender=SERVICE, n=1, header_method=None,
            layout="full"):
    """The iMIP mail around ics (bytes) as an EmailMessage."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = '"%s" <%s>' % sender
    msg["To"] = '"%s" <%s>' % to
    msg["Reply-To"] = sender[1]
    msg["Subject"] = subject          # RFC 2047-encoded by the policy
    msg["Date"] = "Mon, 04 Jan 2027 09:00:00 +0100"
    msg["Message-ID"] = "<sample-%d@ansvar.kommune.example>" % n
    if layout == "calendar-only":
        msg.set_content(ics, maintype="text", subtype="calendar", cte="base64",
                        params={"method": method, "charset": "UTF-8"})
        return fixed(msg, n)
    msg.set_content("Hei!\n\nDu er invitert til møte i ansvarsgruppen.\n"
                    "Svar med Godta eller Avslå i e-postprogrammet ditt.\n\n"
                    "Hilsen ansvar\n", cte="quoted-printable")
    msg.add_alternative(ics, maintype="text", subtype="calendar", cte="base64",
                        params={"method": header_method or method,
                                "charset": "UTF-8"})
    if layout == "full":
        msg.add_attachment(ics, maintype="application", subtype="ics",
                           cte="base64", filename="invite.ics",
                           params={"name": "invite.ics"})
    return fixed(msg, n)


def fixed(msg, n):
    """Fixed boundaries (the same bytes on every run); no MIME-Version
    header in the parts (the email package adds one to each)."""
    for i, part in enumerate(msg.walk()):
        if part is not msg:
            del part["MIME-Version"]
        if part.is_multipart():
            part.set_boundary("=_sample%d_%d" % (n, i))
    return msg


def unfold_property(ics, name):
    """ics with the named property's folded lines joined into one line."""
    lines = ics.split(b"\r\n")
    out = []
    for line in lines:
        if line[:1] == b" " and out and out[-1].upper().startswith(name.encode()):
            out[-1] += line[1:]
        else:
            out.append(line)
    return b"\r\n".join(out)


def split_utf8_fold(ics):
    """Re-fold the LOCATION line so that one fold falls inside 'å'."""
    ics = unfold_property(ics, "LOCATION")
    lines = ics.split(b"\r\n")
    for i, line in enumerate(lines):
        if line.startswith(b"LOCATION"):
            cut = line.index("å".encode()) + 1      # between the two octets
            lines[i] = line[:cut] + b"\r\n " + line[cut:]
    return b"\r\n".join(lines)


def samples():
    winter = datetime(2027, 2, 10, 10, 0)      # CET, UTC+1
    summer = datetime(2027, 4, 15, 13, 0)      # CEST, UTC+2
    lise, guro = MEMBERS[1], MEMBERS[0]
    req = lambda **kw: calendar("REQUEST", 0, winter, **kw)
    s = {}
    s["good-request.eml"] = message(
        req(), "REQUEST", "[BUF-2027-014] Invitasjon: ansvarsgruppemøte 10. februar", lise, n=1)
    s["good-update.eml"] = message(
        calendar("REQUEST", 1, summer, chair_asked=False), "REQUEST",
        "[BUF-2027-014] Endret: ansvarsgruppemøte flyttet til 15. april", guro, n=2)
    s["good-cancel.eml"] = message(
        calendar("CANCEL", 2, summer), "CANCEL",
        "[BUF-2027-014] Avlyst: ansvarsgruppemøte 15. april", lise, n=3)
    s["good-reply.eml"] = message(
        calendar("REPLY", 1, summer, reply_from=guro[1]), "REPLY",
        "Godtatt: ansvarsgruppemøte", SERVICE, sender=guro, n=4)
    s["bad-bare-lf.eml"] = message(
        req().replace(b"\r\n", b"\n"), "REQUEST", "Invitasjon (LF)", lise, n=10)
    s["bad-method-mismatch.eml"] = message(
        req(), "REQUEST", "Invitasjon (method)", lise, n=11, header_method="PUBLISH")
    s["bad-no-vtimezone.eml"] = message(
        req(tz=False), "REQUEST", "Invitasjon (VTIMEZONE)", lise, n=12)
    s["bad-organizer-not-from.eml"] = message(
        req(organizer="koordinator@kommune.example"), "REQUEST",
        "Invitasjon (ORGANIZER)", lise, n=13)
    long_summary = "x" * (80 - len("SUMMARY:"))   # one line of exactly 80 octets
    s["bad-long-line.eml"] = message(
        unfold_property(req(summary=long_summary), "SUMMARY"), "REQUEST",
        "Invitasjon (80 oktetter)", lise, n=14)
    s["bad-rdate-without-rrule.eml"] = message(
        req(rdate=winter + timedelta(days=7)), "REQUEST", "Invitasjon (RDATE)", lise, n=15)
    s["bad-utf8-split.eml"] = message(
        split_utf8_fold(req()), "REQUEST", "Invitasjon (UTF-8)", lise, n=16)
    s["bad-8bit-header.eml"] = message(
        req(), "REQUEST", "Invitasjon (8-bit)", lise, n=17)   # made raw below
    s["lenient-alternative.eml"] = message(
        req(), "REQUEST", "Invitasjon (alternative)", lise, n=20, layout="alternative")
    s["lenient-calendar-only.eml"] = message(
        req(), "REQUEST", "Invitasjon (text/calendar)", lise, n=21, layout="calendar-only")
    return s


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(HERE, "samples")
    os.makedirs(out, exist_ok=True)
    made = samples()
    for name, msg in made.items():
        data = msg.as_bytes()
        if name == "good-update.eml":          # one sample with CRLF line ends
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if name == "bad-8bit-header.eml":      # a raw UTF-8 Subject
            head, body = data.split(b"\n\n", 1)
            head = b"\n".join(
                "Subject: Invitasjon: ansvarsgruppemøte (8-bit)".encode()
                if h.startswith(b"Subject:") else h
                for h in head.split(b"\n"))
            data = head + b"\n\n" + body
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("make_samples: wrote %d samples to %s" % (len(made), out),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
