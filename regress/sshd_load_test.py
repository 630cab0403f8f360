"""Our sshd under load: 200 concurrent logins complete, and MaxStartups refuses what is
beyond its limit without touching sessions that are already established."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import unittest  # noqa: E402

CONCURRENT = 200


class ConcurrentLoginsTest(fixture.SshTestCase):
    sshd_class = fixture.OurSshd
    sshd_extra_config = "MaxStartups 400\nLogLevel INFO"

    def test_200_concurrent_connections_complete(self):
        procs = [subprocess.Popen(self.ssh_args(command=[f"echo {i}"], binary=fixture.STOCK_SSH),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(CONCURRENT)]
        failures = []
        for i, p in enumerate(procs):
            out, err = p.communicate(timeout=300)
            if p.returncode != 0 or out != f"{i}\n".encode():
                failures.append((i, p.returncode, err[-200:]))
        self.assertEqual(failures, [])
        self.assertEqual(self.sshd.read_log().count("Accepted publickey"), CONCURRENT)


class MaxStartupsTest(fixture.SshTestCase):
    sshd_class = fixture.OurSshd
    # Beyond 3 unauthenticated connections everything is refused.
    sshd_extra_config = "MaxStartups 3:100:3\nLoginGraceTime 30"

    def test_drops_beyond_limit_and_keeps_established_session(self):
        established = subprocess.Popen(self.ssh_args(command=["echo up; read line; echo got $line"]),
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(established.stdout.readline(), b"up\n")
        # Three connections that never authenticate fill the startups.
        import socket
        idle = [socket.create_connection(("127.0.0.1", self.sshd.port)) for _ in range(3)]
        try:
            for s in idle:
                self.assertTrue(s.recv(64).startswith(b"SSH-2.0-"))
            r = subprocess.run(self.ssh_args(command=["true"], binary=fixture.STOCK_SSH), capture_output=True,
                               timeout=60)
            self.assertEqual(r.returncode, 255)
            deadline = time.monotonic() + 10
            while "past MaxStartups" not in self.sshd.read_log() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIn("past MaxStartups", self.sshd.read_log())
        finally:
            for s in idle:
                s.close()
        out, _ = established.communicate(b"still-here\n", timeout=30)
        self.assertEqual(established.returncode, 0)
        self.assertEqual(out, b"got still-here\n")


if __name__ == "__main__":
    unittest.main()
