"""Client configuration end to end: -F files with Host/Match/Include through our ssh
binary, ssh -G against stock ssh -G, ProxyCommand, ConnectTimeout, ServerAliveInterval,
-E, -q, -4/-6 and the reserved Resume keyword."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import tcp_proxy  # noqa: E402
import unittest  # noqa: E402

# Lines where our -G differs from stock by design: algorithm lists (we implement fewer),
# Debian's GSSAPI keywords, and our own continuation keywords.
DIFFERENT_BY_DESIGN = ("ciphers ", "macs ", "kexalgorithms ", "hostkeyalgorithms ", "pubkeyacceptedalgorithms ",
                       "hostbasedacceptedalgorithms ", "casignaturealgorithms ", "gssapi", "resume")


def comparable(dump):
    return [l for l in dump.splitlines() if not l.startswith(DIFFERENT_BY_DESIGN)]


class ConfigFileTest(fixture.SshTestCase):
    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def config_for_alias(self):
        inc = self.write("included.conf", f"Host target\n  User {self.user}\n")
        return self.write("config", f"""
Include {inc}
Host target
  HostName 127.0.0.1
  Port {self.sshd.port}
  IdentityFile {self.client_key}
  UserKnownHostsFile {self.known_hosts}
  GlobalKnownHostsFile /dev/null
  BatchMode yes
Match host 127.0.0.1 exec "true"
  SetEnv TESTENV_MATCHED=yes
Host *
  Port 1
""")

    def test_host_alias_from_config_file(self):
        cfg = self.config_for_alias()
        r = subprocess.run([fixture.our_ssh(), "-F", cfg, "target", "echo", "$TESTENV_MATCHED"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"yes\n")

    def test_dash_G_matches_stock(self):
        cfg = self.config_for_alias()
        for extra in ([], ["-p", "2222", "-l", "bob"], ["-o", "ServerAliveInterval=7", "-C", "-4"]):
            ours = subprocess.run([fixture.our_ssh(), "-G", "-F", cfg, *extra, "target"], capture_output=True)
            stock = subprocess.run([fixture.STOCK_SSH, "-G", "-F", cfg, *extra, "target"], capture_output=True)
            self.assertEqual(ours.returncode, 0, ours.stderr)
            self.assertEqual(comparable(ours.stdout.decode()), comparable(stock.stdout.decode()))

    def test_bad_option_message(self):
        cfg = self.write("bad", "NoSuchOption yes\n")
        ours = subprocess.run([fixture.our_ssh(), "-F", cfg, "host"], capture_output=True)
        stock = subprocess.run([fixture.STOCK_SSH, "-F", cfg, "host"], capture_output=True)
        self.assertEqual(ours.returncode, 255)
        self.assertEqual(ours.stderr, stock.stderr)

    def test_resume_keyword_accepted_and_shown(self):
        r = subprocess.run([fixture.our_ssh(), "-G", "-o", "Resume=yes", "host"], capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("resume yes", r.stdout.decode().splitlines())
        r = self.run_ssh(options=["-o", "Resume=yes"], command=["echo", "plain"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"plain\n")

    def test_resume_turns_on_keepalives(self):
        """Resume=yes: ServerAliveInterval 15 (count 3) unless the user set one."""
        def shown(*opts):
            r = subprocess.run([fixture.our_ssh(), "-G", *opts, "host"], capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            lines = r.stdout.decode().splitlines()
            return [l for l in lines if l.startswith(("serveraliveinterval ", "serveralivecountmax "))]
        self.assertEqual(shown("-o", "Resume=yes"), ["serveralivecountmax 3", "serveraliveinterval 15"])
        self.assertEqual(shown("-o", "Resume=yes", "-o", "ServerAliveInterval=0"),
                         ["serveralivecountmax 3", "serveraliveinterval 0"])
        self.assertEqual(shown(), ["serveralivecountmax 3", "serveraliveinterval 0"])


class ConnectionOptionsTest(fixture.SshTestCase):
    def test_proxy_command_runs_sshd_inetd_mode(self):
        proxy = f"/usr/sbin/sshd -i -f {self.sshd.config}"
        r = self.run_ssh(options=["-o", f"ProxyCommand={proxy}", "-o", "StrictHostKeyChecking=no",
                                  "-o", "UserKnownHostsFile=/dev/null"],
                         command=["echo", "via-proxy"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"via-proxy\n")

    def test_connect_timeout_covers_banner(self):
        import socket
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        try:
            start = time.monotonic()
            ours = subprocess.run([fixture.our_ssh(), "-F", "/dev/null", "-o", "ConnectTimeout=1", "-p", str(port),
                                   "127.0.0.1", "true"], capture_output=True, timeout=20)
            self.assertLess(time.monotonic() - start, 5)
            self.assertEqual(ours.returncode, 255)
            self.assertEqual(ours.stderr.decode(), "Connection timed out during banner exchange\r\n"
                             f"Connection to 127.0.0.1 port {port} timed out\r\n")
        finally:
            silent.close()

    def test_server_alive_detects_dead_link(self):
        proxy = tcp_proxy.TcpProxy(self.sshd.port)
        try:
            args = self.ssh_args(["-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2"],
                                 ["echo ready; sleep 60"])
            args[args.index("-p") + 1] = str(proxy.port)
            with open(self.known_hosts) as f:
                lines = f.read().replace(f"]:{self.sshd.port} ", f"]:{proxy.port} ")
            kh = os.path.join(self.tmp, "known_hosts_proxy")
            with open(kh, "w") as f:
                f.write(lines)
            args = [a.replace(self.known_hosts, kh) for a in args]
            p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(p.stdout.readline(), b"ready\n")
            proxy.blackhole()
            start = time.monotonic()
            _, err = p.communicate(timeout=30)
            self.assertEqual(p.returncode, 255)
            self.assertLess(time.monotonic() - start, 10)
            self.assertIn(b"Timeout, server 127.0.0.1 not responding.\r\n", err)
        finally:
            proxy.stop()

    def test_log_file_and_verbosity(self):
        log = os.path.join(self.tmp, "client.log")
        r = self.run_ssh(options=["-vv", "-E", log], command=["true"])
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stderr, b"")
        with open(log) as f:
            text = f.read()
        self.assertIn("debug1: kex: algorithm: ", text)
        self.assertIn("debug2: KEX algorithms: ", text)
        self.assertNotIn("debug3: ", text)

    def test_quiet_suppresses_warnings(self):
        kh = os.path.join(self.tmp, "kh_quiet")
        r = self.run_ssh(options=["-q", "-o", f"UserKnownHostsFile={kh}", "-o", "StrictHostKeyChecking=no"],
                         command=["true"])
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stderr, b"")

    def test_address_family_and_bind(self):
        r = self.run_ssh(options=["-4", "-b", "127.0.0.1"], command=["echo $SSH_CLIENT"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"127.0.0.1 "), r.stdout)
        ours, stock = self.run_both(options=["-6"], command=["true"])
        self.assertEqual(stock.returncode, 255)
        self.assertEqual(ours.returncode, 255)
        self.assertEqual(ours.stderr, stock.stderr)


if __name__ == "__main__":
    unittest.main()
