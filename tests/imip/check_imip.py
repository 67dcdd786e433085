#!/usr/bin/python3
"""check_imip.py -- checks iMIP invitations (RFC 6047/5546/5545) the way
Outlook, Gmail, Apple Mail and Thunderbird need them (IMIP.md).

Usage: check_imip.py [--method REQUEST|CANCEL|REPLY] [--json] [--lenient]
                     [--no-icaljs] FILE.eml|MAILDIR...

A FILE must hold a text/calendar part.  A MAILDIR (a directory with new/
and/or cur/) is checked message by message; messages without a
text/calendar part are skipped, and a Maildir with none at all is a failure.

Every failure is one line "FILE: problem" on stdout (on stderr with
--json); the exit status is 1 if anything failed, 2 on a usage error, 0
otherwise.  --json prints one JSON object per message on stdout, one per
line: file, ok, problems, method, uid, sequence, dtstamp_utc, dtstart_utc,
dtend_utc, tzid, summary, location, organizer, attendees [{email, cn, role,
partstat, rsvp}], status, subject, from, to (the decoded To header),
to_addrs (its addresses), layout, icaljs_checked.  rsvp is true, false or
null (absent); addresses are in lower case; times are UTC ISO strings.

Checks (IMIP.md): layout multipart/mixed[multipart/alternative[text/plain
(,text/html), text/calendar], application/ics]; the text/calendar part has
method= equal to METHOD, charset=UTF-8, base64, no "attachment"; the
application/ics copy has a name and the same bytes; the calendar has CRLF
line ends only, lines of at most 75 octets, folds that keep UTF-8 whole;
VERSION 2.0, PRODID, METHOD; exactly one VEVENT with UID, SEQUENCE (not
for REPLY), UTC DTSTAMP, DTSTART/DTEND with a TZID whose VTIMEZONE is in the
object (no "/" prefix), DTEND after DTSTART, no RDATE without RRULE; a
mailto: ORGANIZER equal to From (REQUEST, CANCEL); REQUEST: every ATTENDEE
has CN and ROLE, PARTSTAT=NEEDS-ACTION and RSVP=TRUE (the ROLE=CHAIR one may
instead have ACCEPTED), every To address is an ATTENDEE; CANCEL:
STATUS:CANCELLED; REPLY: exactly one ATTENDEE, with PARTSTAT, who is the
sender; headers without raw 8-bit bytes.  Then ical.js parses the calendar
again with only the VTIMEZONEs inside it, and must agree with
python3-icalendar (tz database) on the UTC start and end, UID, SEQUENCE,
METHOD, SUMMARY, LOCATION and the attendees.

--method X   the calendar's METHOD must be X
--lenient    also accept a top-level text/calendar or multipart/alternative
             (and multipart/mixed without the application/ics copy)
--no-icaljs  skip the second parse with ical.js

Needs Debian's /usr/bin/python3 with python3-icalendar, and for the ical.js
step node on PATH with tests/node_modules/ical.js ("cd tests && npm ci").
"""
import email
import email.policy
import email.utils
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone

import icalendar
from icalendar.parser import Contentline

try:                                   # TZIDs icalendar has already seen
    from icalendar.timezone_cache import _timezone_cache
except ImportError:                    # other versions keep no such cache
    _timezone_cache = {}

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ICALJS_SCRIPT = os.path.join(HERE, "icaljs_times.js")
ICALJS_MODULE = os.path.join(TESTS, "node_modules", "ical.js")

METHODS = ("REQUEST", "CANCEL", "REPLY")
ALT_OK = ("multipart/alternative[text/plain,text/calendar]",
          "multipart/alternative[text/plain,text/html,text/calendar]")
LAYOUT_WANT = ("multipart/mixed[multipart/alternative[text/plain(,text/html),"
               "text/calendar],application/ics]")
STRICT_LAYOUTS = tuple("multipart/mixed[%s,application/ics]" % a for a in ALT_OK)
LENIENT_LAYOUTS = (("text/calendar",) + ALT_OK +
                   tuple("multipart/mixed[%s]" % a for a in ALT_OK))


# ----------------------------------------------------------------- helpers

def addr_of(value):
    """'mailto:X' or 'Name <x>' -> 'x' in lower case ('' if none)."""
    s = str(value or "").strip()
    if s.lower().startswith("mailto:"):
        return s[7:].strip().lower()
    return email.utils.parseaddr(s)[1].lower()


def header_addrs(msg, name):
    """All addresses of an address header, lower case."""
    try:
        h = msg[name]
    except Exception:
        return []
    if h is None:
        return []
    addrs = getattr(h, "addresses", None)
    if addrs is not None:
        return [a.addr_spec.lower() for a in addrs if a.addr_spec]
    return [a.lower() for _, a in email.utils.getaddresses([str(h)]) if a]


def layout_of(part):
    if part.is_multipart():
        return "%s[%s]" % (part.get_content_type(),
                           ",".join(layout_of(p) for p in part.iter_parts()))
    return part.get_content_type()


def utc_iso(value):
    """A decoded DATE-TIME with a zone -> '2027-04-15T11:00:00Z'."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def header_blocks(raw, msg):
    """The raw header block of the message and of every MIME part."""
    blocks = [re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]]
    for part in msg.walk():
        b = part.get_boundary() if part.is_multipart() else None
        if not b:
            continue
        delim = re.escape(b"--" + b.encode("ascii", "replace"))
        for m in re.finditer(rb"(?m)^" + delim + rb"[ \t]*\r?\n(.*?)\r?\n\r?\n",
                             raw, re.S):
            blocks.append(m.group(1))
    return blocks


def unfold(data):
    """RFC 5545 3.1 unfolding at the octet level."""
    return re.sub(rb"\r?\n[ \t]", b"", data)


# ------------------------------------------------------------ line checks

def check_lines(data, bad):
    """CRLF only, <= 75 octets, folds that keep UTF-8 sequences whole."""
    if re.search(rb"(?<!\r)\n", data):
        bad("calendar has bare LF line ends (RFC 5545 3.1 wants CRLF)")
    elif data and not data.endswith(b"\r\n"):
        bad("calendar does not end with CRLF")
    if re.search(rb"\r(?!\n)", data):
        bad("calendar has a bare CR")
    long, split = [], []
    for n, line in enumerate(re.split(rb"\r?\n", data), 1):
        if len(line) > 75:
            long.append("%d (%d octets)" % (n, len(line)))
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            split.append(str(n))
    if long:
        bad("calendar line%s %s over 75 octets (fold at 75; RFC 5545 3.1)"
            % ("s" if len(long) > 1 else "", ", ".join(long)))
    if split:
        bad("calendar line%s %s: folding splits a UTF-8 sequence (or not UTF-8; "
            "IMIP.md 9)" % ("s" if len(split) > 1 else "", ", ".join(split)))


# --------------------------------------------------------- the checks

class Checked:
    def __init__(self, path):
        self.path = path
        self.problems = []
        self.info = {"file": path, "method": None, "uid": None,
                     "sequence": None, "dtstamp_utc": None,
                     "dtstart_utc": None, "dtend_utc": None, "tzid": None,
                     "summary": None, "location": None, "organizer": None,
                     "attendees": [], "status": None, "subject": None,
                     "from": None, "to": None, "to_addrs": [],
                     "layout": None,
                     "icaljs_checked": False}
        self.ics = None            # decoded calendar bytes, for ical.js

    def bad(self, text):
        self.problems.append(text)


def calendar_parts(msg):
    return [p for p in msg.walk() if p.get_content_type() == "text/calendar"]


def check_headers(c, raw, msg):
    for block in header_blocks(raw, msg):
        if re.search(rb"[\x80-\xff]", block):
            c.bad("raw 8-bit bytes in a header block "
                  "(headers must be RFC 2047-encoded; IMIP.md 9)")
            break
    for name in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
        try:
            h = msg[name]
        except Exception as e:
            c.bad("%s header cannot be parsed: %s" % (name, e))
            continue
        if h is None or not str(h).strip():
            c.bad("no %s header" % name)
        elif name in ("From", "To", "Subject") and getattr(h, "defects", None):
            c.bad("%s header: %s" % (name, "; ".join(
                d.__class__.__name__ for d in h.defects)))
    try:
        c.info["subject"] = str(msg["Subject"] or "") or None
    except Exception:
        pass
    froms = header_addrs(msg, "From")
    if len(froms) != 1:
        c.bad("From must hold exactly one address, has %d" % len(froms))
    c.info["from"] = froms[0] if froms else None
    try:
        c.info["to"] = str(msg["To"] or "") or None
    except Exception:
        pass
    c.info["to_addrs"] = header_addrs(msg, "To")


def check_layout(c, msg, lenient):
    lay = layout_of(msg)
    c.info["layout"] = lay
    if lay in STRICT_LAYOUTS or (lenient and lay in LENIENT_LAYOUTS):
        return
    c.bad("layout is %s, want %s (IMIP.md 2)%s" % (
        lay, LAYOUT_WANT, "" if lenient else
        "; a bare text/calendar or multipart/alternative passes only with --lenient"))


def check_parts(c, msg):
    """The text/calendar part's headers and the application/ics copy.
    Returns the decoded calendar bytes (or None)."""
    cals = calendar_parts(msg)
    if not cals:
        c.bad("no text/calendar part")
        return None
    if len(cals) > 1:
        c.bad("%d text/calendar parts, want one" % len(cals))
    part = cals[0]
    hmethod = str(part.get_param("method") or "").upper()
    if not hmethod:
        c.bad("text/calendar Content-Type has no method= (IMIP.md 1)")
    charset = str(part.get_param("charset") or "")
    if charset.upper() not in ("UTF-8",):
        c.bad("text/calendar charset is %r, want UTF-8 (IMIP.md 1)"
              % (charset or None))
    cte = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    if cte != "base64":
        c.bad("text/calendar Content-Transfer-Encoding is %s, want base64 "
              "(IMIP.md 3)" % cte)
    if part.get_content_disposition() == "attachment":
        c.bad("text/calendar part is Content-Disposition: attachment "
              "(clients show it as a file; IMIP.md 2)")
    data = part.get_payload(decode=True) or b""
    for d in part.defects:
        c.bad("text/calendar part: %s" % d.__class__.__name__)
    if not data.strip():
        c.bad("text/calendar part is empty")
        return None

    ics_parts = [p for p in msg.walk() if p.get_content_type() == "application/ics"]
    if len(ics_parts) > 1:
        c.bad("%d application/ics parts, want at most one" % len(ics_parts))
    for p in ics_parts:
        if not (p.get_param("name") or p.get_filename()):
            c.bad("application/ics part has no name= or filename=")
        pcte = str(p.get("Content-Transfer-Encoding", "7bit")).strip().lower()
        if pcte != "base64":
            c.bad("application/ics Content-Transfer-Encoding is %s, want "
                  "base64 (IMIP.md 3)" % pcte)
        if (p.get_payload(decode=True) or b"") != data:
            c.bad("application/ics attachment differs from the text/calendar part")
    return data, hmethod


def check_tzids(c, text, cal):
    """Every TZID parameter has its VTIMEZONE; no libical-style prefix."""
    defined = {str(tz.get("TZID")) for tz in cal.walk("VTIMEZONE") if tz.get("TZID")}
    used = set()
    for line in text.splitlines():
        if not line or ";" not in line.split(":", 1)[0]:
            continue
        try:
            _, params, _ = Contentline(line).parts()
        except Exception:
            continue
        if params.get("TZID"):
            used.add(str(params["TZID"]))
    for tzid in sorted(used - defined):
        c.bad("TZID %s is used but the object has no VTIMEZONE for it "
              "(IMIP.md 7)" % tzid)
    for tzid in sorted(used | defined):
        if tzid.startswith("/"):
            c.bad("TZID %s starts with '/' (libical's prefix; Thunderbird "
                  "breaks on it; IMIP.md 7)" % tzid)


def check_time(c, ev, name, method):
    """DTSTART/DTEND: a DATE-TIME with TZID (REPLY: TZID or UTC).
    Returns the UTC ISO string or None."""
    if name not in ev:
        if method != "REPLY":
            c.bad("VEVENT has no %s" % name)
        return None
    prop = ev[name]
    tzid = prop.params.get("TZID")
    value = ev.decoded(name)
    if not isinstance(value, datetime):
        c.bad("%s is a DATE, want a DATE-TIME with TZID" % name)
        return None
    raw = prop.to_ical()
    if not tzid and not (method == "REPLY" and raw.endswith(b"Z")):
        c.bad("%s has no TZID (floating or UTC time; IMIP.md 7)" % name)
    if value.tzinfo is None:
        if tzid:
            c.bad("%s TZID %s is unknown to python3-icalendar" % (name, tzid))
        return None
    return utc_iso(value)


def attendee_info(a):
    p = a.params
    rsvp = p.get("RSVP")
    return {"email": addr_of(a), "cn": str(p["CN"]) if p.get("CN") else None,
            "role": str(p["ROLE"]).upper() if p.get("ROLE") else None,
            "partstat": str(p["PARTSTAT"]).upper() if p.get("PARTSTAT") else None,
            "rsvp": None if rsvp is None else str(rsvp).upper() == "TRUE"}


def check_attendees(c, ev, method, atts):
    seen = set()
    for a, info in zip(as_list(ev.get("ATTENDEE")), atts):
        who = info["email"] or str(a)
        if not str(a).lower().startswith("mailto:"):
            c.bad("ATTENDEE %s is not a mailto: address" % a)
        if info["email"] in seen:
            c.bad("ATTENDEE %s is listed twice" % who)
        seen.add(info["email"])
        if method != "REQUEST":
            continue
        if not info["cn"]:
            c.bad("ATTENDEE %s has no CN" % who)
        if not info["role"]:
            c.bad("ATTENDEE %s has no ROLE" % who)
        if info["role"] == "CHAIR":
            if info["partstat"] not in ("ACCEPTED", "NEEDS-ACTION"):
                c.bad("CHAIR %s has PARTSTAT=%s, want ACCEPTED or NEEDS-ACTION"
                      % (who, info["partstat"]))
            continue
        if info["partstat"] != "NEEDS-ACTION":
            c.bad("ATTENDEE %s has PARTSTAT=%s, want NEEDS-ACTION"
                  % (who, info["partstat"]))
        if info["rsvp"] is not True:
            c.bad("ATTENDEE %s lacks RSVP=TRUE (no Accept/Decline buttons; "
                  "IMIP.md 4)" % who)
    if method == "REQUEST":
        if not atts:
            c.bad("REQUEST without ATTENDEE")
        for to in c.info["to_addrs"]:
            if to not in seen:
                c.bad("recipient %s is not an ATTENDEE" % to)
    if method == "REPLY":
        if len(atts) != 1:
            c.bad("REPLY must have exactly one ATTENDEE, has %d" % len(atts))
        else:
            if not atts[0]["partstat"]:
                c.bad("REPLY ATTENDEE %s has no PARTSTAT" % atts[0]["email"])
            if c.info["from"] and atts[0]["email"] != c.info["from"]:
                c.bad("REPLY ATTENDEE %s is not the sender %s"
                      % (atts[0]["email"], c.info["from"]))


def check_calendar(c, data, hmethod, want_method):
    check_lines(data, c.bad)
    try:
        text = unfold(data).decode("utf-8")
    except UnicodeDecodeError as e:
        c.bad("calendar is not UTF-8 (%s)" % e.reason)
        text = unfold(data).decode("utf-8", "replace")
    _timezone_cache.clear()            # no VTIMEZONE from another message
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as e:
        c.bad("python3-icalendar cannot parse the calendar: %s" % e)
        return
    c.ics = data
    if cal.name != "VCALENDAR":
        c.bad("the object is %s, not VCALENDAR" % cal.name)
    if str(cal.get("VERSION", "")) != "2.0":
        c.bad("VERSION is %s, want 2.0" % (cal.get("VERSION") or "absent"))
    if not cal.get("PRODID"):
        c.bad("no PRODID")
    method = str(cal.get("METHOD") or "").upper()
    c.info["method"] = method or None
    if not method:
        c.bad("no METHOD in the VCALENDAR")
    elif method not in METHODS:
        c.bad("METHOD is %s, want one of %s" % (method, ", ".join(METHODS)))
    if hmethod and method and hmethod != method:
        c.bad("Content-Type method=%s but METHOD:%s (IMIP.md 1)" % (hmethod, method))
    if want_method and method != want_method:
        c.bad("METHOD is %s, expected %s" % (method or "absent", want_method))
    check_tzids(c, text, cal)

    events = cal.walk("VEVENT")
    if len(events) != 1:
        c.bad("%d VEVENTs, want exactly one" % len(events))
    if not events:
        return
    ev = events[0]
    for name in ("UID", "DTSTAMP") + (("SEQUENCE",) if method != "REPLY" else ()):
        if name not in ev:
            c.bad("VEVENT has no %s" % name)
    c.info["uid"] = str(ev["UID"]) if "UID" in ev else None
    if "SEQUENCE" in ev:
        try:
            c.info["sequence"] = int(ev.decoded("SEQUENCE"))
        except (TypeError, ValueError):
            c.bad("SEQUENCE %r is not an integer" % ev["SEQUENCE"])
    if "DTSTAMP" in ev:
        if not ev["DTSTAMP"].to_ical().endswith(b"Z"):
            c.bad("DTSTAMP is not UTC (want ...Z; IMIP.md 5)")
        c.info["dtstamp_utc"] = utc_iso(ev.decoded("DTSTAMP"))
    start = check_time(c, ev, "DTSTART", method)
    end = check_time(c, ev, "DTEND", method)
    c.info.update(dtstart_utc=start, dtend_utc=end)
    if "DTSTART" in ev:
        c.info["tzid"] = ev["DTSTART"].params.get("TZID")
    if start and end and end <= start:
        c.bad("DTEND %s is not after DTSTART %s" % (end, start))
    if "RDATE" in ev and "RRULE" not in ev:
        c.bad("RDATE without RRULE (Outlook: \"not supported calendar "
              "message\"; IMIP.md 8)")
    for k in ("SUMMARY", "LOCATION", "STATUS"):
        c.info[k.lower()] = str(ev[k]) if k in ev else None
    status = (c.info["status"] or "").upper()
    if method == "CANCEL" and status != "CANCELLED":
        c.bad("CANCEL without STATUS:CANCELLED (IMIP.md 6)")

    org = ev.get("ORGANIZER")
    c.info["organizer"] = addr_of(org) if org is not None else None
    if org is None:
        c.bad("VEVENT has no ORGANIZER")
    elif not str(org).lower().startswith("mailto:"):
        c.bad("ORGANIZER %s is not a mailto: address" % org)
    elif method != "REPLY" and c.info["from"] and c.info["organizer"] != c.info["from"]:
        c.bad("ORGANIZER %s is not the From address %s (IMIP.md 4)"
              % (c.info["organizer"], c.info["from"]))
    atts = [attendee_info(a) for a in as_list(ev.get("ATTENDEE"))]
    c.info["attendees"] = atts
    check_attendees(c, ev, method, atts)


def check_message(path, raw, want_method, lenient):
    c = Checked(path)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        check_headers(c, raw, msg)
        check_layout(c, msg, lenient)
        got = check_parts(c, msg)
        if got:
            check_calendar(c, got[0], got[1], want_method)
    except Exception as e:       # never stop at one broken file
        c.bad("cannot check: %s: %s" % (e.__class__.__name__, e))
    return c


# ---------------------------------------------------------------- ical.js

def icaljs_problem():
    """Why ical.js cannot run here, or None."""
    if not shutil.which("node"):
        return "node is not on PATH (apt-get install nodejs)"
    if not os.path.isfile(os.path.join(ICALJS_MODULE, "package.json")):
        return "ical.js is not installed in %s (cd tests && npm ci)" % ICALJS_MODULE
    return None


def run_icaljs(ics):
    r = subprocess.run(["node", ICALJS_SCRIPT], input=ics, capture_output=True,
                       timeout=60, cwd=HERE)
    try:
        out = json.loads(r.stdout.decode("utf-8", "replace"))
    except ValueError:
        tail = r.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return {"error": "node exited %d: %s" % (r.returncode, " ".join(tail))}
    return out


def compare_icaljs(c, js):
    """The second parser must agree on UID, SEQUENCE, METHOD and the UTC
    start and end; also on SUMMARY, LOCATION and the attendees."""
    c.info["icaljs_checked"] = True
    if js.get("error"):
        c.bad("ical.js cannot parse the calendar: %s" % js["error"])
        return
    if js.get("vevents") != 1:
        return                       # python's count is reported already
    pairs = (("METHOD", (js.get("method") or "").upper() or None, c.info["method"]),
             ("UID", js.get("uid"), c.info["uid"]),
             ("SEQUENCE", js.get("sequence"), c.info["sequence"]))
    for name, theirs, ours in pairs:
        if theirs != ours:
            c.bad("ical.js %s %s != python3-icalendar %s" % (name, theirs, ours))
    for name in ("dtstart", "dtend"):
        theirs, ours = js.get(name), c.info[name + "_utc"]
        if ours is None and theirs is None:
            continue
        if theirs != ours:
            note = ""
            if js.get(name + "_tzid") and not js.get(name + "_zone_resolved"):
                note = " (ical.js could not resolve TZID %s)" % js[name + "_tzid"]
            c.bad("ical.js %s %s%s != python3-icalendar %s"
                  % (name.upper(), theirs, note, ours))
    for name in ("summary", "location"):
        if (js.get(name) or None) != c.info[name]:
            c.bad("ical.js %s %r != python3-icalendar %r"
                  % (name.upper(), js.get(name), c.info[name]))
    theirs = sorted(a.get("email") or "" for a in js.get("attendees") or [])
    ours = sorted(a["email"] or "" for a in c.info["attendees"])
    if theirs != ours:
        c.bad("ical.js attendees %s != python3-icalendar %s" % (theirs, ours))


# ------------------------------------------------------------------- main

def is_calendar_mail(raw):
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        return bool(calendar_parts(msg))
    except Exception:
        return True                  # let the full check say what is wrong


def collect(arg, problems):
    """(path, bytes) of the messages to check for one argument."""
    if os.path.isdir(arg):
        subs = [os.path.join(arg, d) for d in ("new", "cur")
                if os.path.isdir(os.path.join(arg, d))]
        if not subs:
            problems.append("%s: not a Maildir (no new/ or cur/)" % arg)
            return []
        found = []
        for d in subs:
            for name in sorted(os.listdir(d)):
                p = os.path.join(d, name)
                if name.startswith(".") or not os.path.isfile(p):
                    continue
                with open(p, "rb") as f:
                    raw = f.read()
                if is_calendar_mail(raw):
                    found.append((p, raw))
        if not found:
            problems.append("%s: no message with a text/calendar part in new/ or cur/"
                            % arg)
        return found
    try:
        with open(arg, "rb") as f:
            return [(arg, f.read())]
    except OSError as e:
        problems.append("%s: cannot read: %s" % (arg, e.strerror))
        return []


def main(argv):
    want, as_json, lenient, use_js, paths = None, False, False, True, []
    args = list(argv)
    while args:
        a = args.pop(0)
        if a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if a == "--method" or a.startswith("--method="):
            v = a.split("=", 1)[1] if "=" in a else (args.pop(0) if args else "")
            want = v.upper()
            if want not in METHODS:
                print("check_imip.py: --method wants one of %s" % ", ".join(METHODS),
                      file=sys.stderr)
                return 2
        elif a == "--json":
            as_json = True
        elif a == "--lenient":
            lenient = True
        elif a == "--no-icaljs":
            use_js = False
        elif a == "--":
            paths += args
            break
        elif a.startswith("-") and len(a) > 1:
            print("check_imip.py: unknown option %s\n\n%s" % (a, __doc__.strip()),
                  file=sys.stderr)
            return 2
        else:
            paths.append(a)
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2

    general = []
    messages = []
    for p in paths:
        messages += collect(p, general)
    js_missing = icaljs_problem() if use_js else None

    failed = bool(general)
    err = sys.stderr if as_json else sys.stdout
    for line in general:
        print(line, file=err)
    for path, raw in messages:
        c = check_message(path, raw, want, lenient)
        if use_js and c.ics is not None:
            if js_missing:
                c.bad("ical.js cross-check impossible: %s" % js_missing)
            else:
                compare_icaljs(c, run_icaljs(c.ics))
        for p in c.problems:
            print("%s: %s" % (path, p), file=err)
        failed |= bool(c.problems)
        if as_json:
            out = dict(c.info, ok=not c.problems, problems=c.problems)
            print(json.dumps(out, ensure_ascii=False, sort_keys=True))
        err.flush()
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
