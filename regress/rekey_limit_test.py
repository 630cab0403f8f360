"""Tiny rekey limits (RekeyLimit 16: a key re-exchange after nearly every packet), in
both roles and both directions, with and without continuations (issue 8 item 2). Our
ssh used to stall for ever right after login with -o RekeyLimit=16: it started a
volume rekey before authentication, which OpenSSH's sshd answers with UNIMPLEMENTED.
Like OpenSSH, neither side rekeys by volume before the login now.
"""
import hashlib
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402

SIZE = 1 << 20
DATA = os.urandom(SIZE)
DIGEST = hashlib.sha256(DATA).hexdigest().encode()
TINY = ["-o", "RekeyLimit=16"]
RESUME = ["-o", "Resume=yes"]


class RekeyMixin:
    def transfer(self, options, binary=None):
        """Upload and download SIZE bytes; each side checks the other's digest."""
        up = self.run_ssh(options, ["sha256sum"], input=DATA, timeout=120, binary=binary)
        self.assertEqual(up.returncode, 0, up.stderr[-2000:])
        self.assertEqual(up.stdout.split()[0], DIGEST)
        down = self.run_ssh(options, [f"head -c {SIZE} /dev/urandom | tee /dev/stderr | sha256sum >&2"],
                            timeout=120, binary=binary)
        self.assertEqual(down.returncode, 0)
        # stderr: the data, then its digest as the server saw it.
        body, digest = down.stderr[:SIZE], down.stderr[SIZE:].split()[0]
        self.assertEqual(hashlib.sha256(body).hexdigest().encode(), digest)


class OurClientStockServerTest(RekeyMixin, fixture.SshTestCase):
    sshd_class = fixture.StockSshd

    def test_login(self):
        r = self.run_ssh(TINY, ["echo ok"], timeout=30)
        self.assertEqual((r.returncode, r.stdout), (0, b"ok\n"), r.stderr[-2000:])

    def test_transfer(self):
        self.transfer(TINY)


class OurServerTest(RekeyMixin, fixture.SshTestCase):
    sshd_class = fixture.OurSshd

    def test_our_client(self):
        self.transfer(TINY)

    def test_our_client_resumable(self):
        self.transfer(TINY + RESUME)

    def test_stock_client(self):
        self.transfer(TINY, binary=fixture.STOCK_SSH)


class OurServerRekeysTest(RekeyMixin, fixture.SshTestCase):
    """The server initiates: RekeyLimit in sshd_config."""
    sshd_class = fixture.OurSshd
    sshd_extra_config = "RekeyLimit 16"

    def test_our_client(self):
        self.transfer([])

    def test_our_client_resumable(self):
        self.transfer(RESUME)

    def test_stock_client(self):
        self.transfer([], binary=fixture.STOCK_SSH)


if __name__ == "__main__":
    unittest.main(verbosity=2)
