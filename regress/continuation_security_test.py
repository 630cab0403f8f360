"""Session continuations (PROTOCOL.continuation) under attack: our sshd against a raw,
hostile continuation client (regress/lib/continuation_peer.py, on paramiko internals),
and our ssh against a server with another host key.

What the continuation issue asks, one class each:
- WrongProofTest:    a wrong (or malformed) proof is refused, logged in one line, and the
                     session still resumes; a hijack attempt on a live session leaves it be.
- ReplayTest:        a proof made for one connection fails on another (§11.1); a secret
                     used before a resumption fails after it (ratchet, §6.3).
- OtherUserTest:     another user's handle, even with the right proof, is refused (§11.2).
- HostKeyTest:       our ssh does not resume to a server with another host key (§7.1);
  RefusedResumptionTest, NoServerMarkerTest: our ssh given up by the server (a refusal
                     ends it) or reaching a server without continuations (§2.3).
- TimeoutTest:       no resumption after ResumeTimeout or after the session ended.
- FloodTest:         50 parallel bogus resumptions: all refused, daemon fine, real
                     sessions (a raw one and a real `ssh -o Resume=yes`) still resume.
- MaxAuthTriesTest:  failed resumptions count against MaxAuthTries.
- NegotiationTest:   continuation messages where no continuation exists (§2.3).
- RegistryTest:      the registry of suspended sessions is reachable by root only.
- CountTest:         CVE-2016-0777/0778 class: acknowledgements and resumption counts
                     beyond what was sent or behind what was acknowledged (§5.4, §7.3,
                     §11.6) end the session or are refused, and the daemon lives on.

Log lines relied on (our sshd, LogLevel DEBUG1 from the fixture):
  "Failed continuation@sshc.dev for USER from ADDR port N ssh2: REASON"
  "Accepted continuation@sshc.dev for USER from ADDR port N ssh2"
  "Connection from user U ADDR port N lost (...); session suspended for up to T s"
  "Suspended session of user U ADDR port N expired"
Root only: the tests need our sshd's privilege separation, a second account and runuser.
"""
import concurrent.futures
import glob
import hashlib
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402

try:
    import continuation_peer as cp  # noqa: E402  (needs python3-paramiko)
except ImportError:  # Debian's python3-paramiko is installed by scripts/install-deps.sh
    cp = None
import chaos_proxy  # noqa: E402

SECOND_USER = "sshctest2"
REGISTRY_DIR = "/run/sshd-continuations"  # sshd/resume_registry.h, when sshd runs as root
LOST = "Connection lost; resuming..."
NOT_THE_KEY = "the server's host key is not the key of the session"
METHOD = "continuation@sshc.dev"


def skip_reason():
    if os.geteuid() != 0:
        return "needs root (privilege separation, a second account, runuser)"
    if cp is None:
        return "python3-paramiko not installed"
    return None


def ensure_second_user():
    return fixture.ensure_account(SECOND_USER)


def registry_entry(user, handle):
    """sshd/resume_registry.cpp: <dir>/<instance>/<uid>.<first 16 bytes of sha256(handle),
    hex>.sock (PROTOCOL.continuation §12.2, §12.6), in whichever instance's directory
    holds it; a path that does not exist if none does."""
    uid = pwd.getpwnam(user).pw_uid
    name = f"{uid}.{hashlib.sha256(handle).hexdigest()[:32]}.sock"
    found = glob.glob(os.path.join(REGISTRY_DIR, "*", name))
    return found[0] if found else os.path.join(REGISTRY_DIR, "no-instance", name)









class SecCase(fixture.SshTestCase):
    """Our sshd; raw continuation peers connect to it directly."""

    sshd_class = fixture.OurSshd

    @classmethod
    def setUpClass(cls):
        reason = skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()

    def setUp(self):
        self.log_mark = len(self.sshd.read_log())

    # --- the log ---

    def log(self):
        return self.sshd.read_log()[self.log_mark:]

    def wait_log(self, pattern, timeout=10):
        """The first match of pattern in this test's part of the log, waiting for it."""
        found = []
        fixture.wait_for(lambda: found.append(re.search(pattern, self.log())) or found[-1], timeout)
        return found[-1]

    def failed_lines(self, port, user=None):
        return re.findall(rf"(?m)^Failed {re.escape(METHOD)} for (?:invalid user )?{user or self.user} "
                          rf"from 127\.0\.0\.1 port {port} ssh2: .*$", self.log())

    def assert_one_failed_line(self, port, reason, user=None):
        """Exactly one 'Failed continuation@sshc.dev' line for the attempt from port, with
        reason in it."""
        self.wait_log(rf"Failed {re.escape(METHOD)} for .* port {port} ssh2", 10)
        time.sleep(0.1)  # a second line for the same attempt would come right behind
        lines = self.failed_lines(port, user)
        self.assertEqual(len(lines), 1, f"expected one line for port {port}:\n{self.log()[-3000:]}")
        self.assertIn(reason, lines[0])
        self.assertNotRegex(self.log(), rf"Accepted {re.escape(METHOD)} for .* port {port} ssh2")
        return lines[0]

    # --- sessions ---

    def victim(self, **kw):
        v = cp.Victim(self.sshd.port, self.user, self.client_key, **kw)
        self.addCleanup(v.close)
        return v

    def suspend(self, v):
        port = v.t.local_port
        v.cut()
        m = self.wait_log(rf"Connection from user {v.user} 127\.0\.0\.1 port {port} lost \([^\n]*\); "
                          rf"session suspended for up to \d+ s", 10)
        self.assertTrue(m, f"no suspension logged for port {port}:\n{self.log()[-3000:]}")

    def attempt(self, user, handle, r_c, proof_fn, timeout=20):
        outcome, t = cp.attempt_resume(self.sshd.port, user, handle, r_c, proof_fn, timeout)
        self.addCleanup(t.close)
        return outcome, t

    def assert_resumes(self, v):
        """The rightful owner still resumes, and the session answers on the new connection."""
        outcome, t = v.resume()
        self.assertEqual(outcome.kind, "success", f"{outcome}\n{self.log()[-3000:]}")
        self.assertTrue(self.wait_log(rf"Accepted {re.escape(METHOD)} for {v.user} from 127\.0\.0\.1 "
                                      rf"port {t.local_port} ssh2", 10), self.log()[-3000:])
        before = v.received
        v.provoke(1)
        self.assertEqual(v.received, before + 1)

    def assert_daemon_serves(self):
        self.assertIsNone(self.sshd.proc.poll(), "the sshd listener exited")
        r = self.run_ssh(command=["echo alive"], timeout=30)
        self.assertEqual((r.returncode, r.stdout), (0, b"alive\n"), r.stderr[-2000:])

    def assert_session_gone(self, v, timeout=10):
        """The session ended (not suspended): its registry entry disappears and the
        correct proof finds nothing."""
        self.assertTrue(fixture.wait_for(lambda: not os.path.exists(registry_entry(v.user, v.handle)), timeout),
                        f"registry entry still there:\n{self.log()[-3000:]}")
        outcome, t = self.attempt(v.user, v.handle, v.received, lambda h: v.proof(h))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "no such session")


# --- wrong proofs ---------------------------------------------------------------------------

class WrongProofTest(SecCase):
    def test_wrong_proof_is_refused_and_the_session_resumes(self):
        v = self.victim()
        self.suspend(v)
        outcome, t = self.attempt(self.user, v.handle, v.received, lambda h: os.urandom(32))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assertIn("publickey", outcome.detail)  # an ordinary USERAUTH_FAILURE (§7.3)
        self.assert_one_failed_line(t.local_port, "wrong proof")
        self.assert_resumes(v)

    def test_proof_for_another_count_is_wrong(self):
        # The count is under the MAC: a valid proof for r_c=1 does not vouch for r_c=0.
        v = self.victim()
        v.provoke(1)
        self.suspend(v)
        outcome, t = self.attempt(self.user, v.handle, 0, lambda h: v.proof(h, r_c=1))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "wrong proof")
        self.assert_resumes(v)

    def test_malformed_proof_is_refused(self):
        v = self.victim()
        self.suspend(v)
        outcome, t = self.attempt(self.user, v.handle, v.received, lambda h: v.proof(h)[:31])
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "32 bytes")
        self.assert_resumes(v)

    def test_wrong_proof_leaves_a_live_session_alone(self):
        # §8.3 lets a resumption replace a connection that still looks alive: a failed
        # one must not.
        v = self.victim()
        old_port = v.t.local_port
        outcome, t = self.attempt(self.user, v.handle, v.received, lambda h: os.urandom(32))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "wrong proof")
        v.provoke(1)  # the original connection still carries the session
        self.assertTrue(v.t.active)
        self.assertNotIn(f"port {old_port} lost", self.log())
        self.assertNotIn("Replacing the connection", self.log())


# --- replayed proofs ------------------------------------------------------------------------

class ReplayTest(SecCase):
    def test_proof_made_for_another_connection(self):
        v = self.victim()
        self.suspend(v)
        # Connection X: key exchange done, its valid proof made but not sent yet.
        x = cp.PeerTransport(self.sshd.port).handshake()
        self.addCleanup(x.close)
        x_proof = v.proof(x.session_id)
        # The same proof on connection Y (another H) is refused...
        outcome, y = self.attempt(self.user, v.handle, v.received, lambda h: x_proof)
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(y.local_port, "wrong proof")
        # ...and accepted on X, the connection it was made for.
        x.begin_raw_auth()
        got = cp.send_resume_auth(x, self.user, v.handle, v.received, x_proof)
        self.assertEqual(got.kind, "success", f"{got}\n{self.log()[-3000:]}")
        # A recording of X's request, replayed on yet another connection: refused.
        outcome, z = self.attempt(self.user, v.handle, v.received, lambda h: x_proof)
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(z.local_port, "wrong proof")

    def test_secret_before_a_resumption_is_dead_after_it(self):
        v = self.victim()
        old_secret = v.secret
        self.suspend(v)
        self.assert_resumes(v)  # ratchets S (§6.3)
        self.assertNotEqual(v.secret, old_secret)
        self.suspend(v)
        outcome, t = self.attempt(self.user, v.handle, v.received, lambda h: v.proof(h, secret=old_secret))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "wrong proof")
        self.assert_resumes(v)


# --- another user's handle -------------------------------------------------------------------

class OtherUserTest(SecCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = ensure_second_user()  # same AuthorizedKeysFile: the same key logs in

    def test_other_user_with_the_right_proof_is_refused(self):
        # §11.2: the handle is a lookup key for this user's sessions only. The attacker
        # here even knows S; only the user name differs.
        v = self.victim()
        self.suspend(v)
        outcome, t = self.attempt(self.other, v.handle, v.received, lambda h: v.proof(h))
        self.assertEqual(outcome.kind, "failure", outcome)
        line = self.assert_one_failed_line(t.local_port, "", user=self.other)
        self.assertRegex(line, r"no such session|another session")
        self.assert_resumes(v)

    def test_other_user_can_log_in(self):
        # The refusal above is about the handle, not about an account that cannot log in.
        w = cp.Victim(self.sshd.port, self.other, self.client_key)
        self.addCleanup(w.close)
        self.assertEqual(len(w.handle), 32)

    def test_unknown_user_is_refused(self):
        v = self.victim()
        self.suspend(v)
        outcome, t = self.attempt("no-such-user-sshc", v.handle, v.received, lambda h: v.proof(h))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "", user="no-such-user-sshc")
        self.assert_resumes(v)


# --- continuation messages where continuations are not available (§2.3) ------------------------

class NegotiationTest(SecCase):
    def plain(self):
        """A paramiko connection WITHOUT the client marker, logged in."""
        t = cp.PeerTransport(self.sshd.port)
        t._preferred_kex = tuple(k for k in t._preferred_kex if k != cp.CLIENT_MARKER)
        self.addCleanup(t.close)
        t.handshake()
        t.auth_publickey(self.user, self.key())
        return t

    def key(self):
        import paramiko
        return paramiko.Ed25519Key.from_private_key_file(self.client_key)

    def assert_protocol_error(self, t, words):
        self.assertTrue(t.wait_closed(10), "the server kept the connection")
        m = self.wait_log(rf"(?m)^127\.0\.0\.1 port {t.local_port}: [^\n]*{words}[^\n]*$", 10)
        self.assertTrue(m, self.log()[-3000:])
        self.assert_daemon_serves()

    def test_setup_without_marker_is_a_protocol_error(self):
        t = self.plain()
        t.send_raw(cp.setup_payload())
        self.assert_protocol_error(t, "without continuations")

    def test_ack_without_setup_is_a_protocol_error(self):
        # §2.3 / §3.3: acknowledgements exist only on an established continuation.
        t = cp.PeerTransport(self.sshd.port)  # with the marker, but no setup
        self.addCleanup(t.close)
        t.handshake()
        t.auth_publickey(self.user, self.key())
        t.send_raw(cp.ack_payload(0))
        self.assert_protocol_error(t, "continuation")

    def test_ack_without_marker_is_a_protocol_error(self):
        t = self.plain()
        t.send_raw(cp.ack_payload(5))
        self.assert_protocol_error(t, "continuation")

    def test_resume_without_marker_is_refused(self):
        v = self.victim()
        self.suspend(v)
        t = cp.PeerTransport(self.sshd.port)
        t._preferred_kex = tuple(k for k in t._preferred_kex if k != cp.CLIENT_MARKER)
        self.addCleanup(t.close)
        t.handshake()
        t.begin_raw_auth()
        outcome = cp.send_resume_auth(t, self.user, v.handle, v.received, v.proof(t.session_id))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "not available")
        self.assert_resumes(v)


# --- our ssh and a server with another host key ----------------------------------------------

class OtherServerCase(SecCase):
    """Our ssh with Resume=yes reaches the class's sshd through a proxy; after a cut,
    the proxy sends its reconnections to another sshd (self.other)."""

    sshd_extra_config = "ResumeTimeout 60"
    other_config = "ResumeTimeout 60"
    other_has_same_host_keys = False

    def setUp(self):
        super().setUp()
        self.other_dir = tempfile.mkdtemp(prefix="sshc-sec-other-")
        os.chmod(self.other_dir, 0o755)
        self.addCleanup(shutil.rmtree, self.other_dir, True)
        if self.other_has_same_host_keys:
            for name in os.listdir(self.tmp):
                if name.startswith("ssh_host_"):
                    shutil.copy2(os.path.join(self.tmp, name), self.other_dir)
        self.other = fixture.OurSshd(self.other_dir, self.other_config).start()
        self.addCleanup(self.other.stop)
        self.other.authorize(self.client_key + ".pub")
        self.proxy = chaos_proxy.ChaosProxy(self.sshd.port)
        self.addCleanup(self.proxy.stop)
        self.kh = os.path.join(self.other_dir, "known_hosts_proxy")
        with open(self.kh, "w") as f:
            for t in ("ed25519", "ecdsa", "rsa"):
                # known_hosts trusts BOTH servers: only the pinning of §7.1 can refuse.
                f.write(f"[127.0.0.1]:{self.proxy.port} {self.sshd.host_pubkey_line(t)}\n")
                f.write(f"[127.0.0.1]:{self.proxy.port} {self.other.host_pubkey_line(t)}\n")

    def cut_to_other(self, wait_s):
        """Runs ssh, cuts once it runs, lets it reconnect to the other sshd; returns
        (exit status or None if still running after wait_s, stderr, other sshd's log)."""
        tag = f"{2000 + os.getpid() % 7000}.25"
        self.addCleanup(lambda: fixture.kill_all(fixture.pids_running(f"sleep {tag}")))
        args = [fixture.our_ssh(), "-o", "Resume=yes", "-F", "/dev/null", "-p", str(self.proxy.port),
                "-l", self.user, "-i", self.client_key, "-o", f"UserKnownHostsFile={self.kh}",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "127.0.0.1", f"echo started; sleep {tag}; echo finished"]
        err = tempfile.TemporaryFile(dir=self.other_dir)
        self.addCleanup(err.close)
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        self.proc, self.err = proc, err
        self.addCleanup(proc.stdout.close)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        self.assertEqual(proc.stdout.readline(), b"started\n")
        other_mark = len(self.other.read_log())
        self.proxy.target = ("127.0.0.1", self.other.port)  # reconnections reach the other sshd
        self.assertEqual(self.proxy.reset(), 1)
        try:
            rc = proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            rc = None
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        self.assertNotIn("Resumed in", stderr)
        self.assertIn(LOST, stderr)
        if rc is not None:
            self.assertEqual(proc.stdout.read(), b"")
        return rc, stderr, self.other.read_log()[other_mark:]


class HostKeyTest(OtherServerCase):
    def test_ssh_never_resumes_to_another_host_key_and_keeps_trying(self):
        self.assertNotEqual(self.sshd.host_pubkey_line(), self.other.host_pubkey_line())
        rc, stderr, other_log = self.cut_to_other(4)
        self.assertIsNone(rc, f"ssh gave up at another host key:\n{stderr[-2000:]}")
        self.assertGreaterEqual(other_log.count("Connection from 127.0.0.1"), 2,
                                f"ssh did not try again:\n{other_log}")
        self.assertNotIn("Accepted", other_log)
        self.assertNotIn(METHOD, other_log)  # no handle, no proof sent to that server
        # Warned once, in one line ending CR LF like all its diagnostics.
        lines = [l for l in stderr.split("\r\n") if NOT_THE_KEY in l]
        self.assertEqual(len(lines), 1, repr(stderr[-2000:]))
        # The session's own server is back: the next attempt resumes there.
        self.proxy.target = ("127.0.0.1", self.sshd.port)
        self.wait_log(rf"Accepted {re.escape(METHOD)} for {self.user} ", 30)
        self.err.seek(0)
        self.assertTrue(fixture.wait_for(lambda: (self.err.seek(0), "Resumed in" in self.err.read().decode())[1], 10))
        self.assertIsNone(self.proc.poll())


class RefusedResumptionTest(OtherServerCase):
    # The same host key, continuations on, but the account may not log in there: the
    # server answers the resumption with USERAUTH_FAILURE (§7.3).
    other_has_same_host_keys = True
    other_config = "DenyUsers sshctest\nResumeTimeout 60"

    def test_definitive_refusal_ends_the_client(self):
        # §7.3: "no such session" from a server with the session's host key is final.
        self.assertEqual(self.sshd.host_pubkey_line(), self.other.host_pubkey_line())
        rc, stderr, other_log = self.cut_to_other(20)  # well before the 60 s suspend timeout
        self.assertRegex(other_log, rf"Failed {re.escape(METHOD)} for invalid user {self.user} .*: no such session",
                         other_log)
        self.assertEqual(rc, 255, f"ssh still running 20 s after a refusal; other sshd saw "
                                  f"{other_log.count('Failed ' + METHOD)} attempts\n{stderr[-2000:]}")
        self.assertIn("The server no longer has the session (it ended or expired).", stderr)
        self.assertEqual(other_log.count(f"Failed {METHOD}"), 1, other_log)


class NoServerMarkerTest(OtherServerCase):
    # The same host key, but that sshd does not offer continuations (Resume no): §2.3
    # forbids sending it the resumption request (handle and proof).
    other_has_same_host_keys = True
    other_config = "Resume no"

    def test_no_resumption_request_without_the_server_marker(self):
        rc, stderr, other_log = self.cut_to_other(5)
        self.assertIn("Connection from 127.0.0.1", other_log, "the resumption never reached the other sshd")
        sent = re.findall(rf"(?m)^.*{re.escape(METHOD)}.*$", other_log)
        self.assertEqual(sent, [], f"{len(sent)} resumption requests reached a server without the marker")


# --- expired and ended sessions --------------------------------------------------------------

class TimeoutTest(SecCase):
    sshd_extra_config = "ResumeTimeout 2"

    def test_resume_after_the_timeout(self):
        v = self.victim()
        self.assertEqual(v.timeout_s, 2)
        port = v.t.local_port
        self.suspend(v)
        self.assertTrue(self.wait_log(rf"Suspended session of user {self.user} 127\.0\.0\.1 port {port} expired",
                                      15), self.log()[-3000:])
        self.assert_session_gone(v)
        self.assert_daemon_serves()

    def test_resume_after_the_session_ended(self):
        v = self.victim()
        entry = registry_entry(self.user, v.handle)
        self.assertTrue(os.path.exists(entry), f"{entry} missing while the session lives")
        # An orderly end: DISCONNECT, then close (not a loss: nothing to suspend).
        v.t.send_raw(cp.disconnect_payload())
        v.t.close()
        self.assertTrue(self.wait_log(rf"Disconnected from user {self.user} 127\.0\.0\.1 port {v.t.local_port}",
                                      10), self.log()[-3000:])
        self.assertNotIn("suspended", self.log())
        self.assert_session_gone(v)


# --- a flood of resumptions -------------------------------------------------------------------

class FloodTest(SecCase):
    sshd_extra_config = "MaxStartups 100\nResumeTimeout 120"
    ATTEMPTS = 50

    def bogus(self, i, v):
        kinds = [
            ("wrong proof", lambda: (v.handle, v.received, lambda h: os.urandom(32))),
            ("random handle", lambda: (cp.random_handle(), 0, lambda h: os.urandom(32))),
            ("first secret", lambda: (v.handle, v.received, lambda h: v.proof(h, secret=v.first_secret))),
            ("count beyond", lambda: (v.handle, v.received + 1, lambda h: os.urandom(32))),
        ]
        name, make = kinds[i % len(kinds)]
        handle, r_c, proof_fn = make()
        try:
            outcome, t = cp.attempt_resume(self.sshd.port, self.user, handle, r_c, proof_fn, timeout=60)
        except Exception as e:  # the connection itself failed: not a success either
            return name, None, cp.Outcome("error", repr(e))
        port = t.local_port
        t.close()
        return name, port, outcome

    def test_flood_is_refused_and_real_sessions_resume(self):
        v = self.victim()
        v.first_secret = v.secret
        self.suspend(v)
        self.assert_resumes(v)  # from now on the first secret is stale
        self.suspend(v)
        # A real ssh session behind a proxy, cut during the flood.
        proxy = chaos_proxy.ChaosProxy(self.sshd.port)
        self.addCleanup(proxy.stop)
        kh = os.path.join(self.tmp, f"known_hosts_{proxy.port}")
        with open(kh, "w") as f:
            f.write(f"[127.0.0.1]:{proxy.port} {self.sshd.host_pubkey_line()}\n")
        n = 80
        args = self.ssh_args(["-o", "Resume=yes"],
                             [f"i=0; while [ $i -lt {n} ]; do i=$((i+1)); echo $i; sleep 0.1; done"])
        args[args.index("-p") + 1] = str(proxy.port)
        args[args.index(f"UserKnownHostsFile={self.known_hosts}")] = f"UserKnownHostsFile={kh}"
        err = tempfile.TemporaryFile(dir=self.tmp)
        self.addCleanup(err.close)
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        self.assertEqual(proc.stdout.readline(), b"1\n")

        with concurrent.futures.ThreadPoolExecutor(max_workers=self.ATTEMPTS) as pool:
            futures = [pool.submit(self.bogus, i, v) for i in range(self.ATTEMPTS)]
            time.sleep(0.5)
            self.assertEqual(proxy.reset(), 1)
            results = [f.result(timeout=120) for f in futures]

        out, _ = proc.communicate(timeout=60)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        self.assertEqual(proc.returncode, 0, stderr[-2000:])
        self.assertEqual((b"1\n" + out).split(), [str(i).encode() for i in range(1, n + 1)], stderr[-2000:])
        self.assertIn(LOST, stderr)
        self.assertIn("Resumed in", stderr)

        summary = [(name, o.kind, o.detail) for name, _, o in results]
        self.assertFalse([s for s in summary if s[1] == "success"], summary)
        self.assertEqual([s for s in summary if s[1] != "failure"], [], summary)
        self.assertIsNone(self.sshd.proc.poll(), "the sshd listener died")
        reasons = {"wrong proof": "wrong proof", "random handle": "no such session",
                   "first secret": "wrong proof", "count beyond": "wrong proof"}
        for name, port, _ in results:
            self.assert_one_failed_line(port, reasons[name])
        self.assert_resumes(v)
        self.assert_daemon_serves()


# --- MaxAuthTries ------------------------------------------------------------------------------

class MaxAuthTriesTest(SecCase):
    sshd_extra_config = "MaxAuthTries 3"

    def test_failed_resumptions_count(self):
        v = self.victim()
        self.suspend(v)
        t = cp.PeerTransport(self.sshd.port).handshake()
        self.addCleanup(t.close)
        t.begin_raw_auth()
        outcomes = []
        for _ in range(3):
            start = len(t.received_log)
            outcomes.append(cp.send_resume_auth(t, self.user, v.handle, v.received, os.urandom(32), start=start))
            if outcomes[-1].kind != "failure":
                break
        self.assertEqual([o.kind for o in outcomes], ["failure", "failure", "disconnect"], outcomes)
        self.assertIn("Too many authentication failures", outcomes[2].detail[1])
        self.assertTrue(t.wait_closed(10))
        self.assertTrue(self.wait_log(rf"maximum authentication attempts exceeded for {self.user} from "
                                      rf"127\.0\.0\.1 port {t.local_port} ssh2", 10), self.log()[-3000:])
        self.assertEqual(len(self.failed_lines(t.local_port)), 3, self.log()[-3000:])
        self.assert_resumes(v)

    def test_resumption_failures_and_other_methods_share_the_count(self):
        v = self.victim()
        self.suspend(v)
        t = cp.PeerTransport(self.sshd.port).handshake()
        self.addCleanup(t.close)
        t.begin_raw_auth()
        start = len(t.received_log)
        for password in ("wrong one", "wrong two"):
            t.send_raw(bytes([cp.MSG_USERAUTH_REQUEST]) + cp.ssh_string(self.user) +
                       cp.ssh_string("ssh-connection") + cp.ssh_string("password") + b"\0" +
                       cp.ssh_string(password))
            got = t.wait_message({cp.MSG_USERAUTH_FAILURE}, start=start, timeout=15)
            self.assertIsNotNone(got)
            self.assertEqual(got[1][0], cp.MSG_USERAUTH_FAILURE)
            start = got[0] + 1
        outcome = cp.send_resume_auth(t, self.user, v.handle, v.received, os.urandom(32), start=start)
        self.assertEqual(outcome.kind, "disconnect", outcome)
        self.assertIn("Too many authentication failures", outcome.detail[1])
        self.assert_resumes(v)


# --- the registry --------------------------------------------------------------------------------

class RegistryTest(SecCase):
    def run_as_user(self, code):
        return subprocess.run(["runuser", "-u", self.user, "--", "/usr/bin/python3", "-c", code],
                              capture_output=True, text=True, timeout=30)

    def test_registry_is_root_only(self):
        v = self.victim()
        self.suspend(v)
        entry = registry_entry(self.user, v.handle)
        st = os.lstat(REGISTRY_DIR)
        self.assertTrue(stat.S_ISDIR(st.st_mode))
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o700), oct(st.st_mode))
        st = os.lstat(os.path.dirname(entry))  # the daemon instance's own directory (§12.6)
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o700), oct(st.st_mode))
        self.assertTrue(stat.S_ISSOCK(os.lstat(entry).st_mode), f"{entry} is not a socket")
        probe = (
            "import errno, os, socket, sys\n"
            f"path = {entry!r}\n"
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\n"
            "try:\n"
            "    s.connect(path)\n"
            "except OSError as e:\n"
            "    print(errno.errorcode.get(e.errno, e.errno))\n"
            "else:\n"
            "    print('CONNECTED')\n"
            "try:\n"
            f"    os.listdir({REGISTRY_DIR!r})\n"
            "    print('LISTED')\n"
            "except OSError as e:\n"
            "    print(errno.errorcode.get(e.errno, e.errno))\n")
        r = self.run_as_user(probe)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["EACCES", "EACCES"], r.stderr)
        # The probe runs as the user for real (else the check proves nothing).
        who = self.run_as_user("import os; print(os.geteuid())")
        self.assertEqual(who.stdout.strip(), str(pwd.getpwnam(self.user).pw_uid))
        self.assert_resumes(v)


# --- counts beyond what was sent, behind what was acknowledged (CVE-2016-0777 class) ------------

class CountTest(SecCase):
    sshd_extra_config = "ResumeTimeout 60"

    def assert_ended_by(self, v, reason):
        port = v.t.local_port
        line = self.wait_log(rf"(?m)^127\.0\.0\.1 port {port}: [^\n]*{reason}[^\n]*$", 10)
        self.assertTrue(line, f"no '{reason}' line for port {port}:\n{self.log()[-3000:]}")
        self.assertIn("continuation", line.group(0))
        self.assertTrue(v.t.wait_closed(10), "the server kept the connection")
        self.assertNotRegex(self.log(), rf"port {port} lost")  # ended, not suspended (§8.1)
        self.assert_session_gone(v)
        self.assert_daemon_serves()

    def test_ack_beyond_sent(self):
        v = self.victim()
        v.provoke(2)
        v.send_ack(3)
        self.assert_ended_by(v, "count beyond what was sent")

    def test_ack_far_beyond_sent(self):
        # 2^64-1: an unchecked "count - acknowledged" would be a huge index.
        v = self.victim()
        v.provoke(1)
        v.send_ack(2**64 - 1)
        self.assert_ended_by(v, "count beyond what was sent")

    def test_ack_behind_acknowledged(self):
        v = self.victim()
        v.provoke(3)
        v.send_ack(2)
        v.send_ack(2)  # the same count again is fine (§5.4: only a < p is wrong)...
        v.send_ack(3)
        v.provoke(1)   # ...and the session is alive after both
        v.send_ack(1)
        self.assert_ended_by(v, "count behind what was acknowledged")

    def test_resume_count_beyond_sent(self):
        v = self.victim()
        v.provoke(2)
        self.suspend(v)
        for r_c in (3, 2**64 - 1):
            outcome, t = self.attempt(self.user, v.handle, r_c, lambda h, r=r_c: v.proof(h, r_c=r))
            self.assertEqual(outcome.kind, "failure", outcome)
            self.assert_one_failed_line(t.local_port, "count beyond what was sent")
        self.assert_resumes(v)  # with r_c = 2, what we really received
        self.assert_daemon_serves()

    def test_resume_count_behind_acknowledged(self):
        v = self.victim()
        v.provoke(3)
        v.send_ack(3)
        v.provoke(1)  # the server has the ack before we cut (in order on one connection)
        self.suspend(v)
        outcome, t = self.attempt(self.user, v.handle, 1, lambda h: v.proof(h, r_c=1))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "count behind what was acknowledged")
        self.assert_resumes(v)
        self.assert_daemon_serves()


if __name__ == "__main__":
    unittest.main()
