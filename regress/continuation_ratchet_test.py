"""A resumption can be retried after any loss (PROTOCOL.continuation 01, §6.3, §7.4,
§8.3, §8.5): the two-phase ratchet and visible takeovers.

- LostFlightTest:  our ssh through the chaos proxy; on each resumption the proxy drops,
                   in turn, the n-th packet of the server's resume flight and everything
                   behind it (ssh_stream.PacketCutter; packet boundaries are visible with
                   an -etm MAC), then resets the connection. Every time, the next attempt
                   resumes and the echoed stream is intact: each line once, in order.
- RatchetTest:     a raw peer (continuation_peer.py) loses the USERAUTH_SUCCESS, or its
                   confirmation; the session still resumes under the secret it holds,
                   and after a confirmed resumption the older secret is dead.
- TakeoverTest:    a resumption while the old connection is alive: the old connection
                   gets a DISCONNECT naming the new address, the server logs the
                   takeover; two clients resuming at once: exactly one ends up with the
                   session, the other is told cleanly.
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import continuation_security_test as sec  # noqa: E402
import continuation_test as ct  # noqa: E402
import fixture  # noqa: E402
import ssh_stream  # noqa: E402

# EXT_INFO, SERVICE_ACCEPT, USERAUTH_SUCCESS, the acknowledgement, retransmissions, and
# one beyond the flight.
FLIGHT_PACKETS = 6
ETM = ["-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha2-256-etm@openssh.com"]
OPTIONS = ct.RESUME + ct.KEEPALIVE + ETM


class LostFlightTest(ct.ResumeCase):
    def echo(self, c, line):
        c.proc.stdin.write(line + b"\n")
        c.proc.stdin.flush()

    def expect(self, c, line):
        got = c.readline()
        self.assertEqual(got, line + b"\n", c.stderr()[-3000:])

    def test_each_packet_of_the_resume_flight_lost(self):
        c = self.client(OPTIONS + ["-v"], ["cat"], timeout=300, stdin=subprocess.PIPE)
        self.echo(c, b"hello")
        self.expect(c, b"hello")
        for i in range(FLIGHT_PACKETS):
            cutter = ssh_stream.PacketCutter(i, conn_after=self.proxy.newest_connection())
            self.proxy.set_s2c_filter(cutter)
            self.proxy.reset()
            self.echo(c, b"during %d" % i)  # traffic, so that every cut point comes
            self.assertTrue(cutter.cut.wait(30), f"packet {i} never came\n{c.stderr()[-3000:]}")
            self.proxy.set_s2c_filter(None)
            self.proxy.reset()
            self.echo(c, b"after %d" % i)
            self.expect(c, b"during %d" % i)
            self.expect(c, b"after %d" % i)
        c.proc.stdin.close()
        rc, rest = c.finish(60)
        self.assertEqual((rc, rest), (0, b""), c.stderr()[-3000:])
        err = c.stderr()
        self.assertNotIn("refused to resume", err)
        self.assertGreaterEqual(len(ct.RESUMED_RE.findall(err.replace("\r", ""))), FLIGHT_PACKETS, err[-3000:])


class RatchetTest(sec.SecCase):
    def test_lost_success(self):
        v = self.victim()
        self.suspend(v)
        # The server accepts and answers, but the answer never reaches the client: it
        # keeps S, and the server (S' pending) must still take S.
        outcome, t = self.attempt(self.user, v.handle, v.received, lambda h: v.proof(h))
        self.assertEqual(outcome.kind, "success", outcome)
        port = t.local_port
        t.cut()
        self.wait_log(rf"Connection from user {v.user} 127\.0\.0\.1 port {port} lost")
        self.assert_resumes(v)

    def test_lost_confirmation(self):
        v = self.victim()
        old_secret = v.secret
        self.suspend(v)
        outcome, _ = v.resume(confirm=False)
        self.assertEqual(outcome.kind, "success", outcome)
        self.suspend(v)
        self.assert_resumes(v)  # under the S' the server never saw confirmed
        self.suspend(v)
        outcome, t = self.attempt(self.user, v.handle, v.received, lambda h: v.proof(h, secret=old_secret))
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assert_one_failed_line(t.local_port, "wrong proof")
        self.assert_resumes(v)

    def test_bad_confirmation_ends_the_session(self):
        v = self.victim()
        self.suspend(v)
        outcome, t = v.resume(confirm=False)
        self.assertEqual(outcome.kind, "success", outcome)
        t.send_raw(sec.cp.confirm_payload(b"\x00" * 32))
        self.wait_log(r"wrong continuation confirmation")
        self.assert_session_gone(v)
        self.assert_daemon_serves()


class TakeoverTest(sec.SecCase):
    def test_takeover_disconnects_the_old_connection(self):
        v = self.victim()
        old = v.t
        old_port = old.local_port
        # While the old connection is alive (v.resume() would close it itself).
        outcome, t = self.attempt(self.user, v.handle, v.received, lambda h: v.proof(h))
        self.assertEqual(outcome.kind, "success", outcome)
        self.assertTrue(fixture.wait_for(lambda: old.disconnect is not None, 10), "no DISCONNECT on the old one")
        self.assertEqual(old.disconnect, (11, f"session resumed from 127.0.0.1 port {t.local_port}"))
        self.wait_log(rf"Session of user {v.user} resumed from 127\.0\.0\.1 port {t.local_port}; closing the "
                      rf"connection from 127\.0\.0\.1 port {old_port}")
        self.assertTrue(t.active)

    def test_two_clients_resuming_at_once(self):
        v = self.victim()
        self.suspend(v)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(self.attempt, self.user, v.handle, v.received, lambda h: v.proof(h))
                       for _ in range(2)]
            results = [f.result() for f in futures]
        winners = [t for outcome, t in results if outcome.kind == "success"]
        self.assertGreaterEqual(len(winners), 1, results)
        # Served one after the other: a later success takes the session from the
        # earlier one, whose client is told where it went.
        live = [t for t in winners if fixture.wait_for(lambda t=t: t.disconnect is not None, 3) is False]
        self.assertEqual(len(live), 1, [(o, t.disconnect) for o, t in results])
        for outcome, t in results:
            if t is live[0]:
                continue
            if outcome.kind == "success":
                self.assertRegex(t.disconnect[1], rf"^session resumed from 127\.0\.0\.1 port {live[0].local_port}$")
            else:
                self.assertEqual(outcome.kind, "failure", outcome)
        self.assertNotRegex(self.log(), r"(?i)segfault|sanitizer")
        self.assert_daemon_serves()


if __name__ == "__main__":
    unittest.main(verbosity=2)
