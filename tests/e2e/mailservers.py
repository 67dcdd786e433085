"""Real mail servers for the end-to-end tests.

SmtpServer runs tests/e2e/smtpd.py (aiosmtpd: STARTTLS, AUTH, Maildir
delivery, failure injection through a rules file) as a subprocess on a free
port of 127.0.0.1, in a temporary directory of its own:

    srv = SmtpServer()                       # STARTTLS + AUTH required
    self.addCleanup(srv.cleanup)
    srv.start()
    d = Daemon(extra=srv.ini_section())      # [smtp] for ansvar.ini
    srv.set_rules("*@slow.example 451 4.3.0 try later\\n")
    ... srv.mails(), srv.message_ids(), srv.log_entries(), srv.stop() ...
"""
import email
import email.policy
import importlib.util
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SMTPD = os.path.join(HERE, "smtpd.py")
# Debian's interpreter: the one that has python3-aiosmtpd.
PYTHON = os.environ.get("ANSVAR_TEST_PYTHON", "/usr/bin/python3")


def _load_smtpd():
    # By path: the name "smtpd" is also a (deprecated) standard module.
    spec = importlib.util.spec_from_file_location("ansvar_test_smtpd", SMTPD)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_cert(dir):
    """DIR/cert.pem + DIR/key.pem for localhost; returns the cert path."""
    return _load_smtpd().make_cert(dir)


def free_port(host="127.0.0.1"):
    """A TCP port that is free on HOST right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


_NAME = re.compile(r"^(\d+)\.M(\d+)P(\d+)Q(\d+)\.")


def _maildir_key(path):
    m = _NAME.match(os.path.basename(path))
    if m:
        return (int(m[1]), int(m[2]), int(m[3]), int(m[4]), path)
    st = os.stat(path)
    return (int(st.st_mtime), 0, 0, 0, path)


def read_maildir(maildir):
    """Every mail in MAILDIR/new and MAILDIR/cur, oldest first, parsed with
    email.policy.default; each has .path."""
    paths = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if os.path.isdir(d):
            paths += [os.path.join(d, n) for n in os.listdir(d)
                      if not n.startswith(".")]
    out = []
    for path in sorted(paths, key=_maildir_key):
        with open(path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        msg.path = path
        out.append(msg)
    return out


class SmtpServer:
    """One smtpd.py on a free port with its own temporary directory.

    Attributes: port, host ("localhost"), dir, maildir, cafile (cert.pem,
    None without TLS), password_file (DIR/password, mode 0600; None without
    a password), user, password, tls, require_auth, proc."""

    def __init__(self, tls=True, user="ansvar", password="s3cret",
                 require_auth=True, port=None):
        self.tls = tls
        self.user = user
        self.password = password
        self.require_auth = require_auth
        self.host = "localhost"
        self.port = port or free_port()
        self.proc = None
        self.dir = tempfile.mkdtemp(prefix="ansvar-smtpd-")
        os.chmod(self.dir, 0o755)
        self.maildir = os.path.join(self.dir, "maildir")
        self.rules_file = os.path.join(self.dir, "rules")
        self.log_file = os.path.join(self.dir, "smtpd.log")
        self.err_file = os.path.join(self.dir, "smtpd.err")
        self.pid_file = os.path.join(self.dir, "smtpd.pid")
        self.cafile = make_cert(self.dir) if tls else None
        self.password_file = None
        if password is not None:
            self.password_file = os.path.join(self.dir, "password")
            fd = os.open(self.password_file,
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(password + "\n")
            os.chmod(self.password_file, 0o600)

    # -- process ---------------------------------------------------------
    def argv(self):
        argv = [PYTHON, SMTPD, "--dir", self.dir, "--port", str(self.port),
                "--tls", "starttls" if self.tls else "none"]
        if self.user is not None:
            argv += ["--auth", f"{self.user}:{self.password or ''}"]
        if self.require_auth:
            argv.append("--require-auth")
        return argv

    def start(self, timeout=10):
        """Starts smtpd.py and waits until it listens.  Returns self."""
        if self.running():
            return self
        err = open(self.err_file, "a")
        try:
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=err,
                                         close_fds=True)
        finally:
            err.close()
        out = self.proc.stdout
        buf = b""
        deadline = time.monotonic() + timeout
        try:
            while b"ready\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.proc.kill()
                    self.proc.wait()
                    raise AssertionError(
                        f"smtpd did not get ready in {timeout}s:\n"
                        + self.errtext())
                r, _, _ = select.select([out], [], [], min(left, 0.5))
                if r:
                    chunk = os.read(out.fileno(), 4096)
                    if not chunk:           # exited before "ready"
                        rc = self.proc.wait()
                        raise AssertionError(
                            f"smtpd exited {rc} before ready:\n"
                            + self.errtext())
                    buf += chunk
        finally:
            # smtpd.py writes nothing more to stdout after "ready".
            out.close()
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM and wait.  Returns the exit status (None if not started)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("smtpd did not stop on SIGTERM:\n"
                                     + self.errtext())
        return self.proc.returncode

    def kill(self):
        """SIGKILL (an abrupt outage) and wait.  Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait()

    def restart(self, timeout=10):
        """stop() then start() on the same port, Maildir and rules."""
        self.stop()
        return self.start(timeout)

    def cleanup(self):
        """Stops the server (killing it if need be) and removes its dir."""
        try:
            try:
                self.stop()
            except AssertionError:
                pass
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # -- failure injection -----------------------------------------------
    def set_rules(self, text):
        """Replaces DIR/rules (atomically); "" or None removes them.
        Lines: `PATTERN CODE TEXT`, `DATA CODE TEXT`, `DATA-CMD CODE TEXT`."""
        if not text:
            try:
                os.unlink(self.rules_file)
            except FileNotFoundError:
                pass
            return
        if not text.endswith("\n"):
            text += "\n"
        tmp = self.rules_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.rules_file)

    def clear_rules(self):
        self.set_rules(None)

    # -- what arrived ----------------------------------------------------
    def mails(self):
        """Every delivered mail (one per accepted recipient), oldest first:
        email.message.EmailMessage objects with .path and the headers
        X-Test-Rcpt, X-Test-TLS (yes|no), X-Test-Auth (user or -)."""
        return read_maildir(self.maildir)

    def mails_to(self, rcpt):
        """mails() whose X-Test-Rcpt is RCPT (case-insensitive)."""
        return [m for m in self.mails()
                if str(m["X-Test-Rcpt"]).lower() == rcpt.lower()]

    def message_ids(self):
        """The Message-ID of each of mails(), in the same order (one entry
        per recipient copy; None for a mail without one)."""
        return [str(m["Message-ID"]).strip() if m["Message-ID"] is not None
                else None for m in self.mails()]

    def wait_mails(self, n, timeout=10):
        """Waits until at least N mails are there; returns mails()."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.mails()
            if len(got) >= n or time.monotonic() >= deadline:
                return got
            time.sleep(0.05)

    def clear_mails(self):
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            if os.path.isdir(d):
                for n in os.listdir(d):
                    os.unlink(os.path.join(d, n))

    def log(self):
        """The text of DIR/smtpd.log: one tab-separated line a transaction
        (time, tls=, auth=, from=, rcpts=, rejected=, result=)."""
        try:
            with open(self.log_file, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def log_entries(self):
        """log() parsed: a list of dicts with the keys time, tls, auth,
        from, rcpts (list), rejected (list of (addr, code)), result."""
        out = []
        for line in self.log().splitlines():
            fields = line.split("\t")
            e = {"time": fields[0]}
            for f in fields[1:]:
                k, _, v = f.partition("=")
                e[k] = v
            e["rcpts"] = [] if e.get("rcpts", "-") == "-" \
                else e["rcpts"].split(",")
            e["rejected"] = [] if e.get("rejected", "-") == "-" \
                else [tuple(x.rsplit(":", 1)) for x in e["rejected"].split(",")]
            out.append(e)
        return out

    def errtext(self):
        """smtpd.py's stderr (warnings, tracebacks)."""
        try:
            with open(self.err_file, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    # -- for ansvar.ini --------------------------------------------------
    def ini_section(self, tls="required"):
        """An [smtp] section for ansvar.ini pointing at this server.  host is
        localhost (libESMTP matches the certificate's DNS name only)."""
        lines = ["[smtp]", f"host = {self.host}", f"port = {self.port}",
                 f"tls = {tls}"]
        if self.user is not None:
            lines.append(f"user = {self.user}")
        if self.password_file is not None:
            lines.append(f"password_file = {self.password_file}")
        if self.cafile is not None:
            lines.append(f"ca_file = {self.cafile}")
        lines.append("timeout_seconds = 10")
        return "\n".join(lines) + "\n"
