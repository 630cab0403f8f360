"""Each algorithm of the issue proven against stock OpenSSH sshd, one subtest each: our
ssh asks for exactly that algorithm, the session runs, and our debug1 lines show it was
negotiated. Rekeying is proven with 100 MB through a tiny RekeyLimit in both directions."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402
import unittest  # noqa: E402

KEX = ["curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
       "ecdh-sha2-nistp521", "diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512",
       "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha256"]
HOST_KEYS = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
             "rsa-sha2-256", "rsa-sha2-512"]
CIPHERS = ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
           "aes128-ctr", "aes192-ctr", "aes256-ctr"]
MACS = ["hmac-sha2-256", "hmac-sha2-512", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"]


class AlgorithmTest(fixture.SshTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Extra ECDSA host keys so every curve can be offered.
        for bits in (384, 521):
            path = os.path.join(cls.tmp, f"ssh_host_ecdsa{bits}_key")
            fixture.keygen(path, "ecdsa", bits)
            with open(cls.sshd.config) as f:
                cfg = f.read()
            with open(cls.sshd.config, "w") as f:
                f.write(cfg + f"HostKey {path}\n")
            with open(cls.known_hosts, "a") as kh, open(path + ".pub") as pub:
                kh.write(f"[127.0.0.1]:{cls.sshd.port} {pub.read()}")
        cls.sshd.stop()
        cls.sshd.start()

    def session(self, *options):
        r = self.run_ssh(options=["-v", *options], command=["echo", "alive"])
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace")[-2000:])
        self.assertEqual(r.stdout, b"alive\n")
        return r.stderr.decode(errors="replace")

    def test_kex(self):
        for kex in KEX:
            with self.subTest(kex=kex):
                log = self.session("-o", f"KexAlgorithms={kex}")
                self.assertIn(f"debug1: kex: algorithm: {kex}", log)

    def test_host_key_algorithms(self):
        for alg in HOST_KEYS:
            with self.subTest(alg=alg):
                log = self.session("-o", f"HostKeyAlgorithms={alg}")
                self.assertIn(f"debug1: kex: host key algorithm: {alg}", log)

    def test_ciphers(self):
        for cipher in CIPHERS:
            with self.subTest(cipher=cipher):
                log = self.session("-c", cipher)
                self.assertIn(f"debug1: kex: server->client cipher: {cipher}", log)
                self.assertIn(f"debug1: kex: client->server cipher: {cipher}", log)

    def test_macs(self):
        for mac in MACS:
            with self.subTest(mac=mac):
                log = self.session("-c", "aes128-ctr", "-m", mac)
                self.assertIn(f"MAC: {mac}", log)

    def test_compression(self):
        log = self.session("-C")
        self.assertIn("compression: zlib@openssh.com", log)
        data = os.urandom(1 << 20) + b"\0" * (4 << 20)
        r = self.run_ssh(options=["-C"], command=["sha256sum"], input=data)
        self.assertEqual(r.stdout.split()[0].decode(), hashlib.sha256(data).hexdigest())

    def test_strict_kex_and_ext_info_offered(self):
        log = self.session("-vv")
        self.assertIn("kex-strict-c-v00@openssh.com", log)
        self.assertIn("ext-info-c", log)
        self.assertIn("server-sig-algs=", log)

    def test_algorithm_list_edits(self):
        log = self.session("-o", "KexAlgorithms=^diffie-hellman-group14-sha256")
        self.assertIn("debug1: kex: algorithm: diffie-hellman-group14-sha256", log)
        log = self.session("-o", "Ciphers=-chacha20*")
        self.assertNotIn("cipher: chacha20-poly1305@openssh.com", log)
        r = self.run_ssh(options=["-c", "nosuchcipher"], command=["true"])
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"Unknown cipher type 'nosuchcipher'", r.stderr)

    def test_rekey_100mb_both_directions(self):
        data = os.urandom(1 << 20) * 100
        digest = hashlib.sha256(data).hexdigest()
        r = self.run_ssh(options=["-o", "RekeyLimit=2M", "-v"], command=["sha256sum; head -c 104857600 /dev/zero"],
                         input=data, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.assertTrue(r.stdout.startswith(digest.encode()), r.stdout[:100])
        self.assertEqual(len(r.stdout), len(digest) + len("  -\n") + (100 << 20))
        self.assertGreater(r.stderr.decode(errors="replace").count("SSH2_MSG_NEWKEYS received"), 20)


if __name__ == "__main__":
    unittest.main()
