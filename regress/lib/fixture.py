"""Shared fixtures for integration tests: a throwaway stock OpenSSH sshd on loopback,
a real test user, client keys, and helpers to run our `ssh` against it.

Nothing here is mocked: every server is a real sshd process started per test class.
"""
import os
import signal
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

STOCK_SSHD = "/usr/sbin/sshd"
STOCK_SSH = "/usr/bin/ssh"
TEST_USER = "sshctest"
TEST_PASSWORD = "correct horse battery staple"


def our_sshd():
    path = os.environ.get("SSHD_BIN")
    if not path:
        raise unittest.SkipTest("SSHD_BIN not set: run through meson test")
    return path


def our_ssh():
    path = os.environ.get("SSH_BIN")
    if not path:
        raise unittest.SkipTest("SSH_BIN not set: run through meson test")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def askpass_env(directory, answer=TEST_PASSWORD, name="askpass"):
    """An environment in which ssh asks a script that prints `answer` for passwords."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\necho '{answer}'\n")
    os.chmod(path, 0o755)
    return dict(os.environ, SSH_ASKPASS=path, SSH_ASKPASS_REQUIRE="force")


def ensure_test_user():
    """Returns the login name for tests: a dedicated account when we are root (created on
    first use, with a known password), else the current user."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.getuid()).pw_name
    return ensure_account(TEST_USER)


def ensure_account(name):
    """As root: the account `name`, created on first use, with the test password (a locked
    account is refused by sshd without PAM)."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", name], check=True)
    subprocess.run(["chpasswd"], input=f"{name}:{TEST_PASSWORD}\n", text=True, check=True)
    pw = pwd.getpwnam(name)
    # A home left behind by an earlier account of the same name fails StrictModes.
    if os.path.isdir(pw.pw_dir) and os.stat(pw.pw_dir).st_uid != pw.pw_uid:
        subprocess.run(["chown", "-R", f"{pw.pw_uid}:{pw.pw_gid}", pw.pw_dir], check=True)
    return name


def wait_for(predicate, timeout, step=0.05):
    """Polls predicate until it holds or timeout seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def keygen(path, key_type="ed25519", bits=None, passphrase="", fmt=None):
    args = ["ssh-keygen", "-q", "-t", key_type, "-N", passphrase, "-f", path, "-C", "test"]
    if bits:
        args += ["-b", str(bits)]
    if fmt:
        args += ["-m", fmt]
    subprocess.run(args, check=True)
    return path


def descendants(pid):
    """All processes below pid (from /proc), children before grandchildren."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(0), []):
            found.append(child)
            todo.append(child)
    return found


def pids_running(fragment):
    """Processes whose command line contains fragment."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if fragment.encode() in f.read().replace(b"\0", b" "):
                    found.append(int(pid))
        except OSError:
            pass
    return found


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class StockSshd:
    """Debian's OpenSSH sshd on 127.0.0.1:<free port> with its own keys and config."""

    binary = STOCK_SSHD

    def __init__(self, workdir, extra_config="", host_key_types=("ed25519", "ecdsa", "rsa"), match_config=""):
        self.dir = workdir
        self.port = free_port()
        self.log = os.path.join(workdir, "sshd.log")
        self.authorized_keys = os.path.join(workdir, "authorized_keys")
        open(self.authorized_keys, "a").close()
        os.chmod(self.authorized_keys, 0o644)
        self.host_keys = []
        for t in host_key_types:
            path = os.path.join(workdir, f"ssh_host_{t}_key")
            if not os.path.exists(path):
                keygen(path, t)
            self.host_keys.append(path)
        self.config = os.path.join(workdir, "sshd_config")
        lines = [
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            *[f"HostKey {k}" for k in self.host_keys],
            f"PidFile {workdir}/sshd.pid",
            f"AuthorizedKeysFile {self.authorized_keys}",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin yes",
            "LogLevel DEBUG1",
            "Subsystem sftp /usr/lib/openssh/sftp-server",
            "AcceptEnv LANG LC_* TESTENV_*",
        ]
        # Options given by the test come first: for sshd the first value wins too. Match
        # blocks go last: they run to the end of the file.
        with open(self.config, "w") as f:
            f.write(extra_config.strip() + "\n" + "\n".join(lines) + "\n" + match_config.strip() + "\n")
        self.proc = None

    def start(self):
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", exist_ok=True)
        open(self.log, "w").close()  # readiness is read from this run's log only
        # sshd logs to -E; its sessions must not hold the test runner's pipes open.
        with open(os.path.join(self.dir, "sshd.stderr"), "ab") as stderr:
            self.proc = subprocess.Popen(
                [self.binary, "-D", "-f", self.config, "-E", self.log],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"stock sshd exited: {self.read_log()}")
            if "Server listening on" in self.read_log():
                return self
            time.sleep(0.02)
        raise RuntimeError(f"stock sshd not ready: {self.read_log()}")

    def authorize(self, pubkey_path):
        with open(pubkey_path) as src, open(self.authorized_keys, "a") as dst:
            dst.write(src.read())

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            # SIGTERM leaves established (and suspended) sessions alone, as it should;
            # a test's sessions must not outlive it, so they go too.
            # Deepest first, so that monitors see their session end and unlink its
            # continuation registry entry before they go too.
            leftovers = descendants(self.proc.pid)
            self.proc.terminate()
            self.proc.wait(timeout=10)
            kill_all(reversed(leftovers))
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in leftovers):
                time.sleep(0.05)

    def host_pubkey_line(self, key_type="ed25519"):
        with open(os.path.join(self.dir, f"ssh_host_{key_type}_key.pub")) as f:
            return f.read().strip()


class OurSshd(StockSshd):
    """Our sshd, with the same kind of throwaway config as StockSshd."""

    @property
    def binary(self):
        return our_sshd()

    def stop(self):
        super().stop()
        # Its continuation registry is a directory of its own (PROTOCOL.continuation
        # §12.6), announced at start; the test's sessions are gone, and so is the instance.
        for line in self.read_log().splitlines():
            if line.startswith("debug1: continuation registry /"):
                shutil.rmtree(line.split(" ", 3)[3], ignore_errors=True)


class SshTestCase(unittest.TestCase):
    """Starts one sshd per class (stock unless sshd_class says otherwise), with a client
    key authorized for the test user."""

    sshd_extra_config = ""
    sshd_match_config = ""  # Match blocks, after everything else
    sshd_class = StockSshd

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sshc-test-")
        os.chmod(cls.tmp, 0o755)
        cls.user = ensure_test_user()
        cls.sshd = cls.sshd_class(cls.tmp, cls.sshd_extra_config, match_config=cls.sshd_match_config).start()
        cls.client_key = keygen(os.path.join(cls.tmp, "id_ed25519"))
        cls.sshd.authorize(cls.client_key + ".pub")
        cls.known_hosts = os.path.join(cls.tmp, "known_hosts")
        with open(cls.known_hosts, "w") as f:
            for t in ("ed25519", "ecdsa", "rsa"):
                f.write(f"[127.0.0.1]:{cls.sshd.port} {cls.sshd.host_pubkey_line(t)}\n")

    @classmethod
    def tearDownClass(cls):
        cls.sshd.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def ssh_args(self, options=(), command=(), binary=None):
        """Arguments for `ssh [options] 127.0.0.1 [command]` against this class's sshd."""
        # The test's options come first: the first value obtained wins.
        return [binary or our_ssh(), *options, "-F", "/dev/null",
                "-p", str(self.sshd.port), "-l", self.user,
                "-i", self.client_key,
                "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes",
                "127.0.0.1", *command]

    def run_ssh(self, options=(), command=(), input=None, timeout=60, binary=None, **kw):
        return subprocess.run(self.ssh_args(options, command, binary), input=input,
                              capture_output=True, timeout=timeout, **kw)

    def run_both(self, options=(), command=(), **kw):
        """Runs our ssh and stock ssh with the same arguments; returns (ours, stock)."""
        return (self.run_ssh(options, command, **kw),
                self.run_ssh(options, command, binary=STOCK_SSH, **kw))
