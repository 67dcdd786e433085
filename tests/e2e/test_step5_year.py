"""Step 5, a whole year of one group, end to end: every mail its members
and coordinator get from activation in January to the last minutes in
December, checked against the rules (M1-M10, A1-A2, E2, R2-R4, T1) with
the policy defaults.  The test clock only moves forward, in a few steps
chosen at the moments the rules name; replies, answers and minutes are fed
with `ansvarctl reply import` in the shapes real mail clients send.

With ANSVAR_YEAR_TABLE=1 the table of every mail is printed to stderr as
Markdown:

    ANSVAR_YEAR_TABLE=1 /usr/bin/python3 tests/e2e/run.py step5_year

Names and addresses are invented.

The group (test_step5_mailin.Group, the client with e-mail):
  #1 client, #2 guardian, #3 coordinator (NAV), #4 service (BUP),
  #5 service (Skole).  Activated Monday 2027-01-04 09:00.

The year, and the rule behind every mail in EXPECTED below (defaults:
send_hour 08:00, agenda_lead_days 7, agenda_prepare_days 7,
rsvp_chase_days 3, minutes_remind_days 3, minutes_due_days 7,
minutes_overdue_repeat_days 3, comment_days 7, next_meeting_grace_days 7,
action_remind_days 7, evaluation_months 12, evaluation_warn_days 30,
skip_holidays on: a send day on a weekend or public holiday moves to the
working day before it; Europe/Oslo, summer time 2027-03-28..10-31):

  M1 Wed 2027-02-10 13:00, scheduled at activation; minute-taker #3 (the
     rotation among the fixed service members #3, #4, #5 starts with #3).
     - BUP (#4) declines: substitute-request to #4, member-declined to #3
       at once (M6).
     - agenda 02-03 (M3); the coordinator's reminder 7 days before the
       agenda goes out: 01-27.
     - chase 02-07 is a Sunday -> Friday 02-05: reminders to the client
       (#1, never answers) and to Skole (#5, never answers), and the
       coordinator's task to call the silent client (M6).
     - attendance: the client came, no task (M8); next meeting M2 set at
       the meeting (M10); an action for #4 is added (A1).
     - minutes reminder 02-13 is a Saturday -> Friday 02-12 (M9); the
       coordinator submits them by command on 02-15, before the deadline
       02-17: minutes to all five.
  M2 Mon 2027-05-24 10:00 (summer time); minute-taker #4.
     - the action's owner is reminded 7 days before its evaluation on
       05-13: 05-06 is Ascension Day -> Wednesday 05-05 (A2).
     - agenda 05-17 is Constitution Day and Whit Monday -> Friday 05-14
       (T1, the lead time is never shortened); the coordinator is
       reminded 7 days before the agenda goes out: Friday 05-07 (M3;
       T1: "so a lead time is never shortened").
     - everyone has answered by the chase on 05-21: no reminders.
     - Skole answers the agenda mail: forwarded to the coordinator (R2).
     - the client does not come although they accepted: absence-followup
       (M8); next meeting M3 set at the meeting.
     - minutes reminder to #4 on 05-27; #4 answers it with a PDF on 05-28:
       recorded and mailed to all (R3); the guardian answers the minutes
       mail with a correction on 06-01: to the minute-taker (M9).
  M3 Tue 2027-09-14 12:00; minute-taker #5.
     - the guardian declines (rsvp-followup to #3 at once, M6), is called
       and accepts after all (a later reply wins, no mail).
     - prepare 08-31, agenda 09-07, chase 09-11 is a Saturday -> 09-10:
       everyone has answered, no mail.
     - no next meeting is set: next-meeting notice 7 days later, 09-21
       (M10).
     - minutes reminder to #5 on 09-17; still missing at the deadline
       09-21 and again 3 days later on 09-24: minutes-overdue to the
       coordinator twice; the coordinator submits them on 09-24 13:00 and
       schedules M4.
  M4 Mon 2027-12-13 10:00 (winter time); minute-taker #3 again (the one
     who took it longest ago).
     - yearly evaluation due 2028-01-04 (12 months from activation): the
       coordinator is told 30 days before, 12-05 is a Sunday -> Friday
       12-03 (E2); the item is on M4's agenda (the last meeting before it
       falls due).
     - prepare 11-29, agenda 12-06, chase 12-10: all answered, no mail.
     - at the meeting the evaluation is recorded and the next meeting (M5,
       2028-02-14) is set: its invitations go out at once.
     - the coordinator submits the minutes the next day, before the
       reminder would go out (12-16): no reminder, no overdue notice.
"""
import collections
import os
import sys

from test_step5_mailin import (Group, MinutesTest, addr, answer, body, kind,
                               make_pdf, reply, sent_at)

REF = "AAR-2027"
W, S = "+0100", "+0200"          # Europe/Oslo, winter and summer time
LABELS = ("#1 client", "#2 guardian", "#3 coordinator", "#4 service (BUP)",
          "#5 service (Skole)")
C1, C2, C3, C4, C5 = LABELS


def to_all(when, kind_):
    return [(when, kind_, who) for who in LABELS]


# Every mail the members get in 2027: (Date, X-Ansvar-Kind, recipient).
# Mails with the same Date may come in any order.
EXPECTED = [
    # activation, M1 scheduled (G2, M2)
    (f"2027-01-04 09:00 {W}", "coordinator-assigned", C3),
    *to_all(f"2027-01-04 09:00 {W}", "invitation"),
    # M1 Wed 02-10: BUP declines (M6)
    (f"2027-01-05 10:00 {W}", "substitute-request", C4),
    (f"2027-01-05 10:00 {W}", "member-declined", C3),
    (f"2027-01-27 08:00 {W}", "agenda-prepare", C3),            # M3
    *to_all(f"2027-02-03 08:00 {W}", "agenda"),                 # M3
    (f"2027-02-05 08:00 {W}", "rsvp-reminder", C1),             # M6, T1
    (f"2027-02-05 08:00 {W}", "rsvp-followup", C3),
    (f"2027-02-05 08:00 {W}", "rsvp-reminder", C5),
    *to_all(f"2027-02-10 14:00 {W}", "invitation"),             # M2 set, M10
    (f"2027-02-12 08:00 {W}", "minutes-reminder", C3),          # M9, T1
    *to_all(f"2027-02-15 09:00 {W}", "minutes"),                # M9
    # M2 Mon 05-24
    (f"2027-05-05 08:00 {S}", "action-reminder", C4),           # A2, T1
    # M3, T1: 7 days before the agenda really goes out (05-14), not 7
    # days before its nominal day 05-17 (that would be Monday 05-10 and
    # leave the coordinator 4 days instead of 7)
    (f"2027-05-07 08:00 {S}", "agenda-prepare", C3),
    *to_all(f"2027-05-14 08:00 {S}", "agenda"),                 # M3, T1
    (f"2027-05-18 10:00 {S}", "forward", C3),                   # R2
    (f"2027-05-24 11:00 {S}", "absence-followup", C3),          # M8
    *to_all(f"2027-05-24 11:00 {S}", "invitation"),             # M3 set
    (f"2027-05-27 08:00 {S}", "minutes-reminder", C4),          # M9
    *to_all(f"2027-05-28 09:00 {S}", "minutes"),                # R3
    (f"2027-06-01 09:00 {S}", "minutes-comment", C4),           # M9
    # M3 Tue 09-14
    (f"2027-08-31 08:00 {S}", "agenda-prepare", C3),            # M3
    (f"2027-08-31 08:00 {S}", "rsvp-followup", C3),             # M6
    *to_all(f"2027-09-07 08:00 {S}", "agenda"),                 # M3
    (f"2027-09-17 08:00 {S}", "minutes-reminder", C5),          # M9
    (f"2027-09-21 08:00 {S}", "minutes-overdue", C3),           # M9
    (f"2027-09-21 08:00 {S}", "next-meeting", C3),              # M10
    (f"2027-09-24 08:00 {S}", "minutes-overdue", C3),           # M9
    *to_all(f"2027-09-24 13:00 {S}", "minutes"),                # M9
    *to_all(f"2027-09-24 13:00 {S}", "invitation"),             # M4 set
    # M4 Mon 12-13
    (f"2027-11-29 08:00 {W}", "agenda-prepare", C3),            # M3
    (f"2027-12-03 08:00 {W}", "evaluation-due", C3),            # E2, T1
    *to_all(f"2027-12-06 08:00 {W}", "agenda"),                 # M3
    *to_all(f"2027-12-13 11:00 {W}", "invitation"),             # M5 set
    *to_all(f"2027-12-14 15:00 {W}", "minutes"),                # M9
]


def canon(row):
    return (row[0], row[2], row[1])


class TestYear(MinutesTest):
    """One group through 2027 on the Maildir transport."""

    def setUp(self):
        super().setUp()
        self.maxDiff = None
        self.g = None
        self.n = 0
        if os.environ.get("ANSVAR_YEAR_TABLE") == "1":
            # a cleanup runs before the daemon's (LIFO): the Maildir is
            # still there, and the table is printed even when a check fails
            self.addCleanup(self.print_table)

    # -- helpers ---------------------------------------------------------

    def rsvp(self, num, who, shape, partstat, **kw):
        """WHO answers meeting NUM's invitation from their mail client."""
        self.n += 1
        raw = reply(shape, self.g.ics(num, to=who), who, partstat, **kw)
        r = self.import_mail(raw, f"rsvp-{self.n}.eml")
        self.assertEqual((r["class"], r["meeting"]), ("reply", num), r)

    def answer_to(self, mail, sender, text, want, attachments=()):
        """SENDER answers MAIL (one ansvar sent them) with TEXT."""
        self.n += 1
        raw = answer(text, sender=sender, in_reply_to=str(mail["Message-ID"]),
                     subject="Re: " + str(mail["Subject"]),
                     attachments=attachments)
        r = self.import_mail(raw, f"answer-{self.n}.eml")
        self.assertEqual((r["class"], r["group"]), (want, REF), r)
        return r

    def submit(self, num, text):
        path = self.write(f"referat-{num}.txt", text.encode())
        self.d.ok("minutes", "submit", f"{REF}/{num}", path)

    def last(self, kind_, to):
        return self.g.mails(kind_, to)[-1]

    def labels(self):
        g = self.g
        return dict(zip((g.ola, g.mor, g.koord, g.bjorn, g.line), LABELS))

    def table(self):
        """(Date, kind, recipient) of every mail to a member, in the order
        they were delivered, and the group's other mails."""
        labels = self.labels() if self.g else {}
        rows, other = [], []
        for m in self.d.mails():
            to = addr(m["To"])
            row = (sent_at(m), kind(m), labels.get(to, to))
            (rows if to in labels else other).append(row)
        return rows, other

    def print_table(self):
        rows, _ = self.table()
        left = collections.Counter(EXPECTED)
        out = ["", "| # | Sent (Date) | X-Ansvar-Kind | To | rules |",
               "|---|---|---|---|---|"]
        for i, row in enumerate(rows, 1):
            ok = left[row] > 0
            left[row] -= ok
            out.append(f"| {i} | {row[0]} | {row[1]} | {row[2]} | "
                       f"{'ok' if ok else '**not expected**'} |")
        for row in sorted(left.elements(), key=canon):
            out.append(f"| - | {row[0]} | {row[1]} | {row[2]} | "
                       "**expected, missing** |")
        sys.stderr.write("\n".join(out) + "\n")
        sys.stderr.flush()

    # -- the year --------------------------------------------------------

    def test_M3_M6_M8_M9_M10_A2_E2_R2_R3_a_year_of_mail(self):
        """A year of one group: every mail its members and coordinator get
        (Date, kind, recipient) is exactly what the rules say, with
        weekends, public holidays and summer time; see the module
        docstring for the rule behind each line."""
        d = self.d
        self.g = g = Group(d, REF, client_email=True)   # 2027-01-04 09:00
        m1 = g.meeting("2027-02-10 13:00")

        # --- M1, Wed 2027-02-10 ------------------------------------------
        self.at("2027-01-05 10:00")
        self.rsvp(m1, g.mor, "outlook", "ACCEPTED")
        self.rsvp(m1, g.koord, "thunderbird", "ACCEPTED")
        self.rsvp(m1, g.bjorn, "gmail", "DECLINED",
                  comment="Jeg er på kurs den dagen.")
        self.at("2027-01-27 08:00")                   # agenda-prepare
        self.at("2027-02-03 08:00")                   # agenda
        self.at("2027-02-05 08:00")                   # chase (Sun 02-07)
        self.at("2027-02-10 14:00")                   # the meeting is over
        d.ok("attendance", f"{REF}/{m1}", "--present", "#1,#2,#3")
        d.ok("action", "add", REF, "--goal", "Fast plass i skolefritids"
             "ordningen", "--owner", "#4", "--start", "2027-02-15",
             "--weeks", "12", "--evaluate", "2027-05-13")
        m2 = g.meeting("2027-05-24 10:00")
        self.at("2027-02-12 08:00")                   # minutes reminder
        self.at("2027-02-15 09:00")
        self.submit(m1, "Referat fra møte 1 i AAR-2027\n\n"
                        "1. Skolen melder stabilt oppmøte.\n"
                        "2. BUP søker om plass i SFO.\n")

        # --- M2, Mon 2027-05-24 ------------------------------------------
        self.at("2027-05-05 08:00")                   # action (Thu 05-06)
        self.at("2027-05-07 08:00")                   # agenda-prepare
        self.rsvp(m2, g.ola, "apple", "ACCEPTED")
        self.rsvp(m2, g.mor, "gmail", "ACCEPTED")
        self.rsvp(m2, g.koord, "outlook", "ACCEPTED")
        self.rsvp(m2, g.bjorn, "apple", "ACCEPTED")
        self.rsvp(m2, g.line, "thunderbird", "TENTATIVE")
        self.at("2027-05-14 08:00")                   # agenda (Mon 05-17)
        self.at("2027-05-18 10:00")
        self.answer_to(self.last("agenda", g.line), g.line,
                       "Jeg vil gjerne ta opp skoleskyss under eventuelt.\n"
                       "Hilsen Line", "answer")
        self.at("2027-05-21 08:00")                   # chase: all answered
        self.at("2027-05-24 11:00")
        d.ok("attendance", f"{REF}/{m2}", "--present", "#2,#3,#4,#5")
        d.ok("action", "done", f"{REF}/a1", "--note", "Plass fra august")
        m3 = g.meeting("2027-09-14 12:00")
        self.at("2027-05-27 08:00")                   # minutes reminder
        self.at("2027-05-28 09:00")
        pdf = make_pdf("Referat AAR-2027 mote 2")
        self.answer_to(self.last("minutes-reminder", g.bjorn), g.bjorn,
                       "Her er referatet.", "minutes",
                       [("referat.pdf", "application/pdf", pdf)])
        self.at("2027-06-01 09:00")
        self.answer_to(self.last("minutes", g.mor), g.mor,
                       "Punkt 3: skoleskyss gjelder fra august, ikke juni.",
                       "comment")

        # --- M3, Tue 2027-09-14 ------------------------------------------
        self.at("2027-08-31 08:00")                   # agenda-prepare
        self.rsvp(m3, g.ola, "gmail", "ACCEPTED")
        self.rsvp(m3, g.mor, "outlook", "DECLINED",
                  comment="Vi har legetime den dagen.")
        self.rsvp(m3, g.koord, "apple", "ACCEPTED")
        self.rsvp(m3, g.bjorn, "outlook", "ACCEPTED")
        self.rsvp(m3, g.line, "gmail", "ACCEPTED")
        self.at("2027-09-07 08:00")                   # agenda
        self.rsvp(m3, g.mor, "thunderbird", "ACCEPTED")   # after the call
        self.at("2027-09-10 08:00")                   # chase (Sat 09-11)
        self.at("2027-09-14 13:00")
        d.ok("attendance", f"{REF}/{m3}", "--present", "#1,#2,#3,#4,#5")
        self.at("2027-09-17 08:00")                   # minutes reminder
        self.at("2027-09-21 08:00")                   # overdue, next-meeting
        self.at("2027-09-24 08:00")                   # overdue again
        self.at("2027-09-24 13:00")
        self.submit(m3, "Referat fra møte 3 i AAR-2027\n\n"
                        "1. Skoleskyss er på plass.\n")
        m4 = g.meeting("2027-12-13 10:00")

        # --- M4, Mon 2027-12-13 ------------------------------------------
        self.at("2027-11-29 08:00")                   # agenda-prepare
        self.rsvp(m4, g.ola, "thunderbird", "ACCEPTED")
        self.rsvp(m4, g.mor, "apple", "ACCEPTED")
        self.rsvp(m4, g.koord, "gmail", "ACCEPTED")
        self.rsvp(m4, g.bjorn, "thunderbird", "ACCEPTED")
        self.rsvp(m4, g.line, "outlook", "ACCEPTED")
        self.at("2027-12-03 08:00")                   # evaluation (Sun 12-05)
        self.at("2027-12-06 08:00")                   # agenda
        self.at("2027-12-10 08:00")                   # chase: all answered
        self.at("2027-12-13 11:00")
        d.ok("attendance", f"{REF}/{m4}", "--present", "#1,#2,#3,#4,#5")
        evaluated = d.ok("evaluation", "record", REF, "--date", "2027-12-13",
                         "--summary", "Gruppen fungerer; alle fortsetter "
                         "som faste medlemmer.")
        m5 = g.meeting("2028-02-14 10:00")
        self.at("2027-12-14 15:00")
        self.submit(m4, "Referat fra møte 4 i AAR-2027\n\n"
                        "1. Årlig evaluering gjennomført.\n")
        self.at("2027-12-31 23:00")                   # nothing more

        # --- what some of them say (the table itself is checked last, in
        # `finally`, so that it is compared even when one of these fails)
        rows, other = self.table()
        try:
            self.assertEqual([m1, m2, m3, m4, m5], [1, 2, 3, 4, 5])
            # M7: the minute-taker rotates among the fixed service members
            self.assertEqual([g.show(n)["minute_taker"].split()[0]
                              for n in (m1, m2, m3, m4)],
                             ["#3", "#4", "#5", "#3"])
            # A2: the action evaluated 05-13 is on M2's agenda
            agendas = g.mails("agenda", g.mor)
            self.assertIn("Fast plass i skolefritidsordningen",
                          body(agendas[1]))
            # E2: the yearly evaluation is on M4's agenda, not on M2's
            item = "Årlig evaluering av gruppens arbeid"
            self.assertNotIn(item, body(agendas[1]))
            self.assertIn(item, body(agendas[3]))
            self.assertIn("2028-01-04", str(g.mails("evaluation-due")[0]
                                            ["Subject"]))
            self.assertIn("the next is due 2028-12-13", evaluated.out)
            # M6, M8: the coordinator's tasks name whom to call
            followups = g.mails("rsvp-followup")
            self.assertIn("Ola Testmann", body(followups[0]))    # silent
            self.assertIn("Mor Testmann", body(followups[1]))    # declined
            self.assertIn("Vi har legetime den dagen.", body(followups[1]))
            self.assertIn("Ola Testmann",
                          body(g.mails("absence-followup")[0]))
            # R3: the minutes #4 mailed in reach everyone as their PDF
            for m in g.mails("minutes"):
                if sent_at(m).startswith("2027-05-28"):
                    self.assertIn(pdf, [p.get_payload(decode=True)
                                        for p in m.iter_attachments()])
            # T3: no subject names the client
            self.assertNoClient(g.mails())
            # nothing left undone at the end of the year
            self.assertEqual(d.ok("status", REF, json=True).json["flags"],
                             [])
            # the only mail to others: the youth team, when it started (G7)
            self.assertEqual(other, [(f"2027-01-04 09:00 {W}",
                                      "group-started",
                                      "oppvekst@kommune.example")])
            self.assertEqual([r[0] for r in rows],
                             sorted(r[0] for r in rows),
                             "mails delivered out of order")
        finally:
            # --- the table: every mail of the year ---------------------
            self.assertEqual(sorted(rows, key=canon),
                             sorted(EXPECTED, key=canon))
