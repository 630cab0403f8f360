"""Our ssh running commands on stock OpenSSH sshd (issue: sessions, exit codes)."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import unittest  # noqa: E402


class ExecTest(fixture.SshTestCase):
    def test_stdout_and_stderr_kept_apart(self):
        r = self.run_ssh(command=["echo out; echo err >&2"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"out\n")
        self.assertEqual(r.stderr, b"err\n")

    def test_exit_status_returned_exactly(self):
        for status in (0, 1, 42, 255):
            r = self.run_ssh(command=[f"exit {status}"])
            self.assertEqual(r.returncode, status, r.stderr)

    def test_exit_signal_gives_255(self):
        ours, stock = self.run_both(command=["kill -9 $$"])
        self.assertEqual(stock.returncode, 255)
        self.assertEqual(ours.returncode, 255, ours.stderr)

    def test_stdin_forwarded_with_eof(self):
        data = os.urandom(3 * 1024 * 1024 + 17)
        r = self.run_ssh(command=["sha256sum"], input=data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split()[0].decode(), hashlib.sha256(data).hexdigest())

    def test_large_output(self):
        r = self.run_ssh(command=["head -c 20000000 /dev/zero"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout), 20000000)

    def test_dash_n_reads_no_stdin(self):
        r = self.run_ssh(options=["-n"], command=["cat; echo done"], input=b"should not arrive")
        self.assertEqual(r.stdout, b"done\n")

    def test_command_words_joined_like_openssh(self):
        ours, stock = self.run_both(command=["echo", "a  b", "c"])
        self.assertEqual(ours.stdout, stock.stdout)

    def test_no_tty_without_t(self):
        r = self.run_ssh(command=["tty"])
        self.assertEqual(r.stdout, b"not a tty\n")

    def test_forced_tty(self):
        r = self.run_ssh(options=["-tt"], command=["tty"])
        self.assertTrue(r.stdout.startswith(b"/dev/pts/"), r.stdout)

    def test_version_flag(self):
        r = self.run_ssh(options=["-V"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"OpenSSL", r.stderr)


class ConnectErrorTest(fixture.SshTestCase):
    def test_connection_refused_message(self):
        port = fixture.free_port()
        r = fixture.subprocess.run([fixture.our_ssh(), "-F", "/dev/null", "-p", str(port), "127.0.0.1", "true"],
                                   capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 255)
        self.assertEqual(r.stderr.decode(), f"ssh: connect to host 127.0.0.1 port {port}: Connection refused\r\n")


if __name__ == "__main__":
    unittest.main()
