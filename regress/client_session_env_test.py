"""SendEnv / SetEnv against stock OpenSSH sshd, which accepts only LANG LC_* TESTENV_*
(fixture's AcceptEnv) and silently drops every other name."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import unittest  # noqa: E402

SHOW = ["printf '%s|' \"A=${TESTENV_A-unset}\" \"B=${TESTENV_B-unset}\" \"C=${TESTENV_C-unset}\" "
        "\"O=${OTHERENV_X-unset}\" \"L=${LC_SSHCTEST-unset}\""]


class SessionEnvTest(fixture.SshTestCase):
    def run_env(self, options, env_extra, binary=None):
        env = dict(os.environ)
        env.update(env_extra)
        r = self.run_ssh(options=options, command=SHOW, env=env, binary=binary)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def test_nothing_sent_by_default(self):
        out = self.run_env([], {"TESTENV_A": "a", "LC_SSHCTEST": "l"})
        self.assertEqual(out, "A=unset|B=unset|C=unset|O=unset|L=unset|")

    def test_send_env_pattern(self):
        out = self.run_env(["-o", "SendEnv=TESTENV_*"], {"TESTENV_A": "a b", "TESTENV_C": "c", "LC_SSHCTEST": "l"})
        self.assertEqual(out, "A=a b|B=unset|C=c|O=unset|L=unset|")

    def test_send_env_several_patterns(self):
        out = self.run_env(["-o", "SendEnv=TESTENV_A LC_*"], {"TESTENV_A": "a", "TESTENV_C": "c", "LC_SSHCTEST": "l"})
        self.assertEqual(out, "A=a|B=unset|C=unset|O=unset|L=l|")

    def test_set_env(self):
        out = self.run_env(["-o", "SetEnv=TESTENV_B=x"], {})
        self.assertEqual(out, "A=unset|B=x|C=unset|O=unset|L=unset|")

    def test_set_env_several_and_quoted(self):
        out = self.run_env(["-o", 'SetEnv=TESTENV_B="x y" TESTENV_C=z'], {})
        self.assertEqual(out, "A=unset|B=x y|C=z|O=unset|L=unset|")

    def test_not_accepted_names_ignored(self):
        out = self.run_env(["-o", "SendEnv=OTHERENV_*", "-o", "SetEnv=OTHERENV_Y=1"], {"OTHERENV_X": "o"})
        self.assertEqual(out, "A=unset|B=unset|C=unset|O=unset|L=unset|")

    def test_same_as_stock(self):
        options = ["-o", "SendEnv=TESTENV_* OTHERENV_X", "-o", "SetEnv=TESTENV_B=x"]
        extra = {"TESTENV_A": "a", "TESTENV_C": "", "OTHERENV_X": "o"}
        self.assertEqual(self.run_env(options, extra), self.run_env(options, extra, binary=fixture.STOCK_SSH))

    def test_sent_with_pty_too(self):
        env = dict(os.environ, TESTENV_A="tty")
        r = self.run_ssh(options=["-tt", "-o", "SendEnv=TESTENV_A"], command=["echo A=$TESTENV_A"], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"A=tty", r.stdout)


if __name__ == "__main__":
    unittest.main()
