"""The invitation checker itself (tests/imip/check_imip.py): it passes the
good samples that tests/imip/make_samples.py writes, fails each bad one for
its own reason, and its --json output is what the step tests read.  When
../shared/tools/check-imip is there (not in a user's clone), its verdicts
on the same samples must agree with ours.

Run: cd /work/main && /usr/bin/python3 tests/e2e/run.py imip_checker
"""
import base64
import email
import email.message
import email.policy
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMIP = os.path.join(TOP, "tests", "imip")
CHECKER = os.path.join(IMIP, "check_imip.py")
MAKE_SAMPLES = os.path.join(IMIP, "make_samples.py")
ICALJS = os.path.join(TOP, "tests", "node_modules", "ical.js", "package.json")
SHARED_CHECKER = os.path.join(TOP, "..", "shared", "tools", "check-imip")
SHARED_SAMPLES = os.path.join(TOP, "..", "shared", "tools", "check-imip-samples")
PY = "/usr/bin/python3"

GOOD = ["good-request.eml", "good-update.eml", "good-cancel.eml", "good-reply.eml"]
LENIENT = ["lenient-alternative.eml", "lenient-calendar-only.eml"]
# sample -> (the problem it must be rejected for, other problems it may add)
BAD = {
    "bad-bare-lf.eml": (r"bare LF line ends", []),
    "bad-method-mismatch.eml": (r"Content-Type method=PUBLISH but METHOD:REQUEST", []),
    "bad-no-vtimezone.eml": (
        r"TZID Europe/Oslo is used but the object has no VTIMEZONE",
        # ical.js reads the unresolved TZID as floating time: an hour off
        [r"ical\.js DT(START|END) .*could not resolve TZID Europe/Oslo"]),
    "bad-organizer-not-from.eml": (
        r"ORGANIZER koordinator@kommune\.example is not the From address "
        r"ansvar@kommune\.example", []),
    "bad-long-line.eml": (r"calendar line \d+ \(80 octets\) over 75 octets", []),
    "bad-rdate-without-rrule.eml": (r"RDATE without RRULE", []),
    "bad-utf8-split.eml": (
        r"folding splits a UTF-8 sequence",
        # Thunderbird's parser then shows U+FFFD in the place name
        [r"ical\.js LOCATION .* != python3-icalendar"]),
    "bad-8bit-header.eml": (r"raw 8-bit bytes in a header block", []),
}
# What ../shared/tools/check-imip reports only as a warning but IMIP.md
# makes a rule (and so this checker a failure).
SHARED_WARNINGS_THAT_FAIL = [r"ORGANIZER .* != From", r"folding splits a UTF-8"]
# What ../shared/tools/check-imip does not look at at all.
SHARED_DOES_NOT_CHECK = {"bad-rdate-without-rrule.eml": "RDATE without RRULE"}


def check(*args):
    return subprocess.run([PY, CHECKER, *args], capture_output=True, text=True,
                          timeout=300)


def problems(out, path):
    """The 'problem' parts of the 'FILE: problem' lines about path."""
    return [l[len(path) + 2:] for l in out.splitlines() if l.startswith(path + ": ")]


class ImipChecker(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="imip-checker-")
        cls.samples = os.path.join(cls.tmp, "samples")
        subprocess.run([PY, MAKE_SAMPLES, cls.samples], check=True,
                       capture_output=True, timeout=120)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def sample(self, name):
        return os.path.join(self.samples, name)

    def test_icaljs_is_installed(self):
        self.assertTrue(shutil.which("node"), "node is not on PATH")
        self.assertTrue(os.path.isfile(ICALJS),
                        "ical.js missing: run 'npm ci' in tests/ (make check does)")

    def test_samples_are_all_there(self):
        self.assertEqual(sorted(os.listdir(self.samples)),
                         sorted(GOOD + LENIENT + list(BAD)))

    def test_good_samples_pass(self):
        for name in GOOD:
            with self.subTest(name):
                r = check(self.sample(name))
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertEqual(r.stdout, "")

    def test_each_bad_sample_fails_for_its_reason(self):
        for name, (want, may) in BAD.items():
            with self.subTest(name):
                path = self.sample(name)
                r = check(path)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                got = problems(r.stdout, path)
                self.assertEqual(len(got), len(r.stdout.splitlines()), r.stdout)
                self.assertTrue(any(re.search(want, p) for p in got),
                                "%s: want /%s/, got %s" % (name, want, got))
                for p in got:
                    self.assertTrue(any(re.search(x, p) for x in [want] + may),
                                    "%s: unexpected problem %r" % (name, p))

    def test_lenient_layouts_pass_only_with_lenient(self):
        for name in LENIENT:
            with self.subTest(name):
                path = self.sample(name)
                r = check(path)
                self.assertEqual(r.returncode, 1)
                self.assertEqual(len(problems(r.stdout, path)), 1, r.stdout)
                self.assertIn("layout is ", r.stdout)
                self.assertIn("--lenient", r.stdout)
                r = check("--lenient", path)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertEqual(r.stdout, "")
        # --lenient forgives the layout, nothing else
        r = check("--lenient", self.sample("bad-rdate-without-rrule.eml"))
        self.assertEqual(r.returncode, 1)

    def test_method_option(self):
        r = check("--method", "CANCEL", self.sample("good-request.eml"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("METHOD is REQUEST, expected CANCEL", r.stdout)
        for method, name in (("REQUEST", "good-update.eml"), ("cancel", "good-cancel.eml"),
                             ("REPLY", "good-reply.eml")):
            r = check("--method", method, self.sample(name))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(check("--method", "PUBLISH", self.sample(GOOD[0])).returncode, 2)
        self.assertEqual(check().returncode, 2)

    def test_json_output(self):
        paths = [self.sample(n) for n in GOOD + ["bad-method-mismatch.eml"]]
        r = check("--json", *paths)
        self.assertEqual(r.returncode, 1)
        objs = [json.loads(l) for l in r.stdout.splitlines()]   # one per line
        self.assertEqual([o["file"] for o in objs], paths)
        # problem lines go to stderr with --json
        self.assertIn("method=PUBLISH but METHOD:REQUEST", r.stderr)
        by = {os.path.basename(o["file"]): o for o in objs}
        keys = {"file", "method", "uid", "sequence", "dtstart_utc", "dtend_utc",
                "summary", "location", "organizer", "attendees", "status",
                "subject", "to", "layout", "ok", "problems"}
        for o in objs:
            self.assertLessEqual(keys, set(o))
            self.assertTrue(o["icaljs_checked"])
        self.assertEqual(by["bad-method-mismatch.eml"]["problems"],
                         ["Content-Type method=PUBLISH but METHOD:REQUEST (IMIP.md 1)"])
        self.assertFalse(by["bad-method-mismatch.eml"]["ok"])

        req = by["good-request.eml"]
        self.assertTrue(req["ok"])
        self.assertEqual((req["method"], req["sequence"], req["status"]),
                         ("REQUEST", 0, "CONFIRMED"))
        self.assertEqual(req["uid"], "moete-7f3a9c@ansvar.kommune.example")
        # 10:00-11:30 Oslo in February is CET (UTC+1)
        self.assertEqual((req["dtstart_utc"], req["dtend_utc"]),
                         ("2027-02-10T09:00:00Z", "2027-02-10T10:30:00Z"))
        self.assertEqual(req["organizer"], "ansvar@kommune.example")
        self.assertEqual(req["to_addrs"], ["lise@skole.example"])
        self.assertIn("lise@skole.example", req["to"])
        self.assertEqual(req["layout"], "multipart/mixed[multipart/alternative"
                         "[text/plain,text/calendar],application/ics]")
        self.assertIn("ansvarsgruppemøte", req["subject"])
        self.assertTrue(req["summary"].startswith("[BUF-2027-014] Ansvarsgruppemøte"))
        self.assertIn("Båtsfjord", req["location"])
        self.assertEqual(req["attendees"][0], {
            "email": "nils@nav.example", "cn": "Nils Navesen", "role": "CHAIR",
            "partstat": "NEEDS-ACTION", "rsvp": True})
        self.assertEqual(req["attendees"][2], {
            "email": "lise@skole.example", "cn": "Lise Lærer",
            "role": "REQ-PARTICIPANT", "partstat": "NEEDS-ACTION", "rsvp": True})

        upd = by["good-update.eml"]
        self.assertEqual((upd["uid"], upd["sequence"]), (req["uid"], 1))
        # 13:00-14:30 Oslo in April is CEST (UTC+2)
        self.assertEqual((upd["dtstart_utc"], upd["dtend_utc"]),
                         ("2027-04-15T11:00:00Z", "2027-04-15T12:30:00Z"))
        self.assertGreater(upd["dtstamp_utc"], req["dtstamp_utc"])
        self.assertEqual(upd["attendees"][0]["partstat"], "ACCEPTED")
        self.assertIsNone(upd["attendees"][0]["rsvp"])

        can = by["good-cancel.eml"]
        self.assertEqual((can["method"], can["status"], can["sequence"]),
                         ("CANCEL", "CANCELLED", 2))
        rep = by["good-reply.eml"]
        self.assertEqual(rep["method"], "REPLY")
        self.assertEqual([(a["email"], a["partstat"]) for a in rep["attendees"]],
                         [("guro@example.org", "ACCEPTED")])

    def test_maildir(self):
        md = os.path.join(self.tmp, "Maildir")
        for d in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(md, d), exist_ok=True)
        plain = email.message.EmailMessage()
        plain["From"], plain["To"], plain["Subject"] = "a@b.example", "c@d.example", "Hei"
        plain.set_content("Ingen kalender her.\n")
        with open(os.path.join(md, "new", "1.plain"), "wb") as f:
            f.write(plain.as_bytes())
        r = check(md)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no message with a text/calendar part", r.stdout)
        shutil.copy(self.sample("good-request.eml"), os.path.join(md, "new", "2.req"))
        shutil.copy(self.sample("good-cancel.eml"), os.path.join(md, "cur", "3.can:2,S"))
        r = check("--json", md)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        objs = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual(sorted(o["method"] for o in objs), ["CANCEL", "REQUEST"])
        shutil.copy(self.sample("bad-long-line.eml"), os.path.join(md, "new", "4.bad"))
        r = check(md)
        self.assertEqual(r.returncode, 1)
        self.assertEqual([l.split(": ")[0] for l in r.stdout.splitlines()],
                         [os.path.join(md, "new", "4.bad")])
        # a single file without a calendar part is a failure, not a skip
        r = check(os.path.join(md, "new", "1.plain"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("no text/calendar part", r.stdout)
        r = check(self.tmp)   # neither a Maildir nor a file
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a Maildir", r.stdout)

    def test_icaljs_catches_a_wrong_vtimezone(self):
        """A VTIMEZONE that contradicts the tz database: only the second
        parser (ical.js reads the VTIMEZONE, python3-icalendar the tz
        database) can see it."""
        with open(self.sample("good-update.eml"), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        for part in msg.walk():
            if part.get_content_type() in ("text/calendar", "application/ics"):
                ics = part.get_payload(decode=True)
                self.assertIn(b"TZOFFSETTO:+0200", ics)
                ics = ics.replace(b"TZOFFSETTO:+0200", b"TZOFFSETTO:+0300")
                part.set_payload(base64.encodebytes(ics).decode("ascii"))
        path = os.path.join(self.tmp, "wrong-vtimezone.eml")
        with open(path, "wb") as f:
            f.write(msg.as_bytes())
        r = check(path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(problems(r.stdout, path), [
            "ical.js DTSTART 2027-04-15T10:00:00Z != python3-icalendar 2027-04-15T11:00:00Z",
            "ical.js DTEND 2027-04-15T11:30:00Z != python3-icalendar 2027-04-15T12:30:00Z"])
        self.assertEqual(check("--no-icaljs", path).returncode, 0)

    def test_verdicts_agree_with_shared_check_imip(self):
        names = GOOD + LENIENT + list(BAD)
        ours = {}
        for name in names:
            args = ["--lenient"] if name in LENIENT else []
            ours[name] = check(*args, self.sample(name)).returncode == 0
        self.assertEqual({n for n, ok in ours.items() if ok}, set(GOOD + LENIENT))
        if not os.access(SHARED_CHECKER, os.X_OK):
            return      # a user's clone has no shared/: this part only
        r = subprocess.run([SHARED_CHECKER, "--json", *map(self.sample, names)],
                           capture_output=True, text=True, timeout=600)
        theirs = {os.path.basename(o["file"]): o for o in json.loads(r.stdout)}
        for name in names:
            if name in SHARED_DOES_NOT_CHECK:
                continue
            o = theirs[name]
            ok = o["ok"] and not any(re.search(p, w) for w in o["warnings"]
                                     for p in SHARED_WARNINGS_THAT_FAIL)
            with self.subTest(name):
                self.assertEqual(ok, ours[name], "shared check-imip: %s" % o)
        # and the same facts from the good ones
        r = check("--json", *map(self.sample, GOOD))
        mine = {os.path.basename(o["file"]): o for o in map(json.loads, r.stdout.splitlines())}
        for name in GOOD:
            with self.subTest(name):
                for k in ("method", "uid", "sequence", "dtstart_utc", "dtend_utc",
                          "organizer", "summary", "status"):
                    self.assertEqual(theirs[name].get(k), mine[name][k], k)
                self.assertEqual([a["email"] for a in theirs[name]["attendees"]],
                                 [a["email"] for a in mine[name]["attendees"]])
        # and ours on the shared checker's own samples
        if os.path.isdir(SHARED_SAMPLES):
            for name in sorted(os.listdir(SHARED_SAMPLES)):
                if name.endswith(".eml"):
                    with self.subTest("shared/" + name):
                        r = check(os.path.join(SHARED_SAMPLES, name))
                        self.assertEqual(r.returncode == 0, name.startswith("good-"),
                                         r.stdout)


if __name__ == "__main__":
    unittest.main()
