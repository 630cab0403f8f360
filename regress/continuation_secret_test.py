"""Secrets stay out of the logs (issue 8 item 8; STYLE.md "Secrets": nothing secret is
ever logged), with every debug line switched on: our ssh with -vvv, our sshd at
LogLevel DEBUG3, a Resume=yes session that is cut and resumed, so the resume secret,
its pre-secret, the exported transport state and the replay buffers are all used.

What is checked, for both logs:
- Known secrets the test chose itself: the login password (through SSH_ASKPASS) and
  keystrokes typed into the session (they sit in the replay buffer). Neither may appear
  as text, hex or base64.
- Secrets the test cannot know (keys, S, the pre-secret): no run of 32 or more hex
  digits (16 bytes) and no base64 run of 32 bytes or more, apart from a short list of
  public values named below. SecretBytes cannot be formatted, so a leak would have to
  go through a hex or base64 encoder; this catches that.
SecretScannerSelfTest shows the scanner flags such lines, so these tests can fail.
"""
import base64
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
sys.path.insert(0, os.path.dirname(__file__))
import fixture  # noqa: E402
from continuation_test import RESUME, Client, ResumeCase  # noqa: E402

HEX_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")
B64_RUN = re.compile(r"[A-Za-z0-9+/]{43,}={0,2}")

# Public values that are long hex or base64 by nature, each with the reason it is public.
ALLOWED = [
    # Key fingerprints (ssh -v "Server host key: ... SHA256:<43 base64>").
    re.compile(r"SHA256:[A-Za-z0-9+/]{43}"),
    # Public key blobs as they stand in known_hosts/authorized_keys lines.
    re.compile(r"(ssh-ed25519|ecdsa-sha2-nistp\d+|ssh-rsa|rsa-sha2-\d+) AAAA[A-Za-z0-9+/]+=*"),
    # Continuation registry socket names: uid.<hash of the public handle>.sock.
    re.compile(r"\d+\.[0-9a-f]{32}\.sock"),
]


def encodings(secret):
    """The forms a secret could take in a log line."""
    raw = secret.encode()
    return {secret, raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode().rstrip("=")}


def suspicious(log):
    """Lines with a long hex or base64 run that is not on the ALLOWED list."""
    found = []
    for line in log.splitlines():
        rest = line
        for pattern in ALLOWED:
            rest = pattern.sub("", rest)
        if HEX_RUN.search(rest) or B64_RUN.search(rest):
            found.append(line)
    return found


class SecretScannerSelfTest(unittest.TestCase):
    """The checks below are only worth something if they can fail."""

    def test_flags_a_logged_secret(self):
        secret = os.urandom(32)
        for line in (f"debug3: resume secret {secret.hex()}",
                     f"debug1: presecret {base64.b64encode(secret).decode()}",
                     f"debug2: key {secret.hex().upper()} in use",
                     f"debug3: half a key {secret[:16].hex()}"):
            self.assertEqual(suspicious(line), [line])

    def test_leaves_public_values_alone(self):
        for line in ("debug1: Server host key: ssh-ed25519 SHA256:" + "A" * 43,
                     "debug1: registry entry /run/sshd-continuations/1000." + "ab" * 16 + ".sock",
                     "debug1: channel 0: new session [client-session] (inactive timeout: 0)"):
            self.assertEqual(suspicious(line), [])

    def test_finds_known_secrets_in_every_form(self):
        for form in encodings("keystrokes-123"):
            self.assertIn(form, f"debug3: got {form}")


class SecretsNotLoggedTest(ResumeCase):
    sshd_extra_config = "LogLevel DEBUG3"

    def assert_clean(self, name, log, known=()):
        self.assertTrue(log.strip(), f"{name} log is empty: the test would prove nothing")
        for secret in known:
            for form in encodings(secret):
                self.assertNotIn(form, log, f"{name} log contains a secret ({secret!r} as {form!r})")
        self.assertEqual(suspicious(log), [], f"{name} log has lines that look like secret bytes")

    def run_resumed_session(self, options=(), env=None):
        """A session that reads two typed lines, one before and one after a cut; returns
        (client stderr, typed lines)."""
        typed = [f"typed-secret-{os.urandom(6).hex()}", f"typed-after-cut-{os.urandom(6).hex()}"]
        c = self.client(RESUME + ["-vvv", *options],
                        ["echo started; read a; echo one ${#a}; read b; echo two ${#b}; exit 5"],
                        timeout=60, stdin=subprocess.PIPE, env=env)
        self.assertEqual(c.readline(), b"started\n", c.stderr()[-2000:])
        c.proc.stdin.write(typed[0].encode() + b"\n")
        c.proc.stdin.flush()
        self.assertEqual(c.readline(), f"one {len(typed[0])}\n".encode(), c.stderr()[-2000:])
        self.assertEqual(self.proxy.reset(), 1)
        c.proc.stdin.write(typed[1].encode() + b"\n")
        c.proc.stdin.close()
        rc, rest = c.finish()
        err = c.stderr()
        self.assertEqual((rc, rest), (5, f"two {len(typed[1])}\n".encode()), err[-3000:])
        self.assert_resumed(err)
        return err, typed

    def server_log(self):
        # The session's own lines (suspend, resume) may trail the client's exit slightly.
        fixture.wait_for(lambda: "resum" in self.sshd.read_log().lower(), 5)
        time.sleep(0.3)
        return self.sshd.read_log()

    def test_publickey_resume_logs_no_secret(self):
        err, typed = self.run_resumed_session()
        # Neither program has debug3 lines on this path yet; debug2 lines show that the
        # most verbose level took effect (the logs are not the default INFO ones).
        self.assertIn("debug2:", err, "ssh -vvv printed no debug2 lines")
        log = self.server_log()
        self.assertIn("debug2:", log, "sshd at DEBUG3 logged no debug2 lines")
        self.assert_clean("ssh -vvv", err, typed)
        self.assert_clean("sshd DEBUG3", log, typed)

    def test_password_resume_logs_no_secret(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for the test user's password")
        env = fixture.askpass_env(self.tmp)
        err, typed = self.run_resumed_session(
            ["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no",
             "-o", "PreferredAuthentications=password"], env=env)
        self.assertIn("Authenticated to", err.replace("\r", ""))
        known = typed + [fixture.TEST_PASSWORD]
        self.assert_clean("ssh -vvv", err, known)
        self.assert_clean("sshd DEBUG3", self.server_log(), known)


if __name__ == "__main__":
    unittest.main(verbosity=2)
