#!/usr/bin/python3
"""A real SMTP server for the end-to-end tests (aiosmtpd), with STARTTLS,
AUTH PLAIN/LOGIN, Maildir delivery and failure injection.

    /usr/bin/python3 tests/e2e/smtpd.py --dir DIR --port PORT
        [--tls starttls|none] [--auth USER:PASSWORD]... [--require-auth]

DIR/cert.pem and DIR/key.pem are the certificate for --tls starttls (see
make_cert()).  Every accepted message goes into the Maildir DIR/maildir, one
file per accepted recipient, with three header lines put in front of the
message bytes exactly as received:

    X-Test-Rcpt: <the recipient address>
    X-Test-TLS: yes|no          (STARTTLS was done before the transaction)
    X-Test-Auth: <user>|-       (the AUTH user, - when not authenticated)

DIR/rules is read again on every RCPT and DATA, so a test changes failures
without a restart.  One rule a line, '#' starts a comment:

    PATTERN CODE TEXT   fnmatch pattern (case-insensitive) for the recipient
                        address; the first match answers CODE TEXT to RCPT,
                        e.g.  *@slow.example 451 4.3.0 try later
                              bad@*          550 5.1.1 no such user
    DATA CODE TEXT      every message is refused with CODE TEXT as the reply
                        to the end of the message data (after the final dot)
    DATA-CMD CODE TEXT  the DATA command itself is answered CODE TEXT

One line a transaction (and a line for each failed AUTH or refused MAIL) goes
to DIR/smtpd.log, tab-separated:

    TIME  tls=yes|no  auth=USER|-  from=ADDR  rcpts=A,B  rejected=C:451,..  result=TEXT

Writes DIR/smtpd.pid, prints "ready" on stdout once listening, exits 0 on
SIGTERM or SIGINT.  Importable: make_cert(dir), read_rules(dir),
build_controller(...), main(argv).
"""
import argparse
import fnmatch
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, MISSING

LOG = logging.getLogger("ansvar-test-smtpd")


def make_cert(dir):
    """A self-signed certificate for localhost/127.0.0.1 into DIR/cert.pem
    and DIR/key.pem.  Returns the certificate path (the CA file)."""
    cert = os.path.join(dir, "cert.pem")
    key = os.path.join(dir, "key.pem")
    p = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-days", "7", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"openssl req failed ({p.returncode}): {p.stderr}")
    os.chmod(cert, 0o644)
    return cert


def read_rules(dir):
    """The rules in DIR/rules as (pattern, reply) pairs, in file order.
    A missing file means no rules."""
    rules = []
    try:
        with open(os.path.join(dir, "rules"), encoding="utf-8",
                  errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return rules
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 2 or not (len(parts[1]) == 3 and parts[1].isdigit()):
            LOG.warning("rules: ignoring malformed line %r", line)
            continue
        text = parts[2] if len(parts) > 2 else "injected failure"
        rules.append((parts[0], f"{parts[1]} {text}"))
    return rules


def rule_for(dir, what):
    """The reply of the first rule for WHAT: a recipient address, or the
    literal 'DATA' / 'DATA-CMD'.  None when no rule matches."""
    for pattern, reply in read_rules(dir):
        if what in ("DATA", "DATA-CMD"):
            if pattern == what:
                return reply
        elif pattern not in ("DATA", "DATA-CMD") and \
                fnmatch.fnmatchcase(what.lower(), pattern.lower()):
            return reply
    return None


class Maildir:
    """Delivery into DIR/{tmp,new,cur}: write into tmp, rename into new."""

    def __init__(self, path):
        self.path = path
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        self.seq = 0
        self.lock = threading.Lock()
        self.host = "localhost"

    def deliver(self, data):
        with self.lock:
            self.seq += 1
            seq = self.seq
        now = time.time()
        sec = int(now)
        usec = int((now - sec) * 1e6)
        name = f"{sec}.M{usec:06d}P{os.getpid()}Q{seq}.{self.host}"
        tmp = os.path.join(self.path, "tmp", name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, os.path.join(self.path, "new", name))
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return name


def _user(server):
    s = server.session
    if s is not None and s.authenticated:
        return str(s.auth_data)
    return "-"


def _tls(server):
    s = server.session
    return "yes" if s is not None and s.ssl is not None else "no"


def _clean(text):
    return str(text).replace("\t", " ").replace("\r", " ").replace("\n", " ")


class Handler:
    def __init__(self, dir):
        self.dir = dir
        self.maildir = Maildir(os.path.join(dir, "maildir"))
        self.logpath = os.path.join(dir, "smtpd.log")
        self.loglock = threading.Lock()

    # -- the log ---------------------------------------------------------
    def log(self, server, mail_from, rcpts, rejected, result):
        t = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) + \
            f".{int((t % 1) * 1000):03d}"
        fields = [stamp, f"tls={_tls(server)}", f"auth={_clean(_user(server))}",
                  f"from={_clean(mail_from) if mail_from is not None else '-'}",
                  "rcpts=" + (",".join(map(_clean, rcpts)) or "-"),
                  "rejected=" + (",".join(f"{_clean(a)}:{c}"
                                          for a, c in rejected) or "-"),
                  f"result={_clean(result)}"]
        with self.loglock, open(self.logpath, "a", encoding="utf-8") as f:
            f.write("\t".join(fields) + "\n")

    def finish(self, server, result):
        """Log the open transaction of SERVER (if any) and close it."""
        tx = getattr(server, "ansvar_tx", None)
        if tx is not None:
            server.ansvar_tx = None
            self.log(server, tx["from"], tx["rcpts"], tx["rejected"], result)

    # -- aiosmtpd hooks --------------------------------------------------
    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        self.finish(server, "abandoned")
        server.ansvar_tx = {"from": address, "rcpts": [], "rejected": []}
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        tx = getattr(server, "ansvar_tx", None)
        try:
            reply = rule_for(self.dir, address)
        except Exception as e:          # never let a bad rules file kill us
            LOG.warning("rules: %s", e)
            reply = None
        if reply is not None and not reply.startswith("2"):
            if tx is not None:
                tx["rejected"].append((address, reply[:3]))
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        if tx is not None:
            tx["rcpts"].append(address)
        return reply or "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = rule_for(self.dir, "DATA")
        if reply is not None and not reply.startswith("2"):
            self.finish(server, reply)
            return reply
        data = envelope.original_content
        if isinstance(data, str):               # only with decode_data=True
            data = data.encode("utf-8", "surrogateescape")
        tls = _tls(server)
        user = _user(server)
        names = []
        try:
            for rcpt in envelope.rcpt_tos:
                head = (f"X-Test-Rcpt: {rcpt}\r\n"
                        f"X-Test-TLS: {tls}\r\n"
                        f"X-Test-Auth: {user}\r\n").encode("utf-8")
                names.append(self.maildir.deliver(head + data))
        except Exception as e:
            reply = f"451 4.3.0 delivery failed: {e}"
            self.finish(server, reply)
            return reply
        reply = f"250 2.0.0 OK delivered {len(names)}"
        self.finish(server, reply + " " + " ".join(names))
        return reply

    async def handle_RSET(self, server, session, envelope):
        self.finish(server, "RSET")
        return MISSING

    async def handle_QUIT(self, server, session, envelope):
        self.finish(server, "QUIT")
        return MISSING


class TestSMTP(SMTP):
    """aiosmtpd's SMTP with transaction logging at its edges and the
    DATA-CMD rule."""
    ansvar_tx = None

    async def smtp_MAIL(self, arg):
        if self.session.host_name and self._auth_required \
                and not self.session.authenticated:
            addr = (arg or "").strip()
            if addr[:5].upper() == "FROM:":
                addr = addr[5:].strip()
            addr = addr.split()[0].strip("<>") if addr.split() else "-"
            self.event_handler.log(self, addr, [], [],
                                   "530 5.7.0 Authentication required")
        return await super().smtp_MAIL(arg)

    async def smtp_DATA(self, arg):
        if self.envelope.rcpt_tos and not arg and self.session.host_name \
                and not (self._auth_required and not self.session.authenticated):
            reply = rule_for(self.event_handler.dir, "DATA-CMD")
            if reply is not None and not reply.startswith("2"):
                self.event_handler.finish(self, "DATA-CMD " + reply)
                return await self.push(reply)
        return await super().smtp_DATA(arg)

    def connection_lost(self, error):
        try:
            self.event_handler.finish(self, "disconnected")
        except Exception:
            pass
        super().connection_lost(error)


class TestController(Controller):
    def factory(self):
        return TestSMTP(self.handler, **self.SMTP_kwargs)


def authenticator_for(users):
    """An aiosmtpd authenticator accepting the {user: password} USERS."""
    def authenticate(server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode("utf-8", "replace")
        password = auth_data.password.decode("utf-8", "replace")
        if login in users and users[login] == password:
            return AuthResult(success=True, auth_data=login)
        try:
            server.event_handler.log(server, None, [], [],
                                     f"535 AUTH {mechanism} failed for {login}")
        except Exception:
            pass
        return AuthResult(success=False, handled=False)
    return authenticate


def build_controller(dir, port, tls="starttls", users=None,
                     require_auth=False, host="127.0.0.1"):
    """An unstarted Controller for DIR/PORT; see the module doc."""
    kw = {}
    if tls == "starttls":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(os.path.join(dir, "cert.pem"),
                            os.path.join(dir, "key.pem"))
        kw.update(tls_context=ctx, require_starttls=True,
                  auth_require_tls=True)
    elif tls == "none":
        kw.update(auth_require_tls=False)
    else:
        raise ValueError(f"tls must be starttls or none, not {tls!r}")
    return TestController(
        Handler(dir), hostname=host, port=port, server_hostname="localhost",
        decode_data=False, authenticator=authenticator_for(users or {}),
        auth_required=require_auth, ready_timeout=10, **kw)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--tls", choices=("starttls", "none"), default="starttls")
    ap.add_argument("--auth", action="append", default=[],
                    metavar="USER:PASSWORD")
    ap.add_argument("--require-auth", action="store_true")
    a = ap.parse_args(argv)

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="smtpd: %(levelname)s %(name)s: %(message)s")
    # aiosmtpd itself sets the deprecated Session.login_data on every AUTH.
    logging.getLogger("mail.log").addFilter(
        lambda r: "login_data is deprecated" not in r.getMessage())
    users = {}
    for spec in a.auth:
        user, sep, password = spec.partition(":")
        if not sep:
            ap.error(f"--auth {spec!r}: want USER:PASSWORD")
        users[user] = password
    dir = os.path.abspath(a.dir)
    os.makedirs(dir, exist_ok=True)

    # Block the signals before the server thread exists, so that only the
    # main thread's sigwait() receives them.
    sigs = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)

    controller = build_controller(dir, a.port, a.tls, users, a.require_auth,
                                  a.host)
    try:
        controller.start()
    except Exception as e:
        print(f"smtpd: cannot start on {a.host}:{a.port}: {e}",
              file=sys.stderr, flush=True)
        try:
            controller.stop(no_assert=True)
        except Exception:
            pass
        return 1
    pidfile = os.path.join(dir, "smtpd.pid")
    with open(pidfile + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(pidfile + ".tmp", pidfile)

    print("ready", flush=True)
    # Nothing more goes to stdout: a parent may stop reading the pipe.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)

    signal.sigwait(sigs)
    controller.stop()
    try:
        os.unlink(pidfile)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
