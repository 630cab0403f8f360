"""The registry of suspended sessions belongs to its daemon (issue 8 item 6,
PROTOCOL.continuation §12.6): two of our sshds, as root, with the same host keys but
their own configs and ports.

- OwnershipTest:  a continuation made on one sshd cannot be resumed through the other
                  ("no such session"), and still resumes on its own.
- RestartTest:    stopping one sshd's listener (SIGTERM leaves sessions alone) and starting
                  it again with the same config: the other's sessions are not touched (no
                  connection, no log line there), its own suspended session still resumes,
                  and the registry directory is the same.
- PruneTest:      at start an sshd removes a dead entry (a bound socket file nobody listens
                  on) from its own directory, and neither connects to a live one nor
                  touches another instance's directory.
- Cap*Test:       MaxSuspendedSessions (per user, in Match too) and MaxSuspendedSessionsTotal
                  (PROTOCOL.continuation §9): a suspension beyond a cap ends the user's
                  oldest suspended session, logged by the monitor and by the session;
                  the others still resume. `sshd -T` shows both keywords.
- Fail2banTest:   failed resumptions (wrong proof, no such session) are logged so that
                  fail2ban's stock sshd filter counts them against the source address,
                  exactly as it counts failed logins (fail2ban-regex; skipped without it).

Root only, like continuation_security_test.py, whose helpers this uses.
"""
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import continuation_security_test as sec  # noqa: E402
import fixture  # noqa: E402

cp = sec.cp
METHOD = re.escape("continuation@sshc.dev")


def registry_dir_of(log):
    """The instance directory the sshd announced at start (sshd/main.cpp, DEBUG1)."""
    m = re.search(r"continuation registry (/\S+)", log)
    return m.group(1) if m else None


def bound_socket(path, listening):
    """A SOCK_SEQPACKET socket bound to path, listening if asked; its file is made an
    hour old so that only liveness decides whether it may be pruned."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(path)
    if listening:
        s.listen(1)
    old = time.time() - 3600
    os.utime(path, (old, old))
    return s


class RegistryCase(sec.SecCase):
    """The class's sshd, and another of our sshds with the same host keys."""

    sshd_extra_config = "ResumeTimeout 120"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_dir = tempfile.mkdtemp(prefix="sshc-registry-other-")
        os.chmod(cls.other_dir, 0o755)
        for name in os.listdir(cls.tmp):
            if name.startswith("ssh_host_"):
                shutil.copy2(os.path.join(cls.tmp, name), cls.other_dir)
        cls.other = fixture.OurSshd(cls.other_dir, "ResumeTimeout 120").start()
        cls.other.authorize(cls.client_key + ".pub")

    @classmethod
    def tearDownClass(cls):
        cls.other.stop()
        shutil.rmtree(cls.other_dir, ignore_errors=True)
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.other_mark = len(self.other.read_log())

    def other_log(self):
        return self.other.read_log()[self.other_mark:]

    def other_victim(self):
        v = cp.Victim(self.other.port, self.user, self.client_key)
        self.addCleanup(v.close)
        return v

    def restart(self):
        """Stops the class's sshd listener with SIGTERM (its sessions stay) and starts it
        again with the same config. The old sessions are the test's to end."""
        leftovers = fixture.descendants(self.sshd.proc.pid)
        self.addCleanup(lambda: fixture.kill_all(reversed(leftovers)))
        self.sshd.proc.terminate()
        self.sshd.proc.wait(timeout=10)
        self.sshd.start()  # a fresh log file
        self.log_mark = 0


class OwnershipTest(RegistryCase):
    def test_same_host_key_other_instance_cannot_resume(self):
        self.assertEqual(self.sshd.host_pubkey_line(), self.other.host_pubkey_line())
        v = self.victim()
        self.suspend(v)
        outcome, t = cp.attempt_resume(self.other.port, v.user, v.handle, v.received, lambda h: v.proof(h))
        self.addCleanup(t.close)
        self.assertEqual(outcome.kind, "failure", outcome)
        line = f"Failed {METHOD} for {self.user} from 127\\.0\\.0\\.1 port {t.local_port} ssh2: no such session"
        self.assertTrue(fixture.wait_for(lambda: re.search(line, self.other_log()), 10), self.other_log()[-3000:])
        self.assertNotIn("Accepted continuation@sshc.dev", self.other_log())
        self.assertNotRegex(self.log(), rf"Accepted {METHOD}|continuation registry:")
        self.assert_resumes(v)

    def test_the_instances_have_their_own_directories(self):
        mine, theirs = registry_dir_of(self.sshd.read_log()), registry_dir_of(self.other.read_log())
        self.assertTrue(mine and theirs, "no 'continuation registry' line at start")
        self.assertNotEqual(mine, theirs)
        self.assertEqual(os.path.dirname(mine), sec.REGISTRY_DIR)
        v, w = self.victim(), self.other_victim()
        self.assertEqual(os.path.dirname(sec.registry_entry(v.user, v.handle)), mine)
        self.assertEqual(os.path.dirname(sec.registry_entry(w.user, w.handle)), theirs)


class RestartTest(RegistryCase):
    def test_restart_touches_only_its_own_sessions_and_keeps_them(self):
        mine = registry_dir_of(self.sshd.read_log())
        own = self.victim()
        self.suspend(own)
        live, suspended = self.other_victim(), self.other_victim()
        suspended.cut()
        self.assertTrue(fixture.wait_for(lambda: "session suspended" in self.other_log(), 10), self.other_log())
        time.sleep(0.5)
        mark = len(self.other.read_log())
        self.restart()
        self.assertEqual(registry_dir_of(self.sshd.read_log()), mine, "the instance directory moved")
        time.sleep(1)
        # Nothing reached the other instance's sessions: not one log line there.
        self.assertEqual(self.other.read_log()[mark:], "")
        live.provoke(1)
        self.assertNotIn("continuation registry:", self.log())
        self.assert_resumes(own)  # through the restarted listener
        outcome, _ = suspended.resume()
        self.assertEqual(outcome.kind, "success", f"{outcome}\n{self.other_log()[-3000:]}")


class PruneTest(RegistryCase):
    def test_dead_entry_pruned_at_start_live_ones_untouched(self):
        mine = registry_dir_of(self.sshd.read_log())
        theirs = registry_dir_of(self.other.read_log())
        for d in (mine, theirs):
            os.makedirs(d, mode=0o700, exist_ok=True)
        dead = os.path.join(mine, "0." + "de" * 16 + ".sock")
        bound_socket(dead, listening=True).close()  # its monitor was killed
        live = bound_socket(os.path.join(mine, "0." + "11" * 16 + ".sock"), listening=True)
        self.addCleanup(live.close)
        foreign = os.path.join(theirs, "0." + "fe" * 16 + ".sock")
        bound_socket(foreign, listening=False).close()
        self.addCleanup(lambda: os.path.exists(foreign) and os.unlink(foreign))
        self.addCleanup(lambda: os.path.exists(live.getsockname()) and os.unlink(live.getsockname()))
        self.restart()
        self.assertTrue(fixture.wait_for(lambda: not os.path.exists(dead), 5), "dead entry not pruned")
        self.assertIn(f"removed dead entry {dead}", self.sshd.read_log())
        self.assertTrue(os.path.exists(live.getsockname()))
        self.assertEqual(select.select([live], [], [], 0.5)[0], [], "the sshd connected to a live entry")
        self.assertTrue(os.path.exists(foreign), "another instance's entry was pruned")
        self.assert_daemon_serves()


class CapCase(sec.SecCase):
    def suspend_all(self, n):
        vs = []
        for _ in range(n):
            v = self.victim()
            self.suspend(v)
            time.sleep(0.05)  # distinct suspension times
            vs.append(v)
        return vs

    def assert_ended_by_cap(self, v, reason):
        port = v.t.local_port
        self.wait_log(rf"Ending suspended session \S+ of user {self.user}: {reason}")
        self.wait_log(rf"Suspended session of user {self.user} 127\.0\.0\.1 port {port} ended: {reason}")
        self.assert_session_gone(v)

    def dump(self, spec):
        r = subprocess.run([fixture.our_sshd(), "-T", "-f", self.sshd.config, "-C", spec],
                                   capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout


class CapPerUserTest(CapCase):
    sshd_extra_config = "MaxSuspendedSessions 2"

    def test_third_suspension_ends_the_oldest(self):
        first, second, third = self.suspend_all(3)
        self.assert_ended_by_cap(first, "MaxSuspendedSessions 2 reached")
        self.assert_resumes(second)
        self.assert_resumes(third)
        self.assertEqual(len(re.findall("Ending suspended session", self.log())), 1, self.log()[-3000:])

    def test_resumed_sessions_do_not_count(self):
        first, second = self.suspend_all(2)
        self.assert_resumes(first)
        (third,) = self.suspend_all(1)
        time.sleep(0.5)
        self.assertNotIn("Ending suspended session", self.log())
        self.assert_resumes(second)
        self.assert_resumes(third)


class CapMatchTest(CapCase):
    sshd_extra_config = "MaxSuspendedSessions 5"
    sshd_match_config = "Match Address 127.0.0.1\n MaxSuspendedSessions 1"

    def test_match_applies(self):
        self.assertIn("\nmaxsuspendedsessions 1\n", self.dump(f"user={self.user},host=h,addr=127.0.0.1"))
        self.assertIn("\nmaxsuspendedsessions 5\n", self.dump(f"user={self.user},host=h,addr=127.0.0.2"))
        first, second = self.suspend_all(2)
        self.assert_ended_by_cap(first, "MaxSuspendedSessions 1 reached")
        self.assert_resumes(second)


class CapTotalTest(CapCase):
    sshd_extra_config = "MaxSuspendedSessionsTotal 2"

    def test_total_cap_ends_the_users_oldest(self):
        out = self.dump(f"user={self.user},host=h,addr=127.0.0.1")
        self.assertIn("\nmaxsuspendedsessions 10\nmaxsuspendedsessionstotal 2\n", out)
        first, second, third = self.suspend_all(3)
        self.assert_ended_by_cap(first, "MaxSuspendedSessionsTotal 2 reached")
        self.assert_resumes(second)
        self.assert_resumes(third)


class Fail2banTest(sec.SecCase):
    FILTER = "/etc/fail2ban/filter.d/sshd.conf"

    def test_failed_resumptions_are_counted_per_address(self):
        if not shutil.which("fail2ban-regex") or not os.path.exists(self.FILTER):
            self.skipTest("fail2ban not installed (apt-get install fail2ban)")
        v = self.victim()
        self.suspend(v)
        _, wrong = self.attempt(self.user, v.handle, v.received, lambda h: bytes(32))
        self.assert_one_failed_line(wrong.local_port, "wrong proof")
        _, missing = self.attempt(self.user, bytes(32), 0, lambda h: bytes(32))
        self.assert_one_failed_line(missing.local_port, "no such session")
        lines = [l for l in self.log().splitlines() if l.startswith("Failed continuation@sshc.dev")]
        self.assertEqual(len(lines), 2, self.log()[-3000:])
        syslog = os.path.join(self.tmp, "resume-failures.log")
        with open(syslog, "w") as f:
            for i, line in enumerate(lines):
                f.write(f"Dec  8 00:00:0{i} host sshd[{100 + i}]: {line}\n")
        r = subprocess.run(["fail2ban-regex", "-o", "<ip> <F-USER>", syslog, self.FILTER],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.stdout.split("\n")[:2], [f"127.0.0.1 {self.user}"] * 2, r.stdout + r.stderr)
        self.assert_resumes(v)


if __name__ == "__main__":
    unittest.main()
