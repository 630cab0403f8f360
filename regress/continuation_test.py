"""Session continuations (PROTOCOL.continuation, DESIGN.md section 4): functional tests.

- ChaosProxySelfTest: the fault-injecting proxy itself, with plain sockets.
- FallbackToStockSshdTest: `ssh -o Resume=yes` against stock sshd is plain SSH (§2.3).
- ResumeTest: cuts through regress/lib/chaos_proxy.py against our sshd: output, exit
  status, and the server side while suspended (no TCP socket held, §8.2).
- ResumeTimeoutTest / ResumeDisabledTest: sshd_config ResumeTimeout and Resume no.
- ConfigDumpTest: what `sshd -T` and `ssh -G` print for the new keywords.

Status texts of our client these tests rely on (stderr, each line ending CR LF):
  "Connection lost; resuming..."   when a session with a continuation is suspended
  "Resumed in <time>"              when the resumption succeeded
  "debug1: Session resumption unavailable: server does not offer it"   (-v, §2.3)
An ssh that gives up resuming (the server's suspend timeout passed) says
"Could not resume the session within <n> seconds." and exits with 255; sshd logs
"Connection from user U ... lost (...); session suspended for up to N s" and, on expiry,
"Suspended session of user U ... expired".
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import chaos_proxy  # noqa: E402
import fixture  # noqa: E402
import pty_driver  # noqa: E402

LOST = "Connection lost; resuming..."
RESUMED_RE = re.compile(r"(?m)^Resumed in ")
RESUME = ["-o", "Resume=yes"]
KEEPALIVE = ["-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2"]


# --- /proc helpers ----------------------------------------------------------------------

def ppid_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid):
    return ppid_of(pid) is not None


def session_chain(shell_pid, listener_pid):
    """The processes between the sshd listener and the user's shell (the session's
    sshd processes), nearest the shell first; None when the shell is no longer a
    descendant of the listener (the session ended, the shell was orphaned)."""
    chain = []
    cur = ppid_of(shell_pid)
    while cur is not None and cur > 1:
        if cur == listener_pid:
            return chain
        chain.append(cur)
        cur = ppid_of(cur)
    return None


def tcp_inodes(include_listen=False):
    """Socket inodes of TCP sockets (v4 and v6), without listeners unless asked."""
    inodes = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if include_listen or fields[3] != "0A":
                        inodes.add(fields[9])
        except OSError:
            pass
    return inodes


def tcp_sockets_of(pid):
    """The non-listening TCP sockets process pid holds open, as 'socket:[inode]'."""
    tcp = tcp_inodes()
    found = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return found
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", target)
        if m and m.group(1) in tcp:
            found.append(target)
    return found


# --- a running client -------------------------------------------------------------------

class Client:
    """An ssh process with stdout read line by line and stderr in a file. A watchdog
    kills it after `timeout` seconds so no test can hang on it."""

    def __init__(self, args, tmp, timeout, stdin=subprocess.DEVNULL, env=None):
        self.err = tempfile.NamedTemporaryFile(dir=tmp, prefix="stderr-", delete=False)
        self.proc = subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=self.err, env=env)
        self.killed_by_watchdog = False
        self.watchdog = threading.Timer(timeout, self._expire)
        self.watchdog.daemon = True
        self.watchdog.start()

    def _expire(self):
        if self.proc.poll() is None:
            self.killed_by_watchdog = True
            self.proc.kill()

    def readline(self):
        return self.proc.stdout.readline()

    def wait_line(self, want):
        """Reads lines until one equals want (bytes, without newline); False at EOF."""
        while True:
            line = self.readline()
            if not line:
                return False
            if line.rstrip(b"\n") == want:
                return True

    def finish(self, timeout=30):
        """Reads the rest of stdout, waits; returns (returncode, rest of stdout)."""
        rest = self.proc.stdout.read()
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.watchdog.cancel()
        return rc, rest

    def stderr(self):
        self.err.flush()
        with open(self.err.name, "rb") as f:
            return f.read().decode(errors="replace")

    def close(self):
        self.watchdog.cancel()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass
        self.err.close()


class ResumeCase(fixture.SshTestCase):
    """Our sshd behind a fresh ChaosProxy per test; clients connect to the proxy."""

    sshd_class = fixture.OurSshd

    def setUp(self):
        self.proxy = chaos_proxy.ChaosProxy(self.sshd.port)
        self.addCleanup(self.proxy.stop)
        self.proxy_known_hosts = os.path.join(self.tmp, f"known_hosts_{self.proxy.port}")
        with open(self.proxy_known_hosts, "w") as f:
            for t in ("ed25519", "ecdsa", "rsa"):
                f.write(f"[127.0.0.1]:{self.proxy.port} {self.sshd.host_pubkey_line(t)}\n")

    def proxy_args(self, options=(), command=(), binary=None):
        args = self.ssh_args(options, command, binary)
        args[args.index("-p") + 1] = str(self.proxy.port)
        args[args.index(f"UserKnownHostsFile={self.known_hosts}")] = \
            f"UserKnownHostsFile={self.proxy_known_hosts}"
        return args

    def client(self, options=(), command=(), timeout=60, **kw):
        c = Client(self.proxy_args(options, command), self.tmp, timeout, **kw)
        self.addCleanup(c.close)
        return c

    def assert_resumed(self, stderr, times=1):
        self.assertGreaterEqual(stderr.count(LOST), times, stderr[-3000:])
        self.assertGreaterEqual(len(RESUMED_RE.findall(stderr.replace("\r", ""))), times,
                                stderr[-3000:])


# --- the proxy itself --------------------------------------------------------------------

class ChaosProxySelfTest(unittest.TestCase):
    """The proxy against a plain listening socket whose accepted end the test holds."""

    def setUp(self):
        self.target = socket.socket()
        self.target.bind(("127.0.0.1", 0))
        self.target.listen(16)
        self.target.settimeout(5)
        self.proxy = chaos_proxy.ChaosProxy(self.target.getsockname()[1])
        self.addCleanup(self.proxy.stop)
        self.addCleanup(self.target.close)

    def connect(self):
        c = socket.create_connection(("127.0.0.1", self.proxy.port), timeout=5)
        s, _ = self.target.accept()
        s.settimeout(5)
        self.addCleanup(c.close)
        self.addCleanup(s.close)
        return c, s

    @staticmethod
    def recv_exactly(sock, n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                break
            buf += chunk
        return buf

    def test_forwards_both_ways_and_half_close(self):
        c, s = self.connect()
        data = os.urandom(3 << 20)
        t = threading.Thread(target=lambda: (c.sendall(data), c.shutdown(socket.SHUT_WR)))
        t.start()
        self.assertEqual(self.recv_exactly(s, len(data) + 1), data)  # then EOF
        t.join()
        s.sendall(b"reply")
        s.close()
        self.assertEqual(self.recv_exactly(c, 6), b"reply")
        self.assertEqual(self.proxy.accepted, 1)

    def test_reset_resets_both_sides(self):
        c, s = self.connect()
        c.sendall(b"x")
        self.assertEqual(s.recv(1), b"x")
        self.assertEqual(self.proxy.reset(), 1)
        self.assertRaises(ConnectionResetError, c.recv, 1)
        self.assertRaises(ConnectionResetError, s.recv, 1)
        self.assertEqual((self.proxy.cuts, self.proxy.resets), (1, 1))
        self.assertEqual(self.proxy.active_connections(), [])

    def test_blackhole_holds_and_new_connections_work(self):
        c, s = self.connect()
        self.assertEqual(self.proxy.blackhole(), 1)
        c.sendall(b"lost")
        s.sendall(b"lost too")
        for sock in (c, s):
            sock.settimeout(0.7)
            self.assertRaises(socket.timeout, sock.recv, 1)  # no data, no EOF, no RST
        c.close()  # the client gives up: the server side hears nothing of it
        self.assertRaises(socket.timeout, s.recv, 1)
        c2, s2 = self.connect()
        c2.sendall(b"fresh")
        self.assertEqual(self.recv_exactly(s2, 5), b"fresh")
        self.assertEqual(self.proxy.blackholes, 1)

    def test_delay_is_one_way_and_per_direction(self):
        c, s = self.connect()
        self.proxy.set_delay(150)
        start = time.monotonic()
        c.sendall(b"a")
        s.sendall(b"b")  # both directions in flight at once: not serialized
        self.assertEqual(s.recv(1), b"a")
        t_a = time.monotonic() - start
        self.assertEqual(c.recv(1), b"b")
        t_b = time.monotonic() - start
        self.assertGreaterEqual(t_a, 0.14)
        self.assertLess(t_a, 0.3)
        self.assertLess(t_b, 0.3)
        # Order holds under delay.
        payload = b"".join(b"%06d" % i for i in range(20000))
        for i in range(0, len(payload), 1000):
            c.sendall(payload[i:i + 1000])
        self.assertEqual(self.recv_exactly(s, len(payload)), payload)

    def test_round_trips_counted_from_log(self):
        c, s = self.connect()
        self.proxy.set_delay(20)
        c.sendall(b"hello")          # both sides talk at once: one mixed flight
        s.sendall(b"banner")
        self.recv_exactly(s, 5)
        self.recv_exactly(c, 6)
        for i in range(3):           # then three request/answer turns
            c.sendall(b"q%d" % i)
            self.recv_exactly(s, 2)
            s.sendall(b"a%d" % i)
            self.recv_exactly(c, 2)
        cid = self.proxy.newest_connection()
        self.assertEqual(self.proxy.count_round_trips(cid), 3, self.proxy.flights(cid))
        self.assertEqual(self.proxy.count_round_trips(cid, until_time=0), 0)

    def test_pause_accepting_refuses(self):
        self.proxy.pause_accepting()
        self.assertRaises(ConnectionRefusedError, socket.create_connection,
                          ("127.0.0.1", self.proxy.port), 2)
        self.proxy.resume_accepting()
        c, s = self.connect()
        c.sendall(b"ok")
        self.assertEqual(self.recv_exactly(s, 2), b"ok")

    def test_cut_randomly_counts_cuts_in_the_stream(self):
        stop = threading.Event()
        got = []

        def server():
            self.target.settimeout(0.5)
            while not stop.is_set():
                try:
                    s, _ = self.target.accept()
                except OSError:
                    continue
                with s:
                    try:
                        while True:
                            data = s.recv(65536)
                            if not data:
                                break
                            got.append(len(data))
                    except OSError:
                        pass
        t = threading.Thread(target=server, daemon=True)
        t.start()
        thread = self.proxy.cut_randomly(4, 0.05, 0.1, mode="mix", idle_fallback=0.5, seed=7)
        deadline = time.monotonic() + 20
        while thread.is_alive() and time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.proxy.port), timeout=2) as c:
                    for _ in range(50):
                        c.sendall(os.urandom(16384))
                        time.sleep(0.005)
            except OSError:
                pass
        stop.set()
        t.join(5)
        self.assertFalse(thread.is_alive())
        self.assertEqual(self.proxy.cuts, 4)
        self.assertEqual(self.proxy.resets + self.proxy.blackholes, 4)
        self.assertGreaterEqual(self.proxy.accepted, 4)


# --- fallback (§2.3) -----------------------------------------------------------------

class FallbackToStockSshdTest(fixture.SshTestCase):
    sshd_class = fixture.StockSshd

    def test_resume_yes_works_as_plain_ssh(self):
        r = self.run_ssh(options=RESUME, command=["echo ok; exit 3"])
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(r.stdout, b"ok\n")

    def test_verbose_says_resumption_unavailable(self):
        r = self.run_ssh(options=RESUME + ["-v"], command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l for l in r.stderr.decode(errors="replace").splitlines()
                 if l.startswith("debug1:") and "resum" in l.lower() and "unavailable" in l.lower()]
        self.assertTrue(lines, r.stderr.decode(errors="replace")[-3000:])

    def test_no_line_without_resume(self):
        r = self.run_ssh(options=["-v"], command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("unavailable", r.stderr.decode(errors="replace").lower())


class StockClientAgainstOurSshdTest(fixture.SshTestCase):
    """Our sshd offers the marker (§2.1); stock ssh ignores it."""

    sshd_class = fixture.OurSshd

    def test_stock_ssh_works(self):
        r = self.run_ssh(command=["echo ok; exit 5"], binary=fixture.STOCK_SSH)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertEqual(r.stdout, b"ok\n")

    def test_stock_sftp_works(self):
        r = subprocess.run(["sftp", "-F", "/dev/null", "-P", str(self.sshd.port), "-i", self.client_key,
                            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "BatchMode=yes",
                            "-b", "-", f"{self.user}@127.0.0.1"],
                           input=b"pwd\n", capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_our_ssh_resume_yes_without_cuts(self):
        r = self.run_ssh(options=RESUME, command=["echo ok; exit 4"])
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertEqual(r.stdout, b"ok\n")
        self.assertNotIn(LOST, r.stderr.decode(errors="replace"))


# --- resumption ------------------------------------------------------------------------

COUNTER = "i=0; while [ $i -lt {n} ]; do i=$((i+1)); echo $i; sleep 0.1; done"


class ResumeTest(ResumeCase):
    def test_counter_survives_two_resets(self):
        n = 60
        c = self.client(RESUME, [COUNTER.format(n=n)], timeout=45)
        seen = []
        for cut_after in (20, 40):
            while len(seen) < cut_after:
                line = c.readline()
                if not line:
                    break
                seen.append(line)
            self.proxy.reset()
        rc, rest = c.finish()
        lines = b"".join(seen).decode() + rest.decode()
        err = c.stderr()
        self.assertFalse(c.killed_by_watchdog, err[-2000:])
        got = lines.split()
        self.assertEqual(got, [str(i) for i in range(1, n + 1)],
                         f"{len(got)} lines, last {got[-3:]}; {err[-2000:]}")
        self.assertEqual(rc, 0, err[-2000:])
        self.assertEqual(self.proxy.resets, 2)
        self.assert_resumed(err, times=2)
        self.assertGreaterEqual(self.proxy.accepted, 3)

    def test_exit_status_survives_a_cut(self):
        c = self.client(RESUME, ["echo started; sleep 2; exit 7"], timeout=30)
        self.assertEqual(c.readline(), b"started\n")
        time.sleep(0.5)
        self.assertEqual(self.proxy.reset(), 1)
        rc, rest = c.finish()
        err = c.stderr()
        self.assertEqual(rc, 7, err[-2000:])
        self.assertEqual(rest, b"")
        self.assert_resumed(err)

    def test_exit_status_survives_a_blackhole(self):
        c = self.client(RESUME + KEEPALIVE, ["echo started; sleep 4; echo done; exit 9"], timeout=40)
        self.assertEqual(c.readline(), b"started\n")
        time.sleep(0.3)
        self.assertEqual(self.proxy.blackhole(), 1)
        rc, rest = c.finish()
        err = c.stderr()
        self.assertEqual((rc, rest), (9, b"done\n"), err[-2000:])
        self.assert_resumed(err)

    def test_suspended_session_holds_no_tcp_socket(self):
        c = self.client(RESUME, ["echo $$; sleep 3; echo after-suspend; exit 6"], timeout=40)
        shell = int(c.readline())
        listener = self.sshd.proc.pid
        chain = session_chain(shell, listener)
        self.assertTrue(chain, "the shell is not below the sshd listener")
        # While connected the check sees the connection (so it can fail).
        self.assertTrue(any(tcp_sockets_of(p) for p in chain), "no TCP socket found while connected")
        self.proxy.pause_accepting()
        self.assertEqual(self.proxy.reset(), 1)
        suspended = fixture.wait_for(lambda: (session_chain(shell, listener) is not None and not any(
            tcp_sockets_of(p) for p in session_chain(shell, listener) or [])), 5)
        chain_now = session_chain(shell, listener)
        held = {p: tcp_sockets_of(p) for p in chain_now or []}
        self.proxy.resume_accepting()
        self.assertIsNotNone(chain_now, "the session's processes ended when the connection was cut")
        self.assertTrue(suspended, f"TCP sockets still held while suspended: {held}")
        rc, rest = c.finish()
        err = c.stderr()
        self.assertEqual((rc, rest), (6, b"after-suspend\n"), err[-2000:])
        self.assert_resumed(err)

    def test_input_sent_while_suspended_is_delivered(self):
        c = self.client(RESUME, ["echo ready; read a; echo got:$a; read b; echo got:$b"], timeout=30,
                        stdin=subprocess.PIPE)
        self.assertEqual(c.readline(), b"ready\n")
        c.proc.stdin.write(b"one\n")
        c.proc.stdin.flush()
        self.assertEqual(c.readline(), b"got:one\n")
        self.proxy.pause_accepting()
        self.proxy.reset()
        try:
            c.proc.stdin.write(b"two\n")  # typed while suspended: queued by the client
            c.proc.stdin.flush()
            time.sleep(1)
            self.proxy.resume_accepting()
            c.proc.stdin.close()
        except BrokenPipeError:
            self.fail(f"ssh exited while suspended: {c.stderr()[-2000:]}")
        rc, rest = c.finish()
        err = c.stderr()
        self.assertEqual((rc, rest), (0, b"got:two\n"), err[-2000:])
        self.assert_resumed(err)


class SuspendedSessionLimitsTest(ResumeCase):
    def session_memory_kib(self, shell):
        """RSS of the session's server processes (monitor and session process)."""
        total = 0
        for pid in session_chain(shell, self.sshd.proc.pid) or []:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        return total

    def test_output_while_suspended_is_held_back_not_buffered(self):
        """§5.2/§8.2: a program that keeps writing while the client is away fills the
        channel window and the replay buffer, then blocks; nothing is lost."""
        size = 200 * 1024 * 1024
        c = self.client(RESUME, [f"echo $$; exec head -c {size} /dev/zero"], timeout=120)
        shell = int(c.readline())
        self.assertTrue(c.proc.stdout.read(1024 * 1024))
        base = self.session_memory_kib(shell)
        self.proxy.pause_accepting()
        self.proxy.reset()
        time.sleep(4)  # the server side would run through all 200 MB in far less
        held = self.session_memory_kib(shell)
        self.assertTrue(fixture.pids_running(f"head -c {size}"), "the program ended while suspended")
        self.proxy.resume_accepting()
        got = 1024 * 1024
        while True:
            block = c.proc.stdout.read1(1024 * 1024)
            if not block:
                break
            got += len(block)
        rc, _ = c.finish()
        err = c.stderr()
        self.assertEqual((rc, got), (0, size), err[-2000:])
        self.assert_resumed(err)
        # At most the 16 MiB replay limit and a 2 MiB window on top of the session's own
        # memory, with room for allocator slack.
        self.assertLess(held - base, 24 * 1024, f"session memory grew from {base} to {held} KiB")

    def test_escape_disconnects_while_suspended(self):
        """~. works while the client has no connection."""
        args = self.proxy_args(["-tt", *RESUME], ["echo ready; sleep 60"])
        with pty_driver.PtyProcess(args) as p:
            p.expect("ready", timeout=20)
            self.proxy.pause_accepting()
            self.proxy.reset()
            p.expect(LOST, timeout=10)
            p.send("\r~.")
            self.assertEqual(p.wait(timeout=10), 255)


    def test_escapes_while_a_connect_hangs(self):
        """Reconnecting never blocks the client: while its connect hangs (SYNs dropped at
        a full accept queue), ~? is answered and ~. ends it at once."""
        args = self.proxy_args(["-tt", *RESUME, "-v"], ["echo ready; sleep 60"])
        with pty_driver.PtyProcess(args) as p:
            p.expect("ready", timeout=20)
            self.proxy.pause_accepting()
            jam = socket.socket()
            self.addCleanup(jam.close)
            jam.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            jam.bind(("127.0.0.1", self.proxy.port))
            jam.listen(0)
            for _ in range(3):  # fill the accept queue; later SYNs are dropped
                f = socket.socket()
                self.addCleanup(f.close)
                f.setblocking(False)
                f.connect_ex(("127.0.0.1", self.proxy.port))
            self.proxy.reset()
            p.expect(LOST, timeout=10)
            p.expect("Connecting to", timeout=10)
            time.sleep(1)  # the connect is hanging now
            p.send("\r~?")
            p.expect("Supported escape sequences", timeout=3)
            started = time.monotonic()
            p.send("\r~.")
            self.assertEqual(p.wait(timeout=10), 255)
            self.assertLess(time.monotonic() - started, 3, "~. waited for the connect")


class ClientExperienceTest(ResumeCase):
    def test_full_screen_programs_are_made_to_redraw(self):
        """After a resumption the client's status lines have gone over the screen: the
        remote program gets SIGWINCH (and the real size back) so it can redraw."""
        script = "trap 'echo WINCH $(stty size)' WINCH; echo ready; while :; do sleep 0.1; done"
        args = self.proxy_args(["-tt", *RESUME], [script])
        with pty_driver.PtyProcess(args, rows=30, cols=100) as p:
            p.expect("ready", timeout=20)
            p.drain(0.3)
            self.assertNotIn(b"WINCH", p.unread())
            self.proxy.reset()
            p.expect("Resumed in ", timeout=20)
            p.expect("WINCH 30 100", timeout=10)
            p.send("\r~.")
            p.wait(timeout=10)

    def test_retries_back_off(self):
        """While the server cannot be reached, attempts slow down instead of spinning."""
        c = self.client([*RESUME, "-v"], ["echo ready; sleep 6; echo done"], timeout=60)
        self.assertEqual(c.readline(), b"ready\n")
        self.proxy.pause_accepting()
        self.proxy.reset()
        time.sleep(4)
        self.proxy.resume_accepting()
        rc, rest = c.finish()
        err = c.stderr()
        self.assertEqual((rc, rest), (0, b"done\n"), err[-2000:])
        refused = err.count("resume attempt failed: connect to host")
        # 0, 0.25, 0.5, 1 and 2 s apart: a handful in 4 s, not hundreds.
        self.assertTrue(3 <= refused <= 8, f"{refused} attempts while refused:\n{err[-3000:]}")


class ResumeTimeoutTest(ResumeCase):
    sshd_extra_config = "ResumeTimeout 3"

    def test_session_ends_after_resume_timeout(self):
        tag = f"{1000 + os.getpid() % 8000}.5"
        self.addCleanup(lambda: fixture.kill_all(fixture.pids_running(f"sleep {tag}")))
        c = self.client(RESUME, [f"echo started; sleep {tag}"], timeout=40)
        self.assertEqual(c.readline(), b"started\n")
        self.assertTrue(fixture.pids_running(f"sleep {tag}"))
        log_before = len(self.sshd.read_log())
        self.proxy.pause_accepting()
        self.assertEqual(self.proxy.reset(), 1)
        cut = time.monotonic()
        # Suspended, not ended: still there a second later...
        time.sleep(1)
        self.assertTrue(fixture.pids_running(f"sleep {tag}"), "session ended at once instead of suspending")
        # ...and gone once the 3 s suspend timeout has passed.
        gone = fixture.wait_for(lambda: not fixture.pids_running(f"sleep {tag}"), 12, step=0.1)
        elapsed = time.monotonic() - cut
        self.assertTrue(gone, "the session outlived ResumeTimeout")
        self.assertGreater(elapsed, 2.5)
        log = self.sshd.read_log()[log_before:]
        self.assertRegex(log, rf"Connection from user {self.user} .* lost .*; session suspended for up to 3 s",
                         log[-3000:])
        self.assertRegex(log, rf"Suspended session of user {self.user} .*expired", log[-3000:])
        # The client gives up once the timeout it was told has passed (§8.4).
        try:
            rc = c.proc.wait(20)
        except subprocess.TimeoutExpired:
            rc = None
        self.assertEqual(rc, 255, c.stderr()[-2000:])
        self.assertIn(LOST, c.stderr())
        self.assertIn("Could not resume the session within 3 seconds.", c.stderr())


class ResumeDisabledTest(ResumeCase):
    sshd_extra_config = "Resume no"

    def test_resume_yes_is_plain_ssh(self):
        r = subprocess.run(self.proxy_args(RESUME, ["echo ok"]), capture_output=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout), (0, b"ok\n"), r.stderr[-2000:])

    def test_verbose_says_resumption_unavailable(self):
        r = subprocess.run(self.proxy_args(RESUME + ["-v"], ["true"]), capture_output=True, timeout=60)
        err = r.stderr.decode(errors="replace")
        self.assertEqual(r.returncode, 0, err[-2000:])
        self.assertRegex(err, r"(?i)debug1: [^\n]*resum[^\n]*unavailable")

    def test_a_cut_ends_the_session(self):
        c = self.client(RESUME, ["echo started; sleep 20"], timeout=30)
        self.assertEqual(c.readline(), b"started\n")
        self.proxy.reset()
        start = time.monotonic()
        rc, _ = c.finish(timeout=15)
        self.assertEqual(rc, 255)
        self.assertLess(time.monotonic() - start, 10)
        self.assertNotIn("Resumed in", c.stderr())


# --- configuration dumps ----------------------------------------------------------------

class ConfigDumpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sshc-cont-")
        cls.host_key = fixture.keygen(os.path.join(cls.tmp, "host_key"))

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def sshd_dump(self, extra=""):
        cfg = os.path.join(self.tmp, "sshd_config")
        with open(cfg, "w") as f:
            f.write(f"{extra}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\n")
        r = subprocess.run([fixture.our_sshd(), "-T", "-f", cfg], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode().splitlines()

    def test_sshd_defaults(self):
        lines = self.sshd_dump()
        self.assertIn("resume yes", lines)
        self.assertIn("resumetimeout 43200", lines)

    def test_sshd_set(self):
        lines = self.sshd_dump("Resume no\nResumeTimeout 3")
        self.assertIn("resume no", lines)
        self.assertIn("resumetimeout 3", lines)

    def test_ssh_g(self):
        def dump(*opts):
            r = subprocess.run([fixture.our_ssh(), "-F", "/dev/null", *opts, "-G", "host"],
                               capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            return r.stdout.decode().splitlines()
        self.assertIn("resume no", dump())
        self.assertIn("resume yes", dump("-o", "Resume=yes"))
        self.assertIn("resumetimeout 0", dump())


if __name__ == "__main__":
    unittest.main()
