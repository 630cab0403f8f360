"""Our sshd with real clients: stock OpenSSH ssh/sftp and our ssh. Logins, exit status,
a 100 MB round trip, pty sessions, sftp, password login, and the privilege separation of
the pre-auth child (uid, NoNewPrivs, seccomp) read from /proc."""
import hashlib
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import unittest  # noqa: E402


class OurSshdTest(fixture.SshTestCase):
    sshd_class = fixture.OurSshd

    def clients(self):
        return (("stock", fixture.STOCK_SSH), ("ours", None))

    def test_pubkey_exec_and_exit_status(self):
        for name, binary in self.clients():
            with self.subTest(client=name):
                r = self.run_ssh(command=["echo out; echo err >&2; exit 7"], binary=binary)
                self.assertEqual(r.returncode, 7, r.stderr)
                self.assertEqual(r.stdout, b"out\n")
                self.assertEqual(r.stderr, b"err\n")

    def test_100mb_round_trip(self):
        data = os.urandom(1 << 20) * 100
        for name, binary in self.clients():
            with self.subTest(client=name):
                r = self.run_ssh(command=["cat"], input=data, binary=binary, timeout=300)
                self.assertEqual(r.returncode, 0, r.stderr[-500:])
                self.assertEqual(hashlib.sha256(r.stdout).hexdigest(), hashlib.sha256(data).hexdigest())

    def test_pty_session(self):
        for name, binary in self.clients():
            with self.subTest(client=name):
                r = self.run_ssh(options=["-tt"], command=["tty; echo TERM=$TERM; exit 3"], binary=binary,
                                 env=dict(os.environ, TERM="xterm-256color"))
                self.assertEqual(r.returncode, 3, r.stderr)
                self.assertIn(b"/dev/pts/", r.stdout)
                self.assertIn(b"TERM=xterm-256color", r.stdout)

    def test_environment_like_openssh(self):
        r = self.run_ssh(command=["echo $USER:$LOGNAME:$HOME:$SHELL; echo $SSH_CONNECTION; echo $SSH_CLIENT"])
        lines = r.stdout.decode().splitlines()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(lines[0].startswith(f"{self.user}:{self.user}:"), lines)
        self.assertTrue(lines[1].startswith("127.0.0.1 ") and lines[1].endswith(f" 127.0.0.1 {self.sshd.port}"))
        self.assertTrue(lines[2].endswith(f" {self.sshd.port}"))

    def test_sftp_put_get(self):
        src = os.path.join(self.tmp, "sftp_src")
        with open(src, "wb") as f:
            f.write(os.urandom(3 << 20))
        dst = os.path.join(self.tmp, "sftp_back")
        remote = f"/tmp/sshc-sftp-{os.getpid()}"
        batch = os.path.join(self.tmp, "batch")
        with open(batch, "w") as f:
            f.write(f"put {src} {remote}\nget {remote} {dst}\nrm {remote}\n")
        os.chmod(self.tmp, 0o755)
        os.chmod(src, 0o644)
        r = subprocess.run(["sftp", "-F", "/dev/null", "-P", str(self.sshd.port), "-i", self.client_key,
                            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "BatchMode=yes", "-b", batch,
                            f"{self.user}@127.0.0.1"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(src, "rb") as a, open(dst, "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_password_login(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for the test user's password")
        env = fixture.askpass_env(self.tmp)
        for name, binary in self.clients():
            with self.subTest(client=name):
                args = self.ssh_args(["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no",
                                      "-o", "PreferredAuthentications=password"], ["echo", "pw-ok"], binary)
                r = subprocess.run(args, capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, b"pw-ok\n")

    def test_failed_login_message_and_log(self):
        other = fixture.keygen(os.path.join(self.tmp, "unauthorized"))
        args = [a if a != self.client_key else other for a in self.ssh_args(
            ["-o", "PreferredAuthentications=publickey"], ["true"], fixture.STOCK_SSH)]
        r = subprocess.run(args, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"Permission denied (publickey,password).", r.stderr)
        r = self.run_ssh(command=["true"])
        self.assertIn(f"Accepted publickey for {self.user} from 127.0.0.1 port ", self.sshd.read_log())

    def test_preauth_child_is_sandboxed(self):
        if os.geteuid() != 0:
            self.skipTest("privilege separation needs root")
        with socket.create_connection(("127.0.0.1", self.sshd.port)) as s:
            banner = s.recv(256)
            self.assertTrue(banner.startswith(b"SSH-2.0-"), banner)
            # The pre-auth child is the grandchild of the listener that runs as user sshd.
            deadline = time.monotonic() + 10
            status = None
            while time.monotonic() < deadline and status is None:
                for pid in os.listdir("/proc"):
                    if not pid.isdigit():
                        continue
                    try:
                        with open(f"/proc/{pid}/status") as f:
                            text = f.read()
                        with open(f"/proc/{pid}/cmdline", "rb") as f:
                            cmd = f.read()
                    except OSError:
                        continue
                    uid_line = [l for l in text.splitlines() if l.startswith("Uid:")][0]
                    if fixture.our_sshd().encode() in cmd and uid_line.split()[1] == str(
                            __import__("pwd").getpwnam("sshd").pw_uid):
                        status = text
                        break
                time.sleep(0.05)
            self.assertIsNotNone(status, "no pre-auth child running as sshd")
            fields = dict(l.split(":", 1) for l in status.splitlines() if ":" in l)
            self.assertEqual(fields["NoNewPrivs"].strip(), "1")
            self.assertEqual(fields["Seccomp"].strip(), "2")


class OurSshdTimeoutsTest(fixture.SshTestCase):
    sshd_class = fixture.OurSshd
    sshd_extra_config = "LoginGraceTime 2\nClientAliveInterval 1\nClientAliveCountMax 2"

    def wait_for_log(self, text, timeout=15):
        deadline = time.monotonic() + timeout
        while text not in self.sshd.read_log() and time.monotonic() < deadline:
            time.sleep(0.05)
        return text in self.sshd.read_log()

    def test_login_grace_time(self):
        with socket.create_connection(("127.0.0.1", self.sshd.port), timeout=20) as s:
            port = s.getsockname()[1]
            s.recv(256)
            s.sendall(b"SSH-2.0-slow_client\r\n")
            start = time.monotonic()
            while s.recv(4096):
                pass
            self.assertLess(time.monotonic() - start, 10)
        self.assertTrue(self.wait_for_log(f"Timeout before authentication for 127.0.0.1 port {port}"))

    def remote_sleepers(self, tag):
        found = []
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if f"sleep {tag}".encode() in f.read().replace(b"\0", b" "):
                        found.append(int(pid))
            except OSError:
                pass
        return found

    def test_client_vanishing_leaves_nothing_behind(self):
        tag = 4000 + os.getpid() % 1000
        p = subprocess.Popen(self.ssh_args(options=["-tt"], command=[f"echo started; sleep {tag}"]),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertIn(b"started", p.stdout.readline())
        self.assertTrue(self.remote_sleepers(tag))
        p.kill()
        p.communicate()
        deadline = time.monotonic() + 15
        while self.remote_sleepers(tag) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.remote_sleepers(tag), [], "the session's program outlived its client")

    def test_client_alive_detects_dead_client(self):
        import tcp_proxy
        proxy = tcp_proxy.TcpProxy(self.sshd.port)
        try:
            args = self.ssh_args(command=["echo ready; sleep 60"])
            args[args.index("-p") + 1] = str(proxy.port)
            args[1:1] = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
            p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(p.stdout.readline(), b"ready\n")
            proxy.blackhole()
            self.assertTrue(self.wait_for_log(f"Timeout, client not responding from user {self.user}"))
            p.kill()
            p.communicate()
        finally:
            proxy.stop()


class AuthLogWordingTest(unittest.TestCase):
    """The lines log tools read (fail2ban's sshd filter among them) must be OpenSSH's:
    the same failed logins against stock sshd and ours give the same lines."""

    def failed_logins_log(self, sshd_class):
        import re
        import shutil
        import tempfile
        tmp = tempfile.mkdtemp(prefix="sshc-logwording-")
        os.chmod(tmp, 0o755)
        sshd = sshd_class(tmp, "LogLevel INFO").start()
        try:
            env = fixture.askpass_env(tmp, "wrong-password")
            for user in (fixture.ensure_test_user(), "no-such-user-xyz"):
                subprocess.run([fixture.STOCK_SSH, "-F", "/dev/null", "-p", str(sshd.port), "-o",
                                "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-o",
                                "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=2",
                                f"{user}@127.0.0.1", "true"],
                               stdin=subprocess.DEVNULL, capture_output=True, env=env, timeout=60)
            deadline = time.monotonic() + 10
            while sshd.read_log().count("Connection closed") < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            wanted = re.compile(r"^(Failed|Invalid user|Connection closed|Disconnected)")
            return [re.sub(r"port \d+", "port N", l) for l in sshd.read_log().splitlines() if wanted.match(l)]
        finally:
            sshd.stop()
            shutil.rmtree(tmp, ignore_errors=True)

    def test_failed_login_lines_match_stock(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for the test user and privilege separation")
        stock = self.failed_logins_log(fixture.StockSshd)
        ours = self.failed_logins_log(fixture.OurSshd)
        self.assertGreaterEqual(len(stock), 4, stock)
        self.assertEqual(ours, stock)


class MaxSessionsStockTest(fixture.SshTestCase):
    """MaxSessions over the wire: one connection, several session channels (paramiko)."""
    sshd_extra_config = "MaxSessions 2"

    def test_sessions_beyond_the_limit_are_refused(self):
        import paramiko
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect("127.0.0.1", port=self.sshd.port, username=self.user, key_filename=self.client_key,
                       allow_agent=False, look_for_keys=False, timeout=20)
        self.addCleanup(client.close)
        transport = client.get_transport()
        first = transport.open_session(timeout=10)
        second = transport.open_session(timeout=10)
        with self.assertRaises(paramiko.ChannelException):
            transport.open_session(timeout=10)
        # A closed session frees its place; the others keep working.
        first.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                third = transport.open_session(timeout=10)
                break
            except paramiko.ChannelException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        for channel in (second, third):
            channel.exec_command("echo alive")
            self.assertEqual(channel.makefile().read().strip(), b"alive")
            self.assertEqual(channel.recv_exit_status(), 0)


class MaxSessionsTest(MaxSessionsStockTest):
    sshd_class = fixture.OurSshd


if __name__ == "__main__":
    unittest.main()
