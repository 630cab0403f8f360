"""fail2ban reads our sshd's syslog lines as it reads OpenSSH's.

Our sshd runs as a real daemon (-D, no -e/-E), so it logs through syslog(3) to /dev/log.
The machine's /dev/log is never touched: sshd runs in a private mount namespace in which
/dev/log is a bind mount of a datagram socket this test owns. Where the machine has no
/dev/log, the namespace gets an overlay of /dev (on a private tmpfs) to hold the mount
point. The test turns each datagram into a classic syslog file line
"Mon DD HH:MM:SS host sshd[pid]: message", causes known failures (wrong passwords for a
real user, an invalid user, connections that never send a byte) plus one successful
login, and checks that fail2ban-regex with Debian's filter.d/sshd.conf counts exactly
those failures, for 127.0.0.1 and the right users, in the normal and aggressive modes.
The same run against stock sshd in the same harness shows whether a difference is ours.
"""
import collections
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import unittest  # noqa: E402

try:
    import paramiko
except ImportError:  # Debian's python3-paramiko is installed by scripts/install-deps.sh
    paramiko = None

FILTER = "/etc/fail2ban/filter.d/sshd.conf"
INVALID_USER = "f2b-no-such-user"
WRONG_PASSWORD = "not the password"
LOG_AUTH = 4  # syslog facility sshd uses by default (SyslogFacility AUTH)

# Runs inside `unshare --mount --propagation private`: $1 test dir, $2 our socket, then
# the daemon's argv. Mounts made here vanish with the namespace.
NAMESPACE_SETUP = r"""
set -eu
dir=$1; sock=$2; shift 2
if [ ! -e /dev/log ] && [ ! -L /dev/log ]; then
  # No /dev/log to mount over, and creating one in the shared devtmpfs would show on the
  # whole machine: lay a private overlay over /dev whose upper layer holds the new file.
  mkdir -p "$dir/ns/lower" "$dir/ns/upper"
  mount -t tmpfs -o mode=0755 sshc-f2b "$dir/ns/upper"
  mkdir "$dir/ns/upper/u" "$dir/ns/upper/w"
  mount --rbind /dev "$dir/ns/lower"
  subs=$(awk '$5 ~ "^/dev/[^/]+$" {print substr($5, 6)}' /proc/self/mountinfo | sort -u)
  mount -t overlay overlay \
    -o "lowerdir=$dir/ns/lower,upperdir=$dir/ns/upper/u,workdir=$dir/ns/upper/w" /dev
  # /dev/pts, /dev/shm, ... are mounts of their own that the overlay does not show.
  for m in $subs; do mount --rbind "$dir/ns/lower/$m" "/dev/$m"; done
  : > /dev/log
fi
mount --bind "$sock" /dev/log
exec "$@"
"""

SYSLOG_DATAGRAM = re.compile(rb"^<(\d+)>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (.*?)\n?$", re.S)


class SyslogSink:
    """The receiving end of the namespace's /dev/log: a datagram socket whose messages
    become lines of a syslog file. A thread reads it all the time: a Unix datagram
    socket queues only net.unix.max_dgram_qlen (10) messages, and syslog(3) blocks the
    daemon once the queue is full."""

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "dev-log.sock")
        self.file = os.path.join(workdir, "auth.log")
        self.host = socket.gethostname().split(".")[0] or "localhost"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o666)  # the post-auth child logs as the user
        self.lock = threading.Lock()
        self.lines = []
        self.facilities = set()
        self.unparsed = []
        open(self.file, "w").close()
        self.stopping = False
        self.reader = threading.Thread(target=self.read_loop, daemon=True)
        self.reader.start()

    def read_loop(self):
        while not self.stopping:
            if not select.select([self.sock], [], [], 0.1)[0]:
                continue
            data = self.sock.recv(65536)
            m = SYSLOG_DATAGRAM.match(data)
            with self.lock:
                if not m:
                    self.unparsed.append(data)
                    continue
                self.facilities.add(int(m.group(1)) >> 3)
                line = f"{m.group(2).decode()} {self.host} {m.group(3).decode(errors='replace')}"
                self.lines.append(line)
                with open(self.file, "a") as f:
                    f.write(line + "\n")

    def text(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_for(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.text(), re.M):
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.stopping = True
        self.reader.join()
        self.sock.close()


class NamespacedSshd(fixture.StockSshd):
    """A daemon from the fixture's config, run with -D and no -e/-E so it logs to syslog,
    inside a private mount namespace whose /dev/log is `sink`."""

    def __init__(self, workdir, extra_config, binary, sink):
        self._binary = binary
        self.sink = sink
        super().__init__(workdir, extra_config)

    @property
    def binary(self):
        return self._binary

    def start(self):
        os.makedirs("/run/sshd", exist_ok=True)
        # `unshare` without --fork execs sh, which execs sshd: the pid is the daemon's.
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", NAMESPACE_SETUP, "sh",
             self.dir, self.sink.path, self.binary, "-D", "-f", self.config],
            stdin=subprocess.DEVNULL)
        if not self.sink.wait_for(r"Server listening on 127\.0\.0\.1 port %d" % self.port):
            self.stop()
            raise RuntimeError(f"{self.binary} not ready; syslog so far: {self.sink.text()}")
        return self

    def read_log(self):
        return self.sink.text()


def paramiko_login(port, user, password):
    """One connection, one password attempt; returns (local port, accepted)."""
    t = paramiko.Transport(("127.0.0.1", port))
    try:
        t.start_client(timeout=20)
        local_port = t.sock.getsockname()[1]
        try:
            t.auth_password(user, password, fallback=False)
            return local_port, True
        except paramiko.AuthenticationException:
            return local_port, False
    finally:
        t.close()


def paramiko_retries(port, user, passwords):
    """paramiko trying each password in turn on one connection. Each try sends
    SERVICE_REQUEST "ssh-userauth" again before its USERAUTH_REQUEST. Returns the
    number of answered tries (failed or successful) and whether one was accepted."""
    t = paramiko.Transport(("127.0.0.1", port))
    answered = 0
    try:
        t.start_client(timeout=20)
        for pw in passwords:
            try:
                t.auth_password(user, pw, fallback=False)
                return answered + 1, True
            except paramiko.AuthenticationException:
                answered += 1
            except paramiko.SSHException:
                break  # the server dropped the connection
        return answered, False
    finally:
        t.close()


def ssh_wrong_passwords(workdir, port, user, tries):
    """Stock ssh typing a wrong password `tries` times on one connection (through
    SSH_ASKPASS, no tty needed)."""
    askpass = os.path.join(workdir, "askpass-wrong")
    with open(askpass, "w") as f:
        f.write(f"#!/bin/sh\necho '{WRONG_PASSWORD}'\n")
    os.chmod(askpass, 0o755)
    env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
    r = subprocess.run([fixture.STOCK_SSH, "-F", "/dev/null", "-p", str(port),
                        "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no",
                        "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
                        "-o", f"NumberOfPasswordPrompts={tries}", f"{user}@127.0.0.1", "true"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60)
    return r


def silent_connection(port, reset=False):
    """A client that never sends a byte: it hangs up cleanly (reads until the server
    closes too) or, with `reset`, with a TCP reset. Returns its local port."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        local_port = s.getsockname()[1]
        s.recv(256)
        if reset:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return local_port
        s.shutdown(socket.SHUT_WR)
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass
        return local_port


def fail2ban_regex(logfile, mode):
    """Runs fail2ban-regex with the sshd filter in `mode`. Returns its line counts
    (lines, ignored, matched, missed), the failures it found as a Counter of (ip, user),
    and its report."""
    flt = FILTER if mode == "normal" else f"{FILTER}[mode={mode}]"
    r = subprocess.run(["fail2ban-regex", "--print-all-missed", "--print-all-ignored", logfile, flt],
                       capture_output=True, text=True, timeout=120)
    m = re.search(r"^Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed", r.stdout, re.M)
    if r.returncode != 0 or not m:
        raise AssertionError(f"fail2ban-regex failed ({r.returncode}): {r.stdout}\n{r.stderr}")
    o = subprocess.run(["fail2ban-regex", "-o", "<ip> <F-USER>", logfile, flt],
                       capture_output=True, text=True, timeout=120, check=True)
    found = collections.Counter(tuple((l.split(" ", 1) + [""])[:2]) for l in o.stdout.splitlines() if l.strip())
    return tuple(int(x) for x in m.groups()), found, r.stdout


def missing_prerequisite():
    if os.geteuid() != 0:
        return "needs root: mount namespace, test user, privilege separation"
    for tool in ("unshare", "fail2ban-regex", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (fail2ban: apt-get install fail2ban)"
    if not os.path.exists(FILTER):
        return f"{FILTER} missing"
    if paramiko is None:
        return "python3-paramiko not installed"
    return None


@unittest.skipIf(missing_prerequisite(), missing_prerequisite() or "")
class Fail2banSyslogTest(unittest.TestCase):
    """The same failures against our sshd and stock sshd, each in the syslog harness."""

    VALID_USER_TRIES = 3  # stock ssh, wrong password 3 times on one connection
    INVALID_USER_CONNECTIONS = 2  # paramiko, one wrong password per connection
    runs = {}  # label -> result of run_scenario, shared by the tests of the class

    @classmethod
    def setUpClass(cls):
        cls.user = fixture.ensure_test_user()
        cls.tmp = tempfile.mkdtemp(prefix="sshc-f2b-")
        os.chmod(cls.tmp, 0o755)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def scenario(self, binary, label):
        if label not in self.runs:
            self.runs[label] = self.run_scenario(binary, label)
        return self.runs[label]

    def run_scenario(self, binary, label):
        """Runs `binary` as a syslog daemon and causes the failures; returns the sink,
        whose file holds the syslog lines."""
        workdir = os.path.join(self.tmp, label)
        os.mkdir(workdir, 0o755)
        sink = SyslogSink(workdir)
        self.addCleanup(sink.close)
        sshd = NamespacedSshd(workdir, "LogLevel INFO\nMaxAuthTries 6", binary, sink).start()
        self.addCleanup(sshd.stop)
        user = re.escape(self.user)

        def closed(who, port=r"\d+"):
            # The last line of a connection before authentication, in OpenSSH's words.
            return (r"^.* sshd\[\d+\]: (Connection (closed|reset) by|Disconnected from) %s127\.0\.0\.1 "
                    r"port %s( \[preauth\])?$" % (who, port))

        r = ssh_wrong_passwords(workdir, sshd.port, self.user, self.VALID_USER_TRIES)
        self.assertEqual(r.returncode, 255, r.stderr)
        self.assertTrue(sink.wait_for(closed(f"authenticating user {user} ")),
                        f"{label}: no closing line for the valid user:\n{sink.text()}")
        for _ in range(self.INVALID_USER_CONNECTIONS):
            port, ok = paramiko_login(sshd.port, INVALID_USER, WRONG_PASSWORD)
            self.assertFalse(ok)
            self.assertTrue(sink.wait_for(closed(f"invalid user {INVALID_USER} ", port)),
                            f"{label}: no closing line for port {port}:\n{sink.text()}")
        for reset in (False, True):
            port = silent_connection(sshd.port, reset)
            self.assertTrue(sink.wait_for(closed("", port)), f"{label}: no closing line for port {port}:\n{sink.text()}")
        port, ok = paramiko_login(sshd.port, self.user, fixture.TEST_PASSWORD)
        self.assertTrue(ok)
        self.assertTrue(sink.wait_for(r"Accepted password for %s from 127\.0\.0\.1 port %d " % (user, port)),
                        sink.text())
        sshd.stop()
        time.sleep(0.2)  # the daemon's last datagrams
        self.assertEqual(sink.unparsed, [], "datagrams not in syslog(3) form")
        return sink

    def check_counts(self, sink, label):
        """fail2ban's count of failures, by address and user, for what run_scenario did."""
        valid = ("127.0.0.1", self.user)
        invalid = ("127.0.0.1", INVALID_USER)
        # Normal mode: each "Failed password" line, and each "Invalid user" line.
        lines, found, out = fail2ban_regex(sink.file, "normal")
        ctx = f"{label}: syslog lines:\n{sink.text()}\n\nfail2ban-regex:\n{out}"
        expected = collections.Counter({valid: self.VALID_USER_TRIES,
                                        invalid: 2 * self.INVALID_USER_CONNECTIONS})
        self.assertEqual(lines[2], sum(expected.values()), ctx)  # matched lines
        self.assertEqual(found, expected, ctx)
        # Aggressive mode adds each connection closed before authentication: the failed
        # logins and the two silent ones (which have no user).
        lines, found, out = fail2ban_regex(sink.file, "aggressive")
        ctx = f"{label}: syslog lines:\n{sink.text()}\n\nfail2ban-regex aggressive:\n{out}"
        expected[valid] += 1
        expected[invalid] += self.INVALID_USER_CONNECTIONS
        expected[("127.0.0.1", "")] += 2
        self.assertEqual(found, expected, ctx)
        self.assertGreaterEqual(lines[2], sum(expected.values()), ctx)
        return lines

    def test_our_sshd_failures_counted_exactly(self):
        sink = self.scenario(fixture.our_sshd(), "ours")
        self.assertEqual(sink.facilities, {LOG_AUTH}, "sshd logs to the auth facility")
        for line in sink.lines:
            self.assertRegex(line, r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ sshd\[\d+\]: \S")
        self.check_counts(sink, "ours")

    def test_stock_sshd_in_same_harness(self):
        """The harness and the expectations hold for OpenSSH itself: a failure of the
        test above is then our sshd's, not the harness's."""
        if not os.path.exists(fixture.STOCK_SSHD):
            self.skipTest("stock sshd not installed")
        self.check_counts(self.scenario(fixture.STOCK_SSHD, "stock"), "stock")


@unittest.skipIf(os.geteuid() != 0 or paramiko is None, "needs root (test user) and paramiko")
class PasswordRetriesStockTest(fixture.SshTestCase):
    """Brute-force tools built on paramiko retry passwords on one connection; each retry
    sends SERVICE_REQUEST "ssh-userauth" again. Stock sshd answers each one, so every
    wrong password reaches the log (and fail2ban) as a failure."""

    sshd_class = fixture.StockSshd
    sshd_extra_config = "MaxAuthTries 6"

    def check_retries(self):
        answered, ok = paramiko_retries(self.sshd.port, self.user, [WRONG_PASSWORD] * 2 + [fixture.TEST_PASSWORD])
        self.assertEqual((answered, ok), (3, True), self.sshd.read_log())
        self.assertEqual(self.sshd.read_log().count(f"Failed password for {self.user} "), 2)

    def test_paramiko_retries_on_one_connection(self):
        self.check_retries()


class PasswordRetriesTest(PasswordRetriesStockTest):
    """paramiko asks for ssh-userauth again before each retry; our sshd answers as stock does."""
    sshd_class = fixture.OurSshd


if __name__ == "__main__":
    unittest.main()
