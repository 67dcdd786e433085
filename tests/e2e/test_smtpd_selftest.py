"""Proves the test SMTP server (smtpd.py through mailservers.SmtpServer)
with Python's smtplib as the client, so daemon tests can trust it."""
import base64
import smtplib
import ssl
import unittest

from mailservers import SmtpServer

MSG = (b"From: Ansvar <ansvar@kommune.example>\r\n"
       b"To: someone@example.org\r\n"
       b"Subject: selftest \xc3\xa6\xc3\xb8\xc3\xa5\r\n"
       b"Message-ID: <selftest-1@kommune.example>\r\n"
       b"MIME-Version: 1.0\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n"
       b"Content-Transfer-Encoding: 8bit\r\n"
       b"\r\n"
       b"Hei \xc3\xa6\xc3\xb8\xc3\xa5\r\n"
       b".a line that starts with a dot\r\n"
       b"last line\r\n")


class SmtpdTest(unittest.TestCase):
    tls = True
    require_auth = True

    def setUp(self):
        self.srv = SmtpServer(tls=self.tls, require_auth=self.require_auth)
        self.addCleanup(self.srv.cleanup)
        self.srv.start()

    def connect(self, starttls=True, login=True):
        c = smtplib.SMTP("localhost", self.srv.port, timeout=10)
        self.addCleanup(self._close, c)
        c.ehlo()
        if starttls:
            ctx = ssl.create_default_context(cafile=self.srv.cafile)
            code, _ = c.starttls(context=ctx)
            self.assertEqual(code, 220)
            c.ehlo()
        if login:
            c.login(self.srv.user, self.srv.password)
        return c

    @staticmethod
    def _close(c):
        try:
            c.quit()
        except Exception:
            c.close()


class TlsAuth(SmtpdTest):
    def test_starttls_auth_delivers(self):
        c = self.connect()
        self.assertEqual(c.sendmail("ansvar@kommune.example",
                                    ["someone@example.org"], MSG), {})
        mails = self.srv.mails()
        self.assertEqual(len(mails), 1)
        m = mails[0]
        self.assertEqual(m["X-Test-Rcpt"], "someone@example.org")
        self.assertEqual(m["X-Test-TLS"], "yes")
        self.assertEqual(m["X-Test-Auth"], "ansvar")
        self.assertEqual(self.srv.message_ids(),
                         ["<selftest-1@kommune.example>"])
        with open(m.path, "rb") as f:
            raw = f.read()
        self.assertEqual(raw, b"X-Test-Rcpt: someone@example.org\r\n"
                              b"X-Test-TLS: yes\r\nX-Test-Auth: ansvar\r\n"
                         + MSG)
        self.assertTrue(m.path.startswith(self.srv.maildir + "/new/"))
        e = self.srv.log_entries()[-1]
        self.assertEqual((e["tls"], e["auth"], e["from"], e["rcpts"]),
                         ("yes", "ansvar", "ansvar@kommune.example",
                          ["someone@example.org"]))
        self.assertTrue(e["result"].startswith("250"), e)

    def test_one_file_per_recipient(self):
        c = self.connect()
        c.sendmail("ansvar@kommune.example", ["a@example.org", "b@example.org"],
                   MSG)
        self.assertEqual(sorted(m["X-Test-Rcpt"] for m in self.srv.mails()),
                         ["a@example.org", "b@example.org"])
        self.assertEqual(len(set(m.path for m in self.srv.mails())), 2)
        self.assertEqual(len(self.srv.mails_to("A@example.org")), 1)

    def test_auth_login_mechanism(self):
        c = self.connect(login=False)
        c.user, c.password = self.srv.user, self.srv.password
        code, _ = c.auth("LOGIN", c.auth_login, initial_response_ok=False)
        self.assertEqual(code, 235)

    def test_wrong_password_refused(self):
        c = self.connect(login=False)
        with self.assertRaises(smtplib.SMTPAuthenticationError) as cm:
            c.login(self.srv.user, "wrong")
        self.assertEqual(cm.exception.smtp_code, 535)
        self.assertIn("535", self.srv.log())

    def test_auth_before_starttls_refused(self):
        c = self.connect(starttls=False, login=False)
        self.assertNotIn("auth", c.esmtp_features)
        token = base64.b64encode(b"\0ansvar\0s3cret").decode()
        code, _ = c.docmd("AUTH", "PLAIN " + token)
        self.assertEqual(code, 530)
        code, _ = c.docmd("MAIL", "FROM:<ansvar@kommune.example>")
        self.assertEqual(code, 530)
        self.assertEqual(self.srv.mails(), [])

    def test_mail_without_auth_refused(self):
        c = self.connect(login=False)
        with self.assertRaises(smtplib.SMTPSenderRefused) as cm:
            c.sendmail("ansvar@kommune.example", ["someone@example.org"], MSG)
        self.assertEqual(cm.exception.smtp_code, 530)
        self.assertEqual(self.srv.mails(), [])
        self.assertIn("530", self.srv.log_entries()[-1]["result"])

    def test_rules_451_550_and_accepted(self):
        self.srv.set_rules("# comment\n"
                           "*@slow.example 451 4.3.0 try later\n"
                           "bad@* 550 5.1.1 no such user\n")
        c = self.connect()
        refused = c.sendmail("ansvar@kommune.example",
                             ["x@slow.example", "bad@example.org",
                              "good@example.org"], MSG)
        self.assertEqual(refused, {
            "x@slow.example": (451, b"4.3.0 try later"),
            "bad@example.org": (550, b"5.1.1 no such user")})
        mails = self.srv.mails()
        self.assertEqual([m["X-Test-Rcpt"] for m in mails],
                         ["good@example.org"])
        e = self.srv.log_entries()[-1]
        self.assertEqual(e["rcpts"], ["good@example.org"])
        self.assertEqual(e["rejected"], [("x@slow.example", "451"),
                                         ("bad@example.org", "550")])
        # Rules are read on every RCPT: no restart needed to lift them.
        self.srv.set_rules("")
        self.assertEqual(c.sendmail("ansvar@kommune.example",
                                    ["x@slow.example"], MSG), {})
        self.assertEqual(len(self.srv.mails()), 2)

    def test_all_recipients_refused(self):
        self.srv.set_rules("* 451 4.3.0 nobody today")
        c = self.connect()
        with self.assertRaises(smtplib.SMTPRecipientsRefused):
            c.sendmail("ansvar@kommune.example", ["a@example.org"], MSG)
        self.assertEqual(self.srv.mails(), [])
        e = self.srv.log_entries()[-1]
        self.assertEqual(e["rejected"], [("a@example.org", "451")])

    def test_data_451(self):
        self.srv.set_rules("DATA 451 4.3.0 busy\n")
        c = self.connect()
        with self.assertRaises(smtplib.SMTPDataError) as cm:
            c.sendmail("ansvar@kommune.example", ["a@example.org"], MSG)
        self.assertEqual(cm.exception.smtp_code, 451)
        self.assertEqual(cm.exception.smtp_error, b"4.3.0 busy")
        self.assertEqual(self.srv.mails(), [])
        self.assertEqual(self.srv.log_entries()[-1]["result"],
                         "451 4.3.0 busy")
        self.srv.clear_rules()
        c.rset()
        self.assertEqual(c.sendmail("ansvar@kommune.example",
                                    ["a@example.org"], MSG), {})
        self.assertEqual(len(self.srv.mails()), 1)

    def test_data_cmd_451(self):
        self.srv.set_rules("DATA-CMD 452 4.3.1 no room\n")
        c = self.connect()
        c.mail("ansvar@kommune.example")
        c.rcpt("a@example.org")
        code, text = c.docmd("DATA")
        self.assertEqual((code, text), (452, b"4.3.1 no room"))
        self.assertEqual(self.srv.mails(), [])

    def test_stop_refuses_connections(self):
        self.assertEqual(self.srv.stop(), 0)
        with self.assertRaises(ConnectionRefusedError):
            smtplib.SMTP("127.0.0.1", self.srv.port, timeout=5)

    def test_kill_refuses_connections(self):
        self.srv.kill()
        with self.assertRaises(ConnectionRefusedError):
            smtplib.SMTP("127.0.0.1", self.srv.port, timeout=5)
        self.srv.start()
        self.connect().sendmail("a@kommune.example", ["b@example.org"], MSG)
        self.assertEqual(len(self.srv.mails()), 1)

    def test_restart(self):
        c = self.connect()
        c.sendmail("ansvar@kommune.example", ["a@example.org"], MSG)
        self.srv.restart()
        c2 = self.connect()
        c2.sendmail("ansvar@kommune.example", ["b@example.org"], MSG)
        self.assertEqual([m["X-Test-Rcpt"] for m in self.srv.mails()],
                         ["a@example.org", "b@example.org"])

    def test_ini_section(self):
        ini = self.srv.ini_section()
        self.assertIn("host = localhost\n", ini)
        self.assertIn(f"port = {self.srv.port}\n", ini)
        self.assertIn("tls = required\n", ini)
        self.assertIn(f"password_file = {self.srv.password_file}\n", ini)
        self.assertIn(f"ca_file = {self.srv.cafile}\n", ini)
        import os
        self.assertEqual(os.stat(self.srv.password_file).st_mode & 0o777,
                         0o600)
        with open(self.srv.password_file) as f:
            self.assertEqual(f.read().strip(), "s3cret")


class Plain(SmtpdTest):
    tls = False
    require_auth = False

    def test_plain_delivers(self):
        c = self.connect(starttls=False, login=False)
        self.assertNotIn("starttls", c.esmtp_features)
        self.assertEqual(c.sendmail("ansvar@kommune.example",
                                    ["someone@example.org"], MSG), {})
        [m] = self.srv.mails()
        self.assertEqual(m["X-Test-TLS"], "no")
        self.assertEqual(m["X-Test-Auth"], "-")
        self.assertEqual(self.srv.log_entries()[-1]["tls"], "no")

    def test_plain_auth(self):
        c = self.connect(starttls=False, login=True)
        c.sendmail("ansvar@kommune.example", ["someone@example.org"], MSG)
        [m] = self.srv.mails()
        self.assertEqual((m["X-Test-TLS"], m["X-Test-Auth"]), ("no", "ansvar"))
