"""ssh_config keywords and flags end to end (issue 9 item 1, "nothing silent"), against
stock sshd:
- features we do not have yet are refused before any connection, with OpenSSH's wording
  'Unsupported option "keyword"', never parsed and dropped (-J used to log in straight to
  the target, bypassing the bastion); the values that leave them off work;
- GSSAPI is handled as in an OpenSSH built without it: a warning, then the session;
- implemented keywords no other suite exercises: RemoteCommand, ClearAllForwardings,
  GatewayPorts, ConnectionAttempts, VisualHostKey, TCPKeepAlive, BindAddress,
  BindInterface, IgnoreUnknown, IPQoS, RequestTTY, PasswordAuthentication,
  NumberOfPasswordPrompts, PubkeyAcceptedAlgorithms, RequiredRSASize, RevokedHostKeys,
  -y.
config/option_table.cpp says which keywords are which; unit-config's coverage test
checks that every keyword there is tested here or elsewhere, or marked unsupported.
"""
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402

# (arguments, keyword named in the refusal)
REFUSED = [
    (["-J", "127.0.0.1:1"], "proxyjump"),
    (["-o", "ProxyJump=jump1,jump2:2200"], "proxyjump"),
    (["-A"], "forwardagent"),
    (["-o", "ForwardAgent=/tmp/agent.sock"], "forwardagent"),
    (["-X"], "forwardx11"),
    (["-Y"], "forwardx11"),
    (["-M"], "controlmaster"),
    (["-S", "/tmp/ctl"], "controlpath"),
    (["-o", "ControlPersist=10m"], "controlpersist"),
    (["-D", "1080"], "dynamicforward"),
    (["-R", "1080"], "remoteforward"),
    (["-L", "/tmp/a.sock:/tmp/b.sock"], "localforward"),
    (["-o", "CertificateFile=/tmp/id-cert.pub"], "certificatefile"),
    (["-o", "PermitLocalCommand=yes"], "permitlocalcommand"),
    (["-o", "UpdateHostKeys=yes"], "updatehostkeys"),
    (["-o", "CheckHostIP=yes"], "checkhostip"),
    (["-o", "VerifyHostKeyDNS=yes"], "verifyhostkeydns"),
    (["-o", "KnownHostsCommand=/bin/true"], "knownhostscommand"),
    (["-o", "AddKeysToAgent=yes"], "addkeystoagent"),
    (["-o", "Tag=work"], "tag"),
    (["-o", "ChannelTimeout=session=5m"], "channeltimeout"),
    (["-o", "WarnWeakCrypto=yes"], "warnweakcrypto"),
]

# Off values of the same keywords: honoured, so the session runs.
ACCEPTED_OFF = [
    ["-a"], ["-x"], ["-o", "ForwardAgent=no"], ["-o", "ProxyJump=none"], ["-o", "ControlMaster=no"],
    ["-o", "ControlPath=none"], ["-o", "ControlPersist=no"], ["-o", "UpdateHostKeys=no"],
    ["-o", "CheckHostIP=no"], ["-o", "ObscureKeystrokeTiming=no"],
]


class UnsupportedFeatureTest(fixture.SshTestCase):
    def test_missing_features_refused_before_connecting(self):
        for args, keyword in REFUSED:
            with self.subTest(args=args):
                r = self.run_ssh(options=args, command=["echo", "reached"])
                self.assertEqual(r.returncode, 255, r.stderr)
                self.assertIn(f'Unsupported option "{keyword}"'.encode(), r.stderr)
                self.assertNotIn(b"reached", r.stdout)

    def test_refused_option_in_a_block_that_does_not_apply(self):
        cfg = os.path.join(self.tmp, "other-host.conf")
        with open(cfg, "w") as f:
            f.write("Host elsewhere\n  ForwardAgent yes\n  ProxyJump bastion\n")
        args = self.ssh_args(command=["echo", "reached"])
        args[args.index("/dev/null")] = cfg  # -F
        r = subprocess.run(args, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"reached\n")

    def test_off_values_accepted(self):
        for args in ACCEPTED_OFF:
            with self.subTest(args=args):
                r = self.run_ssh(options=args, command=["echo", "reached"])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, b"reached\n")

    def test_gssapi_warns_like_a_build_without_it(self):
        r = self.run_ssh(options=["-K"], command=["echo", "reached"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b'command-line line 0: Unsupported option "gssapiauthentication"', r.stderr)
        self.assertEqual(r.stdout, b"reached\n")
        r = self.run_ssh(options=["-o", "GSSAPIAuthentication=no"], command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"Unsupported", r.stderr)

    def test_protocol_1_refused(self):
        r = self.run_ssh(options=["-1"], command=["true"])
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"SSH protocol v.1 is no longer supported", r.stderr)


class ImplementedKeywordTest(fixture.SshTestCase):
    def test_remote_command(self):
        r = self.run_ssh(options=["-o", "RemoteCommand=echo from-remote-command"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"from-remote-command\n")

    def test_request_tty_force(self):
        r = self.run_ssh(options=["-o", "RequestTTY=force"], command=["tty"], stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"/dev/pts/"), r.stdout)

    def forward_lines(self, options):
        port = fixture.free_port()
        r = self.run_ssh(options=["-v", *options, "-L", f"{port}:127.0.0.1:{self.sshd.port}"], command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)
        return port, [l for l in r.stderr.decode().splitlines() if "Local connections to" in l]

    def test_clear_all_forwardings(self):
        port, lines = self.forward_lines([])
        self.assertEqual(len(lines), 1, lines)
        port, lines = self.forward_lines(["-o", "ClearAllForwardings=yes"])
        self.assertEqual(lines, [])

    def test_gateway_ports(self):
        port, lines = self.forward_lines(["-g"])
        self.assertIn(f"Local connections to *:{port}", lines[0])
        port, lines = self.forward_lines([])
        self.assertIn(f"Local connections to LOCALHOST:{port}", lines[0])

    def test_connection_attempts(self):
        closed = fixture.free_port()
        r = subprocess.run([fixture.our_ssh(), "-F", "/dev/null", "-v", "-p", str(closed), "-o",
                            "ConnectionAttempts=3", "-o", "BatchMode=yes", "127.0.0.1", "true"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 255)
        self.assertEqual(r.stderr.count(b"Connecting to 127.0.0.1"), 3, r.stderr)

    def test_visual_host_key(self):
        r = self.run_ssh(options=["-o", "VisualHostKey=yes"], command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr.decode(), r"\+--+\[ED25519 256\]--+\+")
        r = self.run_ssh(command=["true"])
        self.assertNotIn(b"[ED25519 256]", r.stderr)

    def keepalive_timer(self, value):
        """Whether the client's TCP socket has SO_KEEPALIVE (ss shows a keepalive timer)."""
        proc = subprocess.Popen(self.ssh_args(options=["-o", f"TCPKeepAlive={value}"],
                                              command=["echo", "ready;", "sleep", "5"]),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            self.assertEqual(proc.stdout.readline().strip(), b"ready")  # past connect()
            seen = ""
            deadline = time.time() + 4
            while time.time() < deadline:
                seen = subprocess.run(["ss", "-tnpo", "state", "established", f"dport = :{self.sshd.port}"],
                                      capture_output=True, text=True).stdout
                if f"pid={proc.pid}," in seen:
                    break
                time.sleep(0.1)
            line = [l for l in seen.splitlines() if f"pid={proc.pid}," in l]
            self.assertEqual(len(line), 1, seen)
            return "keepalive" in line[0]
        finally:
            proc.kill()
            proc.communicate()

    def socket_tos(self, options, command):
        """The TOS byte ss shows for the client's TCP socket while the session runs."""
        proc = subprocess.Popen(self.ssh_args(options=options, command=["echo", "ready;", *command]),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            # Logged in: the socket options were set right after connect(), before this.
            self.assertEqual(proc.stdout.readline().strip(), b"ready")
            deadline = time.time() + 4
            while time.time() < deadline:
                seen = subprocess.run(["ss", "-tnp", "--tos", "state", "established",
                                       f"dport = :{self.sshd.port}"], capture_output=True, text=True).stdout
                if f"pid={proc.pid}," in seen:
                    match = re.search(r"\btos:(0x[0-9a-f]+)", seen)
                    return int(match.group(1), 16) if match else 0
                time.sleep(0.1)
            self.fail("no socket seen")
        finally:
            proc.kill()
            proc.communicate()

    def test_ip_qos(self):
        # Default "lowdelay throughput": a command without a terminal is bulk.
        self.assertEqual(self.socket_tos([], ["sleep", "5"]), 0x08)
        self.assertEqual(self.socket_tos(["-o", "IPQoS=af21 cs1"], ["sleep", "5"]), 0x20)
        self.assertEqual(self.socket_tos(["-tt", "-o", "IPQoS=af21 cs1"], ["sleep", "5"]), 0x48)
        self.assertEqual(self.socket_tos(["-o", "IPQoS=none"], ["sleep", "5"]), 0)
        r = self.run_ssh(options=["-o", "IPQoS=fast"], command=["true"])
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"Bad IPQoS value: fast", r.stderr)

    def test_tcp_keepalive(self):
        self.assertTrue(self.keepalive_timer("yes"))
        self.assertFalse(self.keepalive_timer("no"))

    def test_bind_address_and_interface(self):
        r = self.run_ssh(options=["-b", "127.0.0.2"], command=["echo", "$SSH_CLIENT"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"127.0.0.2 "), r.stdout)
        r = self.run_ssh(options=["-B", "lo"], command=["echo", "bound"])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_ssh(options=["-B", "no-such-if0"], command=["echo", "bound"])
        self.assertEqual(r.returncode, 255)

    def test_ignore_unknown(self):
        cfg = os.path.join(self.tmp, "unknown.conf")
        with open(cfg, "w") as f:
            f.write("IgnoreUnknown Zork*\nZorkOption 1\n")
        args = self.ssh_args(command=["echo", "ok"])
        args[args.index("/dev/null")] = cfg
        r = subprocess.run(args, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(cfg, "w") as f:
            f.write("ZorkOption 1\n")
        r = subprocess.run(args, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"Bad configuration option: zorkoption", r.stderr)

    def password_login(self, options, answer=fixture.TEST_PASSWORD):
        env = fixture.askpass_env(self.tmp, answer)
        args = self.ssh_args(options=[*options, "-o", "PreferredAuthentications=password",
                                      "-o", "PubkeyAuthentication=no", "-o", "BatchMode=no"],
                             command=["echo", "in"])
        return subprocess.run(args, capture_output=True, timeout=60, env=env, stdin=subprocess.DEVNULL)

    def test_password_authentication(self):
        r = self.password_login([])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.password_login(["-o", "PasswordAuthentication=no"])
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"Permission denied", r.stderr)

    def test_number_of_password_prompts(self):
        for prompts, retries in ((1, 0), (2, 1)):
            r = self.password_login(["-o", f"NumberOfPasswordPrompts={prompts}"], answer="wrong")
            self.assertEqual(r.returncode, 255)
            self.assertEqual(r.stderr.count(b"Permission denied, please try again."), retries, r.stderr)

    def test_pubkey_accepted_algorithms(self):
        r = self.run_ssh(options=["-o", "PubkeyAcceptedAlgorithms=rsa-sha2-512"], command=["true"])
        self.assertEqual(r.returncode, 255)  # the ed25519 key may not be used
        self.assertIn(b"Permission denied", r.stderr)
        r = self.run_ssh(options=["-o", "PubkeyAcceptedAlgorithms=ssh-ed25519"], command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_required_rsa_size(self):
        rsa = ["-o", "HostKeyAlgorithms=rsa-sha2-512"]
        r = self.run_ssh(options=[*rsa, "-o", "RequiredRSASize=3072"], command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)  # the fixture's RSA host key has 3072 bits
        r = self.run_ssh(options=[*rsa, "-o", "RequiredRSASize=4096"], command=["true"])
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"Bad server host key: Invalid key length", r.stderr)
        # A user key below the size is not offered.
        rsa_key = fixture.keygen(os.path.join(self.tmp, "id_rsa_user"), "rsa", bits=2048)
        self.sshd.authorize(rsa_key + ".pub")
        base = ["-o", "IdentitiesOnly=yes", "-i", rsa_key, "-v"]
        r = self.run_ssh(options=base, command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_ssh(options=[*base, "-o", "RequiredRSASize=3072"], command=["true"])
        self.assertIn(b"Invalid key length", r.stderr)
        self.assertNotIn(b"Will attempt key: " + rsa_key.encode(), r.stderr)

    def test_revoked_host_keys(self):
        revoked = os.path.join(self.tmp, "revoked_host_keys")
        with open(revoked, "w") as f:
            f.write(self.sshd.host_pubkey_line("ed25519") + "\n")
        ed = ["-o", "HostKeyAlgorithms=ssh-ed25519", "-o", f"RevokedHostKeys={revoked}"]
        r = self.run_ssh(options=ed, command=["true"])
        self.assertEqual(r.returncode, 255)
        self.assertRegex(r.stderr.decode(), r"Host key ED25519 SHA256:\S+ revoked by file " + revoked)
        other = fixture.keygen(os.path.join(self.tmp, "unrelated"))
        with open(revoked, "w") as f, open(other + ".pub") as k:
            f.write(k.read())
        r = self.run_ssh(options=ed, command=["true"])
        self.assertEqual(r.returncode, 0, r.stderr)
        # A file that cannot be read revokes everything (fail closed, as OpenSSH).
        r = self.run_ssh(options=["-o", f"RevokedHostKeys={revoked}.missing"], command=["true"])
        self.assertEqual(r.returncode, 255)

    def test_syslog_flag_takes_the_messages_off_stderr(self):
        closed = fixture.free_port()
        base = [fixture.our_ssh(), "-F", "/dev/null", "-p", str(closed), "-o", "BatchMode=yes"]
        r = subprocess.run([*base, "127.0.0.1", "true"], capture_output=True, timeout=30)
        self.assertIn(b"Connection refused", r.stderr)
        r = subprocess.run([*base, "-y", "-o", "SyslogFacility=LOCAL3", "127.0.0.1", "true"],
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 255)
        self.assertEqual(r.stderr, b"")
        r = subprocess.run([*base, "-y", "-o", "SyslogFacility=NOPE", "127.0.0.1", "true"],
                           capture_output=True, timeout=30)
        self.assertIn(b"unsupported log facility 'NOPE'", r.stderr)


if __name__ == "__main__":
    unittest.main()
