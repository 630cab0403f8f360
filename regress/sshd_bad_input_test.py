"""Hostile clients against our sshd over raw sockets: each case must end that connection
(with a log line naming it), the daemon must keep serving, and its memory must not grow."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fake_server as fs  # noqa: E402
import fixture  # noqa: E402
import unittest  # noqa: E402

CLIENT_BANNER = b"SSH-2.0-hostile_0.1\r\n"
STRICT_CLIENT = "kex-strict-c-v00@openssh.com"


def client_kexinit():
    return fs.kexinit(kex=("curve25519-sha256", STRICT_CLIENT), strict=False)


# Cases whose client then stops sending (half-close): the server must not wait for the
# rest of a packet that will never come.
HALF_CLOSE = {"truncated_packet"}

CASES = {
    "garbage_instead_of_banner": lambda: os.urandom(4096),
    "truncated_packet": lambda: CLIENT_BANNER + fs.build_packet(client_kexinit())[:40],
    "length_4_gib": lambda: CLIENT_BANNER + struct.pack(">I", 0xFFFFFFFF) + os.urandom(64),
    "length_below_minimum": lambda: CLIENT_BANNER + struct.pack(">I", 1) + b"\x00" * 16,
    "bad_padding": lambda: CLIENT_BANNER + fs.build_packet(client_kexinit(), padding_length=250),
    "unknown_message_type": lambda: CLIENT_BANNER + fs.build_packet(bytes([200]) + b"x" * 10),
    "kexinit_flood": lambda: CLIENT_BANNER + fs.build_packet(client_kexinit()) * 50,
    "auth_request_before_kex": lambda: CLIENT_BANNER + fs.build_packet(
        bytes([50]) + fs.string("root") + fs.string("ssh-connection") + fs.string("none")),
    "channel_open_before_auth": lambda: CLIENT_BANNER + fs.build_packet(
        bytes([90]) + fs.string("session") + fs.u32(0) + fs.u32(65536) + fs.u32(32768)),
    "service_request_before_kex": lambda: CLIENT_BANNER + fs.build_packet(bytes([5]) + fs.string("ssh-userauth")),
}


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class HostileClientTest(fixture.SshTestCase):
    sshd_class = fixture.OurSshd

    def run_case(self, name, payload):
        with socket.create_connection(("127.0.0.1", self.sshd.port), timeout=20) as s:
            local_port = s.getsockname()[1]
            s.recv(256)  # the server's banner
            try:
                s.sendall(payload)
                if name in HALF_CLOSE:
                    s.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # already closed on us: fine
            s.settimeout(10)
            closed = False
            while True:
                try:
                    data = s.recv(65536)
                except ConnectionResetError:
                    closed = True
                    break
                except socket.timeout:
                    break  # still open: the server is waiting, which is a failure
                if not data:
                    closed = True
                    break
            self.assertTrue(closed, f"{name}: connection not closed")
        deadline = time.monotonic() + 10
        while f"port {local_port}" not in self.sshd.read_log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn(f"port {local_port}", self.sshd.read_log(), f"{name}: no log line")

    def test_each_case_ends_only_its_connection(self):
        for name, make in CASES.items():
            with self.subTest(case=name):
                self.run_case(name, make())
                r = self.run_ssh(command=["echo", "alive"], binary=fixture.STOCK_SSH)
                self.assertEqual(r.returncode, 0, (name, r.stderr))
                self.assertEqual(r.stdout, b"alive\n")

    def test_invalid_signature_is_refused(self):
        # paramiko offers the authorized key but signs garbage: the server must see a
        # real signature over the wrong bytes and refuse it, then keep serving.
        try:
            import paramiko
        except ImportError:
            self.skipTest("python3-paramiko is not installed")

        class BadSigner(paramiko.Ed25519Key):
            def sign_ssh_data(self, data, algorithm=None):
                good = super().sign_ssh_data(data, algorithm)
                msg = paramiko.Message(good.asbytes() if hasattr(good, "asbytes") else bytes(good))
                alg, sig = msg.get_text(), bytearray(msg.get_binary())
                sig[0] ^= 0xFF
                out = paramiko.Message()
                out.add_string(alg)
                out.add_string(bytes(sig))
                return out

        key = BadSigner(filename=self.client_key)
        transport = paramiko.Transport(("127.0.0.1", self.sshd.port))
        port = transport.sock.getsockname()[1]
        try:
            transport.start_client(timeout=20)
            with self.assertRaises(paramiko.AuthenticationException):
                transport.auth_publickey(self.user, key)
        finally:
            transport.close()
        deadline = time.monotonic() + 10
        failed = f"Failed publickey for {self.user} from 127.0.0.1 port {port} ssh2"
        while failed not in self.sshd.read_log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn(failed, self.sshd.read_log())
        self.assertNotIn(f"Accepted publickey for {self.user} from 127.0.0.1 port {port} ", self.sshd.read_log())
        r = self.run_ssh(command=["echo", "alive"], binary=fixture.STOCK_SSH)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_listener_memory_stays_flat(self):
        with open(os.path.join(self.tmp, "sshd.pid")) as f:
            pid = int(f.read())
        for name, make in CASES.items():
            self.run_case(name, make())
        before = rss_kb(pid)
        for _ in range(3):
            for name, make in CASES.items():
                self.run_case(name, make())
        self.assertLess(rss_kb(pid) - before, 1024, "listener grew by more than 1 MiB")


if __name__ == "__main__":
    unittest.main()
