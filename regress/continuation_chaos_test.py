"""Session continuations under chaos: nothing lost (the continuation issue's acceptance
item). Every test pushes data through regress/lib/chaos_proxy.py to our sshd while the
proxy cuts the TCP connection at least CHAOS_CUTS times at random moments (a mix of RST
and silent blackholes), and checks that every byte, line and exit status arrived intact.

Environment:
  CHAOS_SIZE_MB   upload/download size (default 100); forwards and sftp use a fifth of it
  CHAOS_CUTS      cuts per test (default 20)
  CHAOS_TIMEOUT   hard limit per test in seconds (default 600)
  CHAOS_STALL     seconds without a cut before a test gives up (default 60)
  CHAOS_SEED      seed for the cut schedule (default: random, printed on failure)
  CHAOS_VERBOSE   set: print each test's cut counts

Pacing: transfers are faster than 20 cuts on loopback, so each test splits its data into
CHAOS_CUTS+1 parts and holds part i back until cut i has happened, and the proxy caps
the rate so that a part takes about as long as the gap between cuts: cuts then land in
the middle of the stream, not between transfers. Blackholes are detected by keepalives
(client ServerAliveInterval=1, ServerAliveCountMax=2; server ClientAliveInterval 1).
"""
import hashlib
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import continuation_test as ct  # noqa: E402
import fixture  # noqa: E402
import peers  # noqa: E402
import pty_driver  # noqa: E402

MB = 1 << 20
SIZE = int(float(os.environ.get("CHAOS_SIZE_MB", "100")) * MB)
SMALL = max(MB, SIZE // 5)
CUTS = int(os.environ.get("CHAOS_CUTS", "20"))
TIMEOUT = float(os.environ.get("CHAOS_TIMEOUT", "600"))
STALL = float(os.environ.get("CHAOS_STALL", "60"))
SEED = int(os.environ.get("CHAOS_SEED", str(random.randrange(1 << 30))))
OPTIONS = ct.RESUME + ct.KEEPALIVE


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MB), b""):
            h.update(block)
    return h.hexdigest()


def write_random_file(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, MB)
            f.write(os.urandom(n))
            left -= n
    os.chmod(path, 0o644)


def boundaries(size, parts):
    return [size * i // parts for i in range(1, parts + 1)]


class ChaosCase(ct.ResumeCase):
    sshd_extra_config = "ClientAliveInterval 1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.src = os.path.join(cls.tmp, "src")
        write_random_file(cls.src, SIZE)
        cls.src_sha = sha256_file(cls.src)
        cls.small = os.path.join(cls.tmp, "small")
        write_random_file(cls.small, SMALL)
        cls.small_sha = sha256_file(cls.small)

    def setUp(self):
        super().setUp()
        self.deadline = time.monotonic() + TIMEOUT

    def start_cuts(self, part_size=None, n=CUTS, **kw):
        """Starts n mixed cuts; caps the rate so one part takes about 0.8 s."""
        if part_size:
            self.proxy.set_rate(max(part_size / 0.8, 256 * 1024))
        kw.setdefault("min_interval", 0.3)
        kw.setdefault("max_interval", 1.2)
        kw.setdefault("mode", "mix")
        kw.setdefault("idle_fallback", 1.5)
        self.proxy.cut_randomly(n, seed=SEED, **kw)
        self.addCleanup(self.proxy.stop_cutting)

    def wait_cuts(self, i, proc=None):
        """Waits until the proxy has cut i times. False if proc ended, or if no cut came
        for STALL seconds (the session is stuck: the caller stops feeding it)."""
        last, last_change = self.proxy.cuts, time.monotonic()
        while self.proxy.cuts < i:
            if proc is not None and proc.poll() is not None:
                return False
            now = time.monotonic()
            if self.proxy.cuts != last:
                last, last_change = self.proxy.cuts, now
            if now - last_change > STALL or now > self.deadline:
                return False
            time.sleep(0.05)
        return True

    def info(self, stderr=""):
        return (f"seed={SEED} cuts={self.proxy.cuts} (resets {self.proxy.resets}, blackholes "
                f"{self.proxy.blackholes}) connections={self.proxy.accepted}; stderr: {stderr[-2000:]}")

    def assert_enough_cuts(self, stderr=""):
        self.assertGreaterEqual(self.proxy.cuts, CUTS, self.info(stderr))
        if os.environ.get("CHAOS_VERBOSE"):
            print(f"\n  {self.id()}: {self.info()[:self.info().index(';')]}", file=sys.stderr)

    def remote_tmp(self, name):
        path = f"/tmp/sshc-chaos-{os.getpid()}-{name}"
        self.addCleanup(lambda: os.path.exists(path) and os.remove(path))
        return path


class BulkChaosTest(ChaosCase):
    def test_upload(self):
        remote = self.remote_tmp("up")
        c = self.client(OPTIONS, [f"echo ready; cat > {remote} && sha256sum {remote}"],
                        timeout=TIMEOUT, stdin=subprocess.PIPE)
        self.assertEqual(c.readline(), b"ready\n", c.stderr())
        parts = boundaries(SIZE, CUTS + 1)
        self.start_cuts(parts[0])

        def feed():
            sent = 0
            try:
                with open(self.src, "rb") as f:
                    for i, end in enumerate(parts):
                        if i and not self.wait_cuts(i, c.proc):
                            break
                        while sent < end:
                            block = f.read(min(MB, end - sent))
                            c.proc.stdin.write(block)
                            sent += len(block)
                        c.proc.stdin.flush()
                c.proc.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        rc, out = c.finish(timeout=TIMEOUT)
        feeder.join(10)
        err = c.stderr()
        self.assertEqual(rc, 0, self.info(err))
        self.assertEqual(out.decode().split()[:1], [self.src_sha], self.info(err))
        self.assert_enough_cuts(err)

    def test_download(self):
        c = self.client(OPTIONS, [f"echo ready; cat {self.src}"], timeout=TIMEOUT)
        self.assertEqual(c.readline(), b"ready\n", c.stderr())
        # Read continuously; the proxy's rate cap stretches the stream over all the cuts.
        # (Holding the reader back does not pace the sender: it may run a whole channel
        # window plus socket buffers ahead, and finish before the last cuts.)
        self.proxy.set_rate(max(SIZE / (CUTS * 1.5), 64 * 1024))
        self.start_cuts(None)
        h = hashlib.sha256()
        got = 0
        while True:
            block = c.proc.stdout.read1(MB)
            if not block:
                break
            h.update(block)
            got += len(block)
        rc, rest = c.finish(timeout=TIMEOUT)
        h.update(rest)
        got += len(rest)
        err = c.stderr()
        self.assertEqual(rc, 0, self.info(err))
        self.assertEqual(got, SIZE, self.info(err))
        self.assertEqual(h.hexdigest(), self.src_sha, self.info(err))
        self.assert_enough_cuts(err)


class PtyChaosTest(ChaosCase):
    def test_interactive_session(self):
        stop = self.remote_tmp("stop")
        script = (f"i=0; while [ ! -e {stop} ]; do i=$((i+1)); echo \"line $i\"; sleep 0.05; done; "
                  "read x; echo \"got:$x\"; echo \"count:$i\"")
        args = self.proxy_args(["-tt", *OPTIONS], [script])
        with pty_driver.PtyProcess(args) as p:
            watchdog = threading.Timer(TIMEOUT, p.proc.kill)
            watchdog.daemon = True
            watchdog.start()
            self.addCleanup(watchdog.cancel)
            p.expect("line 3", timeout=30)
            self.start_cuts(None, min_interval=0.4, max_interval=1.2, max_offset=512,
                            idle_fallback=0.5)
            last, last_change = 0, time.monotonic()
            while self.proxy.cuts < CUTS and p.proc.poll() is None:
                if self.proxy.cuts != last:
                    last, last_change = self.proxy.cuts, time.monotonic()
                if time.monotonic() - last_change > STALL or time.monotonic() > self.deadline:
                    break
                p._read_some(0.1)  # keep the terminal read so ssh never blocks on it
            # One more cut during which the user types: the input must arrive.
            self.proxy.stop_cutting()
            if not fixture.wait_for(lambda: self.proxy.active_connections() or p.proc.poll() is not None,
                               STALL, step=0.1):
                self.fail(f"the session never came back; {self.info()}")
            end = time.monotonic() + 0.5  # the resumed session carries lines again
            while time.monotonic() < end:
                p._read_some(0.1)
            self.proxy.pause_accepting()
            self.assertEqual(self.proxy.reset(), 1, self.info(p.output[-2000:].decode(errors="replace")))
            p.send("typed-while-down\r")
            time.sleep(1.5)
            self.proxy.resume_accepting()
            time.sleep(1)
            open(stop, "w").close()
            deadline = min(self.deadline, time.monotonic() + 60)
            while not re.search(rb"count:\d+\r?\n", p.output) and time.monotonic() < deadline:
                if p.proc.poll() is not None:
                    p.drain(0.1)
                    break
                p._read_some(0.1)
            out = p.output.decode(errors="replace")
            if not re.search(r"count:\d+", out):
                self.fail(f"no final count; {self.info(out[-2000:])}")
            try:
                rc = p.wait(timeout=30)
            except AssertionError as e:
                self.fail(f"{e}; {self.info()}")
            out = p.output.decode(errors="replace")
        numbers = [int(n) for n in re.findall(r"line (\d+)\r\n", out)]
        count = int(re.search(r"count:(\d+)", out).group(1))
        self.assertEqual(rc, 0, self.info(out[-2000:]))
        self.assertEqual(numbers, list(range(1, count + 1)), self.info())
        self.assertIn("got:typed-while-down", out, self.info(out[-2000:]))
        self.assertIn(ct.LOST, out, self.info())
        self.assertRegex(out, r"(?m)^Resumed in ", self.info())
        self.assert_enough_cuts()




class ForwardChaosTest(ChaosCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = peers.EchoServer()

    @classmethod
    def tearDownClass(cls):
        cls.echo.close()
        super().tearDownClass()

    def wait_forwarding(self, port, proc):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"ping")
                    s.shutdown(socket.SHUT_WR)
                    if s.recv(16) == b"ping":
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.fail(f"port {port} never forwarded")

    def stream(self, port, proc):
        """Sends the small file through port in paced parts; returns (sha, length) of
        what came back."""
        parts = boundaries(SMALL, CUTS + 1)
        self.start_cuts(parts[0] * 2)  # the echo doubles the bytes through the proxy
        h = hashlib.sha256()
        received = [0]
        s = socket.create_connection(("127.0.0.1", port), timeout=STALL)
        self.addCleanup(s.close)

        def send():
            sent = 0
            try:
                with open(self.small, "rb") as f:
                    for i, end in enumerate(parts):
                        if i and not self.wait_cuts(i, proc):
                            break
                        while sent < end:
                            block = f.read(min(MB, end - sent))
                            s.sendall(block)
                            sent += len(block)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        writer = threading.Thread(target=send, daemon=True)
        writer.start()
        try:
            while time.monotonic() < self.deadline:
                data = s.recv(MB)
                if not data:
                    break
                h.update(data)
                received[0] += len(data)
        except OSError:
            pass
        writer.join(10)
        return h.hexdigest(), received[0]

    def check_forward(self, spec, port):
        c = self.client(["-N", spec, *OPTIONS], timeout=TIMEOUT)
        self.wait_forwarding(port, c.proc)
        sha, n = self.stream(port, c.proc)
        err = c.stderr()
        self.assertIsNone(c.proc.poll(), self.info(err))
        self.assertEqual(n, SMALL, self.info(err))
        self.assertEqual(sha, self.small_sha, self.info(err))
        self.assert_enough_cuts(err)

    def test_local_forward(self):
        port = fixture.free_port()
        self.check_forward(f"-L{port}:127.0.0.1:{self.echo.port}", port)

    def test_remote_forward(self):
        port = fixture.free_port()
        self.check_forward(f"-R{port}:127.0.0.1:{self.echo.port}", port)


class SftpChaosTest(ChaosCase):
    def test_stock_sftp_put_get(self):
        """Stock sftp over our ssh (-S): rounds of put + get of the small file until the
        proxy has cut CUTS times; every file that came back must equal the original."""
        remote = self.remote_tmp("sftp")
        opts = [*OPTIONS, "-F", "/dev/null", "-i", self.client_key,
                "-o", f"UserKnownHostsFile={self.proxy_known_hosts}",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes"]
        proc = subprocess.Popen(["sftp", "-S", fixture.our_ssh(), "-P", str(self.proxy.port), *opts,
                                 "-b", "-", f"{self.user}@127.0.0.1"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(proc.stderr.close)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        watchdog = threading.Timer(TIMEOUT, proc.kill)
        watchdog.daemon = True
        watchdog.start()
        self.addCleanup(watchdog.cancel)
        # Two transfers of SMALL per round; a part is a round's worth at the capped rate.
        self.proxy.set_rate(max(2 * SMALL / 4.0, 512 * 1024))
        out = b""

        def lpwd():
            nonlocal out
            proc.stdin.write(b"lpwd\n")
            proc.stdin.flush()
            while True:
                line = proc.stdout.readline()
                out += line
                if not line or b"Local working directory" in line:
                    return bool(line)
        self.assertTrue(lpwd(), proc.stderr.read() if proc.poll() is not None else "")
        self.start_cuts(None, idle_fallback=1.0)  # the session is set up by now
        backs = []
        for rnd in range(200):
            back = os.path.join(self.tmp, f"sftp_back_{rnd}")
            backs.append(back)
            proc.stdin.write(f"put {self.small} {remote}\nget {remote} {back}\nlpwd\n".encode())
            proc.stdin.flush()
            line = b""
            while b"Local working directory" not in line:
                line = proc.stdout.readline()
                out += line
                if not line:
                    break
            if not line or self.proxy.cuts >= CUTS:
                break
        proc.stdin.close()
        try:
            rc = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        err = proc.stderr.read().decode(errors="replace")
        self.assertEqual(rc, 0, self.info(err))
        self.assert_enough_cuts(err)
        for back in backs:
            self.assertEqual(sha256_file(back), self.small_sha, back)
        self.assertGreater(len(backs), 0)


if __name__ == "__main__":
    unittest.main()
