"""A resumption obeys the policy a fresh login from the NEW address must pass (issue 8
item 4): our sshd, a raw continuation peer (continuation_peer.py) that logs in from
127.0.0.1 and resumes from 127.0.0.2.

- Match Address 127.0.0.2 with DenyUsers (the user is invalid from there, as for a
  fresh login) or with Resume no: refused from .2.
- from="127.0.0.1" on the login key: refused from .2; expiry-time= passed since the
  login: refused.
- Match Address 127.0.0.2 with PermitRootLogin no: a root session is refused from .2.
- RevokedKeys: a key revoked after login cannot resume; the suspended session ends and
  that is logged; a fresh login with the revoked key is refused too.
Each refusal: one "Failed continuation@sshc.dev ... refused by policy: REASON" line; the
client hears the definitive refusal (message 60, PROTOCOL.continuation §7.3).
"""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import continuation_security_test as sec  # noqa: E402
import fixture  # noqa: E402

cp = sec.cp
NEW = "127.0.0.2"
METHOD = re.escape("continuation@sshc.dev")


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


class PolicyCase(sec.SecCase):
    def resume_from(self, v, source=NEW):
        outcome, t = cp.attempt_resume(self.sshd.port, v.user, v.handle, v.received, lambda h: v.proof(h),
                                       source=source)
        self.addCleanup(t.close)
        return outcome, t

    def assert_refused(self, v, reason, ended=True, serves=True):
        self.suspend(v)
        outcome, t = self.resume_from(v)
        self.assertEqual(outcome.kind, "failure", outcome)
        refusal = [m for m in t.received_log if m[0] == 60]
        self.assertEqual(len(refusal), 1, "no definitive refusal (message 60)")
        line = self.wait_log(rf"Failed {METHOD} for {v.user} from {re.escape(NEW)} port {t.local_port} ssh2: "
                             rf"refused by policy: [^\n]*")
        self.assertIn(reason, line.group(0))
        time.sleep(0.2)
        self.assertEqual(len(re.findall(rf"Failed {METHOD} .* port {t.local_port} ssh2", self.log())), 1)
        if ended:
            self.wait_log(rf"Suspended session of user {v.user} [^\n]* ended: resumption refused by policy")
            self.assertTrue(fixture.wait_for(lambda: not os.path.exists(sec.registry_entry(v.user, v.handle)), 10))
        if serves:
            self.assert_daemon_serves()


class DenyFromNewAddressTest(PolicyCase):
    sshd_match_config = f"Match Address {NEW}\n  DenyUsers sshctest"

    def test_refused_from_the_denied_address(self):
        # As for a fresh login, the user is invalid from there: the new connection's own
        # checks refuse it before any session is named ("no such session", like any
        # unknown handle, so that accounts stay hidden); the session stays suspended.
        v = self.victim()
        self.suspend(v)
        outcome, t = self.resume_from(v)
        self.assertEqual(outcome.kind, "failure", outcome)
        self.assertEqual(len([m for m in t.received_log if m[0] == 60]), 1, "no definitive refusal")
        self.wait_log(rf"Failed {METHOD} for invalid user {v.user} from {re.escape(NEW)} port {t.local_port} ssh2: "
                      rf"no such session")
        outcome, _ = self.resume_from(v, source="127.0.0.1")
        self.assertEqual(outcome.kind, "success", outcome)

    def test_allowed_address_still_resumes(self):
        v = self.victim()
        self.suspend(v)
        outcome, _ = self.resume_from(v, source="127.0.0.1")
        self.assertEqual(outcome.kind, "success", outcome)


class ResumeNoFromNewAddressTest(PolicyCase):
    sshd_match_config = f"Match Address {NEW}\n  Resume no"

    def test_refused(self):
        self.assert_refused(self.victim(), "Resume no for this user and address")


class RootFromNewAddressTest(PolicyCase):
    sshd_extra_config = "PermitRootLogin prohibit-password"
    sshd_match_config = f"Match Address {NEW}\n  PermitRootLogin no"

    def test_root_session_refused_where_root_may_not_log_in(self):
        v = cp.Victim(self.sshd.port, "root", self.client_key)
        self.addCleanup(v.close)
        self.assert_refused(v, "root")


class KeyFromOptionTest(PolicyCase):
    def setUp(self):
        super().setUp()
        with open(self.client_key + ".pub") as f:
            line = f.read().strip()
        with open(self.sshd.authorized_keys) as f:
            self.saved = f.read()
        with open(self.sshd.authorized_keys, "w") as f:
            f.write(f'from="127.0.0.1" {line}\n')
        self.addCleanup(write_file, self.sshd.authorized_keys, self.saved)

    def test_login_key_not_allowed_from_the_new_address(self):
        self.assert_refused(self.victim(), "the login key is not allowed from 127.0.0.2")


class KeyExpiryTest(PolicyCase):
    def test_login_key_expired_while_suspended(self):
        with open(self.client_key + ".pub") as f:
            line = f.read().strip()
        with open(self.sshd.authorized_keys) as f:
            saved = f.read()
        self.addCleanup(write_file, self.sshd.authorized_keys, saved)
        expiry = time.strftime("%Y%m%d%H%M%SZ", time.gmtime(time.time() + 3))
        with open(self.sshd.authorized_keys, "w") as f:
            f.write(f'expiry-time="{expiry}" {line}\n')
        v = self.victim()
        time.sleep(4.5)  # the key expires while the session lives
        self.assert_refused(v, "the login key has expired", serves=False)


class RevokedKeyTest(PolicyCase):
    @classmethod
    def setUpClass(cls):
        cls.revoked = os.path.join(fixture.tempfile.gettempdir(), f"sshc-revoked-{os.getpid()}")
        open(cls.revoked, "w").close()
        os.chmod(cls.revoked, 0o644)
        cls.sshd_extra_config = f"RevokedKeys {cls.revoked}"
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        os.unlink(cls.revoked)

    def test_key_revoked_after_login(self):
        v = self.victim()
        with open(self.client_key + ".pub") as src, open(self.revoked, "w") as dst:
            dst.write(src.read())
        self.addCleanup(write_file, self.revoked, "")
        self.assert_refused(v, "the login key is revoked", serves=False)
        r = self.run_ssh(command=["echo", "in"], timeout=30)
        self.assertEqual(r.returncode, 255, "a revoked key logged in")
        self.assertRegex(self.log(), r"Authentication key ssh-ed25519 revoked by file")

    def test_unreadable_file_refuses_every_key(self):
        os.chmod(self.revoked, 0o000)
        self.addCleanup(os.chmod, self.revoked, 0o644)
        os.rename(self.revoked, self.revoked + ".gone")
        self.addCleanup(os.rename, self.revoked + ".gone", self.revoked)
        r = self.run_ssh(command=["echo", "in"], timeout=30)
        self.assertEqual(r.returncode, 255, "logged in although RevokedKeys cannot be read")
        self.assertIn("cannot read it; refusing every key", self.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
