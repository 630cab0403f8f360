"""Interop matrix: third-party clients against our sshd.

Each client (OpenSSH ssh/sftp, Dropbear dbclient, PuTTY plink/psftp, paramiko, asyncssh;
see regress/lib/peers.py) gets the same cases: publickey login, password login, exec
with stdout/stderr/exit status, a 100 MB stdin/stdout round trip compared by SHA-256, an
interactive shell on a pty (size, TERM, tty, exit status), sftp put/get (where the client
has sftp) and local/remote port forwarding. Logins and the sftp subsystem are also
checked in our sshd's log, so a client's fallback cannot hide a server failure.

One sshd per client class; its log is sshd.log in the class's temp dir. Set
INTEROP_SSHD=stock to run the same matrix against Debian's sshd: a case that fails with
ours and passes with stock points at our server, not at the test.
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import peers  # noqa: E402
import unittest  # noqa: E402

USE_STOCK = os.environ.get("INTEROP_SSHD") == "stock"

_big = {}


def big_data():
    """100 MB that does not compress (the sshd may negotiate zlib), made once."""
    if "data" not in _big:
        _big["data"] = os.urandom(1 << 20) * 100
        _big["sha"] = hashlib.sha256(_big["data"]).hexdigest()
    return _big["data"], _big["sha"]


class InteropCases:
    """The cases, mixed into one TestCase class per client."""

    peer_name = None
    sshd_class = fixture.StockSshd if USE_STOCK else fixture.OurSshd
    shell_term = "xterm-256color"  # what the remote shell should see in TERM

    @classmethod
    def setUpClass(cls):
        reason = peers.missing_reason(cls.peer_name)
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()
        cls.target = peers.Target(cls.tmp, cls.sshd, cls.user, fixture.TEST_PASSWORD,
                                  cls.client_key, cls.known_hosts)
        cls.peer = peers.PEERS[cls.peer_name](cls.target)

    @classmethod
    def tearDownClass(cls):
        close = getattr(cls.peer, "close", None)
        if close:
            close()
        super().tearDownClass()

    def setUp(self):
        self.log_mark = len(self.sshd.read_log())

    def new_log(self):
        """What our sshd logged since this case started."""
        return self.sshd.read_log()[self.log_mark:]

    def explain(self, r):
        tail = self.new_log()[-3000:]
        return f"rc={r.returncode} stderr={r.stderr[-1500:]!r}\n--- sshd.log (this case) ---\n{tail}"

    # --- authentication ------------------------------------------------------------

    def test_pubkey_login(self):
        r = self.peer.exec("echo pubkey-ok")
        self.assertEqual((r.returncode, r.stdout), (0, b"pubkey-ok\n"), self.explain(r))
        self.assertIn(f"Accepted publickey for {self.user} from 127.0.0.1 port ", self.new_log())

    def test_password_login(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for the test user's password")
        r = self.peer.exec("echo pw-ok", password=True)
        self.assertEqual((r.returncode, r.stdout), (0, b"pw-ok\n"), self.explain(r))
        self.assertIn(f"Accepted password for {self.user} from 127.0.0.1 port ", self.new_log())

    # --- sessions --------------------------------------------------------------------

    def test_exec_exit_status(self):
        r = self.peer.exec("echo out; echo err >&2; exit 7")
        self.assertEqual(r.returncode, 7, self.explain(r))
        self.assertEqual(r.stdout, b"out\n", self.explain(r))
        # CLI clients may add their own diagnostics on stderr: the remote line must be there.
        self.assertIn(b"err\n", r.stderr, self.explain(r))

    def test_100mb_round_trip(self):
        data, digest = big_data()
        r = self.peer.exec("cat", input=data, timeout=600)
        self.assertEqual(r.returncode, 0, self.explain(r))
        self.assertEqual(len(r.stdout), len(data), self.explain(r))
        self.assertEqual(hashlib.sha256(r.stdout).hexdigest(), digest)

    def test_pty_shell(self):
        shell = self.peer.pty_shell(rows=33, cols=101, term="xterm-256color")
        self.addCleanup(shell.close)
        # $((40+2)): the terminal's echo of the typed line never matches the marker.
        shell.send("stty size; tty; echo TERM=$TERM; echo DONE$((40+2))\n")
        seen = shell.expect("DONE42", 30).decode(errors="replace")
        self.assertIn("33 101", seen, "window size from pty-req")
        self.assertIn("/dev/pts/", seen, "the shell's stdin is a pty")
        self.assertIn(f"TERM={self.shell_term}", seen)
        shell.send("exit 3\n")
        self.assertEqual(shell.wait(30), 3, self.new_log()[-3000:])

    def test_sftp_put_get(self):
        if not self.peer.has_sftp:
            self.skipTest(f"{self.peer_name} has no sftp client")
        src = os.path.join(self.tmp, f"sftp_src_{self.peer_name}")
        with open(src, "wb") as f:
            f.write(os.urandom(3 << 20))
        os.chmod(src, 0o644)
        dst = os.path.join(self.tmp, f"sftp_back_{self.peer_name}")
        remote = f"/tmp/sshc-interop-{self.peer_name}-{os.getpid()}"
        self.addCleanup(lambda: os.path.exists(remote) and os.unlink(remote))
        r = self.peer.sftp_put_get(src, remote, dst)
        self.assertEqual(r.returncode, 0, self.explain(r))
        with open(src, "rb") as a, open(dst, "rb") as b:
            self.assertTrue(a.read() == b.read(), "file came back different")
        self.assertFalse(os.path.exists(remote), "rm did not remove the remote file")
        log = self.new_log()
        # psftp would fall back to exec'ing an sftp-server: the subsystem must be what ran.
        self.assertIn("Starting session: subsystem 'sftp' for ", log)
        self.assertNotIn("Starting session: command", log)

    # --- port forwarding -------------------------------------------------------------

    def forwarding_case(self, method):
        echo = peers.EchoServer()
        self.addCleanup(echo.close)
        payload = os.urandom(200000)
        got = getattr(self.peer, method)(echo.port, payload)
        self.assertTrue(got == payload, f"{len(got or b'')} bytes came back of {len(payload)}")

    def test_local_forward(self):
        self.forwarding_case("forward_local")

    def test_remote_forward(self):
        self.forwarding_case("forward_remote")


class OpenSshClientTest(InteropCases, fixture.SshTestCase):
    peer_name = "openssh"


class DropbearClientTest(InteropCases, fixture.SshTestCase):
    peer_name = "dropbear"


class PuttyClientTest(InteropCases, fixture.SshTestCase):
    peer_name = "putty"
    shell_term = "xterm"  # plink sends its TerminalType setting, not $TERM


class ParamikoClientTest(InteropCases, fixture.SshTestCase):
    peer_name = "paramiko"


class AsyncsshClientTest(InteropCases, fixture.SshTestCase):
    peer_name = "asyncssh"


if __name__ == "__main__":
    unittest.main()
