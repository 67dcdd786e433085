"""Step 4: meetings, invitations that every mail client accepts, agendas
on time, minute-taker, letters by post (SPEC M1-M5, M7, E1, G9, G10, R1).
Every invitation the tests produce is checked by parsers that did not
make it (tests/imip/check_imip.py: Python's email + python3-icalendar +
Mozilla's ical.js), and by ../shared/tools/check-imip when present."""
import datetime
import json
import os
import subprocess
import unittest

from harness import Daemon
from mailservers import SmtpServer

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECKER = os.path.join(TOP, "tests", "imip", "check_imip.py")
SHARED_CHECKER = os.path.join(TOP, "..", "shared", "tools", "check-imip")
REPORT = os.environ.get("ANSVAR_IMIP_REPORT")


def check_imip(path, *more):
    p = subprocess.run(["/usr/bin/python3", CHECKER, "--json", *more, path],
                       capture_output=True, text=True, timeout=300)
    out = p.stdout.strip()
    if not out:
        return p, []
    try:
        data = json.loads(out)
        data = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        data = [json.loads(l) for l in out.splitlines() if l.strip()]
    return p, data


class MeetingTest(unittest.TestCase):
    clock = "2027-01-04 09:00"
    policy = ""

    def setUp(self):
        self.smtp = SmtpServer()
        self.addCleanup(self.smtp.cleanup)
        self.smtp.start()
        self.d = Daemon(clock=self.clock, policy=self.policy,
                        extra=self.smtp.ini_section())
        self.addCleanup(self.d.cleanup)
        self.d.start()
        # runs before the cleanups above: every calendar mail is checked
        self.addCleanup(self.check_every_invitation)

    def check_every_invitation(self):
        cal = [m for m in self.smtp.mails()
               if m["X-Ansvar-Kind"] in ("invitation", "cancellation")]
        if not cal:
            return
        p, data = check_imip(self.smtp.maildir)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(len(data), len(cal))
        verdict = f"check_imip: {len(data)} ok"
        if os.access(SHARED_CHECKER, os.X_OK):
            q = subprocess.run([SHARED_CHECKER, *[m.path for m in cal]],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(q.returncode, 0, q.stdout + q.stderr)
            verdict += f"; shared check-imip: exit {q.returncode}"
        if REPORT:
            with open(REPORT, "a") as f:
                f.write(f"{self.id()}: {verdict}\n")

    def group(self, ref="BUF-1", born="2012-05-20", consent=True, gp=True):
        d = self.d
        d.ok("group", "create", ref, "--client", "Tiril Testmann", "--born", born,
             "--email", f"client.{ref.lower()}@example.org")
        d.ok("member", "add", ref, "Mor Testmann", "--role", "guardian",
             "--email", f"mor.{ref.lower()}@example.org")
        d.ok("member", "add", ref, "Kari Koordinator", "--role", "service",
             "--service", "NAV", "--email", f"koord.{ref.lower()}@nav.example",
             "--coordinator")
        d.ok("member", "add", ref, "Bjørn Bup", "--role", "service",
             "--service", "BUP", "--email", f"bjorn.{ref.lower()}@bup.example")
        if gp:
            d.ok("member", "add", ref, "Frida Fastlege", "--role", "service",
                 "--service", "Fastlege", "--email",
                 f"frida.{ref.lower()}@lege.example", "--guest")
        if consent:
            d.ok("group", "consent", ref, "--date", "2027-01-04", "--by", "Mor")
        return ref

    def cal(self, kind="invitation"):
        return [m for m in self.smtp.mails() if m["X-Ansvar-Kind"] == kind]

    def parsed(self):
        p, data = check_imip(self.smtp.maildir)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return data


class TestM1Scheduling(MeetingTest):
    def test_M1_refusals(self):
        self.group()
        self.group("DRAFT-1", consent=False, gp=False)
        d = self.d
        cases = [
            (("--start", "2027-02-01 10:00", "--minutes", "91", "--place", "Rom 1"),
             "max_meeting_minutes = 90"),
            (("--start", "2027-01-04 08:00", "--minutes", "60", "--place", "Rom 1"),
             "in the past"),
            (("--start", "2027-02-01 10:00", "--end", "09:00", "--place", "Rom 1"),
             "end after it starts"),
            (("--start", "2027-02-01 10:00", "--place", "Rom 1"), "--minutes N or"),
            (("--start", "2027-03-28 02:30", "--minutes", "60", "--place", "Rom 1"),
             "is not a local time"),
            (("--start", "2027-02-01 10:00", "--minutes", "60", "--place", "Rom 1",
              "--guest", "#42"), 'no member "#42"'),
        ]
        for args, text in cases:
            r = d.ctl("meeting", "schedule", "BUF-1", *args)
            self.assertIn(r.rc, (64, 65), r)
            self.assertIn(text, r.err)
        r = d.ctl("meeting", "schedule", "DRAFT-1", "--start", "2027-02-01 10:00",
                  "--minutes", "60", "--place", "Rom 1")
        self.assertEqual(r.rc, 65)
        self.assertIn("consent first", r.err)
        self.assertEqual(d.ok("meeting", "list", "BUF-1", json=True).json, [])
        self.assertEqual(self.cal(), [])


class TestM2Invitations(MeetingTest):
    def test_M2_R1_G10_invitation_to_every_invitee_checked_independently(self):
        self.group()
        d = self.d
        d.ok("member", "add", "BUF-1", "Uten Epost", "--role", "relative")
        d.ok("member", "add", "BUF-1", "Post Pål", "--role", "relative",
             "--channel", "post", "--address", "Storgata 1\n0150 Oslo")
        r = d.ok("meeting", "schedule", "BUF-1", "--start", "2027-02-01 10:00",
                 "--minutes", "90", "--place", "Rådhuset, møterom 2; 3. etasje",
                 json=True)
        self.assertTrue(r.json["first"])
        data = self.parsed()
        got = sorted(x["to"] if "@" in x["to"] else x["to"] for x in data)
        self.assertEqual(len(data), 5)   # client, guardian, coordinator, BUP, GP
        self.assertFalse(any("uten" in x["to"].lower() or "post" in x["to"].lower()
                             for x in data))
        uids = {x["uid"] for x in data}
        self.assertEqual(len(uids), 1)
        for x in data:
            self.assertEqual(x["method"], "REQUEST")
            self.assertEqual(x["sequence"], 0)
            self.assertTrue(x["dtstart_utc"].startswith("2027-02-01T09:00"))
            self.assertTrue(x["dtend_utc"].startswith("2027-02-01T10:30"))
            self.assertEqual(x["location"], "Rådhuset, møterom 2; 3. etasje")
            self.assertEqual(x["organizer"].lower(), "ansvar@kommune.example")
            self.assertNotIn("Tiril", x["summary"])
            self.assertNotIn("Tiril", x["subject"])
            chair = [a for a in x["attendees"] if a["role"] == "CHAIR"]
            self.assertEqual([a["email"] for a in chair], ["koord.buf-1@nav.example"])
            others = [a for a in x["attendees"] if a["role"] != "CHAIR"]
            self.assertEqual(len(others), 4)
            self.assertTrue(all(a["partstat"] == "NEEDS-ACTION" and
                                str(a["rsvp"]).upper() == "TRUE"
                                for a in x["attendees"]))
            self.assertIn("Bjørn Bup", [a["cn"] for a in x["attendees"]])
        m = self.cal()[0]
        self.assertEqual(m["Reply-To"].addresses[0].addr_spec, "ansvar@kommune.example")
        self.assertEqual(m["From"].addresses[0].addr_spec, "ansvar@kommune.example")

    def test_M2_move_sends_update_and_cancel_sends_CANCEL(self):
        self.group()
        d = self.d
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.ok("meeting", "move", "BUF-1/1", "--start", "2027-02-03 13:00",
             "--place", "Rom 2")
        d.ok("meeting", "cancel", "BUF-1/1", "--reason", "sykdom")
        data = self.parsed()
        by_seq = {}
        for x in data:
            by_seq.setdefault((x["method"], x["sequence"]), []).append(x)
        self.assertEqual(sorted(by_seq), [("CANCEL", 2), ("REQUEST", 0), ("REQUEST", 1)])
        self.assertEqual({len(v) for v in by_seq.values()}, {5})
        self.assertEqual(len({x["uid"] for x in data}), 1)
        upd = by_seq[("REQUEST", 1)][0]
        self.assertTrue(upd["dtstart_utc"].startswith("2027-02-03T12:00"))
        self.assertTrue(upd["dtend_utc"].startswith("2027-02-03T13:00"))
        self.assertEqual(upd["location"], "Rom 2")
        self.assertTrue(all(x["status"] == "CANCELLED" for x in by_seq[("CANCEL", 2)]))
        self.assertTrue(all(m["Subject"].startswith("[BUF-1] Avlyst")
                            for m in self.cal("cancellation")))
        r = d.ctl("meeting", "cancel", "BUF-1/1")
        self.assertEqual(r.rc, 65)

    def test_M2_guest_added_later_gets_the_only_new_invitation(self):
        self.group()
        d = self.d
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-03-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        before = len(self.cal())
        d.ok("member", "add", "BUF-1", "Lærer Line", "--role", "service",
             "--service", "Skole", "--email", "line@skole.example", "--guest")
        d.ok("meeting", "invite", "BUF-1/2", "line@skole.example")
        new = self.cal()[before:]
        self.assertEqual([m["X-Test-Rcpt"] for m in new], ["line@skole.example"])
        x = [x for x in self.parsed() if x["to"].endswith("line@skole.example>")
             or x["to"] == "line@skole.example"][0]
        self.assertEqual(x["sequence"], 0)
        self.assertIn("line@skole.example", [a["email"] for a in x["attendees"]])

    def test_G10_only_the_first_meeting_invites_guest_services_and_has_rules(self):
        self.group()
        d = self.d
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-03-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        gp = [m for m in self.cal() if m["X-Test-Rcpt"] == "frida.buf-1@lege.example"]
        self.assertEqual(len(gp), 1)
        first = d.ok("agenda", "show", "BUF-1/1").out
        second = d.ok("agenda", "show", "BUF-1/2").out
        self.assertIn("Møteregler", first)
        self.assertNotIn("Møteregler", second)

    def test_M2_rfc5545_escaping_and_folding(self):
        d = self.d
        d.ok("group", "create", "ESC-1", "--client", "Ola Oppdikt", "--born", "2010-01-01")
        d.ok("member", "add", "ESC-1", 'Åse "Ørn", Ødegård; jr.', "--role", "service",
             "--service", "NAV", "--email", "aase@nav.example", "--coordinator")
        d.ok("member", "add", "ESC-1", "Ærlig Åsmund-Øystein Kristoffersen-Strømsø",
             "--role", "service", "--service", "BUP", "--email", "asmund@bup.example")
        d.ok("group", "consent", "ESC-1", "--date", "2027-01-04", "--by", "Mor")
        place = "Rådhuset, rom 2; 3. etasje\nInngang B, ved siden av Kafé Æ; ring på " * 2
        d.ok("meeting", "schedule", "ESC-1", "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", place)
        data = self.parsed()
        self.assertEqual({x["location"] for x in data}, {place})
        cns = {a["cn"] for x in data for a in x["attendees"]}
        self.assertIn("Åse Ørn, Ødegård; jr.", cns)   # '"' left out (RFC 6868 trap)
        self.assertIn("Ærlig Åsmund-Øystein Kristoffersen-Strømsø", cns)


class TestM3AgendaTable(MeetingTest):
    """Agenda send day and prepare-reminder day, each checked end to end:
    absent at 07:59 and arrived through the real SMTP server at 08:00."""
    lead = 7
    CASES = [
        # meeting start, agenda sent, prepare reminder (agenda_prepare_days
        # before the day the agenda is actually sent: T1 never shortens a
        # lead time), their UTC offsets
        ("2027-04-05 10:00", "2027-03-24", "2027-03-17", "+0100", "+0100"),  # Easter Monday
        ("2027-04-06 10:00", "2027-03-30", "2027-03-23", "+0200", "+0100"),  # over DST start
        ("2027-05-24 10:00", "2027-05-14", "2027-05-07", "+0200", "+0200"),  # 17 May
        ("2027-11-08 10:00", "2027-11-01", "2027-10-25", "+0100", "+0200"),  # over DST end; Monday
        ("2029-01-02 10:00", "2028-12-22", "2028-12-15", "+0100", "+0100"),  # Christmas
        ("2029-01-08 10:00", "2028-12-29", "2028-12-22", "+0100", "+0100"),  # New Year
    ]

    def test_M3_agenda_and_prepare_days(self):
        d = self.d
        for i, case in enumerate(self.CASES):
            ref = f"A-{i}"
            self.group(ref, gp=False)
            d.ok("meeting", "schedule", ref, "--start", case[0], "--minutes", "60",
                 "--place", "Rom 1")
        events = []
        for i, (start, agenda, prep, aoff, poff) in enumerate(self.CASES):
            events.append((prep, i, "agenda-prepare", f"koord.a-{i}@nav.example", poff))
            events.append((agenda, i, "agenda", f"bjorn.a-{i}@bup.example", aoff))
        rows = []
        for day in sorted({e[0] for e in events}):
            todays = [e for e in events if e[0] == day]
            d.set_clock(f"{day} 07:59")
            for _, i, kind, rcpt, _ in todays:
                self.assertEqual(self.got(kind, rcpt), [], f"{kind} {i} early")
            d.set_clock(f"{day} 08:00")
            for _, i, kind, rcpt, off in todays:
                got = self.got(kind, rcpt)
                self.assertEqual(len(got), 1, f"{kind} for case {i} not on {day}")
                self.assertEqual(got[0]["Date"].datetime.strftime("%Y-%m-%d %H:%M %z"),
                                 f"{day} 08:00 {off}")
                rows.append(f"lead {self.lead}: meeting {self.CASES[i][0]}: "
                            f"{kind} {got[0]['Date']}")
        for i in range(len(self.CASES)):
            agendas = [m for m in self.smtp.mails() if m["X-Ansvar-Kind"] == "agenda"
                       and m["X-Ansvar-Ref"] == f"A-{i}"]
            self.assertEqual(len(agendas), 4)  # client, guardian, coordinator, BUP
        print("\n  " + "\n  ".join(rows), end=" ")

    def got(self, kind, rcpt):
        return [m for m in self.smtp.mails() if m["X-Ansvar-Kind"] == kind
                and m["X-Test-Rcpt"] == rcpt]


class TestM3AgendaTableLund(TestM3AgendaTable):
    lead = 14
    policy = "agenda_lead_days = 14\n"
    CASES = [
        ("2027-04-12 10:00", "2027-03-24", "2027-03-17", "+0100", "+0100"),  # Easter
        ("2027-04-08 10:00", "2027-03-24", "2027-03-17", "+0100", "+0100"),  # Maundy Thu
        ("2027-05-31 10:00", "2027-05-14", "2027-05-07", "+0200", "+0200"),  # 17 May
        ("2027-11-15 10:00", "2027-11-01", "2027-10-25", "+0100", "+0200"),  # DST end
        ("2029-01-08 10:00", "2028-12-22", "2028-12-15", "+0100", "+0100"),  # Christmas
    ]


class TestM4Agenda(MeetingTest):
    def test_M4_E1_G8_M7_agenda_content_and_order(self):
        self.group()
        d = self.d
        d.ok("group", "transition", "BUF-1", "--kind", "upper-secondary",
             "--date", "2027-08-15")
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.ok("agenda", "add", "BUF-1/1", "Skoleskyss til høsten", "--by", "#4")
        shown = d.ok("agenda", "show", "BUF-1/1").out
        lines = [l for l in shown.splitlines() if l[:3].strip().rstrip(".").isdigit()]
        texts = [l.split(". ", 1)[1] for l in lines]
        self.assertEqual(texts[0], "Åpning")
        self.assertEqual(texts[1].split(":")[0], "Møteregler")
        self.assertEqual(texts[-1], "Evaluering av møtet")
        aob = texts.index("Eventuelt, med dato for neste møte")
        own = texts.index("Skoleskyss til høsten (Bjørn Bup)")
        review = [i for i, t in enumerate(texts) if "Gjennomgang av medlemmer" in t]
        self.assertLess(own, aob)
        self.assertEqual(len(review), 1)
        self.assertLess(review[0], aob)
        self.assertEqual(texts.count("Evaluering av møtet"), 1)
        self.assertIn("Referent: Kari Koordinator", shown)
        d.set_clock("2027-01-25 08:00")
        mailed = [m for m in self.smtp.mails() if m["X-Ansvar-Kind"] == "agenda"
                  and m["X-Test-Rcpt"] == "koord.buf-1@nav.example"][0]
        self.assertEqual(mailed.get_body(("plain",)).get_content().strip(), shown.strip())
        r = d.ctl("agenda", "add", "BUF-1/1", "For sent")
        self.assertEqual(r.rc, 65)
        self.assertIn("has been sent", r.err)
        # the review was taken onto this agenda and waits no more
        self.assertFalse(any("membership review" in f for f in
                             d.ok("status", "BUF-1", json=True).json["flags"]))

    def test_M3_meeting_scheduled_late_gets_agenda_at_once(self):
        self.group()
        self.d.ok("meeting", "schedule", "BUF-1", "--start", "2027-01-07 10:00",
                  "--minutes", "60", "--place", "Rom 1")
        agendas = [m for m in self.smtp.mails() if m["X-Ansvar-Kind"] == "agenda"]
        self.assertEqual(len(agendas), 5)
        self.assertEqual([m for m in self.smtp.mails()
                          if m["X-Ansvar-Kind"] == "agenda-prepare"], [])

    def test_M7_minute_taker_rotates_among_fixed_services(self):
        self.group()
        d = self.d
        takers = []
        for month in (2, 3, 4):
            d.ok("meeting", "schedule", "BUF-1", "--start",
                 f"2027-{month:02d}-01 10:00", "--minutes", "60", "--place", "Rom 1")
            takers.append(d.ok("meeting", "show", f"BUF-1/{month - 1}",
                               json=True).json["minute_taker"])
        self.assertEqual(takers, ["#3 Kari Koordinator", "#4 Bjørn Bup",
                                  "#3 Kari Koordinator"])
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-05-03 10:00",
             "--minutes", "60", "--place", "Rom 1", "--minute-taker", "#2")
        self.assertEqual(d.ok("meeting", "show", "BUF-1/4", json=True).json[
            "minute_taker"], "#2 Mor Testmann")


class TestM5Post(MeetingTest):
    def test_M5_letter_for_a_post_member_reaches_the_coordinator_in_time(self):
        self.group()
        d = self.d
        d.ok("member", "add", "BUF-1", "Bestefar Brevik", "--role", "relative",
             "--channel", "post", "--address", "Fjordveien 12\n8006 Bodø")
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        # agenda day 2027-01-25 (Mon); post_days 3 -> Fri 2027-01-22
        d.set_clock("2027-01-22 07:59")
        self.assertEqual(self.cal("post-reminder"), [])
        d.set_clock("2027-01-22 08:00")
        m = self.cal("post-reminder")
        self.assertEqual(len(m), 1)
        self.assertEqual(m[0]["X-Test-Rcpt"], "koord.buf-1@nav.example")
        pdf = [p for p in m[0].iter_attachments()
               if p.get_content_type() == "application/pdf"][0]
        path = os.path.join(self.smtp.dir, "letter.pdf")
        with open(path, "wb") as f:
            f.write(pdf.get_content())
        text = subprocess.run(["pdftotext", "-layout", path, "-"],
                              capture_output=True, text=True).stdout
        for s in ("Bestefar Brevik", "Fjordveien 12", "8006 Bodø", "Åpning",
                  "Evaluering av møtet"):
            self.assertIn(s, text)
        self.assertNotIn("Bestefar", "".join(x["to"] for x in self.parsed()))


class TestG9Close(MeetingTest):
    def test_G9_closing_cancels_future_meetings_with_CANCEL(self):
        self.group()
        d = self.d
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.ok("meeting", "schedule", "BUF-1", "--start", "2027-03-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.ok("group", "close", "BUF-1", "--reason", "Behovet er dekket",
             "--summary", "Målene er nådd.")
        cancels = [x for x in self.parsed() if x["method"] == "CANCEL"]
        self.assertEqual(len(cancels), 9)     # the first meeting also has the GP (G10)
        self.assertEqual({x["sequence"] for x in cancels}, {1})
        self.assertEqual([m["state"] for m in d.ok("meeting", "list", "BUF-1",
                                                   json=True).json],
                         ["cancelled", "cancelled"])
        d.set_clock("2027-01-25 08:00")
        self.assertEqual(self.cal("agenda"), [])


if __name__ == "__main__":
    unittest.main()
