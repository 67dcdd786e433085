"""Step 2: groups, members, roles, consent, one coordinator, transitions,
closing, audit and access (SPEC G1-G9, T3, T4).  Names are invented."""
import os
import pwd
import unittest

from harness import Daemon, DaemonTest

CLIENT = "Sunniva Prøvesen"     # invented
REF = "BUF-2027-014"


def kinds(mails):
    return [str(m["X-Ansvar-Kind"]) for m in mails]


class GroupTest(DaemonTest):
    def make_group(self, born="2012-05-20", consent=False, ref=REF):
        d = self.d
        d.ok("group", "create", ref, "--client", CLIENT, "--born", born,
             "--email", "sunniva@example.org")
        d.ok("member", "add", ref, "Mor Prøvesen", "--role", "guardian",
             "--email", "mor@example.org")
        d.ok("member", "add", ref, "Nina Nav", "--role", "service",
             "--service", "NAV", "--email", "nina@nav.example", "--coordinator")
        d.ok("member", "add", ref, "Bjørn Bup", "--role", "service",
             "--service", "BUP", "--email", "bjorn@bup.example")
        if consent:
            d.ok("group", "consent", ref, "--date", "2027-01-04", "--by",
                 "Mor Prøvesen", "--scope", "skole, helse")
        return ref

    def members(self, ref=REF):
        return self.d.ok("member", "list", ref, json=True).json

    def refused(self, *args, code=65, text=None):
        before = self.d.ok("group", "show", REF, json=True).json \
            if self.d.ctl("group", "show", REF).rc == 0 else None
        r = self.d.ctl(*args)
        self.assertEqual(r.rc, code, r)
        if text:
            self.assertIn(text, r.err)
        if before is not None:
            self.assertEqual(self.d.ok("group", "show", REF, json=True).json,
                             before, "a refused command changed the group")
        return r


class TestG1Members(GroupTest):
    def test_G1_members_and_roles(self):
        self.make_group()
        roles = [(m["role"], m["service"]) for m in self.members()]
        self.assertEqual(roles, [("client", None), ("guardian", None),
                                 ("service", "NAV"), ("service", "BUP")])
        self.d.ok("member", "add", REF, "Verge Vik", "--role", "verge")
        self.d.ok("member", "add", REF, "Tante Tone", "--role", "relative",
                  "--guest")

    def test_G1_validation_refusals(self):
        self.make_group()
        self.refused("member", "add", REF, "X", "--role", "teacher",
                     text='"teacher" is not one of')
        self.refused("member", "add", REF, "X", "--role", "service",
                     text="needs --service")
        self.refused("member", "add", REF, "X", "--role", "relative",
                     "--service", "NAV", text="only for members with --role service")
        self.refused("member", "add", REF, "  ", "--role", "relative",
                     text="must not be empty")
        self.refused("member", "add", REF, "X", "--role", "relative",
                     "--email", "x@@y", text="not an e-mail address")
        self.refused("member", "add", REF, "X", "--role", "relative",
                     "--email", "NINA@nav.example", text="already a member")
        self.refused("member", "add", REF, "X", "--role", "client",
                     text="already has its client")
        self.refused("member", "add", REF, "X", "--role", "relative",
                     "--channel", "post", text="needs --address")
        self.refused("member", "add", REF, "X", "--role", "relative",
                     "--lang", "de", text='"de" is not one of')
        self.refused("member", "add", REF, "X", "--role", "relative",
                     "--login", "no-such-user-here", text="no Unix user")
        self.refused("member", "remove", REF, "#42", text='no member "#42"')
        self.refused("member", "remove", REF, "who@example.org",
                     text='no member "who@example.org"')
        self.refused("member", "add", "NOPE-1", "X", "--role", "relative",
                     text="NOPE-1: no such group")
        self.refused("member", "add", REF, "X", code=64, text="--role is required")
        self.refused("group", "create", "X-2", "--client", "A", "--born",
                     "2030-01-01", text="in the future")


class TestG2Coordinator(GroupTest):
    def test_G2_handover_required(self):
        self.make_group(consent=True)
        r = self.refused("member", "remove", REF, "#3",
                         text="hand over in the same command")
        self.assertIn("--successor", r.err)
        self.refused("member", "remove", REF, "#2", "--successor", "#4",
                     text="--successor is only for removing the coordinator")
        self.refused("member", "remove", REF, "#1", text="close the group")
        before = len(self.d.mails())
        self.d.ok("member", "remove", REF, "nina@nav.example", "--successor", "4")
        ms = {m["num"]: m for m in self.members()}
        self.assertNotIn(3, ms)
        self.assertTrue(ms[4]["coordinator"])
        self.assertEqual(sum(m["coordinator"] for m in ms.values()), 1)
        new = self.d.mails()[before:]
        self.assertEqual(sorted(kinds(new)),
                         ["coordinator-assigned", "coordinator-released"])
        to = {str(m["X-Ansvar-Kind"]): m["To"].addresses[0].addr_spec for m in new}
        self.assertEqual(to["coordinator-assigned"], "bjorn@bup.example")
        self.assertEqual(to["coordinator-released"], "nina@nav.example")
        for m in new:
            self.assertNoClientName(m, CLIENT)
        released = [m for m in new if m["X-Ansvar-Kind"] == "coordinator-released"][0]
        self.assertIn("Bjørn Bup", self.body(released))
        audit = self.d.ok("audit", REF, json=True).json
        self.assertIn("coordinator handed over from #3 to #4", audit[-1]["detail"])

    def test_G2_coordinator_set_with_client_wish(self):
        self.make_group(consent=True)
        self.d.ok("coordinator", "set", REF, "#4", "--client-wish",
                  "ønsker BUP som koordinator")
        self.refused("coordinator", "set", REF, "#2",
                     text="not a fixed service member")
        self.refused("coordinator", "set", REF, "#4", text="already coordinates")
        audit = self.d.ok("audit", REF, json=True).json
        self.assertIn("client's wish: ønsker BUP", audit[-1]["detail"])
        with self.d.db() as db:
            self.assertEqual(db.execute("SELECT client_wish FROM handovers")
                             .fetchall(), [("ønsker BUP som koordinator",)])

    def test_G2_one_coordinator_only_and_consent_needs_one(self):
        d = self.d
        d.ok("group", "create", REF, "--client", CLIENT, "--born", "2012-05-20")
        self.refused("group", "consent", REF, "--date", "2027-01-04", "--by",
                     "Mor", text="has no coordinator")
        d.ok("member", "add", REF, "Nina Nav", "--role", "service",
             "--service", "NAV", "--coordinator")
        self.refused("member", "add", REF, "Ola", "--role", "service",
                     "--service", "BUP", "--coordinator",
                     text="already has a coordinator")
        self.refused("member", "add", REF, "Mor", "--role", "guardian",
                     "--coordinator")


class TestG3G4(GroupTest):
    def test_G3_contact_person(self):
        self.make_group()
        self.d.ok("contact", "set", REF, "#4")
        self.assertEqual(self.d.ok("group", "show", REF, json=True).json["contact"],
                         "#4")
        self.refused("contact", "set", REF, "#1", text="another member than the client")

    def test_G4_seventh_fixed_member_refused(self):
        self.make_group()           # 4 fixed members
        self.d.ok("member", "add", REF, "Skole Sara", "--role", "service",
                  "--service", "Skole")
        self.d.ok("member", "add", REF, "Far Prøvesen", "--role", "guardian")
        r = self.refused("member", "add", REF, "Helse Hans", "--role",
                         "service", "--service", "Helsestasjon",
                         text="max_fixed_members")
        self.assertIn("--guest", r.err)
        self.d.ok("member", "add", REF, "Helse Hans", "--role", "service",
                  "--service", "Helsestasjon", "--guest")
        show = self.d.ok("group", "show", REF, json=True).json
        self.assertEqual(show["fixed_members"], 6)
        self.assertEqual(len(show["members"]), 7)


class TestG5Services(GroupTest):
    def test_G5_services_warranted_warned_not_refused(self):
        d = self.d
        r = d.ok("group", "create", REF, "--client", CLIENT, "--born", "2012-05-20")
        self.assertIn("min_services = 2 (G5)", r.err)
        d.ok("member", "add", REF, "Nina Nav", "--role", "service",
             "--service", "NAV", "--coordinator")
        d.ok("member", "add", REF, "Sara Skole", "--role", "service",
             "--service", "skole")      # in non_services: does not count
        r = d.ok("group", "consent", REF, "--date", "2027-01-04", "--by", "Mor")
        self.assertIn("1 service counting toward min_services = 2 (G5)", r.err)
        show = d.ok("group", "show", REF, json=True).json
        self.assertEqual(show["services"], 1)
        self.assertIn("1 service, fewer than min_services = 2 (G5)", show["flags"])
        st = d.ok("status", json=True).json
        self.assertIn({"group": REF, "flag": "1 service, fewer than "
                       "min_services = 2 (G5)"}, st["groups"])
        d.ok("member", "add", REF, "Bjørn Bup", "--role", "service",
             "--service", "BUP")
        self.assertEqual(d.ok("group", "show", REF, json=True).json["flags"], [])


class TestG5Bodo(GroupTest):
    policy = "min_services = 3\nnon_services =\n"

    def test_G5_bodo_policy_counts_school(self):
        self.make_group()
        self.d.ok("member", "add", REF, "Sara Skole", "--role", "service",
                  "--service", "Skole")
        show = self.d.ok("group", "show", REF, json=True).json
        self.assertEqual(show["services"], 3)
        self.assertEqual(show["flags"], ["draft: consent not registered (G6)"])


class TestG6Consent(GroupTest):
    clock = "2027-05-01 09:00"

    def test_G6_draft_group_sends_nothing_about_the_client_for_a_month(self):
        # the client turns 18 inside the month: a draft must stay silent
        self.make_group(born="2009-05-15")
        self.assertEqual(self.d.ok("group", "show", REF, json=True).json["state"],
                         "draft")
        for day in range(2, 32):
            self.d.set_clock(f"2027-05-{day:02d} 09:00")
        mails = self.d.mails()
        self.assertEqual(kinds(mails), ["coordinator-assigned"])
        for m in mails:
            self.assertNotIn("Sunniva", m.as_string())
            self.assertNotIn("Prøvesen", self.body(m))
        self.refused("group", "consent", REF, "--date", "2027-06-02", "--by",
                     "Mor", text="in the future")
        self.d.ok("group", "consent", REF, "--date", "2027-05-31", "--by", "Mor")
        show = self.d.ok("group", "show", REF, json=True).json
        self.assertEqual((show["state"], show["consent_date"], show["consent_by"]),
                         ("active", "2027-05-31", "Mor"))
        self.refused("group", "consent", REF, "--date", "2027-05-31", "--by",
                     "Mor", text="consent activates a draft")


class TestG7G8(GroupTest):
    def test_G7_start_notice_for_a_minor(self):
        self.make_group(born="2012-05-20", consent=True)
        m = [m for m in self.d.mails() if m["X-Ansvar-Kind"] == "group-started"]
        self.assertEqual(len(m), 1)
        self.assertEqual(m[0]["To"].addresses[0].addr_spec,
                         "oppvekst@kommune.example")
        self.assertNoClientName(m[0], CLIENT)
        self.assertIn("Nina Nav", self.body(m[0]))

    def test_G7_no_start_notice_for_an_adult(self):
        self.make_group(born="1990-01-01", consent=True)
        self.assertNotIn("group-started", kinds(self.d.mails()))

    def test_G8_coordinator_told_on_18th_birthday_once(self):
        self.make_group(born="2009-03-10", consent=True)
        self.d.set_clock("2027-03-09 09:00")
        self.d.set_clock("2027-03-10 07:59")
        self.assertNotIn("client-adult", kinds(self.d.mails()))
        self.d.set_clock("2027-03-10 08:00")
        adult = [m for m in self.d.mails() if m["X-Ansvar-Kind"] == "client-adult"]
        self.assertEqual(len(adult), 1)
        self.assertEqual(adult[0]["To"].addresses[0].addr_spec, "nina@nav.example")
        self.assertIn("2027-03-10", self.body(adult[0]))
        self.assertNoClientName(adult[0], CLIENT)
        self.assertIn("Date: Wed, 10 Mar 2027 08:00:00 +0100", adult[0].as_string())
        st = self.d.ok("status", REF, json=True).json
        self.assertTrue(any("membership review" in f and "18" in f
                            for f in st["flags"]))
        for day in (11, 20, 31):
            self.d.set_clock(f"2027-03-{day:02d} 09:00")
        self.assertEqual(kinds(self.d.mails()).count("client-adult"), 1)

    def test_G8_downtime_over_the_birthday_still_tells_once(self):
        self.make_group(born="2009-03-10", consent=True)
        self.assertEqual(self.d.stop(), 0)
        self.d.clock = "2027-03-12 10:00"
        self.d.start()
        self.assertEqual(kinds(self.d.mails()).count("client-adult"), 1)
        self.d.stop()
        self.d.start()
        self.assertEqual(kinds(self.d.mails()).count("client-adult"), 1)

    def test_G8_transition_puts_membership_review_on_next_agenda(self):
        self.make_group(consent=True)
        self.d.ok("group", "transition", REF, "--kind", "upper-secondary",
                  "--date", "2027-08-15", "--note", "ny skole")
        show = self.d.ok("group", "show", REF, json=True).json
        self.assertEqual(show["transitions"],
                         [{"kind": "upper-secondary", "date": "2027-08-15",
                           "note": "ny skole"}])
        self.assertTrue(any("membership review (transition: upper-secondary"
                            in f for f in show["flags"]))
        with self.d.db() as db:
            self.assertEqual(db.execute("SELECT count(*) FROM agenda_pending "
                                        "WHERE done_at IS NULL").fetchone(), (1,))
        self.refused("group", "transition", REF, "--kind", "retired",
                     "--date", "2027-08-15", text="is not one of")


class TestG9Closing(GroupTest):
    def test_G9_close_minor_tells_youth_team_and_stops_reminders(self):
        self.make_group(born="2009-06-01", consent=True)
        self.refused("group", "close", REF, "--reason", "ferdig", code=64,
                     text="--summary")
        self.d.ok("group", "close", REF, "--reason", "Behovet er dekket",
                  "--summary", "Målene i planen er nådd.")
        m = [m for m in self.d.mails() if m["X-Ansvar-Kind"] == "group-closed"]
        self.assertEqual(len(m), 1)
        self.assertEqual(m[0]["To"].addresses[0].addr_spec, "oppvekst@kommune.example")
        self.assertIn("Målene i planen er nådd.", self.body(m[0]))
        self.assertNoClientName(m[0], CLIENT)
        show = self.d.ok("group", "show", REF, json=True).json
        self.assertEqual(show["state"], "closed")
        self.assertEqual(show["closures"][0]["summary"], "Målene i planen er nådd.")
        # the 18th birthday passes: a closed group is told nothing
        self.d.set_clock("2027-06-02 09:00")
        self.assertNotIn("client-adult", kinds(self.d.mails()))
        self.refused("member", "add", REF, "X", "--role", "relative",
                     text="is closed")
        self.refused("group", "close", REF, "--reason", "x", "--summary", "y",
                     text="already closed")
        self.d.ok("group", "reopen", REF)
        self.assertEqual(self.d.ok("group", "show", REF, json=True).json["state"],
                         "active")

    def test_G9_close_adult_tells_adult_services(self):
        self.make_group(born="1980-01-01", consent=True)
        self.d.ok("group", "close", REF, "--reason", "Brukerens ønske",
                  "--summary", "Brukeren ønsker ikke videre samarbeid.")
        m = [m for m in self.d.mails() if m["X-Ansvar-Kind"] == "group-closed"]
        self.assertEqual(m[0]["To"].addresses[0].addr_spec,
                         "forvaltning@kommune.example")


class TestT4Languages(GroupTest):
    def test_T4_member_language_overrides_installation(self):
        d = self.d
        d.ok("group", "create", REF, "--client", CLIENT, "--born", "2012-05-20")
        d.ok("member", "add", REF, "Ann English", "--role", "service",
             "--service", "NAV", "--email", "ann@nav.example", "--lang", "en",
             "--coordinator")
        d.ok("member", "add", REF, "Per Norsk", "--role", "service",
             "--service", "BUP", "--email", "per@bup.example")
        d.ok("coordinator", "set", REF, "#3")
        by_to = {m["To"].addresses[0].addr_spec: m for m in d.mails()
                 if m["X-Ansvar-Kind"] == "coordinator-assigned"}
        self.assertIn("You are the group's coordinator",
                      by_to["ann@nav.example"]["Subject"])
        self.assertIn("Du er koordinator", by_to["per@bup.example"]["Subject"])
        released = [m for m in d.mails() if m["X-Ansvar-Kind"] ==
                    "coordinator-released"][0]
        self.assertIn("handed over", released["Subject"])

    def test_T3_no_CR_LF_reaches_a_header(self):
        d = self.d
        d.ok("group", "create", REF, "--client", CLIENT, "--born", "2012-05-20")
        d.ok("member", "add", REF, "Eve\r\nBcc: evil@example.org", "--role",
             "service", "--service", "NAV\nX-Evil: 1", "--email",
             "eve@nav.example", "--coordinator")
        m = d.mails()[0]
        raw = open(m.path, "rb").read().decode()
        head = raw.split("\n\n", 1)[0]
        self.assertNotIn("\nBcc:", head)
        self.assertNotIn("\nX-Evil", head)
        self.assertIsNone(m["Bcc"])
        self.assertIn("Eve", str(m["To"]))
        names = [x["name"] for x in d.ok("member", "list", REF, json=True).json]
        self.assertEqual(names[1], "Eve\r\nBcc: evil@example.org")


def user(name):
    """(uid, gid) for setpriv: a real account, with the socket's group."""
    return (pwd.getpwnam(name).pw_uid, os.getgid())


class TestT3Access(unittest.TestCase):
    """Access through the socket, as other Unix users (setpriv)."""

    def setUp(self):
        self.d = Daemon(admin_group="adm")
        self.addCleanup(self.d.cleanup)
        self.d.start()
        d = self.d
        d.ok("group", "create", "A-1", "--client", CLIENT, "--born", "2012-05-20")
        d.ok("member", "add", "A-1", "Koord Daemon", "--role", "service",
             "--service", "NAV", "--login", "daemon", "--coordinator")
        d.ok("member", "add", "A-1", "Medlem Bin", "--role", "service",
             "--service", "BUP", "--login", "bin")
        d.ok("group", "create", "B-2", "--client", "Annen Person", "--born",
             "2011-01-01")

    def as_user(self, name, *args, groups=None):
        uid, gid = user(name)
        argv = list(args)
        if groups:
            import subprocess
            from harness import ANSVARCTL
            p = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}",
                                f"--groups={groups}", ANSVARCTL, "-s",
                                self.d.sock, "--json", *argv],
                               capture_output=True, text=True)
            return p
        return self.d.ctl(*argv, user=(uid, gid), json=False)

    def test_T3_coordinator_changes_member_reads_outsider_refused(self):
        d = self.d
        r = self.as_user("daemon", "member", "add", "A-1", "Ny Person",
                         "--role", "relative")
        self.assertEqual(r.rc, 0, r)
        r = self.as_user("bin", "member", "list", "A-1")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Ny Person", r.out)
        r = self.as_user("bin", "member", "add", "A-1", "Enda En", "--role",
                         "relative")
        self.assertEqual(r.rc, 77, r)
        self.assertIn("only the coordinator of A-1", r.err)
        r = self.as_user("sys", "group", "show", "A-1")
        self.assertEqual(r.rc, 77, r)
        r = self.as_user("daemon", "group", "show", "B-2")
        self.assertEqual(r.rc, 77, r)
        r = self.as_user("daemon", "outbox", "list")
        self.assertEqual(r.rc, 77, r)
        r = self.as_user("daemon", "clock", "set", "2027-02-01 08:00")
        self.assertEqual(r.rc, 77, r)
        r = self.as_user("daemon", "group", "list")
        self.assertEqual(r.out.split()[5:6], ["A-1"])
        self.assertNotIn("B-2", r.out)
        # the members of A-1 are as the coordinator left them
        names = [m["name"] for m in d.ok("member", "list", "A-1", json=True).json]
        self.assertEqual(names, [CLIENT, "Koord Daemon", "Medlem Bin", "Ny Person"])
        audit = d.ok("audit", json=True).json
        refusals = [a for a in audit if a["outcome"].startswith("refused")]
        self.assertEqual([(a["user"], a["group"]) for a in refusals],
                         [("bin", "A-1"), ("sys", "A-1"), ("daemon", "B-2"),
                          ("daemon", None), ("daemon", None)])
        ok = [a for a in audit if a["user"] == "daemon" and a["outcome"] == "ok"]
        self.assertEqual(len(ok), 1)
        self.assertEqual(ok[0]["uid"], 1)

    def test_T3_admin_group_member_may_do_everything(self):
        p = self.as_user("sys", "group", "show", "B-2", groups="adm")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.as_user("sys", "member", "add", "B-2", "X", "--role",
                         "relative", groups="adm")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_T3_creator_sets_up_own_draft(self):
        r = self.as_user("sys", "group", "create", "S-3", "--client", "Egen",
                         "--born", "2010-01-01")
        self.assertEqual(r.rc, 0, r)
        r = self.as_user("sys", "member", "add", "S-3", "Sys Koord", "--role",
                         "service", "--service", "NAV", "--login", "sys",
                         "--coordinator")
        self.assertEqual(r.rc, 0, r)
        r = self.as_user("bin", "group", "show", "S-3")
        self.assertEqual(r.rc, 77)


if __name__ == "__main__":
    unittest.main()
