"""Client user authentication against stock sshd: key types and formats, agent,
password through SSH_ASKPASS, and OpenSSH's failure messages."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import unittest  # noqa: E402


class PublickeyTest(fixture.SshTestCase):
    def login_with(self, key_path, *options, **kw):
        self.sshd.authorize(key_path + ".pub")
        opts = ["-o", "IdentitiesOnly=yes", *options]
        args = self.ssh_args(opts, ["echo", "ok"])
        i = args.index("-i")
        args[i + 1] = key_path
        return subprocess.run(args, capture_output=True, timeout=60, **kw)

    def test_key_types_and_formats(self):
        cases = [("ed25519", None, None), ("ecdsa", 256, None), ("ecdsa", 384, None), ("ecdsa", 521, None),
                 ("rsa", 2048, None), ("rsa", 3072, "PEM"), ("ecdsa", 256, "PEM"), ("rsa", 2048, "PKCS8")]
        for key_type, bits, fmt in cases:
            with self.subTest(key_type=key_type, bits=bits, fmt=fmt):
                path = fixture.keygen(os.path.join(self.tmp, f"k_{key_type}_{bits}_{fmt}"), key_type, bits, fmt=fmt)
                r = self.login_with(path)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, b"ok\n")

    def test_passphrase_key_through_askpass(self):
        path = fixture.keygen(os.path.join(self.tmp, "k_pass"), "ed25519", passphrase="s3cret")
        askpass = os.path.join(self.tmp, "askpass.sh")
        with open(askpass, "w") as f:
            f.write("#!/bin/sh\necho s3cret\n")
        os.chmod(askpass, 0o755)
        env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force")
        r = self.login_with(path, "-o", "BatchMode=no", env=env, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_agent_key(self):
        sock = os.path.join(self.tmp, "agent.sock")
        agent = subprocess.Popen(["ssh-agent", "-D", "-a", sock], stdout=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if os.path.exists(sock):
                    break
                fixture.time.sleep(0.02)
            key = fixture.keygen(os.path.join(self.tmp, "k_agent"), "ecdsa", 384)
            env = dict(os.environ, SSH_AUTH_SOCK=sock)
            subprocess.run(["ssh-add", "-q", key], env=env, check=True, capture_output=True)
            os.rename(key, key + ".moved")  # only the agent can sign now
            self.sshd.authorize(key + ".pub")
            args = self.ssh_args(["-o", "IdentitiesOnly=no"], ["echo", "agent"])
            i = args.index("-i")
            del args[i:i + 2]
            r = subprocess.run(args, capture_output=True, env=env, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, b"agent\n")
            # The same agent named by IdentityAgent, with SSH_AUTH_SOCK unset.
            no_env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
            r = subprocess.run(args[:1] + ["-o", f"IdentityAgent={sock}"] + args[1:], capture_output=True,
                               env=no_env, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, b"agent\n")
            r = subprocess.run(args[:1] + ["-o", "IdentityAgent=none"] + args[1:], capture_output=True,
                               env=env, timeout=60)
            self.assertEqual(r.returncode, 255)
        finally:
            agent.terminate()
            agent.wait()

    def test_denied_message_and_exit_code(self):
        other = fixture.keygen(os.path.join(self.tmp, "k_unauthorized"))
        args_for = lambda binary: [a if a != self.client_key else other for a in self.ssh_args(
            ["-o", "PreferredAuthentications=publickey"], ["true"], binary)]
        ours = subprocess.run(args_for(None), capture_output=True, timeout=60)
        stock = subprocess.run(args_for(fixture.STOCK_SSH), capture_output=True, timeout=60)
        self.assertEqual(stock.returncode, 255)
        self.assertEqual(ours.returncode, 255)
        self.assertEqual(ours.stderr.decode(), stock.stderr.decode())


class PasswordTest(fixture.SshTestCase):
    def test_password_through_askpass(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to give the test user a known password")
        askpass = os.path.join(self.tmp, "askpass_pw.sh")
        with open(askpass, "w") as f:
            f.write(f"#!/bin/sh\necho '{fixture.TEST_PASSWORD}'\n")
        os.chmod(askpass, 0o755)
        env = dict(os.environ, SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE="force")
        args = self.ssh_args(["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no",
                              "-o", "PreferredAuthentications=password"], ["echo", "pw"])
        r = subprocess.run(args, capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"pw\n")


if __name__ == "__main__":
    unittest.main()
