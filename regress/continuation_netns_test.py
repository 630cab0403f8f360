"""A real network change under a resumable session (continuation issue, item 4).

Two network namespaces joined by a veth pair: our sshd in one (10.77.0.1), our ssh with
Resume=yes in the other (10.77.0.2). Mid-session the client's link goes down and comes
back with a new address (10.77.0.3). The client notices through ServerAliveInterval,
resumes from the new address (PROTOCOL.continuation §7), and the remote program's
output arrives complete and in order. New programs read the new client address from
$SSHC_SESSION_DIR/connection (the running shell's own SSH_CONNECTION cannot change);
the server logs the resumption from the new address.
"""
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import fixture  # noqa: E402

SERVER_NS = f"sshc-srv-{os.getpid()}"
CLIENT_NS = f"sshc-cli-{os.getpid()}"
SERVER_IP, OLD_IP, NEW_IP = "10.77.0.1", "10.77.0.2", "10.77.0.3"
LINES = 120


def ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20, check=check)


def in_ns(ns, *args):
    return ["ip", "netns", "exec", ns, *args]


def namespaces_unavailable():
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    probe = f"sshc-probe-{os.getpid()}"
    r = ip("netns", "add", probe, check=False)
    if r.returncode != 0:
        return "cannot create network namespaces here: " + r.stderr.strip()
    ip("netns", "del", probe, check=False)
    return None


class NamespacedSshd(fixture.OurSshd):
    """Our sshd started inside the server namespace."""

    def start(self):
        os.makedirs("/run/sshd", exist_ok=True)
        open(self.log, "w").close()
        self.proc = subprocess.Popen(in_ns(SERVER_NS, self.binary, "-D", "-f", self.config, "-E", self.log),
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.read_log()}")
            if "Server listening on" in self.read_log():
                return self
            time.sleep(0.02)
        raise RuntimeError(f"sshd not ready: {self.read_log()}")


@unittest.skipIf(namespaces_unavailable(), namespaces_unavailable())
class NetworkChange(fixture.SshTestCase):
    sshd_class = NamespacedSshd
    sshd_extra_config = f"ListenAddress {SERVER_IP}\n"

    @classmethod
    def setUpClass(cls):
        ip("netns", "add", SERVER_NS)
        ip("netns", "add", CLIENT_NS)
        ip("link", "add", "sshc-vc", "type", "veth", "peer", "name", "sshc-vs")
        ip("link", "set", "sshc-vs", "netns", SERVER_NS)
        ip("link", "set", "sshc-vc", "netns", CLIENT_NS)
        for ns, dev, addr in ((SERVER_NS, "sshc-vs", SERVER_IP), (CLIENT_NS, "sshc-vc", OLD_IP)):
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")
        try:
            super().setUpClass()
        except Exception:
            cls.remove_namespaces()
            raise
        with open(cls.known_hosts, "a") as f:
            f.write(f"[{SERVER_IP}]:{cls.sshd.port} {cls.sshd.host_pubkey_line('ed25519')}\n")

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.remove_namespaces()

    @classmethod
    def remove_namespaces(cls):
        ip("netns", "del", SERVER_NS, check=False)  # takes the veth pair with it
        ip("netns", "del", CLIENT_NS, check=False)

    def move_client(self):
        """Old link down, old address gone, new address up."""
        ip("-n", CLIENT_NS, "link", "set", "sshc-vc", "down")
        ip("-n", CLIENT_NS, "addr", "flush", "dev", "sshc-vc")
        ip("-n", CLIENT_NS, "addr", "add", f"{NEW_IP}/24", "dev", "sshc-vc")
        ip("-n", CLIENT_NS, "link", "set", "sshc-vc", "up")

    def test_session_resumes_from_new_address(self):
        remote = (f'for i in $(seq 1 {LINES}); do echo "$i $(cat "$SSHC_SESSION_DIR/connection")"; '
                  'sleep 0.1; done')
        args = self.ssh_args(["-o", "Resume=yes", "-o", "ServerAliveInterval=1",
                              "-o", "ServerAliveCountMax=2", "-o", "ConnectTimeout=3"], [remote])
        args[args.index("127.0.0.1")] = SERVER_IP
        proc = subprocess.Popen(in_ns(CLIENT_NS, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            time.sleep(2)
            self.move_client()
            out, err = proc.communicate(timeout=90)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err)
        lines = out.splitlines()
        numbers = [int(line.split()[0]) for line in lines]
        self.assertEqual(numbers, list(range(1, LINES + 1)), "every line once, in order")
        addresses = [line.split()[1] for line in lines]
        self.assertEqual(addresses[0], OLD_IP)
        self.assertEqual(addresses[-1], NEW_IP, "new programs see the new client address")
        self.assertIn("Connection lost; resuming...", err)
        self.assertIn("Resumed in ", err)
        self.assertIn(f"Accepted continuation@sshc.dev for {self.user} from {NEW_IP} port", self.sshd.read_log())


if __name__ == "__main__":
    unittest.main()
