"""sshd_config Match blocks govern authentication and continuations, and sshd refuses to
run with a security keyword it does not enforce yet (issue 8, items 4 and 10).

Each class starts our sshd with Match blocks appended to the fixture's config (so they
follow its global lines). Connections come from 127.0.0.1 or, with `ssh -b`, from other
loopback addresses, so that "Match Address" tells them apart while the user is the same.

- MatchPasswordTest, MatchUserPasswordTest, MatchPubkeyTest, MatchKbdintTest,
  MatchRootTest, MatchAuthMethodsTest, MatchDenyUsersTest: the keyword
  refuses (or demands) a method from the matching address or for the matching user, and
  the same user from elsewhere logs in as before; `sshd -T -C` agrees.
- MatchResumeTest: `Resume no` / `ResumeTimeout` in Match is what the client gets.
- MatchResumeOnNewConnectionTest: a resumption arriving where Match says `Resume no`
  is refused.
- UnenforcedKeywordTest: ChrootDirectory, AuthorizedKeysCommand, TrustedUserCAKeys,
  HostCertificate, PermitUserEnvironment make `sshd -t`, `sshd -T` and startup fail
  with "<file> line <n>: ..." and exit status 255, globally and inside Match.
- KeyEnvironmentTest: an authorized_keys environment= option is ignored (as OpenSSH
  does with PermitUserEnvironment no).
"""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import chaos_proxy  # noqa: E402
import continuation_test  # noqa: E402
import fixture  # noqa: E402

OTHER = "127.0.0.2"  # a source address the Match blocks below single out
THIRD = "127.0.0.3"
SECOND_PORT = fixture.free_port()  # a second Port of the sshd in MatchResumeOnNewConnectionTest


def needs_root():
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root: test accounts with passwords, root logins")


class MatchCase(fixture.SshTestCase):
    """Our sshd with `match_config` (str.format'ed with user=) after the global lines."""

    match_config = ""

    @classmethod
    def setUpClass(cls):
        needs_root()
        cls.sshd_match_config = cls.match_config.format(user=fixture.ensure_test_user())
        cls.sshd_class = fixture.OurSshd
        super().setUpClass()
        cls.askpass = os.path.join(cls.tmp, "askpass")
        with open(cls.askpass, "w") as f:
            f.write(f"#!/bin/sh\necho '{fixture.TEST_PASSWORD}'\n")
        os.chmod(cls.askpass, 0o755)

    def login(self, source="127.0.0.1", method="publickey", user=None, extra=()):
        """Stock ssh from `source` with one method (password answered by SSH_ASKPASS)."""
        opts = ["-b", source, "-o", f"PreferredAuthentications={method}", *extra]
        if "password" in method or "keyboard-interactive" in method:
            opts += ["-o", "BatchMode=no", "-o", "NumberOfPasswordPrompts=1"]
        args = self.ssh_args(opts, ["echo", "in-ok"], fixture.STOCK_SSH)
        if user:
            args[args.index("-l") + 1] = user
        env = dict(os.environ, SSH_ASKPASS=self.askpass, SSH_ASKPASS_REQUIRE="force")
        return subprocess.run(args, capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=60)

    def assert_in(self, r):
        self.assertEqual((r.returncode, r.stdout), (0, b"in-ok\n"), r.stderr[-1500:])

    def assert_refused(self, r):
        self.assertEqual(r.returncode, 255, r.stderr[-1500:])
        self.assertIn(b"Permission denied", r.stderr)
        self.assertNotIn(b"in-ok", r.stdout)

    def dump(self, spec):
        r = subprocess.run([fixture.our_sshd(), "-T", "-f", self.sshd.config, "-C", spec],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.splitlines()

    def spec(self, addr, user=None):
        return f"user={user or self.user},addr={addr},host={addr},laddr=127.0.0.1,lport={self.sshd.port}"


class MatchPasswordTest(MatchCase):
    match_config = f"Match Address {OTHER}\n  PasswordAuthentication no\n"

    def test_password_refused_from_matching_address_only(self):
        self.assert_in(self.login(method="password"))
        r = self.login(OTHER, method="password")
        self.assert_refused(r)
        self.assertIn(b"Permission denied (publickey).", r.stderr)  # not offered either
        self.assert_in(self.login(OTHER, method="publickey"))

    def test_dump_agrees(self):
        self.assertIn("passwordauthentication no", self.dump(self.spec(OTHER)))
        self.assertIn("passwordauthentication yes", self.dump(self.spec("127.0.0.1")))


class MatchUserPasswordTest(MatchCase):
    """Match User, with a second account that the block does not name."""

    match_config = "Match User {user}\n  PasswordAuthentication no\n"

    def test_password_refused_for_matching_user_only(self):
        other = fixture.ensure_account("sshctest2")
        self.assert_refused(self.login(method="password"))
        self.assert_in(self.login(method="password", user=other))


class MatchPubkeyTest(MatchCase):
    match_config = "Match User {user} Address " + OTHER + "\n  PubkeyAuthentication no\n"

    def test_pubkey_refused_from_matching_address_only(self):
        self.assert_in(self.login())
        self.assert_refused(self.login(OTHER))
        self.assert_in(self.login(OTHER, method="password"))
        self.assertIn("pubkeyauthentication no", self.dump(self.spec(OTHER)))


class MatchKbdintTest(MatchCase):
    """Keyboard-interactive (PAM, its only device here), turned off from one address
    through the ChallengeResponseAuthentication alias."""

    sshd_extra_config = "UsePAM yes\nKbdInteractiveAuthentication yes"
    match_config = f"Match Address {OTHER}\n  ChallengeResponseAuthentication no\n"

    def test_kbdint_refused_from_matching_address_only(self):
        self.assert_in(self.login(method="keyboard-interactive"))
        self.assert_refused(self.login(OTHER, method="keyboard-interactive"))
        self.assertIn("kbdinteractiveauthentication no", self.dump(self.spec(OTHER)))


class MatchDenyUsersTest(MatchCase):
    """The account checks follow Match too (OpenSSH applies Match before allowed_user)."""

    match_config = f"Match Address {OTHER}\n  DenyUsers {{user}}\n"

    def test_deny_users_from_matching_address_only(self):
        self.assert_in(self.login())
        self.assert_refused(self.login(OTHER))
        self.assertIn(f"User {self.user} from {OTHER} not allowed because listed in DenyUsers",
                      self.sshd.read_log())


class MatchRootTest(MatchCase):
    """Root logs in by publickey (the fixture's AuthorizedKeysFile is one file for every
    user; the global PermitRootLogin is yes)."""

    match_config = (f"Match Address {OTHER}\n  PermitRootLogin no\n"
                    f"Match Address {THIRD}\n  PermitRootLogin forced-commands-only\n")

    def test_permit_root_login_in_match(self):
        self.assert_in(self.login(user="root"))
        self.assert_refused(self.login(OTHER, user="root"))
        # forced-commands-only: the key has no command= option.
        self.assert_refused(self.login(THIRD, user="root"))
        self.assert_in(self.login(OTHER))  # other users are not affected
        self.assertIn("permitrootlogin no", self.dump(self.spec(OTHER, "root")))


class MatchAuthMethodsTest(MatchCase):
    match_config = f"Match Address {OTHER}\n  AuthenticationMethods publickey,password\n"

    def test_two_methods_required_from_matching_address(self):
        self.assert_in(self.login())
        self.assert_refused(self.login(OTHER))  # publickey alone is only partial
        self.assert_in(self.login(OTHER, method="publickey,password"))
        self.assertIn(f"Partial publickey for {self.user} from {OTHER}", self.sshd.read_log())
        self.assertIn("authenticationmethods publickey,password", self.dump(self.spec(OTHER)))


class MatchResumeTest(MatchCase):
    match_config = (f"Match User {{user}} Address {OTHER}\n  Resume no\n"
                    f"Match User {{user}} Address {THIRD}\n  ResumeTimeout 77\n")

    def resume_v(self, source):
        r = self.run_ssh(options=["-b", source, "-o", "Resume=yes", "-v"], command=["echo", "in-ok"])
        self.assertEqual((r.returncode, r.stdout), (0, b"in-ok\n"), r.stderr[-1500:])
        return r.stderr.decode(errors="replace")

    def test_resume_no_in_match(self):
        self.assertIn("Session resumption enabled", self.resume_v("127.0.0.1"))
        err = self.resume_v(OTHER)
        self.assertIn("Session resumption unavailable: the server refused it", err)
        self.assertNotIn("Session resumption enabled", err)
        self.assertIn("resume no", self.dump(self.spec(OTHER)))
        self.assertIn("resume yes", self.dump(self.spec("127.0.0.1")))

    def test_resume_timeout_in_match(self):
        self.assertIn("the server keeps the session 77 s", self.resume_v(THIRD))
        self.assertIn("the server keeps the session 43200 s", self.resume_v("127.0.0.1"))
        self.assertIn("resumetimeout 77", self.dump(self.spec(THIRD)))


class MatchResumeOnNewConnectionTest(MatchCase):
    """The session starts on the first Port; its resumption comes in on the second,
    where a Match block says Resume no (Match LocalPort: the proxy connects from
    127.0.0.1 both times)."""

    match_config = f"Port {SECOND_PORT}\nMatch LocalPort {SECOND_PORT}\n  Resume no\n"

    def test_resumption_refused_where_match_says_resume_no(self):
        proxy = chaos_proxy.ChaosProxy(self.sshd.port)
        self.addCleanup(proxy.stop)
        known_hosts = os.path.join(self.tmp, f"known_hosts_{proxy.port}")
        with open(known_hosts, "w") as f:
            f.write(f"[127.0.0.1]:{proxy.port} {self.sshd.host_pubkey_line()}\n")
        args = self.ssh_args(["-o", "Resume=yes", "-v", "-o", f"UserKnownHostsFile={known_hosts}"],
                             ["echo started; sleep 4; echo done"])
        args[args.index("-p") + 1] = str(proxy.port)
        c = continuation_test.Client(args, self.tmp, 60)
        self.addCleanup(c.close)
        self.assertEqual(c.readline(), b"started\n")
        proxy.target = ("127.0.0.1", SECOND_PORT)  # read by the proxy at its next accept
        proxy.reset()
        rc, rest = c.finish(timeout=40)
        with open(c.err.name, errors="replace") as f:
            err = f.read()
        self.assertIn("Session resumption enabled", err)
        self.assertNotIn(b"done", rest, err[-2000:])
        self.assertNotEqual(rc, 0, err[-2000:])
        refused = "Resume no for this user and address"
        self.assertTrue(fixture.wait_for(lambda: refused in self.sshd.read_log(), 10), self.sshd.read_log()[-2000:])
        self.assertIn(f"Failed continuation@sshc.dev for {self.user} from 127.0.0.1 port ", self.sshd.read_log())


class UnenforcedKeywordTest(unittest.TestCase):
    """Each keyword, globally and in a Match block: sshd -t, -T and startup refuse."""

    CASES = [
        ("ChrootDirectory /srv/%u", 'ChrootDirectory is not supported by this sshd yet (only "none" is)'),
        ("AuthorizedKeysCommand /bin/true %u", "AuthorizedKeysCommand is not supported by this sshd yet"),
        ("TrustedUserCAKeys /etc/ssh/ca.pub", "TrustedUserCAKeys is not supported by this sshd yet"),
        ("PermitUserEnvironment yes", "PermitUserEnvironment is not supported by this sshd yet"),
    ]

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sshc-unenforced-")
        cls.host_key = fixture.keygen(os.path.join(cls.tmp, "host_key"))

    def write_config(self, name, lines):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("\n".join([f"HostKey {self.host_key}", f"Port {fixture.free_port()}",
                               "ListenAddress 127.0.0.1", f"PidFile {self.tmp}/{name}.pid",
                               "AuthorizedKeysCommandUser nobody", *lines]) + "\n")
        return path

    def assert_refused(self, path, line_no, message):
        expected = f"{path} line {line_no}: {message}"
        for mode in (["-t"], ["-T"], ["-D", "-e"]):
            with self.subTest(mode=mode):
                r = subprocess.run([fixture.our_sshd(), *mode, "-f", path], capture_output=True, text=True,
                                   timeout=20, stdin=subprocess.DEVNULL)
                self.assertEqual(r.returncode, 255, r.stderr)
                self.assertIn(expected, r.stderr)

    def test_global(self):
        for i, (line, message) in enumerate(self.CASES):
            with self.subTest(line=line):
                self.assert_refused(self.write_config(f"global{i}", [line]), 6, message)

    def test_in_match_block(self):
        for i, (line, message) in enumerate(self.CASES):
            with self.subTest(line=line):
                path = self.write_config(f"match{i}", ["Match User nobody-here", "  " + line])
                if line.startswith("PermitUserEnvironment"):  # global-only, as in OpenSSH
                    message = "Directive 'PermitUserEnvironment' is not allowed within a Match block"
                self.assert_refused(path, 7, message)

    def test_host_certificate(self):
        path = self.write_config("cert", ["HostCertificate /etc/ssh/cert.pub"])
        self.assert_refused(path, 6, "HostCertificate is not supported by this sshd yet")

    def test_off_values_are_accepted(self):
        path = self.write_config("off", ["ChrootDirectory none", "AuthorizedKeysCommand none",
                                         "TrustedUserCAKeys none", "PermitUserEnvironment no",
                                         "Match User nobody-here", "  ChrootDirectory none"])
        r = subprocess.run([fixture.our_sshd(), "-t", "-f", path], capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)


class KeyEnvironmentTest(fixture.SshTestCase):
    """authorized_keys environment= is not applied (PermitUserEnvironment no, and we
    refuse any other value)."""

    sshd_class = fixture.OurSshd

    def test_environment_option_is_ignored(self):
        with open(self.sshd.authorized_keys) as f:
            lines = f.read().splitlines()
        with open(self.sshd.authorized_keys, "w") as f:
            f.write("".join(f'environment="SSHC_KEYENV=set" {l}\n' for l in lines))
        r = self.run_ssh(command=["echo ${SSHC_KEYENV-unset}"])
        self.assertEqual((r.returncode, r.stdout), (0, b"unset\n"), r.stderr[-1500:])


if __name__ == "__main__":
    unittest.main(verbosity=2)
