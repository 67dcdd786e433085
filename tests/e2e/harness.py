"""The end-to-end harness: a real ansvard on a temporary state directory
with --test-clock, driven by the real ansvarctl.  Every test gets its own
directory, socket and ini, so two runs never collide."""
import email
import email.policy
import grp
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ANSVARD = os.environ.get("ANSVARD", os.path.join(TOP, "build/check/ansvard"))
ANSVARCTL = os.environ.get("ANSVARCTL", os.path.join(TOP, "build/check/ansvarctl"))
TEMPLATES = os.path.join(TOP, "templates")
# fontconfig keeps 288 bytes of its settings for the process's life.
os.environ.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(
    TOP, "tests", "unit", "lsan.supp") + ":print_suppressions=0")

BASE_INI = """\
[ansvar]
state_dir = {dir}/state
socket = {dir}/ansvar.sock
socket_group = {group}
admin_group = {admin_group}
templates = {templates}
timezone = Europe/Oslo
language = nb
send_hour = 08:00

[policy]
{policy}
[mail]
from = ansvar@kommune.example
from_name = Ansvarsgruppe Testby
reply_to =

[notify]
notify_children = oppvekst@kommune.example
notify_adults = forvaltning@kommune.example
{extra}"""


class Result:
    def __init__(self, proc, want_json):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.json = None
        if want_json and self.out.strip():
            self.json = json.loads(self.out)

    def __repr__(self):
        return f"<rc={self.rc} out={self.out!r} err={self.err!r}>"


class Daemon:
    def __init__(self, clock="2027-01-04 09:00", policy="", extra="",
                 admin_group=None):
        self.dir = tempfile.mkdtemp(prefix="ansvar-e2e-")
        os.chmod(self.dir, 0o755)
        self.clock = clock
        self.ini = os.path.join(self.dir, "ansvar.ini")
        self.sock = os.path.join(self.dir, "ansvar.sock")
        self.state = os.path.join(self.dir, "state")
        self.maildir = os.path.join(self.state, "maildir")
        self.log = os.path.join(self.dir, "ansvard.log")
        self.proc = None
        self.write_ini(policy, extra, admin_group)

    def write_ini(self, policy="", extra="", admin_group=None):
        group = grp.getgrgid(os.getgid()).gr_name
        with open(self.ini, "w") as f:
            f.write(BASE_INI.format(dir=self.dir, group=group,
                                    admin_group=admin_group or group,
                                    templates=TEMPLATES, policy=policy,
                                    extra=extra))

    def start(self, *more, wait=True):
        logf = open(self.log, "a")
        self.proc = subprocess.Popen(
            [ANSVARD, "-d", "-f", self.ini, "--test-clock", self.clock, *more],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=logf)
        logf.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"ansvard exited {self.proc.returncode}:"
                                     f"\n{self.logtext()}")
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.sock)
                s.close()
                return
            except OSError:
                time.sleep(0.02)
        raise AssertionError("ansvard did not come up:\n" + self.logtext())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("ansvard did not stop on " + str(sig))

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def logtext(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def ctl(self, *args, json=False, input=None, user=None, timeout=60):
        argv = [ANSVARCTL, "-s", self.sock]
        if json:
            argv.append("--json")
        argv += [str(a) for a in args]
        if user is not None:
            argv = ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}",
                    "--clear-groups", *argv]
        p = subprocess.run(argv, input=input, capture_output=True,
                           text=True, timeout=timeout)
        return Result(p, json)

    def ok(self, *args, **kw):
        r = self.ctl(*args, **kw)
        if r.rc != 0:
            raise AssertionError(f"ansvarctl {' '.join(map(str, args))}: {r}")
        return r

    def set_clock(self, when):
        self.ok("clock", "set", when)
        self.clock = when

    def mails(self):
        """Every delivered mail, oldest first, parsed."""
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            if not os.path.isdir(d):
                continue
            for name in os.listdir(d):
                path = os.path.join(d, name)
                with open(path, "rb") as f:
                    msg = email.message_from_binary_file(
                        f, policy=email.policy.default)
                msg.path = path
                out.append(msg)
        out.sort(key=lambda m: (int(os.path.basename(m.path).split(".")[0]),
                                int(os.path.basename(m.path).split(".")[1][1:]
                                    .split(":")[0])))
        return out

    def db(self):
        import sqlite3
        return sqlite3.connect(os.path.join(self.state, "ansvar.db"))


class DaemonTest(unittest.TestCase):
    """A test with a running daemon in self.d."""
    clock = "2027-01-04 09:00"
    policy = ""
    extra = ""

    def setUp(self):
        self.d = Daemon(clock=self.clock, policy=self.policy, extra=self.extra)
        self.addCleanup(self.d.cleanup)
        self.d.start()

    def body(self, msg):
        return msg.get_body(preferencelist=("plain",)).get_content()

    def assertNoClientName(self, msg, name):
        self.assertNotIn(name, str(msg["Subject"]))
        for word in name.split():
            self.assertNotIn(word, str(msg["Subject"]))
