"""Our sshd's session process against hostile or stalled peers, with and without an
established continuation (issue 8 item 2). Each case must end the connection (or
suspend it, where PROTOCOL.continuation §8.1 says so) with one log line, never crash
the session process, and leave the daemon serving.

- StalledRekeyTest:  the client starts a key re-exchange and never finishes it while
                     the remote program streams into a 2 GiB window. Plain: the server
                     holds its output up to 16 MiB, then ends the connection ("too much
                     data queued during key exchange"; this was a use-after-free).
                     Resumable: the replay limit stops the output first (§5.2), and the
                     silent peer is caught by ClientAliveInterval: the session suspends.
- StopsReadingTest:  the client stops reading while output streams, then resets the
                     connection: the server's write fails (EPIPE/ECONNRESET); plain
                     sessions end, resumable ones suspend.
- NeverAcksTest:     a continuation peer that never acknowledges: the server's output
                     stops at its replay limit (§5.2), the session lives, and an
                     acknowledgement lets it go on.

The session process is the user's; a crash shows as the monitor's "session process
... killed by signal" line, which every test rules out.
"""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402

try:
    import continuation_peer as cp  # noqa: E402
    import paramiko  # noqa: E402
except ImportError:
    cp = None

WINDOW = 2 ** 31 - 1
MB = 1 << 20


class HostileCase(fixture.SshTestCase):
    sshd_class = fixture.OurSshd
    sshd_extra_config = "ClientAliveInterval 1\nClientAliveCountMax 2"

    @classmethod
    def setUpClass(cls):
        if cp is None:
            raise unittest.SkipTest("python3-paramiko not installed")
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (privilege separation)")
        super().setUpClass()

    def setUp(self):
        self.log_mark = len(self.sshd.read_log())

    def log(self):
        return self.sshd.read_log()[self.log_mark:]

    def wait_log(self, pattern, timeout=20):
        found = []
        ok = fixture.wait_for(lambda: found.append(re.search(pattern, self.log())) or found[-1], timeout)
        self.assertTrue(ok, f"no line matching {pattern!r}:\n{self.log()[-3000:]}")
        return found[-1]

    def peer(self, resumable):
        """(transport, owner): a logged-in peer; with resumable, a continuation is set up."""
        if resumable:
            v = cp.Victim(self.sshd.port, self.user, self.client_key)
            self.addCleanup(v.close)
            return v.t, v
        t = cp.PeerTransport(self.sshd.port).handshake()
        self.addCleanup(t.close)
        t.auth_publickey(self.user, paramiko.Ed25519Key.from_private_key_file(self.client_key))
        return t, None

    def stream(self, t, command="cat /dev/zero"):
        ch = t.open_session(window_size=WINDOW, max_packet_size=32768)
        ch.exec_command(command)
        got = 0
        deadline = time.monotonic() + 10
        while got < MB and time.monotonic() < deadline:
            got += len(ch.recv(65536))
        self.assertGreaterEqual(got, MB, "the program's output does not flow")
        return ch

    def assert_no_crash(self):
        time.sleep(0.3)
        self.assertNotRegex(self.log(), r"killed by signal|Sanitizer|runtime error")
        self.assertIsNone(self.sshd.proc.poll(), "the sshd listener exited")
        r = self.run_ssh(command=["echo alive"], timeout=30)
        self.assertEqual((r.returncode, r.stdout), (0, b"alive\n"), r.stderr[-2000:])

    def one_line(self, pattern):
        m = self.wait_log(pattern)
        time.sleep(0.3)
        self.assertEqual(len(re.findall(pattern, self.log())), 1, self.log()[-3000:])
        return m


class StalledRekeyTest(HostileCase):
    def check(self, resumable):
        t, _ = self.peer(resumable)
        port = t.local_port
        ch = self.stream(t)
        t.stall_rekey()
        # paramiko keeps reading what little still comes; the server holds the rest.
        if resumable:
            self.one_line(rf"Timeout, client not responding from user {self.user} 127\.0\.0\.1 port {port}")
            self.one_line(rf"Connection from user {self.user} 127\.0\.0\.1 port {port} lost \(client not "
                          rf"responding\); session suspended")
            self.assertNotIn("too much data queued", self.log())
        else:
            self.one_line(rf"127\.0\.0\.1 port {port}: too much data queued during key exchange")
            self.assertTrue(t.wait_closed(10), "the connection stays open")
        ch.close()
        self.assert_no_crash()

    def test_plain(self):
        self.check(False)

    def test_resumable(self):
        self.check(True)


class StopsReadingTest(HostileCase):
    def check(self, resumable):
        t, v = self.peer(resumable)
        port = t.local_port
        self.stream(t)
        t.reading.clear()  # the socket's buffers fill up
        time.sleep(1.5)
        t.cut_hard()
        if resumable:
            self.one_line(rf"Connection from user {self.user} 127\.0\.0\.1 port {port} lost \(.*\); session "
                          rf"suspended")
        else:
            self.one_line(rf"(?m)^(Connection reset by|127\.0\.0\.1 port {port}: (read|write): )")
        self.assert_no_crash()
        if v is not None:
            v.close()

    def test_plain(self):
        self.check(False)

    def test_resumable(self):
        self.check(True)


class NeverAcksTest(HostileCase):
    def test_output_stops_at_the_replay_limit(self):
        t, v = self.peer(True)
        ch = t.open_session(window_size=WINDOW, max_packet_size=32768)
        ch.exec_command("cat /dev/zero")
        got = 0
        last_growth = time.monotonic()
        deadline = time.monotonic() + 60
        while time.monotonic() - last_growth < 2 and time.monotonic() < deadline:
            if ch.recv_ready():
                got += len(ch.recv(1 << 20))
                last_growth = time.monotonic()
            else:
                time.sleep(0.05)
        # §5.2: the server stops at its replay limit (plus at most one packet).
        limit = v.server_replay_limit
        self.assertGreater(got, limit // 2)
        self.assertLessEqual(got, limit + 64 * 1024, "the server buffered past its replay limit")
        self.assertIsNone(t.get_exception())
        v.send_ack(v.received)
        more = 0
        deadline = time.monotonic() + 10
        while more < MB and time.monotonic() < deadline:
            more += len(ch.recv(1 << 20))
        self.assertGreaterEqual(more, MB, "an acknowledgement did not release the output")
        ch.close()
        self.assert_no_crash()


class ResumableKeepaliveTest(HostileCase):
    """No ClientAliveInterval configured: a resumable session still gets a keepalive
    after 15 quiet seconds (so a dead path is noticed within a minute); a plain one,
    as in OpenSSH, none."""
    sshd_extra_config = ""

    def test_keepalive_only_for_resumable_sessions(self):
        plain, _ = self.peer(False)
        resumable, _ = self.peer(True)
        start_plain, start_resumable = len(plain.received_log), len(resumable.received_log)
        got = resumable.wait_message({cp.MSG_GLOBAL_REQUEST}, start=start_resumable, timeout=25)
        self.assertIsNotNone(got, "no keepalive on the resumable session")
        self.assertEqual(cp._global_request_name(got[1][1]), "keepalive@openssh.com")
        self.assertFalse([m for m in plain.received_log[start_plain:] if m[0] == cp.MSG_GLOBAL_REQUEST])


if __name__ == "__main__":
    unittest.main(verbosity=2)
