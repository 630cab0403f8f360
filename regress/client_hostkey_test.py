"""Server authentication: known_hosts handling and OpenSSH's messages, checked against
stock ssh's output for the same situation."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import unittest  # noqa: E402


class HostKeyTest(fixture.SshTestCase):
    def known_hosts_file(self, name, lines):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("".join(line + "\n" for line in lines))
        return path

    def both(self, known_hosts, *options):
        opts = ["-o", f"UserKnownHostsFile={known_hosts}", "-o", "HostKeyAlgorithms=ssh-ed25519", *options]
        return self.run_both(options=opts, command=["true"])

    def entry(self, key_type="ed25519", host=None):
        host = host or f"[127.0.0.1]:{self.sshd.port}"
        return f"{host} {self.sshd.host_pubkey_line(key_type)}"

    def test_known_key_accepted(self):
        kh = self.known_hosts_file("kh_ok", [self.entry()])
        ours, stock = self.both(kh)
        self.assertEqual(stock.returncode, 0)
        self.assertEqual(ours.returncode, 0, ours.stderr)

    def test_changed_key_refused_with_openssh_warning(self):
        other = fixture.keygen(os.path.join(self.tmp, "other_host_key"))
        with open(other + ".pub") as f:
            other_line = " ".join(f.read().split()[:2])
        kh = self.known_hosts_file("kh_changed", [f"[127.0.0.1]:{self.sshd.port} {other_line}"])
        ours, stock = self.both(kh)
        self.assertEqual(ours.returncode, 255)
        self.assertEqual(ours.stderr.decode(), stock.stderr.decode())

    def test_unknown_key_strict_refused(self):
        kh = self.known_hosts_file("kh_empty", [])
        ours, stock = self.both(kh, "-o", "StrictHostKeyChecking=yes")
        self.assertEqual(ours.returncode, 255)
        self.assertEqual(ours.stderr.decode(), stock.stderr.decode())

    def test_revoked_key_refused(self):
        kh = self.known_hosts_file("kh_revoked", ["@revoked " + self.entry()])
        ours, stock = self.both(kh)
        self.assertEqual(ours.returncode, 255)
        self.assertEqual(ours.stderr.decode(), stock.stderr.decode())

    def test_accept_new_adds_hashed_entry(self):
        for binary, name in ((None, "ours"), (fixture.STOCK_SSH, "stock")):
            kh = os.path.join(self.tmp, f"kh_new_{name}")
            r = self.run_ssh(options=["-o", f"UserKnownHostsFile={kh}", "-o", "StrictHostKeyChecking=accept-new",
                                      "-o", "HashKnownHosts=yes", "-o", "HostKeyAlgorithms=ssh-ed25519"],
                             command=["true"], binary=binary)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"Warning: Permanently added '[127.0.0.1]:{self.sshd.port}' (ED25519) "
                          "to the list of known hosts.", r.stderr.decode())
            with open(kh) as f:
                line = f.read().strip()
            self.assertTrue(line.startswith("|1|"), line)
            # The stock client must accept what we wrote.
            check = self.run_ssh(options=["-o", f"UserKnownHostsFile={kh}", "-o", "StrictHostKeyChecking=yes",
                                          "-o", "HostKeyAlgorithms=ssh-ed25519"],
                                 command=["true"], binary=fixture.STOCK_SSH)
            self.assertEqual(check.returncode, 0, check.stderr)

    def test_hashed_and_pattern_entries(self):
        hashed = fixture.subprocess.run(
            ["ssh-keygen", "-H", "-f", self.known_hosts_file("kh_to_hash", [self.entry()])],
            capture_output=True)
        self.assertEqual(hashed.returncode, 0)
        ours, _ = self.both(os.path.join(self.tmp, "kh_to_hash"), "-o", "StrictHostKeyChecking=yes")
        self.assertEqual(ours.returncode, 0, ours.stderr)
        kh = self.known_hosts_file("kh_pattern", [self.entry(host="[127.0.0.*]:*,!10.0.0.1")])
        ours, stock = self.both(kh, "-o", "StrictHostKeyChecking=yes")
        self.assertEqual(stock.returncode, 0, stock.stderr)
        self.assertEqual(ours.returncode, 0, ours.stderr)
        kh = self.known_hosts_file("kh_negated", [self.entry(host="[127.0.0.*]:*,![127.0.0.1]:*")])
        ours, stock = self.both(kh, "-o", "StrictHostKeyChecking=yes")
        self.assertEqual(stock.returncode, 255)
        self.assertEqual(ours.returncode, 255)

    def test_known_key_type_preferred(self):
        # Only the RSA key is known: like stock ssh we must ask for rsa-sha2-* first rather
        # than meet an unknown ED25519 key under strict checking.
        kh = self.known_hosts_file("kh_rsa_only", [self.entry("rsa")])
        opts = ["-o", f"UserKnownHostsFile={kh}", "-o", "StrictHostKeyChecking=yes", "-v"]
        ours, stock = self.run_both(options=opts, command=["true"])
        self.assertEqual(stock.returncode, 0)
        self.assertEqual(ours.returncode, 0, ours.stderr)
        self.assertIn(b"kex: host key algorithm: rsa-sha2-512", ours.stderr)

    def test_ask_confirms_through_askpass_and_records_key(self):
        askpass = os.path.join(self.tmp, "askpass_yes.sh")
        with open(askpass, "w") as f:
            f.write("#!/bin/sh\necho yes\n")
        os.chmod(askpass, 0o755)
        kh = os.path.join(self.tmp, "kh_ask")
        env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force")
        args = self.ssh_args(["-o", f"UserKnownHostsFile={kh}", "-o", "StrictHostKeyChecking=ask",
                              "-o", "BatchMode=no", "-o", "HostKeyAlgorithms=ssh-ed25519"], ["true"])
        r = fixture.subprocess.run(args, capture_output=True, env=env, stdin=fixture.subprocess.DEVNULL, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(kh) as f:
            self.assertIn(self.sshd.host_pubkey_line("ed25519").split()[1], f.read())

    def test_global_known_hosts_file(self):
        global_kh = self.known_hosts_file("kh_global", [self.entry()])
        ours, stock = self.both(os.path.join(self.tmp, "kh_missing"), "-o", f"GlobalKnownHostsFile={global_kh}",
                                "-o", "StrictHostKeyChecking=yes")
        self.assertEqual(stock.returncode, 0, stock.stderr)
        self.assertEqual(ours.returncode, 0, ours.stderr)

    def test_host_key_alias(self):
        kh = self.known_hosts_file("kh_alias", [f"myalias {self.sshd.host_pubkey_line('ed25519')}"])
        ours, stock = self.both(kh, "-o", "HostKeyAlias=myalias", "-o", "StrictHostKeyChecking=yes")
        self.assertEqual(stock.returncode, 0)
        self.assertEqual(ours.returncode, 0, ours.stderr)


if __name__ == "__main__":
    unittest.main()
