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

ImapServer runs a real Dovecot 2.3 (IMAP with STARTTLS, and IMAPS) from a
config of its own in a temporary directory; see its docstring.
"""
import atexit
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


class _Server:
    """`with Server() as srv:` starts it and cleans up after."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


class SmtpServer(_Server):
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


# -- IMAP: a real Dovecot 2.3 ------------------------------------------------

DOVECOT = os.environ.get("ANSVAR_TEST_DOVECOT", "/usr/sbin/dovecot")
MAIL_UID = 65534        # Dovecot refuses uid 0 for mail (MAILSERVERS.md)

_DOVECOT_CONF = """\
# Written by tests/e2e/mailservers.py; includes nothing from /etc/dovecot.
instance_name = {instance}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
default_login_user = dovenull
default_internal_user = dovecot
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_verbose = yes
# a wrong password is answered at once, not after 2 s, and the next
# login from 127.0.0.1 is not held back either (anvil's auth penalty)
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {dir}/users.passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={dir}/mail/%n allow_all_users=yes
}}
mail_location = maildir:~/Maildir
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
{extra}
"""

_MAILDIR_FLAGS = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged",
                  "D": "\\Draft", "T": "\\Deleted", "P": "$Forwarded"}


def _alive(pid):
    """True while PID exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:][:1] not in ("Z", "X", "")


def _children_of(ppid):
    """The pids whose parent is PPID."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(ppid):
            out.append(int(p))
    return out


_cert_cache = None


def _cached_cert(dir):
    """make_cert() once per process (an RSA key takes 0.1-0.3 s), copied
    into DIR: cert.pem (returned) and key.pem."""
    global _cert_cache
    if _cert_cache is None or not os.path.exists(_cert_cache):
        cache = tempfile.mkdtemp(prefix="ansvar-imapd-cert-")
        make_cert(cache)
        atexit.register(shutil.rmtree, cache, True)
        _cert_cache = cache
    for name, mode in (("cert.pem", 0o644), ("key.pem", 0o600)):
        shutil.copyfile(os.path.join(_cert_cache, name),
                        os.path.join(dir, name))
        os.chmod(os.path.join(dir, name), mode)
    return os.path.join(dir, "cert.pem")


class ImapServer(_Server):
    """One Dovecot 2.3 with its own temporary directory and config, IMAP
    (STARTTLS) and IMAPS on free ports of 127.0.0.1, one user:

        srv = ImapServer()
        self.addCleanup(srv.cleanup)
        srv.start()
        name = srv.deliver(b"From: a@b\\r\\n\\r\\nhi\\r\\n")
        d = Daemon(extra=srv.ini_section())          # [imap] for ansvar.ini
        ... srv.message_flags()[name], srv.mailbox_files("Behandlet") ...

    Attributes: dir, user, password, password_file (mode 0600), cafile,
    imap_port, imaps_port, maildir (INBOX), conf, log_file, lmtp_socket
    (Dovecot's LMTP, for a delivery that goes through Dovecot itself:
    smtplib.LMTP(lmtp_socket), one recipient per transaction).
    capability: None, or a CAPABILITY line Dovecot announces after login
    instead of its own (e.g. without ESEARCH)."""

    def __init__(self, user="ansvar", password="hemmelig-IMAP-7",
                 capability=None):
        self.user = user
        self.password = password
        self.capability = capability
        self.host = "localhost"
        self.dir = tempfile.mkdtemp(prefix="ansvar-imapd-")
        # uid 65534 has to traverse it to reach its mail.
        os.chmod(self.dir, 0o755)
        self.instance = "ansvar-test-%d-%s" % (os.getpid(),
                                               os.path.basename(self.dir))
        self.imap_port = free_port()
        self.imaps_port = free_port()
        while self.imaps_port == self.imap_port:
            self.imaps_port = free_port()
        self.conf = os.path.join(self.dir, "dovecot.conf")
        self.log_file = os.path.join(self.dir, "dovecot.log")
        self.lmtp_socket = os.path.join(self.dir, "run", "lmtp")
        self.home = os.path.join(self.dir, "mail", user)
        self.maildir = os.path.join(self.home, "Maildir")
        self._seq = 0
        self.cafile = _cached_cert(self.dir)
        with open(os.path.join(self.dir, "users.passwd"), "w") as f:
            f.write(f"{user}:{{PLAIN}}{password}\n")
        self.password_file = os.path.join(self.dir, "password")
        fd = os.open(self.password_file,
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        os.chmod(self.password_file, 0o600)
        for d in ("run", "state"):
            os.mkdir(os.path.join(self.dir, d))
        extra = ""
        if capability is not None:
            extra = f"protocol imap {{\n  imap_capability = {capability}\n}}"
        with open(self.conf, "w") as f:
            f.write(_DOVECOT_CONF.format(
                instance=self.instance, dir=self.dir, uid=MAIL_UID,
                imap_port=self.imap_port, imaps_port=self.imaps_port,
                extra=extra))
        # The Maildir exists (owned by the mail uid) before the first mail.
        self._mkdirs(self.maildir)

    def _mkdirs(self, maildir):
        for p in (os.path.dirname(os.path.dirname(maildir)),
                  os.path.dirname(maildir), maildir):
            if not os.path.isdir(p):
                os.mkdir(p, 0o700 if p == maildir else 0o755)
            os.chown(p, MAIL_UID, MAIL_UID)
        for sub in ("cur", "new", "tmp"):
            p = os.path.join(maildir, sub)
            if not os.path.isdir(p):
                os.mkdir(p, 0o700)
            os.chown(p, MAIL_UID, MAIL_UID)

    # -- process ---------------------------------------------------------
    def pid(self):
        """The master's pid while it runs, else None."""
        try:
            with open(os.path.join(self.dir, "run", "master.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def running(self):
        return self.pid() is not None

    def start(self, timeout=10):
        """Starts Dovecot (it daemonizes) and waits until both ports
        accept connections.  Returns self."""
        if self.running():
            return self
        with open(os.path.join(self.dir, "dovecot.err"), "a") as err:
            # No pipes: the daemonized master keeps inherited descriptors.
            rc = subprocess.call([DOVECOT, "-c", self.conf],
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=err,
                                 close_fds=True)
        if rc != 0:
            raise AssertionError(f"dovecot exited {rc}:\n" + self.errtext())
        deadline = time.monotonic() + timeout
        for port in (self.imap_port, self.imaps_port):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.5).close()
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        self.stop()
                        raise AssertionError(
                            f"dovecot does not listen on {port}:\n"
                            + self.errtext())
                    time.sleep(0.02)
        # The sockets are bound before the master forks; its pid file
        # comes a moment later.
        while self.pid() is None:
            if time.monotonic() >= deadline:
                raise AssertionError("dovecot wrote no master.pid:\n"
                                     + self.errtext())
            time.sleep(0.01)
        return self

    def stop(self, timeout=10):
        """Stops Dovecot and waits until the master and all its children are
        gone.  Nothing happens when it is not running.

        SIGTERM to the master alone takes 3-8 s (it waits for imap-login and
        anvil, and may start new ones meanwhile), so the children get
        SIGTERM too, after the master; whatever is left after 0.5 s gets
        SIGKILL.  A test server has nothing to save."""
        pid = self.pid()
        if pid is None:
            return
        procs = [pid]
        signalled = set()
        start = time.monotonic()
        while True:
            procs += [p for p in _children_of(pid) if p not in procs]
            alive = [p for p in procs if _alive(p)]
            if not alive or time.monotonic() - start > timeout:
                break
            late = time.monotonic() - start > 0.5
            for p in alive:
                if late or p not in signalled:
                    signalled.add(p)
                    try:
                        os.kill(p, signal.SIGKILL if late else signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            time.sleep(0.02)
        # A zombie master (nobody reaps it at once) must not make the next
        # start() think Dovecot still runs.
        try:
            os.unlink(os.path.join(self.dir, "run", "master.pid"))
        except FileNotFoundError:
            pass

    def restart(self, timeout=10):
        self.stop()
        return self.start(timeout)

    def cleanup(self):
        """Stops Dovecot and removes its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- mail ------------------------------------------------------------
    def _folder(self, mailbox):
        if mailbox in (None, "", "INBOX"):
            return self.maildir
        return os.path.join(self.maildir, "." + mailbox)

    def deliver(self, raw, mailbox="INBOX"):
        """Puts RAW (bytes, as they are: use CRLF) into the mailbox's new/,
        owned by the mail uid, written to tmp/ first so Dovecot never sees
        half a file.  Returns the file's base name (the key of
        message_flags())."""
        return self.deliver_many([raw], mailbox)[0]

    def deliver_many(self, raws, mailbox="INBOX"):
        """deliver() for many mails at once (thousands in well under a
        second).  Returns the base names, in order."""
        folder = self._folder(mailbox)
        self._mkdirs(folder)
        names = []
        now = time.time()
        for raw in raws:
            self._seq += 1
            # Dovecot gives new mails their UIDs in file name order:
            # zero-padded, so that is the order of RAWS.
            name = "%d.M%06dP%dQ%08d.ansvar-test" % (
                int(now), int(now * 1e6) % 1000000, os.getpid(), self._seq)
            tmp = os.path.join(folder, "tmp", name)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, raw)
                os.fchown(fd, MAIL_UID, MAIL_UID)
            finally:
                os.close(fd)
            os.rename(tmp, os.path.join(folder, "new", name))
            names.append(name)
        return names

    def mailbox_files(self, name="INBOX"):
        """Paths of the mails in mailbox NAME ("INBOX", "Behandlet" =
        Maildir/.Behandlet), new/ and cur/, sorted."""
        folder = self._folder(name)
        out = []
        for sub in ("new", "cur"):
            d = os.path.join(folder, sub)
            if os.path.isdir(d):
                out += [os.path.join(d, n) for n in os.listdir(d)
                        if not n.startswith(".")]
        return sorted(out)

    def _keywords(self, folder):
        """Maildir keyword letters (a-z) to names, from dovecot-keywords."""
        out = {}
        try:
            with open(os.path.join(folder, "dovecot-keywords")) as f:
                for line in f:
                    idx, _, word = line.strip().partition(" ")
                    if idx.isdigit() and int(idx) < 26 and word:
                        out[chr(ord("a") + int(idx))] = word
        except FileNotFoundError:
            pass
        return out

    def message_flags(self, mailbox="INBOX"):
        """{base name: set of flags} read from the Maildir file names:
        system flags as "\\Seen", "\\Answered", ..., keywords by name.
        A mail still in new/ (never seen by a session) has no flags."""
        folder = self._folder(mailbox)
        keywords = self._keywords(folder)
        out = {}
        for path in self.mailbox_files(mailbox):
            base, _, info = os.path.basename(path).partition(":")
            flags = set()
            if info.startswith("2,"):
                for c in info[2:]:
                    if c in _MAILDIR_FLAGS:
                        flags.add(_MAILDIR_FLAGS[c])
                    elif c in keywords:
                        flags.add(keywords[c])
                    else:
                        flags.add(c)
            out[base] = flags
        return out

    def uids(self, mailbox="INBOX"):
        """{base name: UID} from Dovecot's dovecot-uidlist (mails it has
        seen through IMAP only)."""
        out = {}
        try:
            with open(os.path.join(self._folder(mailbox),
                                   "dovecot-uidlist")) as f:
                next(f, None)               # version, UIDVALIDITY, ...
                for line in f:
                    head, sep, fname = line.rstrip("\n").partition(" :")
                    if sep and head.split()[0].isdigit():
                        out[fname.partition(":")[0]] = int(head.split()[0])
        except FileNotFoundError:
            pass
        return out

    def read(self, name, mailbox="INBOX"):
        """The bytes of the mail whose base name is NAME."""
        for path in self.mailbox_files(mailbox):
            if os.path.basename(path).partition(":")[0] == name:
                with open(path, "rb") as f:
                    return f.read()
        raise KeyError(name)

    # -- logs and configuration ------------------------------------------
    def log(self):
        """The text of Dovecot's log (logins show "TLS" when encrypted)."""
        try:
            with open(self.log_file, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def logins(self):
        """The imap-login "Login:" lines of log()."""
        return [l for l in self.log().splitlines()
                if re.search(r"imap-login: (Info: )?Login: ", l)]

    def errtext(self):
        try:
            with open(os.path.join(self.dir, "dovecot.err"),
                      errors="replace") as f:
                err = f.read()
        except FileNotFoundError:
            err = ""
        return err + self.log()

    def url(self, scheme="imaps"):
        port = self.imaps_port if scheme == "imaps" else self.imap_port
        return f"{scheme}://{self.host}:{port}"

    def ini_section(self, url_scheme="imaps", processed_mailbox=""):
        """An [imap] section for ansvar.ini: imaps://localhost:PORT, or
        imap://localhost:PORT with STARTTLS (both tls = required)."""
        lines = ["[imap]", f"url = {self.url(url_scheme)}",
                 "tls = required", f"user = {self.user}",
                 f"password_file = {self.password_file}",
                 f"ca_file = {self.cafile}", "mailbox = INBOX",
                 f"processed_mailbox = {processed_mailbox}",
                 "poll_seconds = 5"]
        return "\n".join(lines) + "\n"
