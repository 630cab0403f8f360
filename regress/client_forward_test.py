"""Our ssh's port forwarding (-L, -R, -N, -f) against stock OpenSSH sshd (issue 3 item 5),
compared with stock ssh where the wording matters."""
import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
from peers import EchoServer  # noqa: E402
import unittest  # noqa: E402

BIG = 10 * 1024 * 1024




def round_trip(port, data, timeout=60):
    """Sends data through 127.0.0.1:port, half-closes, returns everything read back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        def send():
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        writer = threading.Thread(target=send)
        writer.start()
        chunks = []
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        writer.join()
    return b"".join(chunks)


def wait_until_forwarding(port, proc=None, timeout=15):
    """Polls until a small round trip through the port works."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"ssh exited with {proc.returncode}")
        try:
            if round_trip(port, b"ping", timeout=5) == b"ping":
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"port {port} never forwarded")


class ForwardCase(fixture.SshTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = EchoServer()

    @classmethod
    def tearDownClass(cls):
        cls.echo.close()
        super().tearDownClass()

    def start_ssh(self, options, binary=None, command=()):
        """Starts a long-running ssh; stderr goes to a file read by stderr_of()."""
        err = open(os.path.join(self.tmp, f"stderr-{time.monotonic_ns()}"), "w+b")
        proc = subprocess.Popen(self.ssh_args(options, command, binary), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        proc.err = err

        def stop():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
            err.close()
        self.addCleanup(stop)
        return proc

    @staticmethod
    def stderr_of(proc):
        proc.err.flush()
        with open(proc.err.name, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_for_stderr(self, proc, pattern, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.stderr_of(proc))
            if m:
                return m
            if proc.poll() is not None:
                m = re.search(pattern, self.stderr_of(proc))
                if m:
                    return m
                break
            time.sleep(0.05)
        self.fail(f"{pattern!r} not in stderr: {self.stderr_of(proc)!r}")


class ForwardTest(ForwardCase):
    def test_local_forward_round_trips_10mb(self):
        port = fixture.free_port()
        proc = self.start_ssh(["-N", "-L", f"{port}:127.0.0.1:{self.echo.port}"])
        wait_until_forwarding(port, proc)
        data = os.urandom(BIG)
        back = round_trip(port, data)
        self.assertEqual(hashlib.sha256(back).hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertIsNone(proc.poll(), "-N must stay connected")

    def test_local_forward_parallel_connections(self):
        port = fixture.free_port()
        proc = self.start_ssh(["-N", "-o", f"LocalForward=127.0.0.1:{port} 127.0.0.1:{self.echo.port}"])
        wait_until_forwarding(port, proc)
        payloads = [os.urandom(300000 + i) for i in range(4)]
        results = [None] * len(payloads)

        def one(i):
            results[i] = round_trip(port, payloads[i])
        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(payloads))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, payloads)

    def test_remote_forward_round_trips_10mb(self):
        port = fixture.free_port()
        proc = self.start_ssh(["-N", "-R", f"{port}:127.0.0.1:{self.echo.port}"])
        wait_until_forwarding(port, proc)
        data = os.urandom(BIG)
        back = round_trip(port, data)
        self.assertEqual(hashlib.sha256(back).hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertIsNone(proc.poll())

    def test_remote_port_zero_prints_allocated_port(self):
        for binary in (None, fixture.STOCK_SSH):
            proc = self.start_ssh(["-N", "-R", f"0:127.0.0.1:{self.echo.port}"], binary=binary)
            m = self.wait_for_stderr(
                proc, rf"Allocated port (\d+) for remote forward to 127\.0\.0\.1:{self.echo.port}\r\n")
            wait_until_forwarding(int(m.group(1)), proc)
            proc.terminate()
            proc.wait(timeout=10)

    def test_remote_forward_to_closed_port_refuses_channel(self):
        dead = fixture.free_port()
        port = fixture.free_port()
        proc = self.start_ssh(["-N", "-R", f"{port}:127.0.0.1:{dead}", "-v"])
        self.wait_for_stderr(proc, "remote forward success")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            self.assertEqual(s.recv(10), b"")  # sshd closes it once we refuse
        self.wait_for_stderr(proc, rf"connect_to 127\.0\.0\.1 port {dead}: failed\.")
        self.assertIsNone(proc.poll())

    def test_debug_lines(self):
        lport, rport = fixture.free_port(), fixture.free_port()
        proc = self.start_ssh(["-N", "-v", "-L", f"{lport}:127.0.0.1:{self.echo.port}",
                               "-R", f"{rport}:127.0.0.1:{self.echo.port}"])
        wait_until_forwarding(lport, proc)
        wait_until_forwarding(rport, proc)
        err = self.stderr_of(proc)
        self.assertIn(f"Local connections to LOCALHOST:{lport} forwarded to remote address "
                      f"127.0.0.1:{self.echo.port}", err)
        self.assertIn(f"Remote connections from LOCALHOST:{rport} forwarded to local address "
                      f"127.0.0.1:{self.echo.port}", err)
        self.assertIn(f"Connection to port {lport} forwarding to 127.0.0.1 port {self.echo.port} "
                      "requested.", err)

    def test_fork_after_authentication(self):
        port = fixture.free_port()
        marker = f"{port}:127.0.0.1:{self.echo.port}"
        r = self.run_ssh(options=["-f", "-N", "-L", marker], timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        pids = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
        self.assertEqual(len(pids), 1, pids)
        try:
            wait_until_forwarding(port)
            data = os.urandom(1024 * 1024)
            self.assertEqual(round_trip(port, data), data)
            # The child left the caller's session.
            self.assertNotEqual(os.getsid(int(pids[0])), os.getsid(0))
        finally:
            os.kill(int(pids[0]), 15)
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{pids[0]}") and time.monotonic() < deadline:
            time.sleep(0.05)  # reaped by init once gone
        self.assertFalse(subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout,
                         "the background client must end on SIGTERM")

    def test_fork_waits_for_remote_forward_with_exit_on_failure(self):
        port = fixture.free_port()
        marker = f"{port}:127.0.0.1:{self.echo.port}"
        r = self.run_ssh(options=["-f", "-N", "-o", "ExitOnForwardFailure=yes", "-R", marker], timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        pids = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
        self.assertEqual(len(pids), 1, pids)
        try:
            # The server listens already: the parent left only after the reply.
            self.assertEqual(round_trip(port, b"x" * 100000), b"x" * 100000)
        finally:
            os.kill(int(pids[0]), 15)

    def test_fork_with_command(self):
        r = self.run_ssh(options=["-f"], command=["true"], timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_fork_with_command_output_like_stock(self):
        ours, stock = self.run_both(options=["-f"], command=["echo hi; echo err >&2"], timeout=30)
        self.assertEqual(stock.returncode, 0)
        self.assertEqual(ours.returncode, 0, ours.stderr)
        self.assertEqual(ours.stdout, stock.stdout)
        self.assertEqual(ours.stderr, stock.stderr)

    def test_fork_without_command_refused_like_stock(self):
        ours, stock = self.run_both(options=["-f"], timeout=30)
        self.assertEqual(stock.returncode, 255)
        self.assertEqual(ours.returncode, 255)
        self.assertIn(b"Cannot fork into background without a command to execute.\r\n", stock.stderr)
        self.assertEqual(ours.stderr, stock.stderr)

    def test_local_bind_failure_like_stock(self):
        busy = socket.socket()
        self.addCleanup(busy.close)
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        for extra, status in (([], 0), (["-o", "ExitOnForwardFailure=yes"], 255)):
            ours, stock = self.run_both(options=["-4", *extra, "-L", f"{port}:127.0.0.1:9"],
                                        command=["echo ok"], timeout=30)
            self.assertEqual(stock.returncode, status)
            self.assertEqual(ours.returncode, status, ours.stderr)
            self.assertEqual(ours.stdout, stock.stdout)
            self.assertEqual(ours.stderr, stock.stderr)
            self.assertIn(b"Could not request local forwarding.\r\n", ours.stderr)

    def test_dash_n_stays_until_connection_drops(self):
        port = fixture.free_port()
        proc = self.start_ssh(["-N", "-L", f"{port}:127.0.0.1:{self.echo.port}"])
        wait_until_forwarding(port, proc)
        time.sleep(0.5)
        self.assertIsNone(proc.poll())
        proc.terminate()
        self.assertEqual(proc.wait(timeout=10), 255)


class RefusedForwardTest(ForwardCase):
    sshd_extra_config = "AllowTcpForwarding no"

    def test_local_forward_refused_like_stock(self):
        lines = []
        for binary in (None, fixture.STOCK_SSH):
            port = fixture.free_port()
            proc = self.start_ssh(["-N", "-L", f"{port}:127.0.0.1:{self.echo.port}"], binary=binary)
            deadline = time.monotonic() + 15
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                        self.assertEqual(s.recv(10), b"")  # closed once the open fails
                    break
                except ConnectionRefusedError:
                    self.assertLess(time.monotonic(), deadline)
                    time.sleep(0.05)
            m = self.wait_for_stderr(proc, r"channel \d+: open failed: (.*)\r\n")
            lines.append(m.group(1))
            self.assertIsNone(proc.poll())
        self.assertEqual(lines[0], lines[1])
        self.assertEqual(lines[0], "administratively prohibited: open failed")

    def test_remote_forward_refused_like_stock(self):
        port = fixture.free_port()
        want = f"Warning: remote port forwarding failed for listen port {port}\r\n"
        for binary in (None, fixture.STOCK_SSH):
            proc = self.start_ssh(["-N", "-R", f"{port}:127.0.0.1:{self.echo.port}"], binary=binary)
            self.wait_for_stderr(proc, re.escape(want))
            self.assertIsNone(proc.poll())

    def test_exit_on_forward_failure(self):
        port = fixture.free_port()
        ours, stock = self.run_both(options=["-N", "-o", "ExitOnForwardFailure=yes",
                                             "-R", f"{port}:127.0.0.1:{self.echo.port}"], timeout=30)
        self.assertEqual(stock.returncode, 255)
        self.assertEqual(ours.returncode, 255)
        want = f"Error: remote port forwarding failed for listen port {port}\r\n".encode()
        self.assertIn(want, stock.stderr)
        self.assertIn(want, ours.stderr)

    def test_exit_on_forward_failure_before_fork(self):
        port = fixture.free_port()
        ours, stock = self.run_both(options=["-f", "-N", "-o", "ExitOnForwardFailure=yes",
                                             "-R", f"{port}:127.0.0.1:{self.echo.port}"], timeout=30)
        self.assertEqual(stock.returncode, 255)
        self.assertEqual(ours.returncode, 255, ours.stderr)
        want = f"Error: remote port forwarding failed for listen port {port}\r\n".encode()
        self.assertIn(want, stock.stderr)
        self.assertIn(want, ours.stderr)


if __name__ == "__main__":
    unittest.main()
