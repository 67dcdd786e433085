"""Step 5, follow-up part: actions (A1, A2), the yearly evaluation (E2),
attendance (M8) and the next meeting (M10), on the Maildir transport.
Names are invented."""
from harness import DaemonTest

REF = "BUF-1"


def kinds(mails):
    return [str(m["X-Ansvar-Kind"]) for m in mails]


class FollowupTest(DaemonTest):
    clock = "2027-01-04 09:00"

    def setUp(self):
        super().setUp()
        d = self.d
        d.ok("group", "create", REF, "--client", "Tiril Testmann", "--born",
             "2012-05-20")
        d.ok("member", "add", REF, "Mor Testmann", "--role", "guardian",
             "--email", "mor@example.org", "--phone", "99 99 99 99")
        d.ok("member", "add", REF, "Kari Koordinator", "--role", "service",
             "--service", "NAV", "--email", "koord@nav.example", "--coordinator")
        d.ok("member", "add", REF, "Bjørn Bup", "--role", "service",
             "--service", "BUP", "--email", "bjorn@bup.example")
        d.ok("group", "consent", REF, "--date", "2027-01-04", "--by", "Mor")

    def sent(self, kind, to=None):
        return [m for m in self.d.mails() if m["X-Ansvar-Kind"] == kind and
                (to is None or m["To"].addresses[0].addr_spec == to)]


class TestActions(FollowupTest):
    def test_A1_an_action_without_goal_owner_start_length_or_date_is_refused(self):
        d = self.d
        full = ["--goal", "Fast plass på SFO", "--owner", "#4", "--start",
                "2027-01-10", "--weeks", "8", "--evaluate", "2027-03-15"]
        for i in range(0, len(full), 2):
            args = full[:i] + full[i + 2:]
            r = d.ctl("action", "add", REF, *args)
            self.assertEqual(r.rc, 65, r)
            self.assertIn("missing", r.err)
            self.assertIn("(A1)", r.err)
        self.assertEqual(d.ok("action", "list", REF, json=True).json, [])
        r = d.ctl("action", "add", REF, *full[:-2], "--evaluate", "2027-01-01")
        self.assertEqual(r.rc, 65)
        d.ok("action", "add", REF, *full)
        lst = d.ok("action", "list", REF, json=True).json
        self.assertEqual(lst[0]["action"], "BUF-1/a1")
        self.assertEqual(lst[0]["owner"], "#4 Bjørn Bup")
        self.assertEqual(lst[0]["until"], "2027-03-07")
        d.ok("action", "done", "BUF-1/a1", "--note", "Plass fra mars")
        self.assertTrue(d.ok("action", "list", REF, json=True).json[0]["done"])
        self.assertEqual(d.ctl("action", "done", "BUF-1/a1").rc, 65)

    def test_A2_owner_reminded_and_due_actions_on_the_agenda(self):
        d = self.d
        d.ok("action", "add", REF, "--goal", "Skoleskyss", "--owner", "#4",
             "--start", "2027-01-10", "--until", "2027-06-20", "--evaluate",
             "2027-03-15")
        d.ok("action", "add", REF, "--goal", "Søknad om avlastning", "--owner",
             "#3", "--start", "2027-01-05", "--weeks", "4", "--evaluate",
             "2027-03-01")
        d.ok("meeting", "schedule", REF, "--start", "2027-03-22 10:00",
             "--minutes", "60", "--place", "Rom 1")
        # a2 is evaluated Mon 2027-03-01: its owner is told a week before
        d.set_clock("2027-02-22 07:59")
        self.assertEqual(self.sent("action-reminder"), [])
        d.set_clock("2027-02-22 08:00")
        self.assertEqual(len(self.sent("action-reminder", "koord@nav.example")), 1)
        d.set_clock("2027-03-08 07:59")
        self.assertEqual(self.sent("action-reminder", "bjorn@bup.example"), [])
        d.set_clock("2027-03-08 08:00")
        got = self.sent("action-reminder", "bjorn@bup.example")
        self.assertEqual(len(got), 1)
        self.assertIn("Skoleskyss", self.body(got[0]))
        self.assertIn("BUF-1/a1", self.body(got[0]))
        self.assertEqual(len(self.sent("action-reminder", "koord@nav.example")), 1)
        d.set_clock("2027-03-15 08:00")
        agenda = self.sent("agenda", "mor@example.org")[0]
        body = self.body(agenda)
        after = body.split("Evaluering av tiltak", 1)[1].split("\n7.", 1)[0]
        self.assertIn("a1 Skoleskyss (Bjørn Bup, evaluering 2027-03-15)", after)
        self.assertNotIn("a1 Skoleskyss (Bjørn Bup, evaluering 2027-03-15) - FORFALT", after)
        self.assertIn("a2 Søknad om avlastning (Kari Koordinator, evaluering "
                      "2027-03-01) - FORFALT", after)
        st = d.ok("status", REF, json=True).json
        self.assertIn("1 action past the evaluation date (A2)", st["flags"])
        self.assertEqual([a["action"] for a in d.ok("action", "list", REF,
                          "--overdue", json=True).json], ["BUF-1/a2"])
        d.set_clock("2027-03-20 08:00")
        self.assertEqual(len(self.sent("action-reminder")), 2)


class TestYearlyEvaluation(FollowupTest):
    def test_E2_warned_on_the_last_agenda_before_due_and_flagged_when_overdue(self):
        d = self.d
        d.ok("meeting", "schedule", REF, "--start", "2027-06-07 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.ok("meeting", "schedule", REF, "--start", "2027-12-13 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.ok("meeting", "schedule", REF, "--start", "2028-02-07 10:00",
             "--minutes", "60", "--place", "Rom 1")
        item = "Årlig evaluering av gruppens arbeid"
        self.assertNotIn(item, d.ok("agenda", "show", "BUF-1/1").out)
        self.assertIn(item, d.ok("agenda", "show", "BUF-1/2").out)
        # due 2028-01-04; warned 30 days before: Sun 2027-12-05 -> Fri 3rd
        d.set_clock("2027-12-03 07:59")
        self.assertEqual(self.sent("evaluation-due"), [])
        d.set_clock("2027-12-03 08:00")
        warn = self.sent("evaluation-due", "koord@nav.example")
        self.assertEqual(len(warn), 1)
        self.assertIn("2028-01-04", warn[0]["Subject"])
        self.assertNoClientName(warn[0], "Tiril Testmann")
        d.set_clock("2028-01-05 09:00")
        flags = d.ok("status", REF, json=True).json["flags"]
        self.assertIn("yearly evaluation overdue since 2028-01-04 (E2)", flags)
        self.assertIn(item, d.ok("agenda", "show", "BUF-1/3").out)
        r = d.ok("evaluation", "record", REF, "--date", "2028-01-05",
                 "--summary", "Gruppen fungerer; BUP går ut som fast medlem.")
        self.assertIn("the next is due 2029-01-05", r.out)
        flags = d.ok("status", REF, json=True).json["flags"]
        self.assertFalse(any("(E2)" in f for f in flags))
        self.assertNotIn(item, d.ok("agenda", "show", "BUF-1/3").out)


class TestAttendanceAndNextMeeting(FollowupTest):
    def test_M8_no_show_of_a_guardian_gives_the_coordinator_a_task(self):
        d = self.d
        d.ok("meeting", "schedule", REF, "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        r = d.ctl("attendance", "BUF-1/1", "--present", "#3,#4")
        self.assertEqual(r.rc, 65)
        self.assertIn("has not taken place", r.err)
        d.set_clock("2027-02-01 11:00")
        d.ok("attendance", "BUF-1/1", "--present", "#1, koord@nav.example")
        task = self.sent("absence-followup", "koord@nav.example")
        self.assertEqual(len(task), 1)
        body = self.body(task[0])
        self.assertIn("Mor Testmann (foresatt)", body)
        self.assertIn("99 99 99 99", body)
        self.assertNoClientName(task[0], "Tiril Testmann")
        # the service that stayed away is no client or guardian: no task
        self.assertNotIn("Bjørn", "".join(self.body(m) for m in task))
        d.ok("attendance", "BUF-1/1", "--present", "#1,#3")
        self.assertEqual(len(self.sent("absence-followup")), 1)

    def test_M10_coordinator_told_when_no_next_meeting_and_gap_flagged(self):
        d = self.d
        d.ok("meeting", "schedule", REF, "--start", "2027-02-01 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.set_clock("2027-02-08 07:59")
        self.assertEqual(self.sent("next-meeting"), [])
        d.set_clock("2027-02-08 08:00")
        told = self.sent("next-meeting", "koord@nav.example")
        self.assertEqual(len(told), 1)
        self.assertIn("2027-02-01", self.body(told[0]))
        d.set_clock("2027-06-01 09:00")      # 120 days: not yet
        self.assertFalse(any("(M10)" in f for f in
                             d.ok("status", REF, json=True).json["flags"]))
        d.set_clock("2027-06-02 09:00")
        flags = d.ok("status", REF, json=True).json["flags"]
        self.assertIn("no meeting for more than max_meeting_gap_days = 120 (M10)",
                      flags)
        self.assertEqual(len(self.sent("next-meeting")), 1)
        d.ok("meeting", "schedule", REF, "--start", "2027-06-14 10:00",
             "--minutes", "60", "--place", "Rom 1")
        d.set_clock("2027-06-14 12:00")
        self.assertFalse(any("(M10)" in f for f in
                             d.ok("status", REF, json=True).json["flags"]))
