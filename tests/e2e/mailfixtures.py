#!/usr/bin/python3
"""mailfixtures.py -- mail that comes back to ansvar, for the step 5 tests
(SPEC R2-R4, M6; /tmp/step5/INTERFACE.md "Classes of received mail").

reply(shape, request_ics, attendee, partstat, ...) -> bytes
    The iTIP REPLY a real client sends when the attendee clicks
    Accept/Tentative/Decline on ansvar's invitation, shaped like the client
    (SHAPES): MIME layout, header spelling, transfer encodings, PRODID, time
    zone handling and property quirks.  The VCALENDAR is made with
    python3-icalendar.
answer(body, *, sender, in_reply_to, ...) -> bytes
    An ordinary answer mail (R2/R3), optionally with attachments.
hostile_corpus(ctx) -> [(name, bytes, expected_class)]
    Broken, hostile and borderline mail with the class the daemon should
    give each (see the comment at every item).  Deterministic for a given ctx.

All mail is bytes with CRLF line ends (except where an item is about line
ends).  Nothing is written to disk.  Self-check:

    /usr/bin/python3 tests/e2e/mailfixtures.py --selfcheck [--dump DIR]

Needs Debian's /usr/bin/python3 with python3-icalendar (4.x or 5.x).  Names
and addresses are invented.

What is known about each client (sources: Thunderbird's
CalItipEmailTransport, captures of Exchange and Google replies published in
other projects' tests, Apple's CalendarServer test data; details marked
"assumed" below are best guesses):

outlook      Exchange/Microsoft 365 (Outlook for Windows/Mac/web all send
             through it).  multipart/alternative[text/plain, text/html,
             text/calendar; method=REPLY], all base64 UTF-8, boundary
             "_000_<id>eurp_" folded onto a tab line.  PRODID "Microsoft
             Exchange Server 2010", own VTIMEZONE "W. Europe Standard Time"
             (DTSTART 1601...), DTSTART/DTEND converted to it, SUMMARY
             "Accepted: ..." with LANGUAGE=en-US, COMMENT for a note, the
             X-MICROSOFT-CDO-* block, ATTENDEE;PARTSTAT=..;CN=..:MAILTO:..
             (upper-case MAILTO as Exchange 2010-2016 wrote it) and NO
             ORGANIZER (Exchange leaves it out of replies although RFC 5546
             asks for it).  Empty X-MS-Has-Attach: headers.
gmail        Google Calendar.  multipart/mixed[multipart/alternative[
             text/plain (base64, format=flowed), text/html (QP), text/calendar;
             method=REPLY (7bit, or QP when not ASCII)], application/ics
             invite.ics (base64)].  PRODID Google 70.9054, no VTIMEZONE, UTC
             times, ATTENDEE;CUTYPE;ROLE;PARTSTAT;CN;X-NUM-GUESTS=0, a note in
             the X-RESPONSE-COMMENT parameter, no DESCRIPTION, LOCATION always
             present.  Subject "Accepted: S @ Mon 1 Feb 2027 10:00 - 11:30
             (CET) (organizer)".  Sender: Google Calendar
             <calendar-notification@google.com> (assumed for replies; seen on
             Google's invitations), Message-ID <calendar-UUID@google.com>.
apple        macOS Calendar via Mail (CalendarServer's captured iCal reply):
             multipart/alternative[text/plain, multipart/mixed[text/html,
             text/calendar attachment "iCal-YYYYMMDD-HHMMSS.ics" with
             x-unix-mode=0644, quoted-printable with CRLF as =0D=0A, and NO
             method= parameter, text/html]], X-Mail-Calendar-Part: Yes,
             "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(...\\))", Subject
             "Event accepted: S".  PRODID "-//Apple Inc.//macOS 14.6.1//EN",
             Apple's VTIMEZONE for the organizer's TZID, ATTENDEE with CN,
             CUTYPE, EMAIL, PARTSTAT, ROLE; properties sorted (assumed for
             current macOS).
thunderbird  Thunderbird/Lightning, byte for byte its home-made layout:
             multipart/mixed "Boundary_(ID_qyG4ZdjoAsiZ+Jo19dCbWQ)"[
             multipart/alternative[text/plain, text/calendar; method=REPLY],
             application/ics; name=invite.ics], all "Content-transfer-encoding:
             8BIT" (raw UTF-8), "MIME-version", "Content-type".  PRODID
             Mozilla Calendar V1.1, its own VTIMEZONE Europe/Oslo (1970
             rules), the whole event copied with the attendee's original
             parameters minus RSVP.  Subject "Accepted: S" / "Tentative: S" /
             "Invitation Declined: S".
"""
import base64
import datetime as _dt
import email
import email.policy
import email.utils
import html as _html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import icalendar
from icalendar import (Calendar, Event, Timezone, TimezoneDaylight,
                       TimezoneStandard, vCalAddress, vText)
from icalendar.parser import Parameters

SHAPES = ("outlook", "gmail", "apple", "thunderbird")
CLASSES = ("reply", "reply-stale", "reply-cancelled", "reply-unknown",
           "unverified", "answer", "minutes", "comment", "auto", "unknown",
           "malformed", "too-big", "duplicate")

UTC = _dt.timezone.utc
OSLO = ZoneInfo("Europe/Oslo")
CRLF = b"\r\n"
DEFAULT_TO = "ansvar@kommune.example"

_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
         "Sunday")


# ------------------------------------------------------------------ helpers

class _Raw:
    """A property value written exactly as given (e.g. Apple's RRULE part
    order, which icalendar's vRecur would reorder)."""

    def __init__(self, text, params=None):
        self.text = text
        self.params = Parameters()
        for k, v in (params or {}).items():
            self.params[k] = v

    def to_ical(self):
        return self.text.encode("utf-8")


def _addr(a):
    """'Name <x@y>' / 'mailto:x@y' / 'x@y' -> 'x@y'."""
    a = str(a).strip()
    if a.lower().startswith("mailto:"):
        a = a[7:]
    name, spec = email.utils.parseaddr(a)
    return spec or a


def _rng(rng):
    return rng if rng is not None else random.Random()


def _hex(rng, n, upper=False):
    s = "%0*x" % (n, rng.getrandbits(4 * n))
    return s.upper() if upper else s


def _uuid(rng, upper=False):
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return u.upper() if upper else u


def _utc(value, tzid=None):
    """A DTSTART-ish decoded value as an aware UTC datetime."""
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime.combine(value, _dt.time())
    if value.tzinfo is None:
        try:
            tz = ZoneInfo(tzid) if tzid else UTC
        except Exception:
            tz = UTC
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _aware(d):
    if d is None:
        return _dt.datetime.now(UTC).replace(microsecond=0)
    if d.tzinfo is None:
        return d.replace(tzinfo=UTC)
    return d.astimezone(UTC)


def _mail_date(d, tz=UTC):
    return email.utils.format_datetime(d.astimezone(tz))


def _ew(text, enc="B", charset="UTF-8"):
    """RFC 2047 encoded words (each <= 75 chars), joined by folding."""
    room = 75 - len("=?%s?%s??=" % (charset, enc))
    words, chunk, size = [], [], 0
    for ch in text:
        b = ch.encode("utf-8")
        if enc == "B":
            piece = b
            grow = (len(b"".join(chunk) + b) + 2) // 3 * 4 - size
        else:
            piece = "".join(
                chr(c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122
                           or chr(c) in "!*+-/")
                else "_" if c == 32 else "=%02X" % c for c in b).encode()
            grow = len(piece)
        if chunk and size + grow > room:
            words.append(b"".join(chunk))
            chunk, size = [], 0
            if enc == "B":
                grow = (len(b) + 2) // 3 * 4
        chunk.append(piece)
        size += grow
    if chunk or not words:
        words.append(b"".join(chunk))
    out = []
    for w in words:
        payload = base64.b64encode(w).decode("ascii") if enc == "B" else \
            w.decode("ascii")
        out.append("=?%s?%s?%s?=" % (charset, enc, payload))
    return "\r\n ".join(out)


def _htext(text, enc="B", charset="UTF-8"):
    """An unstructured header value: as is when ASCII, else encoded."""
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        return _ew(text, enc, charset)


def _haddr(name, addr, enc="B", quote_always=False):
    """A mailbox for a header: display name encoded when not ASCII."""
    if not name:
        return addr
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        return "%s <%s>" % (_ew(name, enc), addr)
    if quote_always or re.search(r'[()<>\[\]:;@\\,."]', name):
        return '"%s" <%s>' % (name.replace("\\", "\\\\").replace('"', '\\"'),
                              addr)
    return "%s <%s>" % (name, addr)


def _b64(data):
    return base64.encodebytes(data).replace(b"\n", CRLF)


def _qp(data, binary=False):
    """Quoted-printable.  binary=True encodes CR/LF as =0D=0A and spaces as
    =20, breaking softly after each encoded line end (Apple Mail's way for
    calendar attachments)."""
    def enc(b, last):
        if binary:
            ok = 33 <= b <= 126 and b != 61
        else:
            ok = (33 <= b <= 126 and b != 61) or (b in (32, 9) and not last)
        return chr(b) if ok else "=%02X" % b

    out = []
    if binary:
        tokens = [t for t in re.split(rb"(?<=\r\n)", data) if t]
        cur = ""
        for tok in tokens:
            s = "".join(enc(b, False) for b in tok)
            if len(cur) + len(s) <= 75:
                cur += s
                continue
            if cur:
                out.append(cur + "=")
                cur = ""
            while len(s) > 75:
                cut = 75
                if "=" in s[cut - 2:cut]:
                    cut = s.rindex("=", 0, cut)
                out.append(s[:cut] + "=")
                s = s[cut:]
            cur = s
        if cur:
            out.append(cur + "=")
        return ("\r\n".join(out) + "\r\n").encode("ascii")
    for line in data.split(CRLF):
        s = "".join(enc(b, i == len(line) - 1) for i, b in enumerate(line))
        while len(s) > 76:
            cut = 75
            if "=" in s[cut - 2:cut]:
                cut = s.rindex("=", 0, cut)
            out.append(s[:cut] + "=")
            s = s[cut:]
        out.append(s)
    return "\r\n".join(out).encode("ascii")


def _headers(pairs):
    """[(name, value)] -> bytes; value str (ASCII, may hold folds) or bytes."""
    out = []
    for name, value in pairs:
        if value is None:
            continue
        if isinstance(value, str):
            value = value.encode("utf-8")
        out.append(name.encode("ascii") + b":" +
                   (b" " + value if value else b""))
    return CRLF.join(out) + CRLF


def _when(d):
    """English 'Monday 1 February 2027'."""
    return "%s %d %s %d" % (_DAYS[d.weekday()], d.day, _MONTHS[d.month - 1],
                            d.year)


# ----------------------------------------------------------- the invitation

class _Request:
    """What a client takes from ansvar's METHOD:REQUEST."""

    def __init__(self, ics):
        if isinstance(ics, str):
            ics = ics.encode("utf-8")
        self.raw = ics
        cal = Calendar.from_ical(ics)
        self.cal = cal
        events = [c for c in cal.walk("VEVENT")]
        if not events:
            raise ValueError("request_ics has no VEVENT")
        ev = events[0]
        self.event = ev
        self.uid = str(ev.get("UID", ""))
        self.sequence = int(ev.get("SEQUENCE", 0))
        self.summary = str(ev.get("SUMMARY", ""))
        self.location = str(ev["LOCATION"]) if "LOCATION" in ev else None
        self.description = (str(ev["DESCRIPTION"]) if "DESCRIPTION" in ev
                            else None)
        self.status = str(ev.get("STATUS", "CONFIRMED"))
        start = ev.get("DTSTART")
        self.tzid = start.params.get("TZID") if start is not None else None
        self.start = _utc(ev.decoded("DTSTART"), self.tzid)
        if "DTEND" in ev:
            end_tzid = ev["DTEND"].params.get("TZID", self.tzid)
            self.end = _utc(ev.decoded("DTEND"), end_tzid)
        elif "DURATION" in ev:
            self.end = self.start + ev.decoded("DURATION")
        else:
            self.end = self.start + _dt.timedelta(hours=1)
        self.dtstamp = (_utc(ev.decoded("DTSTAMP")) if "DTSTAMP" in ev
                        else self.start - _dt.timedelta(days=14))
        org = ev.get("ORGANIZER")
        self.org_addr = _addr(org) if org is not None else DEFAULT_TO
        self.org_cn = str(org.params.get("CN")) if org is not None and \
            org.params.get("CN") else None
        atts = ev.get("ATTENDEE", [])
        if not isinstance(atts, list):
            atts = [atts]
        self.attendees = [(_addr(a), a.params) for a in atts]
        self.vtimezones = [c for c in cal.walk("VTIMEZONE")]

    def attendee_params(self, addr):
        for a, params in self.attendees:
            if a.lower() == addr.lower():
                return params
        return None

    def local(self, d, tz=None):
        tz = tz or self.zone()
        return d.astimezone(tz)

    def zone(self):
        try:
            return ZoneInfo(self.tzid) if self.tzid else OSLO
        except Exception:
            return OSLO


# ------------------------------------------------- per-client calendar data

def _vtz_windows():
    """Exchange's own VTIMEZONE for Norway (Windows zone names)."""
    tz = Timezone()
    tz.add("TZID", "W. Europe Standard Time")
    st = TimezoneStandard()
    st.add("DTSTART", _dt.datetime(1601, 1, 1, 3, 0, 0))
    st.add("TZOFFSETFROM", _dt.timedelta(hours=2))
    st.add("TZOFFSETTO", _dt.timedelta(hours=1))
    st.add("RRULE", {"FREQ": "YEARLY", "INTERVAL": 1, "BYDAY": "-1SU",
                     "BYMONTH": 10})
    dl = TimezoneDaylight()
    dl.add("DTSTART", _dt.datetime(1601, 1, 1, 2, 0, 0))
    dl.add("TZOFFSETFROM", _dt.timedelta(hours=1))
    dl.add("TZOFFSETTO", _dt.timedelta(hours=2))
    dl.add("RRULE", {"FREQ": "YEARLY", "INTERVAL": 1, "BYDAY": "-1SU",
                     "BYMONTH": 3})
    tz.add_component(st)
    tz.add_component(dl)
    return tz


def _vtz_mozilla_oslo():
    """Thunderbird's zones.json definition of Europe/Oslo."""
    tz = Timezone()
    tz.add("TZID", "Europe/Oslo")
    dl = TimezoneDaylight()
    dl.add("TZOFFSETFROM", _dt.timedelta(hours=1))
    dl.add("TZOFFSETTO", _dt.timedelta(hours=2))
    dl.add("TZNAME", "CEST")
    dl.add("DTSTART", _dt.datetime(1970, 3, 29, 2, 0, 0))
    dl.add("RRULE", {"FREQ": "YEARLY", "BYDAY": "-1SU", "BYMONTH": 3})
    st = TimezoneStandard()
    st.add("TZOFFSETFROM", _dt.timedelta(hours=2))
    st.add("TZOFFSETTO", _dt.timedelta(hours=1))
    st.add("TZNAME", "CET")
    st.add("DTSTART", _dt.datetime(1970, 10, 25, 3, 0, 0))
    st.add("RRULE", {"FREQ": "YEARLY", "BYDAY": "-1SU", "BYMONTH": 10})
    tz.add_component(dl)
    tz.add_component(st)
    return tz


def _vtz_apple_oslo():
    """macOS's definition of Europe/Oslo, in Apple's property order."""
    tz = Timezone()
    tz.add("TZID", "Europe/Oslo")
    dl = TimezoneDaylight()
    dl.add("TZOFFSETFROM", _dt.timedelta(hours=1))
    dl.add("RRULE", _Raw("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"), encode=0)
    dl.add("DTSTART", _dt.datetime(1981, 3, 29, 2, 0, 0))
    dl.add("TZNAME", "CEST")
    dl.add("TZOFFSETTO", _dt.timedelta(hours=2))
    st = TimezoneStandard()
    st.add("TZOFFSETFROM", _dt.timedelta(hours=2))
    st.add("RRULE", _Raw("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"), encode=0)
    st.add("DTSTART", _dt.datetime(1996, 10, 27, 3, 0, 0))
    st.add("TZNAME", "CET")
    st.add("TZOFFSETTO", _dt.timedelta(hours=1))
    tz.add_component(dl)
    tz.add_component(st)
    return tz


def _client_vtz(req, own):
    """The client's VTIMEZONE for the organizer's TZID: its own definition
    for Europe/Oslo, otherwise a copy of the one in the invitation."""
    if not req.tzid:
        return None
    if req.tzid == "Europe/Oslo":
        return own()
    for vtz in req.vtimezones:
        if str(vtz.get("TZID")) == req.tzid:
            return vtz
    return None


def _local_prop(comp, name, when_utc, req):
    """DTSTART/DTEND as the client writes it in the organizer's zone."""
    if req.tzid:
        comp.add(name, when_utc.astimezone(req.zone()).replace(tzinfo=None),
                 parameters={"TZID": req.tzid})
    else:
        comp.add(name, when_utc)


def _cal_address(addr, params, scheme="mailto"):
    a = vCalAddress("%s:%s" % (scheme, addr))
    for k, v in params:
        if v is not None:
            a.params[k] = v
    return a


_SUBJECTS = {
    "outlook": {"ACCEPTED": "Accepted: ", "TENTATIVE": "Tentative: ",
                "DECLINED": "Declined: "},
    "gmail": {"ACCEPTED": "Accepted: ", "TENTATIVE": "Tentatively accepted: ",
              "DECLINED": "Declined: "},
    "apple": {"ACCEPTED": "Event accepted: ",
              "TENTATIVE": "Event tentatively accepted: ",
              "DECLINED": "Event declined: "},
    "thunderbird": {"ACCEPTED": "Accepted: ", "TENTATIVE": "Tentative: ",
                    "DECLINED": "Invitation Declined: "},
}
_GENERIC_SUBJECT = {"outlook": "Meeting Response: ", "gmail": "Reply: ",
                    "apple": "Event reply: ",
                    "thunderbird": "Invitation Reply: "}
_VERB = {"ACCEPTED": "accepted", "TENTATIVE": "tentatively accepted",
         "DECLINED": "declined", "DELEGATED": "delegated"}


def _cal_outlook(r):
    req = r["req"]
    cal = Calendar()
    cal.add("METHOD", r["method"])
    cal.add("PRODID", "Microsoft Exchange Server 2010")
    cal.add("VERSION", "2.0")
    cal.add_component(_vtz_windows())
    ev = Event()
    params = []
    if r["partstat"]:
        params.append(("PARTSTAT", r["partstat"]))
    params.append(("CN", r["cn"]))
    ev.add("ATTENDEE", _cal_address(r["addr"], params, "MAILTO"))
    if r["comment"]:
        ev.add("COMMENT", r["comment"], parameters={"LANGUAGE": "en-US"})
    ev.add("SUMMARY", r["prefix"] + req.summary,
           parameters={"LANGUAGE": "en-US"})
    win = "W. Europe Standard Time"
    ev.add("DTSTART", r["start"].astimezone(OSLO).replace(tzinfo=None),
           parameters={"TZID": win})
    ev.add("DTEND", r["end"].astimezone(OSLO).replace(tzinfo=None),
           parameters={"TZID": win})
    ev.add("UID", r["uid"])
    ev.add("CLASS", "PUBLIC")
    ev.add("PRIORITY", 5)
    ev.add("DTSTAMP", r["stamp"])
    ev.add("TRANSP", "OPAQUE")
    ev.add("STATUS", "CONFIRMED")
    ev.add("SEQUENCE", r["sequence"])
    if req.location:
        ev.add("LOCATION", req.location, parameters={"LANGUAGE": "en-US"})
    ev.add("X-MICROSOFT-CDO-APPT-SEQUENCE", str(r["sequence"]))
    busy = {"TENTATIVE": "TENTATIVE", "DECLINED": "FREE"}.get(r["partstat"],
                                                              "BUSY")
    ev.add("X-MICROSOFT-CDO-BUSYSTATUS", busy)
    ev.add("X-MICROSOFT-CDO-INTENDEDSTATUS", "BUSY")
    ev.add("X-MICROSOFT-CDO-ALLDAYEVENT", "FALSE")
    ev.add("X-MICROSOFT-CDO-IMPORTANCE", "1")
    ev.add("X-MICROSOFT-CDO-INSTTYPE", "0")
    ev.add("X-MICROSOFT-DONOTFORWARDMEETING", "FALSE")
    ev.add("X-MICROSOFT-DISALLOW-COUNTER", "FALSE")
    cal.add_component(ev)
    return cal, ev


def _cal_gmail(r):
    req = r["req"]
    cal = Calendar()
    cal.add("PRODID", "-//Google Inc//Google Calendar 70.9054//EN")
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", r["method"])
    ev = Event()
    ev.add("DTSTART", r["start"])
    ev.add("DTEND", r["end"])
    ev.add("DTSTAMP", r["stamp"])
    ev.add("ORGANIZER", _cal_address(req.org_addr,
                                     [("CN", req.org_cn or req.org_addr)]))
    ev.add("UID", r["uid"])
    orig = r["orig"] or {}
    params = [("CUTYPE", "INDIVIDUAL"),
              ("ROLE", orig.get("ROLE", "REQ-PARTICIPANT"))]
    if r["partstat"]:
        params.append(("PARTSTAT", r["partstat"]))
    params += [("CN", r["cn"] or r["addr"]), ("X-NUM-GUESTS", "0")]
    if r["comment"]:
        note = re.sub(r'[\r\n"]+', " ", r["comment"]).strip()
        params.append(("X-RESPONSE-COMMENT", note))
    ev.add("ATTENDEE", _cal_address(r["addr"], params))
    ev.add("CREATED", req.dtstamp)
    ev.add("LAST-MODIFIED", r["stamp"] - _dt.timedelta(seconds=4))
    ev.add("LOCATION", req.location or "")
    ev.add("SEQUENCE", r["sequence"])
    ev.add("STATUS", "CONFIRMED")
    ev.add("SUMMARY", req.summary)
    cal.add_component(ev)
    return cal, ev


def _cal_apple(r):
    req = r["req"]
    cal = Calendar()
    cal.add("PRODID", "-//Apple Inc.//macOS 14.6.1//EN")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("VERSION", "2.0")
    cal.add("METHOD", r["method"])
    vtz = _client_vtz(req, _vtz_apple_oslo)
    if vtz is not None:
        cal.add_component(vtz)
    ev = Event()
    orig = r["orig"] or {}
    params = [("CN", r["cn"] or r["addr"]), ("CUTYPE", "INDIVIDUAL"),
              ("EMAIL", r["addr"])]
    if r["partstat"]:
        params.append(("PARTSTAT", r["partstat"]))
    params.append(("ROLE", orig.get("ROLE", "REQ-PARTICIPANT")))
    ev.add("ATTENDEE", _cal_address(r["addr"], params))
    if r["comment"]:
        ev.add("COMMENT", r["comment"])
    ev.add("CREATED", r["stamp"] - _dt.timedelta(minutes=3, seconds=7))
    _local_prop(ev, "DTEND", r["end"], req)
    ev.add("DTSTAMP", r["stamp"])
    _local_prop(ev, "DTSTART", r["start"], req)
    ev.add("LAST-MODIFIED", r["stamp"] - _dt.timedelta(seconds=2))
    if req.location:
        ev.add("LOCATION", req.location)
    ev.add("ORGANIZER", _cal_address(req.org_addr,
                                     [("CN", req.org_cn),
                                      ("EMAIL", req.org_addr)]))
    ev.add("SEQUENCE", r["sequence"])
    ev.add("SUMMARY", req.summary)
    ev.add("TRANSP", "OPAQUE")
    ev.add("UID", r["uid"])
    if req.location:
        ev.add("X-APPLE-TRAVEL-ADVISORY-BEHAVIOR", "AUTOMATIC")
    cal.add_component(ev)
    return cal, ev


def _cal_thunderbird(r):
    req = r["req"]
    cal = Calendar()
    cal.add("PRODID", "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN")
    cal.add("VERSION", "2.0")
    cal.add("METHOD", r["method"])
    vtz = _client_vtz(req, _vtz_mozilla_oslo)
    if vtz is not None:
        cal.add_component(vtz)
    ev = Event()
    ev.add("CREATED", r["stamp"] - _dt.timedelta(minutes=1, seconds=12))
    ev.add("LAST-MODIFIED", r["stamp"])
    ev.add("DTSTAMP", r["stamp"])
    ev.add("UID", r["uid"])
    ev.add("SUMMARY", req.summary)
    ev.add("ORGANIZER", _cal_address(req.org_addr, [("CN", req.org_cn)]))
    # the attendee's own parameters from the invitation, PARTSTAT set and
    # RSVP dropped (CalItipEmailTransport: "the below just removes RSVP")
    params = []
    orig = r["orig"]
    if orig:
        for k, v in orig.items():
            k = k.upper()
            if k == "RSVP":
                continue
            if k == "PARTSTAT":
                v = r["partstat"]
            params.append((k, v))
        if "PARTSTAT" not in [k for k, _ in params] and r["partstat"]:
            params.append(("PARTSTAT", r["partstat"]))
    else:
        params = [("CN", r["cn"]), ("PARTSTAT", r["partstat"]),
                  ("ROLE", "REQ-PARTICIPANT")]
    ev.add("ATTENDEE", _cal_address(r["addr"], params))
    _local_prop(ev, "DTSTART", r["start"], req)
    _local_prop(ev, "DTEND", r["end"], req)
    if req.description:
        ev.add("DESCRIPTION", req.description)
    if req.location:
        ev.add("LOCATION", req.location)
    if r["comment"]:
        ev.add("COMMENT", r["comment"])
    ev.add("SEQUENCE", r["sequence"])
    ev.add("STATUS", req.status)
    ev.add("TRANSP", "OPAQUE")
    cal.add_component(ev)
    return cal, ev


def _strip_value_param(cal):
    """python3-icalendar 4 writes DTSTAMP;VALUE=DATE-TIME:... and
    DTSTART;TZID=UTC:...Z, which none of the four clients does."""
    for comp in cal.walk():
        for value in comp.values():
            for v in value if isinstance(value, list) else [value]:
                params = getattr(v, "params", None)
                if params is None:
                    continue
                if str(params.get("VALUE", "")).upper() == "DATE-TIME":
                    del params["VALUE"]
                if str(params.get("TZID", "")).upper() == "UTC":
                    del params["TZID"]      # "...Z" says UTC already


_CAL = {"outlook": _cal_outlook, "gmail": _cal_gmail, "apple": _cal_apple,
        "thunderbird": _cal_thunderbird}


# ------------------------------------------------------ per-client mail

def _common_headers(r):
    """In-Reply-To/References when asked for."""
    if not r["in_reply_to"]:
        return []
    return [("In-Reply-To", r["in_reply_to"]),
            ("References", r["in_reply_to"])]


def _from(r, enc="B"):
    if r["from_header"] is not None:
        return r["from_header"]
    return _haddr(r["from_name"], r["from_addr"], enc)


def _mail_outlook(r, ics):
    rng = r["rng"]
    host = "%s%02dMB%04d" % (rng.choice(("AM0PR", "DB9PR", "VI1PR", "HE1PR",
                                         "AS8PR", "GV1PR")),
                             rng.randrange(1, 10), rng.randrange(10000))
    local = host + _hex(rng, 25, upper=True)
    domain = "%s.eurprd%02d.prod.outlook.com" % (host, rng.randrange(1, 10))
    boundary = "_000_%s%seurp_" % (local, host)
    to_name = r["req"].org_cn if _addr(r["to"]).lower() == \
        r["req"].org_addr.lower() else None
    note = r["comment"] or ""
    text = (note + "\r\n") if note else ""
    htm = ('<html>\r\n<head>\r\n<meta http-equiv="Content-Type" '
           'content="text/html; charset=utf-8">\r\n</head>\r\n'
           '<body>\r\n<div style="font-family: Aptos, Arial, Helvetica, '
           'sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">\r\n%s</div>'
           '\r\n</body>\r\n</html>\r\n' % _html.escape(note))
    thread_index = base64.b64encode(
        b"\x01\xd9" + rng.getrandbits(200).to_bytes(25, "big")).decode()
    hdr = [("From", _from(r)),
           ("To", _haddr(to_name, _addr(r["to"]), quote_always=True)),
           ("Subject", _htext(r["subject"])),
           ("Thread-Topic", _htext(r["req"].summary)),
           ("Thread-Index", thread_index),
           ("Date", _mail_date(r["date"])),
           ("Message-ID", "<%s@%s>" % (local, domain))]
    hdr += _common_headers(r)
    hdr += [("Accept-Language", "nb-NO, en-US"),
            ("Content-Language", "en-US"),
            ("X-MS-Has-Attach", ""),
            ("X-MS-TNEF-Correlator", ""),
            ("msip_labels", ""),
            ("Content-Type", 'multipart/alternative;\r\n\tboundary="%s"'
             % boundary),
            ("MIME-Version", "1.0")]
    b = boundary.encode()
    parts = [
        (b'text/plain; charset="utf-8"', text.encode("utf-8")),
        (b'text/html; charset="utf-8"', htm.encode("utf-8")),
        (b'text/calendar; charset="utf-8"; method=' + r["method"].encode(),
         ics)]
    body = b""
    for ctype, data in parts:
        body += (b"--" + b + CRLF + b"Content-Type: " + ctype + CRLF +
                 b"Content-Transfer-Encoding: base64" + CRLF + CRLF +
                 _b64(data) + CRLF)
    body += b"--" + b + b"--" + CRLF
    return _headers(hdr) + CRLF + body


def _mail_gmail(r, ics):
    rng = r["rng"]
    req = r["req"]
    b_mixed = ("000000000000" + _hex(rng, 18)).encode()
    b_alt = ("000000000000" + _hex(rng, 18)).encode()
    zone = OSLO
    s, e = r["start"].astimezone(zone), r["end"].astimezone(zone)
    verb = _VERB.get(r["partstat"], "replied to")
    who = r["cn"] or r["addr"]
    lines = ["%s has %s this invitation." % (who, verb), ""]
    if r["comment"]:
        lines += ['Note: "%s"' % r["comment"], ""]
    lines += [req.summary,
              "%s \u22c5 %s \u2013 %s" % (_when(s), s.strftime("%H:%M"),
                                          e.strftime("%H:%M")),
              "Central European Time - Oslo", ""]
    if req.location:
        lines += ["Location", req.location, ""]
    lines += ["Invitation from Google Calendar", ""]
    text = "\r\n".join(lines)
    htm = ('<html><head></head><body><div><span>%s</span></div>'
           '<div itemscope itemtype="http://schema.org/Event">'
           '<meta itemprop="name" content="%s"/></div>'
           '<p>Invitation from Google Calendar</p></body></html>'
           % (_html.escape(lines[0]), _html.escape(req.summary, quote=True)))
    try:
        ics.decode("ascii")
        cal_cte, cal_body = b"7bit", ics
    except UnicodeDecodeError:
        cal_cte, cal_body = b"quoted-printable", _qp(ics)
        if not cal_body.endswith(CRLF):
            cal_body += CRLF
    hdr = [("MIME-Version", "1.0"),
           ("Date", _mail_date(r["date"])),
           ("Sender", "Google Calendar <calendar-notification@google.com>"),
           ("Message-ID", "<calendar-%s@google.com>" % _uuid(rng)),
           ("Subject", _htext(r["subject"], "Q")),
           ("From", _from(r, "Q")),
           ("To", _addr(r["to"]))]
    hdr += _common_headers(r)
    hdr += [("Content-Type", 'multipart/mixed; boundary="%s"'
             % b_mixed.decode())]
    body = (b"--" + b_mixed + CRLF +
            b'Content-Type: multipart/alternative; boundary="' + b_alt +
            b'"' + CRLF + CRLF +
            b"--" + b_alt + CRLF +
            b'Content-Type: text/plain; charset="UTF-8"; format=flowed; '
            b'delsp=yes' + CRLF +
            b"Content-Transfer-Encoding: base64" + CRLF + CRLF +
            _b64(text.encode("utf-8")) +
            b"--" + b_alt + CRLF +
            b'Content-Type: text/html; charset="UTF-8"' + CRLF +
            b"Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF +
            _qp(htm.encode("utf-8")) + CRLF +
            b"--" + b_alt + CRLF +
            b'Content-Type: text/calendar; charset="UTF-8"; method=' +
            r["method"].encode() + CRLF +
            b"Content-Transfer-Encoding: " + cal_cte + CRLF + CRLF +
            cal_body + CRLF +
            b"--" + b_alt + b"--" + CRLF +
            b"--" + b_mixed + CRLF +
            b'Content-Type: application/ics; name="invite.ics"' + CRLF +
            b'Content-Disposition: attachment; filename="invite.ics"' + CRLF +
            b"Content-Transfer-Encoding: base64" + CRLF + CRLF +
            _b64(ics) + b"--" + b_mixed + b"--" + CRLF)
    return _headers(hdr) + CRLF + body


def _mail_apple(r, ics):
    rng = r["rng"]
    req = r["req"]
    b1 = ("Apple-Mail=_" + _uuid(rng, upper=True)).encode()
    b2 = ("Apple-Mail=_" + _uuid(rng, upper=True)).encode()
    zone = req.zone()
    s = r["start"].astimezone(zone)
    local_date = r["date"].astimezone(OSLO)
    fname = "iCal-%s.ics" % local_date.strftime("%Y%m%d-%H%M%S")
    who = r["cn"] or r["addr"]
    verb = _VERB.get(r["partstat"], "replied to")
    text = ("%s has %s your event invitation to the event: %s, scheduled "
            "for %s %d, %d at %s (%s).\r\n"
            % (who, verb, req.summary, _MONTHS[s.month - 1], s.day, s.year,
               s.strftime("%H:%M"), req.tzid or "UTC"))
    if r["comment"]:
        text += "\r\n" + r["comment"] + "\r\n"
    try:
        text.encode("ascii")
        t_cte, t_cs, t_body = b"7bit", b"us-ascii", text.encode("ascii")
    except UnicodeEncodeError:
        t_cte, t_cs = b"quoted-printable", b"utf-8"
        t_body = _qp(text.encode("utf-8"))
    html1 = ('<html><head><meta http-equiv="content-type" content="text/html; '
             'charset=us-ascii"></head><body style="overflow-wrap: break-word;'
             ' -webkit-nbsp-mode: space; line-break: after-white-space;">'
             '<div>%s</div></body></html>'
             % _html.escape(text.strip()).encode("ascii",
                                                 "xmlcharrefreplace")
             .decode())
    html2 = ('<html><head><meta http-equiv="content-type" content="text/html; '
             'charset=us-ascii"></head><body style="overflow-wrap: break-word;'
             ' -webkit-nbsp-mode: space; line-break: after-white-space;">'
             '</body></html>')
    cal_ct = (b"Content-Type: text/calendar;" + CRLF +
              b"\tx-unix-mode=0644;" + CRLF +
              b'\tname="' + fname.encode() + b'"')
    try:
        ics.decode("ascii")
    except UnicodeDecodeError:
        cal_ct += b";" + CRLF + b"\tcharset=utf-8"
    hdr = [("From", _from(r)),
           ("Content-Type", 'multipart/alternative;\r\n\tboundary="%s"'
            % b1.decode()),
           ("Mime-Version", "1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))"),
           ("Subject", _htext(r["subject"], "Q", "utf-8")),
           ("Date", _mail_date(r["date"], OSLO)),
           ("Message-Id", "<%s@%s>" % (_uuid(rng, upper=True),
                                       r["from_addr"].split("@")[-1]))]
    hdr += _common_headers(r)
    hdr += [("To", _haddr(r["req"].org_cn if _addr(r["to"]).lower() ==
                          req.org_addr.lower() else None, _addr(r["to"]))),
            ("X-Mail-Calendar-Part", "Yes"),
            ("X-Mailer", "Apple Mail (2.3774.600.62)")]
    body = (CRLF +
            b"--" + b1 + CRLF +
            b"Content-Transfer-Encoding: " + t_cte + CRLF +
            b"Content-Type: text/plain;" + CRLF + b"\tcharset=" + t_cs +
            CRLF + CRLF + t_body + CRLF +
            b"--" + b1 + CRLF +
            b"Content-Type: multipart/mixed;" + CRLF +
            b'\tboundary="' + b2 + b'"' + CRLF + CRLF + CRLF +
            b"--" + b2 + CRLF +
            b"Content-Transfer-Encoding: 7bit" + CRLF +
            b"Content-Type: text/html;" + CRLF + b"\tcharset=us-ascii" +
            CRLF + CRLF + html1.encode("ascii") + CRLF +
            b"--" + b2 + CRLF +
            b"Content-Disposition: attachment;" + CRLF +
            b"\tfilename=" + fname.encode() + CRLF +
            cal_ct + CRLF +
            b"Content-Transfer-Encoding: quoted-printable" + CRLF + CRLF +
            _qp(ics, binary=True) + CRLF +
            b"--" + b2 + CRLF +
            b"Content-Transfer-Encoding: 7bit" + CRLF +
            b"Content-Type: text/html;" + CRLF + b"\tcharset=us-ascii" +
            CRLF + CRLF + html2.encode("ascii") + CRLF +
            b"--" + b2 + b"--" + CRLF + CRLF +
            b"--" + b1 + b"--" + CRLF)
    return _headers(hdr) + body


def _mail_thunderbird(r, ics):
    rng = r["rng"]
    req = r["req"]
    domain = r["from_addr"].split("@")[-1]
    who = r["cn"] or r["addr"]
    if r["partstat"] == "DECLINED":
        text = "%s has declined your event invitation." % who
    else:
        text = "%s has accepted your event invitation." % who
    to_name = req.org_cn if _addr(r["to"]).lower() == \
        req.org_addr.lower() else None
    hdr = [("MIME-version", "1.0"),
           ("From", _from(r)),
           ("Message-ID", "<%s@%s>" % (_uuid(rng), domain)),
           ("To", _haddr(to_name, _addr(r["to"]))),
           ("Date", _mail_date(r["date"], OSLO)),
           ("Subject", _htext(r["subject"]))]
    hdr += _common_headers(r)
    hdr += [("Content-type", 'multipart/mixed; '
             'boundary="Boundary_(ID_qyG4ZdjoAsiZ+Jo19dCbWQ)"')]
    m = b"Boundary_(ID_qyG4ZdjoAsiZ+Jo19dCbWQ)"
    a = b"Boundary_(ID_ryU4ZdJoASiZ+Jo21dCbwA)"
    body = (CRLF + CRLF +
            b"--" + m + CRLF +
            b"Content-type: multipart/alternative;" + CRLF +
            b' boundary="' + a + b'"' + CRLF + CRLF + CRLF +
            b"--" + a + CRLF +
            b"Content-type: text/plain; charset=UTF-8" + CRLF +
            b"Content-transfer-encoding: 8BIT" + CRLF + CRLF +
            text.encode("utf-8") + CRLF + CRLF + CRLF +
            b"--" + a + CRLF +
            b"Content-type: text/calendar; method=" + r["method"].encode() +
            b"; charset=UTF-8" + CRLF +
            b"Content-transfer-encoding: 8BIT" + CRLF + CRLF +
            ics + CRLF + CRLF +
            b"--" + a + b"--" + CRLF + CRLF +
            b"--" + m + CRLF +
            b"Content-type: application/ics; name=invite.ics" + CRLF +
            b"Content-transfer-encoding: 8BIT" + CRLF +
            b"Content-disposition: attachment; filename=invite.ics" + CRLF +
            CRLF + ics + CRLF + CRLF +
            b"--" + m + b"--" + CRLF)
    return _headers(hdr) + body


_last_stamp = _dt.datetime(1970, 1, 1, tzinfo=UTC)

_MAIL = {"outlook": _mail_outlook, "gmail": _mail_gmail, "apple": _mail_apple,
         "thunderbird": _mail_thunderbird}


def _build(shape, request_ics, attendee, partstat, *, sender=None,
           sequence=None, dtstamp=None, comment=None, to=DEFAULT_TO,
           in_reply_to=None, subject=None, name=None, rng=None,
           method="REPLY", mutate=None, cal_hook=None, date=None,
           from_header=None):
    """reply() with hooks for the corpus: mutate(cal, vevent) edits the
    calendar before it is written, cal_hook(bytes) -> bytes edits its text,
    method replaces REPLY (in METHOD and in the MIME method= parameter),
    from_header is written as the From header verbatim."""
    if shape not in SHAPES:
        raise ValueError("shape must be one of %s" % (SHAPES,))
    rng = _rng(rng)
    req = request_ics if isinstance(request_ics, _Request) else \
        _Request(request_ics)
    addr = _addr(attendee)
    orig = req.attendee_params(addr)
    cn = str(orig.get("CN")) if orig is not None and orig.get("CN") else name
    partstat = partstat.upper() if partstat else partstat
    if dtstamp is None:
        # now, but never before the invitation was made (a test clock may
        # run ahead of the real one), and later than the previous default
        global _last_stamp
        stamp = max(_aware(None), req.dtstamp + _dt.timedelta(minutes=1),
                    _last_stamp + _dt.timedelta(seconds=1))
        _last_stamp = stamp
    else:
        stamp = _aware(dtstamp)
    from_name, from_addr = email.utils.parseaddr(sender) if sender else \
        ("", addr)
    from_addr = from_addr or _addr(sender or addr)
    if name:
        from_name = name
    elif not from_name and from_addr.lower() == addr.lower():
        from_name = cn
    if subject is None:
        prefix = _SUBJECTS[shape].get(partstat, _GENERIC_SUBJECT[shape])
        if method == "COUNTER":
            prefix = {"outlook": "New Time Proposed: "}.get(
                shape, "Counter proposal: ")
        elif method != "REPLY":
            prefix = _GENERIC_SUBJECT[shape]
        subject = prefix + req.summary
        if shape == "gmail":
            s, e = req.start.astimezone(OSLO), req.end.astimezone(OSLO)
            subject += " @ %s %d %s %d %s - %s (%s) (%s)" % (
                _DAYS[s.weekday()][:3], s.day, _MONTHS[s.month - 1][:3],
                s.year, s.strftime("%H:%M"), e.strftime("%H:%M"),
                s.tzname(), _addr(to))
    else:
        prefix = _SUBJECTS[shape].get(partstat, _GENERIC_SUBJECT[shape])
    r = {"req": req, "addr": addr, "orig": orig, "cn": cn,
         "partstat": partstat, "comment": comment, "stamp": stamp,
         "sequence": req.sequence if sequence is None else int(sequence),
         "uid": req.uid, "start": req.start, "end": req.end,
         "method": method, "prefix": prefix, "subject": subject,
         "from_name": from_name, "from_addr": from_addr, "to": to,
         "from_header": from_header,
         "in_reply_to": in_reply_to, "rng": rng,
         "date": _aware(date) if date is not None else
         stamp + _dt.timedelta(seconds=rng.randrange(1, 9))}
    cal, ev = _CAL[shape](r)
    _strip_value_param(cal)
    if mutate is not None:
        mutate(cal, ev)
    ics = cal.to_ical(sorted=False)
    if cal_hook is not None:
        ics = cal_hook(ics)
    return _MAIL[shape](r, ics)


# ----------------------------------------------------------------- public

def reply(shape, request_ics, attendee, partstat, *, sender=None,
          sequence=None, dtstamp=None, comment=None, to=DEFAULT_TO,
          in_reply_to=None, subject=None, name=None):
    """The iTIP REPLY `shape`'s client sends when `attendee` answers
    `request_ics` (ansvar's METHOD:REQUEST, str or bytes) with `partstat`
    (ACCEPTED, TENTATIVE, DECLINED).  From is `sender` (default the
    attendee; display name `name`, else the attendee's CN when From is the
    attendee).  SEQUENCE is the invitation's unless `sequence`; DTSTAMP is
    `dtstamp` (default now, UTC -- but never before the invitation's own
    DTSTAMP, so that replies to a test-clock invitation are not older than
    it, and a second later than the previous default one, so that of two
    replies made one after the other the second is the newer);
    `comment` is the attendee's note, written
    where the client writes it.  In-Reply-To/References = `in_reply_to`
    ("<id>") when given.  A new Message-ID every call.  Returns bytes."""
    return _build(shape, request_ics, attendee, partstat, sender=sender,
                  sequence=sequence, dtstamp=dtstamp, comment=comment, to=to,
                  in_reply_to=in_reply_to, subject=subject, name=name)


def answer(body, *, sender, in_reply_to, references=None,
           subject="Re: Ansvarsgruppemøte", attachments=(), to=DEFAULT_TO,
           charset="utf-8", html=False, date=None, message_id=None):
    """An ordinary (non-calendar) mail from `sender` ("x@y" or
    "Name <x@y>") answering `in_reply_to` ("<id>", or None for none).
    References defaults to in_reply_to.  `attachments`: (filename,
    mime_type, bytes); message/rfc822 ones are attached as messages.
    `html`: also a text/html alternative (or the HTML source itself when a
    str).  Returns bytes with CRLF line ends."""
    policy = email.policy.SMTP
    msg = EmailMessage(policy=policy)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(_aware(date))
    domain = _addr(sender).split("@")[-1] or "example.org"
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain=domain)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = references or in_reply_to
    elif references:
        msg["References"] = references
    msg["MIME-Version"] = "1.0"
    msg.set_content(body, subtype="plain", charset=charset,
                    cte="quoted-printable")
    if html:
        src = html if isinstance(html, str) else (
            "<html><body>%s</body></html>" %
            "<br>\n".join(_html.escape(l) for l in body.splitlines()))
        msg.add_alternative(src, subtype="html", charset=charset,
                            cte="quoted-printable")
    for fname, mtype, data in attachments:
        maintype, _, subtype = mtype.partition("/")
        if mtype.lower() == "message/rfc822":
            inner = email.message_from_bytes(data, policy=policy)
            msg.add_attachment(inner, filename=fname)
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype,
                               filename=fname)
    return msg.as_bytes(policy=policy)


# ---------------------------------------------------------- the corpus

def _plain(rng, *, sender, to, subject, body, in_reply_to=None, extra=(),
           date, charset="utf-8", cte="8bit", ctype="text/plain",
           msgid=None):
    """A simple one-part mail assembled by hand (for items whose bytes must
    be exactly as written).  body: str or bytes."""
    if isinstance(body, str):
        body = body.encode(charset if charset != "x-unknown" else "latin-1")
    domain = _addr(sender).split("@")[-1] if sender else "example.net"
    hdr = []
    if sender is not None:
        hdr.append(("From", sender))
    hdr += [("To", to), ("Subject", subject), ("Date", _mail_date(date)),
            ("Message-ID", msgid or "<%s@%s>" % (_uuid(rng), domain))]
    if in_reply_to:
        hdr += [("In-Reply-To", in_reply_to), ("References", in_reply_to)]
    hdr += list(extra)
    hdr += [("MIME-Version", "1.0"),
            ("Content-Type", '%s; charset="%s"' % (ctype, charset)),
            ("Content-Transfer-Encoding", cte)]
    return _headers(hdr) + CRLF + body


def hostile_corpus(ctx, seed=20270105):
    """[(name, mail bytes, expected class)] -- at least 34 items.

    ctx: request_ics (the REQUEST of a scheduled meeting), member (an
    invited member's address), other_member, stranger, ansvar_msgid (a
    Message-ID "<...>" of a mail ansvar sent to member), cancelled_ics (the
    REQUEST of a since-cancelled meeting that member was invited to), from
    (ansvar's own address).

    Order matters: the valid REPLYs from member carry DTSTAMPs that grow in
    list order, "reply-stale-dtstamp" must come after at least one of them,
    and "duplicate-bytes" repeats the bytes of "reply-gmail-accepted".
    Import/deliver the items in list order.  "empty-0-bytes" is malformed
    when it comes through IMAP; `reply import` refuses an empty FILE with
    exit 65 instead.  Items with NUL bytes may be refused by IMAP APPEND
    (RFC 3501 literals carry no NUL): deliver them with LDA or import."""
    rng = random.Random(seed)
    req = _Request(ctx["request_ics"])
    creq = _Request(ctx["cancelled_ics"])
    member = _addr(ctx["member"])
    other = _addr(ctx["other_member"])
    stranger = _addr(ctx["stranger"])
    ansvar = _addr(ctx["from"])
    msgid = ctx["ansvar_msgid"]
    ansvar_domain = ansvar.split("@")[-1]
    base = req.dtstamp + _dt.timedelta(hours=1)
    tick = [0]

    def stamp():
        tick[0] += 1
        return base + _dt.timedelta(minutes=tick[0])

    def rep(shape, partstat="ACCEPTED", who=member, request=req, **kw):
        kw.setdefault("to", ansvar)
        kw.setdefault("dtstamp", stamp())
        return _build(shape, request, who, partstat, rng=rng, **kw)

    def plain(sender, subject, body, **kw):
        kw.setdefault("to", ansvar)
        kw.setdefault("date", stamp())
        return _plain(rng, sender=sender, subject=subject, body=body, **kw)

    def with_headers(raw, lines):
        """Put raw header lines (bytes) in front of a mail."""
        return b"".join(lines) + raw

    items = []

    def add(name, raw, cls):
        items.append((name, raw, cls))

    # -- valid replies first, so that later items have something recorded
    gmail_ok = rep("gmail", "ACCEPTED")
    add("reply-gmail-accepted", gmail_ok, "reply")
    add("reply-outlook-tentative-comment",
        rep("outlook", "TENTATIVE", comment="Kommer litt senere, ca. 10:15."),
        "reply")
    add("reply-apple-declined-no-method-param", rep("apple", "DECLINED"),
        "reply")
    add("reply-thunderbird-accepted", rep("thunderbird", "ACCEPTED"),
        "reply")
    # older DTSTAMP than the answers above, same SEQUENCE
    add("reply-stale-dtstamp",
        rep("thunderbird", "DECLINED",
            dtstamp=base - _dt.timedelta(days=1)), "reply-stale")

    # -- R4: who may answer for whom
    add("plain-no-calendar-no-in-reply-to",
        plain(member, "Spørsmål om møtet",
              "Hei!\r\n\r\nBlir det kaffe på møtet?\r\n\r\nHilsen Kari\r\n"),
        "unknown")

    def other_uid(cal, ev):
        ev["UID"] = vText("moete-%s@%s" % (_hex(rng, 6), ansvar_domain))
    add("reply-wrong-uid", rep("gmail", mutate=other_uid), "reply-unknown")

    def upper_uid(cal, ev):
        u = str(ev["UID"])
        ev["UID"] = vText(u.upper() if u.upper() != u else u.lower())
    # UIDs are case-sensitive text (RFC 5545 3.8.4.7)
    add("reply-uid-case-changed", rep("outlook", mutate=upper_uid),
        "reply-unknown")
    add("reply-spoofed-from-stranger",
        rep("gmail", sender=stranger, name="Kari Testesen"), "unverified")
    add("reply-from-other-member-for-member",
        rep("thunderbird", sender=other), "unverified")
    # the display name looks like the member; the address is the stranger's
    add("reply-display-name-spoof",
        rep("outlook", sender=stranger,
            from_header='"%s" <%s>' % (member, stranger)), "unverified")
    # the encoded display name decodes to "Kari Testesen <member>"
    add("reply-encoded-word-from-spoof",
        rep("apple", sender=stranger, from_header="%s <%s>" % (
            _ew("%s <%s>" % ("Kari Testesen", member)), stranger)),
        "unverified")
    raw = rep("outlook", sender=stranger)
    add("reply-sender-replyto-spoof",
        with_headers(raw, [b"Return-Path: <" + member.encode() + b">\r\n",
                           b"Sender: " + member.encode() + b"\r\n",
                           b"Reply-To: " + member.encode() + b"\r\n"]),
        "unverified")

    def second_attendee(cal, ev):
        ev.add("ATTENDEE", _cal_address(other, [("PARTSTAT", "DECLINED")]))
    # RFC 5546: a REPLY names exactly one ATTENDEE.  libical reads it, so not
    # malformed; it names someone who is not the sender -> never acted on
    add("reply-two-attendees", rep("gmail", mutate=second_attendee),
        "unverified")

    def no_attendee(cal, ev):
        del ev["ATTENDEE"]
    # readable calendar naming nobody: From is not "the ATTENDEE it names"
    add("reply-no-attendee", rep("thunderbird", mutate=no_attendee),
        "unverified")
    add("reply-cancelled-meeting", rep("thunderbird", request=creq),
        "reply-cancelled")

    # -- broken MIME
    b = b"=_unterminated_" + _hex(rng, 8).encode()
    ok_ics = _build("thunderbird", req, member, "ACCEPTED", rng=rng,
                    dtstamp=stamp(), to=ansvar)
    ics_start = ok_ics.index(b"BEGIN:VCALENDAR")
    ics = ok_ics[ics_start:ok_ics.index(b"END:VCALENDAR", ics_start) + 15]
    raw = (_headers([("From", member), ("To", ansvar),
                     ("Subject", "Accepted: " + _htext(req.summary)),
                     ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@example.org>" % _uuid(rng)),
                     ("MIME-Version", "1.0"),
                     ("Content-Type",
                      'multipart/mixed; boundary="%s"' % b.decode())]) +
           CRLF + b"--" + b + CRLF +
           b"Content-Type: text/plain; charset=utf-8" + CRLF + CRLF +
           b"Svar p\xc3\xa5 invitasjonen." + CRLF +
           b"--" + b + CRLF +
           b"Content-Type: text/calendar; method=REPLY; charset=UTF-8" +
           CRLF + CRLF + ics + CRLF)
    # no close delimiter: GMime and Python take EOF as the end of the last
    # part, and the calendar in it is whole -> a normal reply
    add("mime-unterminated-boundary", raw, "reply")

    raw = (_headers([("From", member), ("To", ansvar),
                     ("Subject", "Re: Invitasjon"),
                     ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@example.org>" % _uuid(rng)),
                     ("In-Reply-To", msgid), ("References", msgid),
                     ("MIME-Version", "1.0"),
                     ("Content-Type", "multipart/mixed")]) + CRLF +
           b"--xyz" + CRLF + b"Content-Type: text/plain" + CRLF + CRLF +
           b"Jeg kommer." + CRLF + b"--xyz--" + CRLF)
    # headers are intact and answer an ansvar mail from its recipient; the
    # body is unparseable as multipart but forwarded intact anyway
    add("mime-missing-boundary-param", raw, "answer")

    raw = (b"From: " + member.encode() + CRLF +
           b"To: " + ansvar.encode() + CRLF +
           b"Subject: =?utf-8?B?!!!not-base64!!!?= =?x-bogus?Q?=ZZ?=" + CRLF +
           b"Date: 99 Foo 20271 25:61:61 +9999" + CRLF +
           b"Message-ID: not-a-message-id" + CRLF +
           b"In-Reply-To: <<<>>> <@> <" + CRLF +
           b"X-Garbage\x01\x7f: \xff\xfe\xfd" + CRLF +
           b": a header with no name" + CRLF +
           b"MIME-Version: 99.7 (what)" + CRLF +
           b"Content-Type: ;;;boundary==;charset=\"\"\"" + CRLF +
           b"Content-Transfer-Encoding: x-uuencode-garbage" + CRLF +
           b"Content-Disposition: attachment; filename*=''%ZZ%" + CRLF +
           b"\t\t continuation of nothing" + CRLF + CRLF +
           b"Hei, dette er en helt vanlig tekst." + CRLF)
    # From is fine; the In-Reply-To names no Message-ID at all
    add("garbage-headers", raw, "unknown")

    raw = (_headers([("From", member), ("To", ansvar),
                     ("Subject", "Re: Invitasjon"),
                     ("In-Reply-To", msgid), ("References", msgid),
                     ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@example.org>" % _uuid(rng))]) +
           b"This line has no colon at all" + CRLF +
           b"MIME-Version: 1.0" + CRLF +
           b"Content-Type: text/plain; charset=utf-8" + CRLF + CRLF +
           b"Jeg kommer, men blir litt sen." + CRLF)
    # the identifying headers come before the broken line, so every parser
    # has them (Python ends the header block at the broken line)
    add("header-without-colon", raw, "answer")

    raw = plain(member, "Hei\x00der".replace("\x00", "\\0"),
                b"Tekst\x00med\x00NUL\x00" + bytes(range(0, 32)) +
                b"\x00\x00\x00slutt" + CRLF,
                charset="utf-8", cte="8bit")
    raw = raw.replace(b"Hei\\0der", b"Hei\x00der")
    add("binary-nuls", raw, "unknown")

    add("line-100k-body",
        plain(stranger, "Lang linje",
              ("x" * 100000 + "\r\nslutt\r\n").encode()), "unknown")
    add("header-100k",
        plain(member, "S" * 100000, "Kort tekst.\r\n"), "unknown")

    # 21+ MiB: never fetched with max_message_mb = 10
    # a block of whole base64 lines (57 bytes each), encoded once
    big = _b64(rng.randbytes(57 * 1150)) * 256
    bb = b"=_big_" + _hex(rng, 8).encode()
    raw = (_headers([("From", member), ("To", ansvar),
                     ("Subject", "Re: Referat"),
                     ("In-Reply-To", msgid), ("References", msgid),
                     ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@example.org>" % _uuid(rng)),
                     ("MIME-Version", "1.0"),
                     ("Content-Type",
                      'multipart/mixed; boundary="%s"' % bb.decode())]) +
           CRLF + b"--" + bb + CRLF +
           b"Content-Type: text/plain; charset=utf-8" + CRLF + CRLF +
           b"Skannet referat vedlagt." + CRLF +
           b"--" + bb + CRLF +
           b'Content-Type: application/pdf; name="skannet-referat.pdf"' +
           CRLF + b"Content-Transfer-Encoding: base64" + CRLF +
           b'Content-Disposition: attachment; filename="skannet-referat.pdf"'
           + CRLF + CRLF + big + b"--" + bb + b"--" + CRLF)
    add("too-big-21mb", raw, "too-big")

    raw = (b"From: =?utf-8?q?Kari_Testesen?= \xc3\xc3\xff\xfe <" +
           member.encode() + b">" + CRLF +
           b"To: " + ansvar.encode() + CRLF +
           b"Subject: Svar p\xe5 m\xf8te \xff\xfe \xc3\x28" + CRLF +
           b"Date: " + _mail_date(stamp()).encode() + CRLF +
           b"Message-ID: <" + _uuid(rng).encode() + b"@example.org>" + CRLF +
           b"In-Reply-To: " + msgid.encode() + CRLF +
           b"References: " + msgid.encode() + CRLF +
           b"MIME-Version: 1.0" + CRLF +
           b"Content-Type: text/plain; charset=utf-8" + CRLF +
           b"Content-Transfer-Encoding: 8bit" + CRLF + CRLF +
           b"Jeg kommer \xe5 \xf8 \xc3 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf"
           + CRLF)
    # the address is ASCII and valid (the bad bytes are in the display name,
    # Subject and body): an answer, forwarded byte for byte
    add("invalid-utf8-headers-and-body", raw, "answer")
    # b"\xc3(" is the textbook bad UTF-8, but "(" opens an RFC 5322 comment
    # that never closes and swallows the address: no usable From
    add("from-unterminated-comment",
        plain("Kari (Testesen <%s>" % member, "Re: Invitasjon",
              "Jeg kommer.\r\n", in_reply_to=msgid), "malformed")

    def bad_utf8(ics):
        return ics.replace(b"END:VEVENT",
                           b"COMMENT:Kommer \xc3\x28 kanskje \xff\xfe\xe5\r\n"
                           b"X-ODD;X-P=\xf8\xe6:\x80\x81\xc0\xaf\r\n"
                           b"END:VEVENT", 1)
    # libical does not validate UTF-8; the bytes sit in COMMENT/X-ODD only,
    # UID/ATTENDEE/PARTSTAT are intact -> the answer is recorded
    add("invalid-utf8-in-calendar", rep("thunderbird", cal_hook=bad_utf8),
        "reply")

    depth = 60
    bnds = [("=_nest%02d_%s" % (i, _hex(rng, 6))).encode()
            for i in range(depth)]
    inner = (b"Content-Type: text/plain; charset=utf-8" + CRLF + CRLF +
             b"Svar nederst i 60 lag." + CRLF)
    for bd in reversed(bnds[1:]):
        inner = (b'Content-Type: multipart/mixed; boundary="' + bd + b'"' +
                 CRLF + CRLF + b"--" + bd + CRLF + inner + b"--" + bd +
                 b"--" + CRLF)
    raw = (_headers([("From", member), ("To", ansvar),
                     ("Subject", "Re: Invitasjon"),
                     ("In-Reply-To", msgid), ("References", msgid),
                     ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@example.org>" % _uuid(rng)),
                     ("MIME-Version", "1.0"),
                     ("Content-Type", 'multipart/mixed; boundary="%s"'
                      % bnds[0].decode())]) +
           CRLF + b"--" + bnds[0] + CRLF + inner + b"--" + bnds[0] + b"--" +
           CRLF)
    # whatever depth the daemon walks, the headers make it an answer
    add("nested-multipart-60", raw, "answer")

    def cal_part_mail(sender, ct, cte, payload, subject="Accepted"):
        return (_headers([("From", sender), ("To", ansvar),
                          ("Subject", subject),
                          ("Date", _mail_date(stamp())),
                          ("Message-ID", "<%s@example.org>" % _uuid(rng)),
                          ("MIME-Version", "1.0"),
                          ("Content-Type", ct),
                          ("Content-Transfer-Encoding", cte)]) +
                CRLF + payload)

    add("calendar-not-icalendar",
        cal_part_mail(member, "text/calendar; method=REPLY; charset=UTF-8",
                      "8bit", b"Dette er ikke en kalender.\r\n<<<>>>\r\n"),
        "malformed")

    def truncate(ics):
        return ics[:ics.index(b"DTSTART;")]
    # no END:VEVENT/END:VCALENDAR: libical may hand back a partial component
    # with X-LIC-ERROR; a REPLY whose text stops mid-event is unreadable
    add("calendar-truncated", rep("thunderbird", cal_hook=truncate),
        "malformed")

    def drop_vevent(cal, ev):
        cal.subcomponents.remove(ev)
    # readable, but an iTIP REPLY without VEVENT (no UID, no ATTENDEE) is
    # not a usable calendar part (RFC 5546 3.2.3); reply-unknown would be
    # the other reading
    add("vcalendar-no-vevent", rep("gmail", mutate=drop_vevent), "malformed")

    add("calendar-invalid-base64",
        cal_part_mail(member, 'text/calendar; method=REPLY; charset="UTF-8"',
                      "base64",
                      b"!!!! @@@@ this is not base64 #### ====\r\n"
                      b"****\xff\xfe%%%%\r\n===\r\n"), "malformed")

    def delegate(cal, ev):
        ev["ATTENDEE"].params["DELEGATED-TO"] = "mailto:vikar.testesen@" \
            "example.org"
    # RFC 5546 4.2.5: the delegator will not come.  Recorded like a decline
    # (for a service member: ask for a substitute, which delegation is)
    add("reply-partstat-delegated",
        rep("thunderbird", "DELEGATED", mutate=delegate), "reply")

    raw = rep("outlook", "ACCEPTED")
    lines = [("Received: from relay%d.example.net (relay%d.example.net "
              "[192.0.2.%d]) by relay%d.example.net with ESMTPS id %s; "
              "Tue, 5 Jan 2027 09:15:%02d +0000\r\n"
              % (i, i, i % 250 + 1, i + 1, _hex(rng, 10), i % 60)).encode()
             for i in range(5000)]
    add("received-5000", with_headers(raw, lines), "reply")

    lf = rep("gmail", "TENTATIVE").replace(CRLF, b"\n")
    # servers store LF: the same Gmail reply with LF line ends is fine
    add("lf-only-gmail-reply", lf, "reply")

    cr = plain(member, "CR", "Linje en\r\nLinje to\r\n",
               extra=()).replace(CRLF, b"\r")
    cr = b"Return-Path: <" + member.encode() + b">\r" + cr
    # bare CR is not a line end (RFC 5322 2.2/2.3): the whole mail is one
    # Return-Path header, there is no From.  (A daemon that turns bare CR
    # into CRLF first would call it unknown; both leave it untouched.)
    add("cr-only-line-ends", cr, "malformed")

    # -- encoded-word bombs
    words = " ".join(_ew("\u00f8" * 20) for _ in range(3000))
    bomb = (words + " =?utf-8?Q?=FF=FE?= =?x-unknown?B?AAAA?= =?utf-8?B?????="
            " " + _ew(_ew("nested " * 30)) + " =?utf-8?B?" + "QUFB" * 5000 +
            "?=")
    raw = (_headers([("From", stranger), ("To", ansvar),
                     ("Subject", bomb), ("In-Reply-To", msgid),
                     ("References", msgid), ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@example.net>" % _uuid(rng)),
                     ("MIME-Version", "1.0"),
                     ("Content-Type", "text/plain; charset=utf-8")]) +
           CRLF + b"Se emnefeltet." + CRLF)
    # answers an ansvar mail but is not from the member it went to
    add("rfc2047-bomb-subject", raw, "unverified")
    name_bomb = " ".join(_ew("Kari\u00e6") for _ in range(2000))
    raw = (_headers([("From", "%s <%s>" % (name_bomb, member)),
                     ("To", ansvar), ("Subject", "Hei"),
                     ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@example.org>" % _uuid(rng)),
                     ("MIME-Version", "1.0"),
                     ("Content-Type", "text/plain; charset=utf-8")]) +
           CRLF + b"Hei." + CRLF)
    add("rfc2047-bomb-from", raw, "unknown")

    # -- not a mail / no usable From
    add("empty-0-bytes", b"", "malformed")
    raw = _headers([("From", member), ("To", ansvar),
                    ("Subject", "Re: Invitasjon"),
                    ("Date", _mail_date(stamp())),
                    ("Message-ID", "<%s@example.org>" % _uuid(rng)),
                    ("In-Reply-To", msgid), ("References", msgid)])
    # no blank line, no body: still an answer from the member it went to
    add("only-headers", raw, "answer")
    add("from-missing",
        plain(None, "Re: Invitasjon", "Jeg kommer.\r\n", in_reply_to=msgid),
        "malformed")
    add("from-group-syntax",
        plain("Undisclosed recipients:;", "Re: Invitasjon", "Jeg kommer.\r\n",
              in_reply_to=msgid), "malformed")
    add("from-name-without-address",
        plain("Kari Testesen", "Re: Invitasjon", "Jeg kommer.\r\n",
              in_reply_to=msgid), "malformed")
    add("from-two-mailboxes",
        rep("gmail", sender=member,
            from_header="%s, %s" % (member, stranger)), "malformed")
    raw = rep("thunderbird")
    # two From headers: which one is the sender is undecidable (GMime and
    # Python pick differently); an ambiguous From is no usable From
    add("two-from-headers",
        raw.replace(b"\r\nMessage-ID:",
                    b"\r\nFrom: " + stranger.encode() + b"\r\nMessage-ID:", 1),
        "malformed")

    # -- automatic mail
    add("auto-replied-vacation",
        plain(member, "Automatisk svar: Invitasjon",
              "Jeg er p\u00e5 ferie til 18. januar.\r\n", in_reply_to=msgid,
              extra=[("Auto-Submitted", "auto-replied"),
                     ("X-Autoreply", "yes"), ("Precedence", "auto_reply")]),
        "auto")
    add("exchange-oof-auto-generated",
        plain(member, "Automatic reply: Invitasjon",
              "Jeg har ikke tilgang til e-post denne uken.\r\n",
              in_reply_to=msgid,
              extra=[("Auto-Submitted", "auto-generated"),
                     ("X-MS-Exchange-Inbox-Rules-Loop", member),
                     ("X-Auto-Response-Suppress", "All")]), "auto")
    db = ("%s.%d/mx.example.net" % (_hex(rng, 10, upper=True),
                                    rng.randrange(10 ** 9))).encode()
    dsn = (_headers([("Return-Path", "<>"),
                     ("From", "Mail Delivery System "
                      "<MAILER-DAEMON@mx.example.net>"),
                     ("To", ansvar),
                     ("Subject", "Undelivered Mail Returned to Sender"),
                     ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@mx.example.net>" % _hex(rng, 16)),
                     ("MIME-Version", "1.0"),
                     ("Content-Type", "multipart/report; report-type="
                      "delivery-status;\r\n\tboundary=\"%s\"" % db.decode())])
           + CRLF + b"This is a MIME-encapsulated message." + CRLF + CRLF +
           b"--" + db + CRLF +
           b"Content-Description: Notification" + CRLF +
           b"Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF +
           b"This is the mail system at host mx.example.net." + CRLF + CRLF +
           b"<" + member.encode() + b">: host mx.example.org said: 550 5.1.1"
           b" User unknown (in reply to RCPT TO command)" + CRLF + CRLF +
           b"--" + db + CRLF +
           b"Content-Description: Delivery report" + CRLF +
           b"Content-Type: message/delivery-status" + CRLF + CRLF +
           b"Reporting-MTA: dns; mx.example.net" + CRLF + CRLF +
           b"Final-Recipient: rfc822; " + member.encode() + CRLF +
           b"Original-Recipient: rfc822;" + member.encode() + CRLF +
           b"Action: failed" + CRLF + b"Status: 5.1.1" + CRLF +
           b"Diagnostic-Code: smtp; 550 5.1.1 User unknown" + CRLF + CRLF +
           b"--" + db + CRLF +
           b"Content-Description: Undelivered Message Headers" + CRLF +
           b"Content-Type: text/rfc822-headers" + CRLF + CRLF +
           b"From: " + ansvar.encode() + CRLF +
           b"To: " + member.encode() + CRLF +
           b"Subject: Invitasjon" + CRLF +
           b"Message-ID: " + msgid.encode() + CRLF + CRLF +
           b"--" + db + b"--" + CRLF)
    # no Auto-Submitted header (Postfix bounces may lack one): recognised by
    # multipart/report; report-type=delivery-status
    add("dsn-multipart-report", dsn, "auto")
    own = (_headers([("From", ansvar), ("To", ansvar),
                     ("Subject", "Invitasjon: " + _htext(req.summary)),
                     ("Date", _mail_date(stamp())),
                     ("Message-ID", "<%s@%s>" % (_uuid(rng), ansvar_domain)),
                     ("MIME-Version", "1.0"),
                     ("Content-Type", "text/calendar; method=REQUEST; "
                      "charset=UTF-8"),
                     ("Content-Transfer-Encoding", "base64")]) +
           CRLF + _b64(req.raw))
    add("from-ansvar-itself", own, "auto")

    # -- R2 answers
    add("answer-from-member",
        answer("Takk, jeg kommer.\r\n\r\nHilsen Kari\r\n",
               sender="Kari Testesen <%s>" % member, in_reply_to=msgid,
               subject="Re: Invitasjon", to=ansvar, date=stamp(),
               message_id="<%s@example.org>" % _uuid(rng)), "answer")
    add("answer-from-stranger",
        answer("Jeg svarer for Kari.\r\n", sender=stranger,
               in_reply_to=msgid, subject="Re: Invitasjon", to=ansvar,
               date=stamp(), message_id="<%s@example.net>" % _uuid(rng)),
        "unverified")
    add("answer-from-other-member",
        answer("Kari kommer ikke.\r\n", sender=other, in_reply_to=msgid,
               subject="Re: Invitasjon", to=ansvar, date=stamp(),
               message_id="<%s@example.org>" % _uuid(rng)), "unverified")
    raw = answer("Svar med bare References.\r\n", sender=member,
                 in_reply_to=None,
                 references="<a1@example.org> %s <b2@example.org>" % msgid,
                 subject="Re: Re: Invitasjon", to=ansvar, date=stamp(),
                 message_id="<%s@example.org>" % _uuid(rng))
    add("answer-references-only", raw, "answer")
    add("answer-html-only",
        plain(member, "Re: Invitasjon",
              "<html><body><p>Jeg kommer <b>gjerne</b>.</p></body></html>"
              "\r\n", in_reply_to=msgid, ctype="text/html"), "answer")
    add("answer-auto-submitted-no",
        plain(member, "Re: Invitasjon", "Skrevet av et menneske.\r\n",
              in_reply_to=msgid, extra=[("Auto-Submitted", "no")]), "answer")
    # RFC 5322 4.5.4 obs-in-reply-to (phrases around the id) must be read
    add("answer-obsolete-in-reply-to",
        plain(member, "Re: Invitasjon", "Gammel e-postklient.\r\n",
              extra=[("In-Reply-To", 'Your message of "Mon, 4 Jan 2027" %s'
                      % msgid)]), "answer")
    add("charset-x-unknown",
        plain(member, "Re: Invitasjon", "Jeg kommer p\u00e5 m\u00f8tet.\r\n",
              in_reply_to=msgid, charset="x-unknown"), "answer")
    forged = "<ansvar.%s.%s@%s>" % (_hex(rng, 24), _hex(rng, 16),
                                    ansvar_domain)
    add("forged-ansvar-message-id",
        plain(member, "Re: Invitasjon", "Svar p\u00e5 en e-post som ikke "
              "finnes.\r\n", in_reply_to=forged), "unknown")

    # -- iTIP that is not a REPLY (no In-Reply-To to an ansvar mail)
    def counter(cal, ev):
        for name in ("DTSTART", "DTEND"):
            prop = ev[name]
            new = prop.dt + _dt.timedelta(days=1)
            ev[name] = icalendar.prop.vDDDTypes(new)
            ev[name].params = prop.params
    add("method-counter", rep("outlook", method="COUNTER", mutate=counter),
        "unknown")

    def refresh(cal, ev):
        att = ev["ATTENDEE"]
        if "PARTSTAT" in att.params:
            del att.params["PARTSTAT"]
    add("method-refresh",
        rep("thunderbird", None, method="REFRESH", mutate=refresh),
        "unknown")

    # -- same bytes again
    add("duplicate-bytes", gmail_ok, "duplicate")
    return items


# ------------------------------------------------------------ self-check

def _sample_request(uid="moete-7f3a9c@ansvar.kommune.example", sequence=0,
                    start=_dt.datetime(2027, 2, 1, 10, 0)):
    cal = Calendar()
    cal.add("PRODID", "-//ansvar//ansvard//NB")
    cal.add("VERSION", "2.0")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "REQUEST")
    tz = Timezone()
    tz.add("TZID", "Europe/Oslo")
    dl = TimezoneDaylight()
    dl.add("DTSTART", _dt.datetime(1996, 3, 31, 2, 0))
    dl.add("RRULE", {"FREQ": "YEARLY", "BYDAY": "-1SU", "BYMONTH": 3})
    dl.add("TZNAME", "CEST")
    dl.add("TZOFFSETFROM", _dt.timedelta(hours=1))
    dl.add("TZOFFSETTO", _dt.timedelta(hours=2))
    st = TimezoneStandard()
    st.add("DTSTART", _dt.datetime(1996, 10, 27, 3, 0))
    st.add("RRULE", {"FREQ": "YEARLY", "BYDAY": "-1SU", "BYMONTH": 10})
    st.add("TZNAME", "CET")
    st.add("TZOFFSETFROM", _dt.timedelta(hours=2))
    st.add("TZOFFSETTO", _dt.timedelta(hours=1))
    tz.add_component(dl)
    tz.add_component(st)
    cal.add_component(tz)
    ev = Event()
    ev.add("UID", uid)
    ev.add("SEQUENCE", sequence)
    ev.add("DTSTAMP", _dt.datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    ev.add("DTSTART", start, parameters={"TZID": "Europe/Oslo"})
    ev.add("DTEND", start + _dt.timedelta(minutes=90),
           parameters={"TZID": "Europe/Oslo"})
    ev.add("SUMMARY", "[BUF-1] Ansvarsgruppemøte – gjennomgang av "
           "individuell plan")
    ev.add("LOCATION", "Rådhuset, møterom Fjæra (2. etasje)")
    ev.add("DESCRIPTION", "Saksliste:\n1. Status\n2. Tiltak på skolen")
    ev.add("STATUS", "CONFIRMED")
    ev.add("TRANSP", "OPAQUE")
    org = vCalAddress("mailto:ansvar@kommune.example")
    org.params["CN"] = "Ansvarsgruppe Testby"
    ev.add("ORGANIZER", org)
    for cn, mail, role in (("Nils Navesen", "nils@nav.example", "CHAIR"),
                           ("Kari Testesen", "kari.testesen@example.org",
                            "REQ-PARTICIPANT"),
                           ("Ola Prøvesen", "ola.provesen@skole.example",
                            "REQ-PARTICIPANT")):
        a = vCalAddress("mailto:" + mail)
        a.params["CN"] = cn
        a.params["CUTYPE"] = "INDIVIDUAL"
        a.params["PARTSTAT"] = "NEEDS-ACTION"
        a.params["ROLE"] = role
        a.params["RSVP"] = "TRUE"
        ev.add("ATTENDEE", a)
    cal.add_component(ev)
    return cal.to_ical().decode("utf-8")


_ICALJS = r"""
const ICAL = require('ical.js');
const out = [];
for (const text of JSON.parse(require('fs').readFileSync(0, 'utf8'))) {
  try {
    const cal = new ICAL.Component(ICAL.parse(text));
    ICAL.TimezoneService.reset();
    for (const v of cal.getAllSubcomponents('vtimezone')) {
      const tz = new ICAL.Timezone(v);
      ICAL.TimezoneService.register(tz.tzid, tz);
    }
    const vev = cal.getFirstSubcomponent('vevent');
    const ev = new ICAL.Event(vev);
    const s = ev.startDate;
    out.push({method: cal.getFirstPropertyValue('method'), uid: ev.uid,
      start: s ? new Date(s.toUnixTime() * 1000).toISOString() : null,
      attendees: ev.attendees.map(a => ({email: String(a.getFirstValue())
        .replace(/^mailto:/i, '').toLowerCase(),
        partstat: a.getParameter('partstat')}))});
  } catch (e) { out.push({error: String(e && e.message || e)}); }
}
process.stdout.write(JSON.stringify(out));
"""


def _calendar_parts(msg):
    return [p for p in msg.walk() if p.get_content_type() == "text/calendar"]


def _check_reply(raw, shape, partstat, req, attendee):
    """Re-read one reply as a receiver would; returns the calendar text."""
    problems = []
    bare = raw.replace(CRLF, b"")
    if b"\n" in bare or b"\r" in bare:
        problems.append("line ends other than CRLF")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        for d in part.defects:
            problems.append("MIME defect %s" % type(d).__name__)
    if _addr(str(msg["From"])).lower() != attendee.lower():
        problems.append("From %s" % msg["From"])
    cals = _calendar_parts(msg)
    if len(cals) != 1:
        problems.append("%d text/calendar parts" % len(cals))
        return None, problems
    part = cals[0]
    m = part.get_param("method")
    if shape == "apple":
        if m is not None:
            problems.append("apple has method=%s" % m)
    elif (m or "").upper() != "REPLY":
        problems.append("method= %r" % m)
    data = part.get_payload(decode=True)
    cal = Calendar.from_ical(data)
    if str(cal.get("METHOD")) != "REPLY":
        problems.append("METHOD %s" % cal.get("METHOD"))
    evs = [c for c in cal.walk("VEVENT")]
    if len(evs) != 1:
        problems.append("%d VEVENTs" % len(evs))
        return data, problems
    ev = evs[0]
    if str(ev.get("UID")) != req.uid:
        problems.append("UID %s" % ev.get("UID"))
    atts = ev.get("ATTENDEE")
    atts = atts if isinstance(atts, list) else [atts] if atts else []
    if len(atts) != 1:
        problems.append("%d ATTENDEEs" % len(atts))
    else:
        if _addr(atts[0]).lower() != attendee.lower():
            problems.append("ATTENDEE %s" % atts[0])
        if atts[0].params.get("PARTSTAT") != partstat:
            problems.append("PARTSTAT %s" % atts[0].params.get("PARTSTAT"))
    if int(ev.get("SEQUENCE", -1)) != req.sequence:
        problems.append("SEQUENCE %s" % ev.get("SEQUENCE"))
    start = ev.get("DTSTART")
    tzid = start.params.get("TZID") if start is not None else None
    if tzid == "W. Europe Standard Time":
        got = _utc(ev.decoded("DTSTART").replace(tzinfo=None), "Europe/Oslo")
    else:
        got = _utc(ev.decoded("DTSTART"), tzid)
    if got != req.start:
        problems.append("DTSTART %s != %s" % (got, req.start))
    return data, problems


def _selfcheck(dump=None):
    failures = []
    req_text = _sample_request()
    req = _Request(req_text)
    kari = "kari.testesen@example.org"
    cals = []
    n = 0
    t0 = time.monotonic()
    for shape in SHAPES:
        for ps in ("ACCEPTED", "TENTATIVE", "DECLINED"):
            comment = ("Kommer, men må gå 11:00." if ps == "TENTATIVE"
                       else None)
            raw = reply(shape, req_text, "mailto:" + kari, ps,
                        comment=comment,
                        in_reply_to="<ansvar.x@kommune.example>"
                        if ps == "DECLINED" else None)
            again = reply(shape, req_text, kari, ps, comment=comment)
            n += 1
            data, problems = _check_reply(raw, shape, ps, req, kari)
            if again == raw:
                problems.append("two calls gave the same bytes")
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            if email.message_from_bytes(again)["Message-ID"] == \
                    msg["Message-ID"]:
                problems.append("Message-ID repeated")
            if ps == "DECLINED" and msg["In-Reply-To"] != \
                    "<ansvar.x@kommune.example>":
                problems.append("In-Reply-To %s" % msg["In-Reply-To"])
            for p in problems:
                failures.append("%s/%s: %s" % (shape, ps, p))
            if data is not None:
                cals.append((shape, ps, data))
            if dump:
                with open(os.path.join(dump, "reply-%s-%s.eml"
                                       % (shape, ps.lower())), "wb") as f:
                    f.write(raw)
    t_replies = time.monotonic() - t0
    print("replies: %d (4 shapes x 3 answers) re-read with email + "
          "icalendar %s in %.2f s" % (n, icalendar.__version__, t_replies))

    node = shutil.which("node")
    here = os.path.dirname(os.path.abspath(__file__))
    modules = os.path.join(os.path.dirname(here), "node_modules")
    if node and os.path.isdir(os.path.join(modules, "ical.js")):
        p = subprocess.run(
            [node, "-e", _ICALJS], input=json.dumps(
                [c.decode("utf-8") for _, _, c in cals]),
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, NODE_PATH=modules))
        try:
            got = json.loads(p.stdout)
        except ValueError:
            got = None
            failures.append("ical.js: no output: %s" % p.stderr.strip())
        if got is not None:
            want_start = req.start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            for (shape, ps, _), g in zip(cals, got):
                what = "%s/%s ical.js" % (shape, ps)
                if "error" in g:
                    failures.append("%s: %s" % (what, g["error"]))
                    continue
                if g["method"] != "REPLY" or g["uid"] != req.uid:
                    failures.append("%s: %s %s" % (what, g["method"],
                                                   g["uid"]))
                if g["attendees"] != [{"email": kari, "partstat": ps}]:
                    failures.append("%s: attendees %s" % (what,
                                                          g["attendees"]))
                if g["start"] != want_start:
                    failures.append("%s: start %s != %s"
                                    % (what, g["start"], want_start))
            print("ical.js: %d REPLY calendars parsed" % len(got))

    ctx = {"request_ics": req_text,
           "member": kari,
           "other_member": "ola.provesen@skole.example",
           "stranger": "ukjent.avsender@example.net",
           "ansvar_msgid": "<ansvar.%s.%s@kommune.example>"
           % ("3" * 24, "c" * 16),
           "cancelled_ics": _sample_request(
               uid="moete-0b11ed@ansvar.kommune.example", sequence=1,
               start=_dt.datetime(2027, 2, 8, 13, 0)),
           "from": "ansvar@kommune.example"}
    t0 = time.monotonic()
    corpus = hostile_corpus(ctx)
    t_corpus = time.monotonic() - t0
    again = hostile_corpus(ctx)
    if [x[1] for x in again] != [x[1] for x in corpus]:
        failures.append("corpus: not deterministic")
    names = [x[0] for x in corpus]
    if len(set(names)) != len(names):
        failures.append("corpus: names repeat")
    if len(corpus) < 34:
        failures.append("corpus: only %d items" % len(corpus))
    if t_corpus > 2.0:
        failures.append("corpus: took %.2f s" % t_corpus)
    seen = {}
    for name, raw, cls in corpus:
        if cls not in CLASSES:
            failures.append("%s: class %s" % (name, cls))
        if raw in seen and cls != "duplicate":
            failures.append("%s: same bytes as %s" % (name, seen[raw]))
        if cls == "duplicate" and raw not in seen:
            failures.append("%s: duplicates nothing" % name)
        seen.setdefault(raw, name)
        if cls == "too-big" and len(raw) <= 20 * 1024 * 1024:
            failures.append("%s: only %d bytes" % (name, len(raw)))
        if cls != "too-big":
            try:
                email.message_from_bytes(raw, policy=email.policy.default)
            except Exception as e:   # the parser must not be the one failing
                failures.append("%s: python email: %r" % (name, e))
        if cls in ("reply", "reply-stale", "reply-cancelled") and \
                not name.startswith(("mime-", "invalid-utf8", "received")):
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            parts = _calendar_parts(msg)
            try:
                Calendar.from_ical(parts[0].get_payload(decode=True))
            except Exception as e:
                failures.append("%s: calendar: %r" % (name, e))
        if dump:
            with open(os.path.join(dump, "corpus-%02d-%s.eml"
                                   % (names.index(name), name)), "wb") as f:
                f.write(raw)
    print("corpus: %d items in %.2f s" % (len(corpus), t_corpus))
    w = max(len(x) for x in names)
    print("  %-*s %10s  %s" % (w, "name", "bytes", "class"))
    for name, raw, cls in corpus:
        print("  %-*s %10d  %s" % (w, name, len(raw), cls))
    by = {}
    for _, _, cls in corpus:
        by[cls] = by.get(cls, 0) + 1
    print("  classes: " + ", ".join("%s %d" % kv for kv in sorted(by.items())))
    for f in failures:
        print("FAIL " + f)
    print("selfcheck: %s" % ("FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] != "--selfcheck":
        sys.stderr.write("usage: mailfixtures.py --selfcheck [--dump DIR]\n")
        sys.exit(2)
    dump = None
    if "--dump" in args:
        dump = args[args.index("--dump") + 1]
        os.makedirs(dump, exist_ok=True)
    sys.exit(_selfcheck(dump))
