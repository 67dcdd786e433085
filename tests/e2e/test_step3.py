"""Step 3: mail that arrives once, through a real SMTP server with
STARTTLS and AUTH started by the test (SPEC T1, T2, T3).  Names invented."""
import collections
import os
import random
import subprocess
import threading
import time
import unittest

from harness import ANSVARD, Daemon
from mailservers import SmtpServer


def create_groups(d, n, prefix, threads=4, domain="nav.example"):
    """n groups, each with a coordinator: n coordinator mails."""
    errors = []

    def work(k):
        for i in range(k, n, threads):
            ref = f"{prefix}-{i:04d}"
            for args in (("group", "create", ref, "--client", f"Person {i}",
                          "--born", "2001-01-01"),
                         ("member", "add", ref, f"Koord {i}", "--role",
                          "service", "--service", "NAV", "--email",
                          f"k{i}@{domain}", "--coordinator")):
                r = d.ctl(*args)
                if r.rc != 0:
                    errors.append(r)
    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise AssertionError(errors[:3])


def outbox(d, *flags):
    return d.ok("outbox", "list", *flags, json=True).json


class SmtpTest(unittest.TestCase):
    clock = "2027-01-04 09:00"
    tls = True

    def setUp(self):
        self.smtp = SmtpServer(tls=self.tls)
        self.addCleanup(self.smtp.cleanup)
        self.smtp.start()
        self.d = Daemon(clock=self.clock, extra=self.smtp.ini_section(
            tls="required" if self.tls else "off"))
        self.addCleanup(self.d.cleanup)
        self.d.start()

    def group(self, ref="BUF-1", coordinator="koord@nav.example", born="2012-05-20"):
        d = self.d
        d.ok("group", "create", ref, "--client", "Ola Oppdikt", "--born", born)
        d.ok("member", "add", ref, "Kari Koordinator", "--role", "service",
             "--service", "NAV", "--email", coordinator, "--coordinator")
        d.ok("member", "add", ref, "Bo Bup", "--role", "service",
             "--service", "BUP", "--email", "bo@bup.example")
        return ref


class TestDelivery(SmtpTest):
    def test_T2_500_mails_once_through_starttls_and_auth(self):
        create_groups(self.d, 500, "M")
        ids = self.smtp.message_ids()
        mails = self.smtp.mails()
        self.assertEqual(len(ids), 500)
        self.assertEqual(len(set(ids)), 500)
        self.assertTrue(all(m["X-Test-TLS"] == "yes" for m in mails))
        self.assertTrue(all(m["X-Test-Auth"] == "ansvar" for m in mails))
        self.assertEqual({m["X-Test-Rcpt"] for m in mails},
                         {f"k{i}@nav.example" for i in range(500)})
        self.assertEqual(len(outbox(self.d, "--sent")), 500)
        self.assertEqual(outbox(self.d, "--pending"), [])
        print(f"\n  500 mails: {len(ids)} delivered, {len(set(ids))} distinct "
              f"Message-IDs", end=" ")

    def test_T2_mime_headers_utf8_and_rfc2047(self):
        d = self.d
        d.ok("group", "create", "U-1", "--client", "Åse Ødegård", "--born", "2012-01-01")
        d.ok("member", "add", "U-1", "Øystein Ærlig-Å", "--role", "service",
             "--service", "NAV", "--email", "oy@nav.example", "--coordinator")
        m = self.smtp.mails()[0]
        raw = open(m.path, "rb").read()
        head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
        self.assertTrue(all(b < 128 for b in head), "8-bit bytes in a header")
        self.assertIn(b"=?UTF-8?", head.replace(b"=?utf-8?", b"=?UTF-8?"))
        self.assertEqual(str(m["To"]), "Øystein Ærlig-Å <oy@nav.example>")
        self.assertEqual(m["Auto-Submitted"], "auto-generated")
        self.assertEqual(m.get_content_charset(), "utf-8")
        self.assertIn("Øystein Ærlig-Å", m.get_body(("plain",)).get_content())
        self.assertTrue(m["Message-ID"].startswith("<ansvar."))
        self.assertTrue(m["Message-ID"].endswith("@kommune.example>"))
        self.assertEqual(m["Reply-To"].addresses[0].addr_spec, "ansvar@kommune.example")


class TestOutage(SmtpTest):
    def test_T2_server_down_for_a_day_everything_once(self):
        self.smtp.stop()
        self.group()                       # 1 mail to the coordinator
        self.d.ok("group", "consent", "BUF-1", "--date", "2027-01-04", "--by", "Mor")
        pending = outbox(self.d, "--pending")
        self.assertEqual(len(pending), 2)   # coordinator, youth team
        self.assertIn("cannot reach", pending[0]["error"])
        for h in range(10, 24):
            self.d.set_clock(f"2027-01-04 {h:02d}:00")
        for h in range(0, 9):
            self.d.set_clock(f"2027-01-05 {h:02d}:00")
        self.assertEqual(len(self.smtp.message_ids()), 0)
        attempts = [m["attempts"] for m in outbox(self.d, "--pending")]
        # a minute, doubling, capped at an hour: about 28 tries in a day
        self.assertTrue(all(10 <= a <= 30 for a in attempts), attempts)
        self.smtp.start()
        self.d.set_clock("2027-01-05 10:00")
        ids = self.smtp.message_ids()
        self.assertEqual(len(ids), 2)
        self.assertEqual(len(set(ids)), 2)
        self.assertEqual(outbox(self.d, "--pending"), [])
        self.d.set_clock("2027-01-06 10:00")
        self.assertEqual(len(self.smtp.message_ids()), 2)

    def test_T2_mail_past_its_deadline_dropped_and_coordinator_told_once(self):
        self.group()
        self.smtp.stop()
        self.d.ok("group", "consent", "BUF-1", "--date", "2027-01-04", "--by", "Mor")
        for day in range(5, 21, 3):
            self.d.set_clock(f"2027-01-{day:02d} 09:00")
        dropped = [m for m in outbox(self.d) if m["state"] == "dropped"]
        self.assertEqual([m["kind"] for m in dropped], ["group-started"])
        self.assertIn("dropped", self.d.logtext())
        self.smtp.start()
        self.d.set_clock("2027-01-21 09:00")
        told = [m for m in self.smtp.mails()
                if m["X-Ansvar-Kind"] == "mail-undelivered"]
        self.assertEqual(len(told), 1)
        self.assertEqual(told[0]["X-Test-Rcpt"], "koord@nav.example")
        self.assertIn("oppvekst@kommune.example",
                      told[0].get_body(("plain",)).get_content())
        self.d.set_clock("2027-01-25 09:00")
        self.assertEqual(len([m for m in self.smtp.mails()
                              if m["X-Ansvar-Kind"] == "mail-undelivered"]), 1)


class TestFailures(SmtpTest):
    def test_T2_4xx_retried_with_backoff_then_delivered(self):
        self.smtp.set_rules("slow@* 451 4.3.0 try again later\n")
        self.d.ok("group", "create", "R-1", "--client", "Ola Oppdikt",
                  "--born", "2012-05-20")
        self.d.ok("member", "add", "R-1", "Sakte", "--role", "service",
                  "--service", "NAV", "--email", "slow@nav.example",
                  "--coordinator")
        row = outbox(self.d, "--pending")[0]
        self.assertEqual(row["attempts"], 1)
        self.assertIn("451", row["error"])
        self.d.set_clock("2027-01-04 09:00")
        self.d.set_clock("2027-01-04 09:00")
        self.assertEqual(outbox(self.d, "--pending")[0]["attempts"], 1)
        self.d.set_clock("2027-01-04 09:01")      # +60 s
        self.assertEqual(outbox(self.d, "--pending")[0]["attempts"], 2)
        self.d.set_clock("2027-01-04 09:02")      # next is +120 s
        self.assertEqual(outbox(self.d, "--pending")[0]["attempts"], 2)
        self.d.set_clock("2027-01-04 09:03")
        self.assertEqual(outbox(self.d, "--pending")[0]["attempts"], 3)
        self.smtp.set_rules("")
        self.d.set_clock("2027-01-04 09:07")
        self.assertEqual(outbox(self.d, "--pending"), [])
        ids = self.smtp.message_ids()
        self.assertEqual(len(ids), 1)
        self.assertEqual(outbox(self.d, "--sent")[0]["attempts"], 4)

    def test_T2_5xx_failed_reported_to_coordinator_once_and_retry(self):
        self.smtp.set_rules("gone@* 550 5.1.1 no such user\n")
        d = self.d
        self.group(coordinator="gone@nav.example")   # its mail fails: nobody to tell
        d.ok("coordinator", "set", "BUF-1", "#3")     # released → gone@ fails
        failed = outbox(d, "--failed")
        self.assertEqual(sorted(m["kind"] for m in failed),
                         ["coordinator-assigned", "coordinator-released"])
        self.assertTrue(all("550" in m["error"] for m in failed))
        d.set_clock("2027-01-04 10:00")
        d.set_clock("2027-01-05 10:00")
        told = [m for m in self.smtp.mails()
                if m["X-Ansvar-Kind"] == "mail-undelivered"]
        self.assertEqual([m["X-Test-Rcpt"] for m in told], ["bo@bup.example"])
        body = told[0].get_body(("plain",)).get_content()
        self.assertIn("gone@nav.example", body)
        self.assertIn("550", body)
        self.assertIn("ansvarctl outbox retry", body)
        self.assertIn("nobody else to tell", d.logtext())
        txt = d.ok("outbox", "list", "--failed").out
        self.assertIn("gone@nav.example", txt)
        # retry: the server still refuses; failed again, told no second time
        rid = [m["id"] for m in failed if m["kind"] == "coordinator-released"][0]
        d.ok("outbox", "retry", str(rid))
        self.assertEqual(len(outbox(d, "--failed")), 2)
        d.set_clock("2027-01-06 10:00")
        self.assertEqual(len([m for m in self.smtp.mails()
                              if m["X-Ansvar-Kind"] == "mail-undelivered"]), 1)
        r = d.ctl("outbox", "retry", "99999")
        self.assertEqual(r.rc, 65)


class TestReload(SmtpTest):
    def test_T2_reload_that_removes_smtp_is_refused_and_mail_still_goes(self):
        import signal
        self.d.write_ini()                      # no [smtp] any more
        self.d.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while "needs a restart" not in self.d.logtext():
            self.assertLess(time.monotonic(), deadline, self.d.logtext())
            time.sleep(0.05)
        self.assertIsNone(self.d.proc.poll())
        self.group()
        self.assertEqual(len(self.smtp.message_ids()), 1)


class TestKill9(SmtpTest):
    def test_T2_kill9_during_1000_mail_send_10_times(self):
        d, smtp = self.d, self.smtp
        smtp.stop()
        create_groups(d, 1000, "K")
        d.stop()
        smtp.start()
        d.clock = "2027-01-04 09:05"        # past the first retry
        rnd = random.Random(20271)
        kills = 0
        for k in range(10):
            d.start(wait=False)
            time.sleep(rnd.uniform(0.2, 1.2))
            d.kill9()
            kills += 1
        d.start()
        d.set_clock("2027-01-04 09:30")
        ids = smtp.message_ids()
        bodies = collections.defaultdict(set)
        for m in smtp.mails():
            raw = open(m.path, "rb").read()
            bodies[m["Message-ID"]].add(raw.split(b"\n", 3)[3])  # past X-Test-*
        self.assertEqual(len(set(ids)), 1000)
        self.assertEqual([i for i, b in bodies.items() if len(b) > 1], [])
        self.assertEqual(outbox(d, "--pending"), [])
        dup = len(ids) - len(set(ids))
        print(f"\n  {kills} kill -9 during 1000 mails: {len(set(ids))} delivered, "
              f"{dup} re-sent with the same Message-ID and body, 0 lost", end=" ")


class TestPlaintextServer(SmtpTest):
    tls = False

    def test_T3_plaintext_server_refused_when_tls_required(self):
        self.d.stop()
        self.d.write_ini(extra=self.smtp.ini_section(tls="required"))
        self.d.start()
        self.group()
        pending = outbox(self.d, "--pending")
        self.assertEqual(len(pending), 1)
        self.assertIn("does not offer STARTTLS", pending[0]["error"])
        self.assertEqual(self.smtp.message_ids(), [])

    def test_T3_tls_off_for_loopback_server_delivers(self):
        self.group()
        self.assertEqual(len(self.smtp.message_ids()), 1)
        self.assertEqual(self.smtp.mails()[0]["X-Test-TLS"], "no")


class TestSendDays(SmtpTest):
    """T1: a mail due on a weekend or public holiday goes on the working
    day before, at send_hour local time, whatever DST does.  The 18th
    birthday notice (G8) is the mail with a calendar day in this step."""
    # born (18 years before the due day), the send day, its UTC offset
    CASES = [
        ("2009-03-28", "2027-03-24", "+0100"),  # Sun, DST starts; Fri 26 Good Friday
        ("2009-03-29", "2027-03-24", "+0100"),  # Easter Monday
        ("2009-05-17", "2027-05-14", "+0200"),  # Mon 17 May -> Fri
        ("2009-05-06", "2027-05-05", "+0200"),  # Ascension Day (Thu) -> Wed
        ("2009-10-31", "2027-10-29", "+0200"),  # Sun, DST ends -> Fri, still summer time
        ("2009-12-26", "2027-12-24", "+0100"),  # Boxing Day (Sun) -> Fri 24th
        ("2010-01-01", "2027-12-31", "+0100"),  # New Year's Day 2028 (Sat) -> Fri
        ("2009-11-01", "2027-11-01", "+0100"),  # a plain Monday stays
    ]

    def test_T1_send_day_table_through_the_real_server(self):
        d = self.d
        for i, (born, _, _) in enumerate(self.CASES):
            ref = f"T-{i}"
            d.ok("group", "create", ref, "--client", f"Person {i}", "--born", born)
            d.ok("member", "add", ref, f"Koord {i}", "--role", "service",
                 "--service", "NAV", "--email", f"t{i}@nav.example",
                 "--coordinator")
            d.ok("group", "consent", ref, "--date", "2027-01-04", "--by", "Mor")
        rows = []

        def adult(i):
            return [m for m in self.smtp.mails()
                    if m["X-Ansvar-Kind"] == "client-adult"
                    and m["X-Test-Rcpt"] == f"t{i}@nav.example"]
        for day in sorted({c[1] for c in self.CASES}):
            due = [(i, c) for i, c in enumerate(self.CASES) if c[1] == day]
            d.set_clock(f"{day} 07:59")
            for i, (born, _, _) in due:
                self.assertEqual(adult(i), [], f"{born}: sent before {day} 08:00")
            d.set_clock(f"{day} 08:00")
            for i, (born, _, off) in due:
                got = adult(i)
                self.assertEqual(len(got), 1, f"{born}: not sent on {day}")
                date = got[0]["Date"]
                self.assertEqual(date.datetime.strftime("%Y-%m-%d %H:%M %z"),
                                 f"{day} 08:00 {off}")
                rows.append(f"{born} +18y -> {date}")
        print("\n  " + "\n  ".join(rows), end=" ")


class TestSmtpConfig(unittest.TestCase):
    def check(self, section, *expect, code=78):
        d = Daemon(extra=section)
        self.addCleanup(d.cleanup)
        p = subprocess.run([ANSVARD, "-n", "-f", d.ini], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, code, p.stderr)
        for e in expect:
            self.assertIn(e, p.stderr)

    def test_T3_tls_off_refused_for_non_loopback_host(self):
        self.check("[smtp]\nhost = smtp.kommune.example\ntls = off\n",
                   "tls: off is only allowed for a server on this machine")

    def test_T3_password_file_mode_checked(self):
        d = Daemon()
        self.addCleanup(d.cleanup)
        pw = os.path.join(d.dir, "pw")
        with open(pw, "w") as f:
            f.write("secret\n")
        os.chmod(pw, 0o644)
        d.write_ini(extra=f"[smtp]\nhost = localhost\nuser = ansvar\n"
                          f"password_file = {pw}\n")
        p = subprocess.run([ANSVARD, "-n", "-f", d.ini], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 78)
        self.assertIn("mode 0644, expected 0600 or 0640", p.stderr)

    def test_T3_user_without_password_file(self):
        self.check("[smtp]\nhost = localhost\nuser = ansvar\n",
                   "password_file: missing in [smtp]")


class TestBadCredentials(SmtpTest):
    def test_T3_wrong_password_or_untrusted_certificate_keeps_mail(self):
        with open(self.smtp.password_file, "w") as f:
            f.write("wrong\n")
        self.group()
        row = outbox(self.d, "--pending")[0]
        self.assertIn("authentication as ansvar failed", row["error"])
        self.assertEqual(outbox(self.d, "--failed"), [])
        # now a CA that did not sign the server's certificate
        with open(self.smtp.password_file, "w") as f:
            f.write(self.smtp.password + "\n")
        other = SmtpServer()
        self.addCleanup(other.cleanup)
        self.d.stop()
        self.d.write_ini(extra=self.smtp.ini_section().replace(
            self.smtp.cafile, other.cafile))
        self.d.start()
        self.d.set_clock("2027-01-04 09:05")
        row = outbox(self.d, "--pending")[0]
        self.assertIn("TLS", row["error"])
        self.assertEqual(self.smtp.message_ids(), [])


if __name__ == "__main__":
    unittest.main()
