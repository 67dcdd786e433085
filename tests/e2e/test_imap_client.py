"""daemon/imap.c against a real Dovecot 2.3 (mailservers.ImapServer) and a
scripted hostile server, through tests/imap_probe.c built here with ASan and
UBSan: TLS, clear errors, searches past the libcurl line traps, exact bytes,
flags, copies, and nothing ever deleted."""
import base64
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from mailservers import ImapServer, make_cert

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CC = os.environ.get("CC", "cc")
CFLAGS = ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror",
          "-Wshadow", "-Wmissing-prototypes", "-Wstrict-prototypes",
          "-Wno-unused-parameter", "-pthread", "-O1", "-g",
          "-fsanitize=address,undefined", "-fno-omit-frame-pointer",
          "-fno-sanitize-recover=undefined"]
SOURCES = ["tests/imap_probe.c", "daemon/imap.c", "daemon/util.c",
           "daemon/log.c"]
ENV = dict(os.environ,
           ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
           UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
           LSAN_OPTIONS="suppressions=" + os.path.join(
               TOP, "tests", "unit", "lsan.supp") + ":print_suppressions=0",
           IMAP_PROBE_TIMEOUT="10")
# Dovecot without ESEARCH: the client must not need it.
NO_ESEARCH = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT "
              "UIDPLUS LITERAL+ NAMESPACE CHILDREN")

BUILD = None
PROBE = None


def setUpModule():
    global BUILD, PROBE
    from mailservers import DOVECOT
    if not os.access(DOVECOT, os.X_OK):
        raise RuntimeError(f"{DOVECOT} is missing: apt-get install "
                           "dovecot-imapd dovecot-lmtpd")
    BUILD = tempfile.mkdtemp(prefix="ansvar-imap-probe-")
    PROBE = os.path.join(BUILD, "imap_probe")
    libs = subprocess.run(["pkg-config", "--cflags", "--libs", "libcurl"],
                          capture_output=True, text=True, check=True)
    p = subprocess.run([CC, *CFLAGS, "-Idaemon", *SOURCES, "-o", PROBE,
                        *libs.stdout.split()], cwd=TOP, capture_output=True,
                       text=True)
    if p.returncode != 0:
        raise RuntimeError("building imap_probe failed:\n" + p.stderr)


def tearDownModule():
    if BUILD:
        shutil.rmtree(BUILD, ignore_errors=True)


class Run:
    def __init__(self, p, took):
        self.rc = p.returncode
        self.out = p.stdout
        self.err = p.stderr.decode(errors="replace")
        self.took = took

    def uids(self):
        return [int(x) for x in self.out.split()]

    def __repr__(self):
        return f"<rc={self.rc} out={self.out[:200]!r} err={self.err!r}>"


class ProbeMixin:
    """Runs the probe and fails on any sanitizer report."""

    def probe(self, *cmd, url=None, tls="required", user=None,
              password_file=None, ca_file=None, mailbox="INBOX",
              processed="", timeout=60):
        srv = getattr(self, "srv", None)
        argv = [PROBE, url or srv.url("imaps"), tls,
                user or (srv.user if srv else "ansvar"),
                password_file or (srv.password_file if srv
                                  else self.password_file),
                srv.cafile if ca_file is None and srv else (ca_file or ""),
                mailbox, processed, *[str(c) for c in cmd]]
        t = time.monotonic()
        p = subprocess.run(argv, capture_output=True, env=ENV,
                           timeout=timeout)
        r = Run(p, time.monotonic() - t)
        for bad in ("Sanitizer", "runtime error", "LeakSanitizer"):
            self.assertNotIn(bad, r.err, r.err)
        self.assertIn(r.rc, (0, 1, 2, 3), r)
        return r

    def ok(self, *cmd, **kw):
        r = self.probe(*cmd, **kw)
        self.assertEqual(r.rc, 0, r)
        return r

    def fails(self, want, *cmd, rc=1, **kw):
        r = self.probe(*cmd, **kw)
        self.assertEqual(r.rc, rc, r)
        self.assertRegex(r.err, want)
        return r


def mutf7(name):
    """RFC 3501 modified UTF-7, to find a mailbox's Maildir folder."""
    out, run = [], ""

    def flush():
        if run:
            b = base64.b64encode(run.encode("utf-16-be")).decode()
            out.append("&" + b.rstrip("=").replace("/", ",") + "-")
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            run = ""
            out.append("&-" if ch == "&" else ch)
        else:
            run += ch
    flush()
    return "".join(out)


def mail(n, body=b""):
    return (b"From: Test <test@example.org>\r\n"
            b"To: ansvar@kommune.example\r\n"
            b"Subject: test %d\r\n"
            b"Message-ID: <test-%d@example.org>\r\n\r\n"
            b"body %d\r\n" % (n, n, n)) + body


class DovecotTest(ProbeMixin, unittest.TestCase):
    capability = None

    def setUp(self):
        self.srv = ImapServer(capability=self.capability)
        self.addCleanup(self.srv.cleanup)
        self.srv.start()

    def uidvalidity(self):
        r = self.ok("uidvalidity")
        self.assertRegex(r.out.decode(), r"^[1-9][0-9]*\n$")
        return int(r.out)

    def all_files(self):
        out = []
        for root, _, files in os.walk(self.srv.maildir):
            if os.path.basename(root) in ("cur", "new"):
                out += [os.path.join(root, f) for f in files]
        return sorted(out)

    def assertNothingExpunged(self):
        for line in self.srv.log().splitlines():
            if "Logged out" in line:
                self.assertIn(" deleted=0 expunged=0 ", line)


class TestLogin(DovecotTest):
    def test_imaps_and_starttls_use_tls(self):
        self.assertEqual(self.ok(url=self.srv.url("imaps")).out, b"ok\n")
        self.assertEqual(self.ok(url=self.srv.url("imap")).out, b"ok\n")
        logins = self.srv.logins()
        self.assertEqual(len(logins), 2, self.srv.log())
        for line in logins:
            self.assertIn("user=<ansvar>", line)
            self.assertRegex(line, r", TLS, ")

    def test_tls_off_on_loopback_is_clear_text(self):
        # Allowed for this machine only; Dovecot says "secured", not TLS.
        self.ok(url=self.srv.url("imap"), tls="off")
        self.assertNotRegex(self.srv.logins()[-1], r", TLS")

    def test_wrong_password(self):
        bad = os.path.join(self.srv.dir, "wrong")
        with open(bad, "w") as f:
            f.write("not-the-password\n")
        self.fails(r'login denied for user "ansvar" on localhost:\d+: server '
                   r"said: NO \[AUTHENTICATIONFAILED\]", password_file=bad)
        self.fails(r"login denied", password_file=bad,
                   url=self.srv.url("imap"))

    def test_wrong_ca(self):
        other = tempfile.mkdtemp(prefix="ansvar-other-ca-")
        self.addCleanup(shutil.rmtree, other, True)
        ca = make_cert(other)
        for url in (self.srv.url("imaps"), self.srv.url("imap")):
            self.fails(r"TLS with localhost:\d+: the server's certificate is "
                       r"refused \(ca_file\): SSL certificate problem",
                       ca_file=ca, url=url)
        # the system store does not know the test's certificate either
        self.fails(r"certificate is refused", ca_file="")

    def test_server_down(self):
        self.srv.stop()
        for scheme in ("imaps", "imap"):
            r = self.fails(r"cannot connect to localhost:\d+: ",
                           url=self.srv.url(scheme))
            self.assertLess(r.took, 5)

    def test_tls_off_refused_unless_loopback(self):
        for host in ("mail.example.org", "192.0.2.7", "[2001:db8::1]"):
            r = self.fails(r"tls = off is only allowed for a server on this "
                           r"machine", url=f"imap://{host}:143", tls="off")
            self.assertLess(r.took, 2)
        self.fails(r"tls = off with an imaps:// url", tls="off")
        self.fails(r'tls = "optional" \(expected required or off\)',
                   tls="optional")

    def test_bad_urls(self):
        port = self.srv.imaps_port
        for url in ("http://localhost/", "localhost:%d" % port,
                    "imaps://localhost:%d/INBOX" % port,
                    "imaps://u:p@localhost:%d" % port,
                    "imaps://localhost:%d/?x" % port):
            self.fails(r"url", url=url)

    def test_no_such_mailbox(self):
        self.fails(r'no such mailbox "Finnes-ikke" on localhost:\d+ .*NO',
                   mailbox="Finnes-ikke")
        self.fails(r"mailbox name .* is not usable", mailbox="INBOX*")

    def test_one_login_for_many_commands(self):
        self.srv.deliver_many([mail(i) for i in range(3)])
        v = self.uidvalidity()
        before = len(self.srv.logins())
        r = self.ok("uidvalidity", "+", "search", 0, "+", "fetch", v, 2,
                    10000, os.path.join(self.srv.dir, "out"), "+", "flag",
                    1, "\\Flagged", "+", "copy", 3, "Behandlet", "+",
                    "search", 1)
        self.assertEqual(r.out.split(), [str(v).encode(), b"1", b"2", b"3",
                                         b"2", b"3"])
        self.assertEqual(len(self.srv.logins()), before + 1,
                         self.srv.log())


class TestSearch(DovecotTest):
    N = 3000

    def deliver(self):
        t = time.monotonic()
        names = self.srv.deliver_many([mail(i) for i in range(self.N)])
        self.assertLess(time.monotonic() - t, 10)
        return names

    def test_search_after(self):
        names = self.deliver()
        self.assertEqual(self.ok("search", 0).uids(),
                         list(range(1, self.N + 1)))
        uids = self.srv.uids()
        self.assertEqual([uids[n] for n in names], list(range(1, self.N + 1)))
        self.assertEqual(self.ok("search", 1234).uids(),
                         list(range(1235, self.N + 1)))
        self.assertEqual(self.ok("search", self.N - 1).uids(), [self.N])
        # "UID 3001:*" matches the last message too; it must not come back
        self.assertEqual(self.ok("search", self.N).uids(), [])
        self.assertEqual(self.ok("search", 4294967294).uids(), [])
        self.assertEqual(self.ok("search", 4294967295).uids(), [])
        self.srv.deliver(mail(self.N))
        self.assertEqual(self.ok("search", self.N).uids(), [self.N + 1])

        # Mails removed by someone else leave UID gaps (ESEARCH "1,3,5...")
        for path in self.srv.mailbox_files("INBOX"):
            if uids.get(os.path.basename(path).split(":")[0], 1) % 2 == 0:
                os.unlink(path)
        want = list(range(1, self.N + 1, 2)) + [self.N + 1]
        self.assertEqual(self.ok("search", 0).uids(), want)
        self.assertEqual(self.ok("search", 1500).uids(),
                         [u for u in want if u > 1500])

    def test_empty_mailbox(self):
        self.assertEqual(self.ok("search", 0).uids(), [])


class TestSearchWithoutEsearch(TestSearch):
    """Dovecot announcing no ESEARCH: UIDs come in windows of FETCH
    (curl refuses a plain SEARCH or FETCH reply of a few hundred lines)."""
    capability = NO_ESEARCH

    def test_capability_really_lacks_esearch(self):
        p = subprocess.run([PROBE, self.srv.url("imaps"), "required",
                            self.srv.user, self.srv.password_file,
                            self.srv.cafile, "INBOX", ""],
                           capture_output=True,
                           env=dict(ENV, IMAP_PROBE_VERBOSE="1"))
        self.assertIn(b"INBOX selected\n", p.stderr)


class TestFetch(DovecotTest):
    HOSTILE = (b"From: Mallory <m@example.org>\r\n"
               b"Subject: A007 OK done\r\n\r\n"
               b"A007 OK done\r\n"
               b"* 5 EXISTS\r\n"
               b"A001 OK LOGOUT completed\r\n"
               b")\r\n"
               b"* 1 FETCH (UID 99 BODY[] {5}\r\n"
               b"* BYE so long\r\n"
               b"\xc3\xa6\xc3\xb8\xc3\xa5 and latin-1 \xe6\xf8\xe5\r\n"
               b"no newline at the end")

    def big(self):
        lines = [b"%07d %s\r\n" % (i, hashlib.sha256(b"%d" % i).hexdigest()
                                   .encode()) for i in range(2 * 1024 * 1024
                                                             // 73)]
        return mail(0) + b"".join(lines)

    def test_exact_bytes(self):
        big = self.big()
        self.assertGreater(len(big), 2 * 1024 * 1024 - 200)
        before_files = None
        self.srv.deliver_many([self.HOSTILE, big, mail(3)])
        v = self.uidvalidity()
        before_files = len(self.all_files())
        out = os.path.join(self.srv.dir, "fetched")
        # one session: what the hostile mail holds must not be taken for
        # replies by the commands after it
        r = self.ok("fetch", v, 1, 100000, out + "1", "+",
                    "search", 0, "+",
                    "fetch", v, 2, 3 * 1024 * 1024, out + "2", "+",
                    "flag", 3, "ansvar-lest", "+",
                    "fetch", v, 3, 100000)
        self.assertEqual(r.out, b"1\n2\n3\n" + mail(3))
        with open(out + "1", "rb") as f:
            self.assertEqual(f.read(), self.HOSTILE)
        with open(out + "2", "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(),
                             hashlib.sha256(big).hexdigest())
        self.assertEqual(len(self.all_files()), before_files)
        self.assertNothingExpunged()

    def test_too_big(self):
        m = mail(1, b"x" * 5000 + b"\r\n")
        self.srv.deliver(m)
        v = self.uidvalidity()
        self.fails(r"too_big=1: message UID 1 is %d bytes, more than the "
                   r"limit of %d" % (len(m), len(m) - 1),
                   "fetch", v, 1, len(m) - 1, rc=3)
        self.assertEqual(self.ok("fetch", v, 1, len(m)).out, m)
        self.fails(r"too_big=1", "fetch", v, 1, 0, rc=3)

    def test_wrong_uid_or_uidvalidity(self):
        self.srv.deliver(mail(1))
        v = self.uidvalidity()
        self.fails(r"no message with UID 7 ", "fetch", v, 7, 1000)
        self.fails(r"UID 1 on localhost:\d+: the mailbox's UIDVALIDITY is "
                   r"no longer %d" % (v + 1), "fetch", v + 1, 1, 1000)
        self.fails(r"must not be 0", "fetch", v, 0, 1000)

    def test_nothing_deleted(self):
        names = self.srv.deliver_many([mail(i) for i in range(20)])
        v = self.uidvalidity()
        cmds = []
        for uid in range(1, 21):
            cmds += ["fetch", v, uid, 100000, os.devnull, "+"]
        cmds += ["flag", 5, "\\Seen", "+", "copy", 6, "Behandlet", "+",
                 "flag", 7, "\\Deleted", "+", "search", 0]
        r = self.probe(*cmds)
        self.assertEqual(r.rc, 1, r)    # the \Deleted one only
        self.assertIn('flag "\\Deleted" is not allowed', r.err)
        self.assertEqual(r.uids(), list(range(1, 21)))
        flags = self.srv.message_flags()
        self.assertEqual(sorted(flags), sorted(names))
        for name in names:
            self.assertIn("\\Seen", flags[name])    # BODY[] sets it
            self.assertNotIn("\\Deleted", flags[name])
        self.assertEqual(len(self.srv.mailbox_files("Behandlet")), 1)
        self.assertNothingExpunged()


class TestFlagCopy(DovecotTest):
    def test_flag(self):
        names = self.srv.deliver_many([mail(i) for i in range(3)])
        self.ok("flag", 1, "ansvar-behandlet", "+", "flag", 2, "\\Seen",
                "+", "flag", 2, "\\Answered", "+", "flag", 3, "$Label1")
        flags = self.srv.message_flags()
        self.assertEqual(flags[names[0]], {"ansvar-behandlet"})
        self.assertEqual(flags[names[1]], {"\\Seen", "\\Answered"})
        self.assertEqual(flags[names[2]], {"$Label1"})
        bad = ("\\Deleted", "\\Recent", "two words", "a(b", "x]", "", "\\",
               "x" * 65)
        cmds = []
        for flag in bad:
            cmds += ["flag", 1, flag, "+"]
        r = self.fails(r"is not allowed", *cmds)
        self.assertEqual(r.err.count("is not allowed"), len(bad), r.err)
        self.assertEqual(self.srv.message_flags()[names[0]],
                         {"ansvar-behandlet"})

    def test_copy_creates_the_mailbox_once(self):
        raws = [mail(i) for i in range(3)]
        names = self.srv.deliver_many(raws)
        self.assertEqual(self.srv.mailbox_files("Behandlet"), [])
        self.ok("copy", 1, "Behandlet", "+", "copy", 2, "Behandlet")
        got = self.srv.mailbox_files("Behandlet")
        self.assertEqual(len(got), 2)
        contents = sorted(open(p, "rb").read() for p in got)
        self.assertEqual(contents, sorted(raws[:2]))
        # a second session finds it there (no CREATE error)
        self.ok("copy", 3, "Behandlet")
        self.assertEqual(len(self.srv.mailbox_files("Behandlet")), 3)
        # the originals stay
        self.assertEqual(sorted(self.srv.message_flags()), sorted(names))
        with open(os.path.join(self.srv.maildir, "subscriptions")) as f:
            self.assertIn("Behandlet", f.read().split())
        self.assertNotIn("CREATE", " ".join(
            l for l in self.srv.log().splitlines() if "Error" in l))

    def test_copy_non_ascii_name_and_errors(self):
        self.srv.deliver(mail(1))
        self.assertEqual(mutf7("Løst & ferdig"), "L&APg-st &- ferdig")
        names = ("Løst & ferdig", "Ferdig \u2705", "Smil \U0001F600 æøå",
                 'Sitat "x" \\ y')
        cmds = []
        for name in names:
            cmds += ["copy", 1, name, "+"]
        self.ok(*cmds)
        for name in names:
            self.assertEqual(len(self.srv.mailbox_files(mutf7(name))), 1,
                             (name, os.listdir(self.srv.maildir)))
        self.fails(r"no message with UID 9 ", "copy", 9, "Behandlet")
        self.fails(r"mailbox name .* is not usable", "copy", 1, "a%b")
        self.fails(r"mailbox name .* is not usable", "copy", 1, "")
        self.fails(r"processed|mailbox name .* is not usable",
                   processed="bad\x01name")


class TestUidvalidity(DovecotTest):
    def test_stable_across_restart(self):
        self.srv.deliver(mail(1))
        v = self.uidvalidity()
        with open(os.path.join(self.srv.maildir, "dovecot-uidlist")) as f:
            self.assertEqual(f.readline().split()[1], "V%d" % v)
        self.srv.restart()
        self.assertEqual(self.uidvalidity(), v)
        self.assertEqual(self.ok("fetch", v, 1, 10000).out, mail(1))


# --- a scripted hostile server ----------------------------------------------

class FakeImap:
    """A plain-text IMAP server on 127.0.0.1 that lets curl log in and
    SELECT INBOX, then answers each command from SCRIPT: a list of
    (regex on the command, bytes to send before the tagged OK).  Several
    connections in a row are fine (curl reconnects after a failure)."""

    CAPS = b"IMAP4rev1 UIDPLUS"

    def __init__(self, script, caps=None, exists=3, uidvalidity=77):
        self.script = [(re.compile(r, re.I), out) for r, out in script]
        self.caps = caps or self.CAPS
        self.exists = exists
        self.uidvalidity = uidvalidity
        self.commands = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def url(self):
        return f"imap://127.0.0.1:{self.port}"

    def stop(self):
        self.stopping = True
        try:
            socket.create_connection(("127.0.0.1", self.port), 1).close()
        except OSError:
            pass
        self.thread.join(5)
        self.sock.close()

    def serve(self):
        while not self.stopping:
            conn, _ = self.sock.accept()
            if self.stopping:
                conn.close()
                break
            conn.settimeout(10)
            try:
                self.session(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def session(self, conn):
        f = conn.makefile("rb")
        conn.sendall(b"* OK fake ready\r\n")
        while True:
            line = f.readline()
            if not line:
                return
            tag, _, cmd = line.rstrip(b"\r\n").partition(b" ")
            text = cmd.decode(errors="replace")
            self.commands.append(text)
            verb = text.split(" ")[0].upper()
            if verb == "CAPABILITY":
                out = b"* CAPABILITY " + self.caps + b"\r\n"
            elif verb == "LOGIN":
                out = b""
            elif verb == "LOGOUT":
                conn.sendall(b"* BYE bye\r\n" + tag + b" OK bye\r\n")
                return
            elif verb == "SELECT":
                out = (b"* %d EXISTS\r\n* OK [UIDVALIDITY %d] ok\r\n"
                       % (self.exists, self.uidvalidity))
                conn.sendall(out + tag + b" OK [READ-WRITE] done\r\n")
                continue
            else:
                out, status = b"", b"OK done"
                for rx, reply in self.script:
                    if rx.search(text):
                        out = reply
                        if isinstance(reply, tuple):
                            out, status = reply
                        break
                conn.sendall(out + tag + b" " + status + b"\r\n")
                continue
            conn.sendall(out + tag + b" OK done\r\n")


class TestHostileServer(ProbeMixin, unittest.TestCase):
    """Nothing a server sends may crash the client or make it allocate
    without bound; every run must end well within its timeout."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ansvar-fake-imap-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.password_file = os.path.join(self.dir, "pw")
        with open(self.password_file, "w") as f:
            f.write("pw\n")

    def fake(self, script, **kw):
        srv = FakeImap(script, **kw)
        self.addCleanup(srv.stop)
        return srv

    def run_fake(self, srv, *cmd):
        r = self.probe(*cmd, url=srv.url(), tls="off", timeout=30)
        self.assertLess(r.took, 15, r)
        return r

    def test_huge_esearch_is_bounded(self):
        srv = self.fake([(r"UID SEARCH RETURN", b"* ESEARCH (TAG \"A\\\")(\") "
                          b"UID COUNT 4294967295 ALL 1:4294967295\r\n")],
                        caps=b"IMAP4rev1 ESEARCH")
        r = self.run_fake(srv, "search", 0)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.uids(), list(range(1, 5001)))   # IMAP_MAX_UIDS

    def test_esearch_count_mismatch_falls_back(self):
        srv = self.fake([
            (r"UID SEARCH RETURN", b"* ESEARCH UID COUNT 7 ALL 1:3\r\n"),
            (r"^NOOP", b"* 4294967295 EXISTS\r\n* 99999999999 EXISTS\r\n"),
            (r"^FETCH", b"* 99 FETCH (UID 4294967296)\r\n"
                        b"* 4294967295 FETCH (FLAGS (UID 5) UID 42)\r\n"
                        b"* x FETCH (UID 1)\r\n* 7 FETCH UID 8\r\n"
                        b"* 4294967295 FETCH (UID {3}\r\n"),
        ], caps=b"IMAP4rev1 ESEARCH")
        r = self.run_fake(srv, "search", 0)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.uids(), [42])

    def test_long_reply_line(self):
        long = b",".join(b"%d" % i for i in range(1, 200000, 2))
        srv = self.fake([
            (r"UID SEARCH RETURN",
             b"* ESEARCH UID COUNT 100000 ALL " + long + b"\r\n"),
            (r"^FETCH 1:3 ", b"* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 3)\r\n"
                             b"* 3 FETCH (UID 5)\r\n"),
        ], caps=b"IMAP4rev1 ESEARCH")
        r = self.run_fake(srv, "search", 0)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.uids(), [1, 3, 5])

    def test_lying_size(self):
        srv = self.fake([
            (r"RFC822\.SIZE", b"* 1 FETCH (FLAGS (UID RFC822.SIZE) UID 1 "
                              b"RFC822.SIZE 10)\r\n"),
            (r"BODY\[\]", b"* 1 FETCH (UID 1 BODY[] {100000}\r\n"
                          + b"A001 OK x\r\n" * 9090 + b"0123456789)\r\n"),
            (r"^STATUS", b"* STATUS INBOX (UIDVALIDITY 77 UIDNEXT 2)\r\n"),
        ])
        r = self.run_fake(srv, "fetch", 77, 1, 1000, "+", "uidvalidity")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("more than the limit of 1000 bytes", r.err)
        # the session goes on, on a new connection
        self.assertEqual(r.out, b"77\n")

    def test_garbage_status(self):
        for line, want in (
                (b'* STATUS "a (UIDVALIDITY 5)" (UIDNEXT 3)\r\n',
                 "no UIDVALIDITY"),
                (b"* STATUS INBOX (UIDVALIDITY 99999999999999999999999)\r\n",
                 "no UIDVALIDITY"),
                (b"* STATUS INBOX (UIDVALIDITY 0)\r\n", "no UIDVALIDITY"),
                (b"* STATUS INBOX (UIDVALIDITY -5)\r\n", "no UIDVALIDITY"),
                (b"* STATUS INBOX (UIDVALIDITY\r\n", "no UIDVALIDITY"),
                (b"* STATUS {5}\r\n", "no UIDVALIDITY"),
                (b"* STATUS INBOX (UIDNEXT 1 UIDVALIDITY 4294967295)\r\n",
                 None)):
            srv = self.fake([(r"^STATUS", line)])
            r = self.run_fake(srv, "uidvalidity")
            if want is None:
                self.assertEqual(r.out, b"4294967295\n", r)
            else:
                self.assertEqual(r.rc, 1, r)
                self.assertIn(want, r.err)

    def test_no_such_uid_and_control_characters(self):
        srv = self.fake([
            (r"RFC822\.SIZE", b"* 1 FETCH (UID 2 RFC822.SIZE 10)\r\n"),
            (r"^UID COPY", b""),
        ])
        r = self.run_fake(srv, "fetch", 77, 1, 1000)
        self.assertIn("no message with UID 1 ", r.err)
        r = self.run_fake(srv, "copy", 1, "Behandlet")
        self.assertIn("no message with UID 1 ", r.err)
        # what the server says ends up in our log: printable only
        srv = self.fake([(r"^STATUS", (b"", b"NO \x1b[31mred\x07 " +
                                       b"x" * 1000))])
        r = self.run_fake(srv, "uidvalidity")
        self.assertEqual(r.rc, 1)
        self.assertIn("STATUS refused by 127.0.0.1:%d: NO ?[31mred? xxx"
                      % srv.port, r.err)
        self.assertNotIn("\x1b", r.err)
        self.assertLess(len(r.err), 600)


if __name__ == "__main__":
    unittest.main()
