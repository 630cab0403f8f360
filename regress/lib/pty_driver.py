"""Runs a program on a real pseudo-terminal, as a person at a terminal would.

The program gets the pty slave as stdin/stdout/stderr and as its controlling terminal
(its own session, so it is the terminal's foreground process group and the kernel
sends it SIGWINCH on resize). The test talks to the master side: send() types bytes,
expect() reads until a marker shows up or a deadline passes. Nothing is mocked.
"""
import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time


def set_winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _make_controlling_tty():
    # Runs in the child after setsid() (start_new_session): fd 0 is the pty slave.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    def __init__(self, argv, env=None, rows=24, cols=80, term="xterm-256color"):
        self.master, self.slave = os.openpty()
        set_winsize(self.slave, rows, cols)
        # A cooked terminal, like a login shell's: what ssh must give back on exit.
        self.initial_attrs = termios.tcgetattr(self.slave)
        child_env = dict(os.environ if env is None else env)
        child_env["TERM"] = term
        self.proc = subprocess.Popen(
            argv, stdin=self.slave, stdout=self.slave, stderr=self.slave, env=child_env,
            start_new_session=True, preexec_fn=_make_controlling_tty, close_fds=True)
        self.output = b""
        self._pos = 0  # expect() consumes output up to here

    # --- talking to the terminal -------------------------------------------------

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def _read_some(self, timeout):
        r, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not r:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every slave fd is closed
            return False
        self.output += chunk
        return bool(chunk)

    def expect(self, marker, timeout=15):
        """Reads until `marker` (bytes or str) appears after the last match; returns the
        output from the last match up to and including the marker."""
        if isinstance(marker, str):
            marker = marker.encode()
        deadline = time.monotonic() + timeout
        while True:
            idx = self.output.find(marker, self._pos)
            if idx >= 0:
                end = idx + len(marker)
                seen = self.output[self._pos:end]
                self._pos = end
                return seen
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"timed out waiting for {marker!r}; recent output: {self.output[self._pos:][-2000:]!r}")
            self._read_some(min(left, 0.5))

    def drain(self, timeout=0.2):
        """Reads whatever arrives within `timeout` of quiet."""
        while self._read_some(timeout):
            pass

    def unread(self):
        return self.output[self._pos:]

    # --- the process ---------------------------------------------------------------

    def resize(self, rows, cols):
        # TIOCSWINSZ on a changed size makes the kernel send SIGWINCH to the foreground
        # process group, which is our child.
        set_winsize(self.master, rows, cols)

    def attrs(self):
        return termios.tcgetattr(self.slave)

    def wait(self, timeout=20):
        """Waits for exit while reading the terminal (a full pty would block the child)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"process did not exit; output: {self.output[-2000:]!r}")
            self._read_some(0.05)
        self.drain(0.05)
        return self.proc.returncode

    def wait_stopped(self, timeout=10):
        """Waits until the child is stopped (job control), via /proc."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{self.proc.pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except FileNotFoundError:
                return False
            if state in ("T", "t"):
                return True
            self._read_some(0.02)
        return False

    def signal(self, sig):
        self.proc.send_signal(sig)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
                self.proc.kill()
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
