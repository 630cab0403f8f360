"""Third-party SSH clients as peers of a test sshd: OpenSSH ssh/sftp, Dropbear's dbclient,
PuTTY's plink/psftp, paramiko and asyncssh, behind one small interface.

Every peer pins the server's host keys (no "accept any key" switch): OpenSSH and
asyncssh read the fixture's known_hosts, Dropbear its own ~/.ssh/known_hosts (written
here, see shared/PEERS.md), PuTTY takes -hostkey fingerprints, paramiko gets the keys
with RejectPolicy. Quirks worth knowing, all seen with Debian 12's packages:

- dbclient needs its identity converted by dropbearconvert (an OpenSSH-format key fails
  with "String too long"), matches known_hosts lines by host name without the port, and
  rejects a known_hosts line that has a trailing comment (it reports a key mismatch).
- plink sends TERM from its own TerminalType setting ("xterm"), not from $TERM.
- psftp falls back to exec'ing /usr/lib/sftp-server when the sftp subsystem is refused,
  so its success alone proves nothing: the test reads the sshd log instead.

The interface: exec() runs one command without a pty and returns an Outcome;
pty_shell() returns an object with send()/expect()/wait()/close() around an interactive
shell on a pty; sftp_put_get() uploads, downloads and removes one file;
forward_local()/forward_remote() push bytes through a port forward to an echo server
and return what came back.
"""
import asyncio
import collections
import os
import select
import shutil
import socket
import subprocess
import threading
import time
import warnings

import pty_driver
from fixture import free_port

Outcome = collections.namedtuple("Outcome", "returncode stdout stderr")


def _quiet_import(module):
    # asyncssh touches ciphers the cryptography package deprecated, paramiko's optional
    # invoke uses `imp`: neither warning is ours to fix.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return __import__(module)


class Target:
    """What a peer needs to know about the server and the test account."""

    def __init__(self, workdir, sshd, user, password, client_key, known_hosts):
        self.dir = workdir
        self.sshd = sshd
        self.port = sshd.port
        self.user = user
        self.password = password
        self.client_key = client_key
        self.known_hosts = known_hosts

    def host_key_lines(self):
        return [self.sshd.host_pubkey_line(t) for t in ("ed25519", "ecdsa", "rsa")]

    def host_fingerprints(self):
        fps = []
        for t in ("ed25519", "ecdsa", "rsa"):
            out = subprocess.run(["ssh-keygen", "-lf", os.path.join(self.sshd.dir, f"ssh_host_{t}_key.pub")],
                                 capture_output=True, text=True, check=True).stdout
            fps.append(out.split()[1])
        return fps


def _run(argv, input=None, timeout=60, env=None):
    r = subprocess.run(argv, input=input, capture_output=True, timeout=timeout, env=env,
                       stdin=None if input is not None else subprocess.DEVNULL)
    return Outcome(r.returncode, r.stdout, r.stderr)


def _wait_connectable(port, proc, timeout=20):
    """Waits until 127.0.0.1:port accepts a connection (a forward's listener is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"forwarding client exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on forwarded port {port}")


def echo_through(port, payload, timeout=20):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return got
            got += chunk


class EchoServer:
    """A loopback TCP echo server on a thread: the far end of port-forwarding tests."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn):
        with conn:
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    conn.sendall(data)
            except OSError:
                pass  # the client went away mid-stream

    def close(self):
        self.sock.close()


class CommandLinePeer:
    """A peer that is a program: subclasses build argv."""

    name = "?"
    has_sftp = True

    def __init__(self, target):
        self.t = target
        self.env = dict(os.environ)

    def exec(self, command, input=None, password=False, timeout=60):
        env = dict(self.env)
        if password:
            env.update(self.password_env())
        return _run(self.command_argv(command, password), input, timeout, env)

    def password_env(self):
        return {}

    def command_argv(self, command, password=False):
        raise NotImplementedError

    def pty_shell(self, rows, cols, term):
        p = pty_driver.PtyProcess(self.shell_argv(), env=self.env, rows=rows, cols=cols, term=term)
        return p

    def forward_argv(self, spec):
        """argv for a client that only holds a forward open (`-N` and `-L`/`-R` spec)."""
        raise NotImplementedError

    def _forward(self, flag, spec, port_to_use, payload):
        proc = subprocess.Popen(self.forward_argv([flag, spec]), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env)
        try:
            try:
                _wait_connectable(port_to_use, proc)
                return echo_through(port_to_use, payload)
            except AssertionError as e:
                failure = e
        finally:
            proc.kill()
            err = proc.communicate(timeout=10)[1]
        raise AssertionError(f"{failure}; client stderr: {err[-1500:]!r}")

    def forward_local(self, echo_port, payload):
        lport = free_port()
        return self._forward("-L", f"{lport}:127.0.0.1:{echo_port}", lport, payload)

    def forward_remote(self, echo_port, payload):
        rport = free_port()
        return self._forward("-R", f"{rport}:127.0.0.1:{echo_port}", rport, payload)


class OpenSshPeer(CommandLinePeer):
    name = "openssh"

    def __init__(self, target):
        super().__init__(target)
        self.askpass = os.path.join(target.dir, "askpass")
        with open(self.askpass, "w") as f:
            f.write(f"#!/bin/sh\necho '{target.password}'\n")
        os.chmod(self.askpass, 0o755)

    def common(self, password=False):
        args = ["-F", "/dev/null", "-p", str(self.t.port), "-l", self.t.user,
                "-o", f"UserKnownHostsFile={self.t.known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null"]
        if password:
            return args + ["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no",
                           "-o", "PreferredAuthentications=password"]
        return args + ["-i", self.t.client_key, "-o", "BatchMode=yes",
                       "-o", "PreferredAuthentications=publickey"]

    def password_env(self):
        return {"SSH_ASKPASS": self.askpass, "SSH_ASKPASS_REQUIRE": "force"}

    def command_argv(self, command, password=False):
        return ["/usr/bin/ssh", *self.common(password), "127.0.0.1", command]

    def shell_argv(self):
        return ["/usr/bin/ssh", "-t", *self.common(), "127.0.0.1"]

    def forward_argv(self, spec):
        return ["/usr/bin/ssh", "-N", "-o", "ExitOnForwardFailure=yes", *spec, *self.common(), "127.0.0.1"]

    def sftp_put_get(self, src, remote, dst):
        batch = os.path.join(self.t.dir, "openssh_sftp_batch")
        with open(batch, "w") as f:
            f.write(f"put {src} {remote}\nget {remote} {dst}\nrm {remote}\n")
        return _run(["/usr/bin/sftp", "-F", "/dev/null", "-P", str(self.t.port), "-i", self.t.client_key,
                     "-o", f"UserKnownHostsFile={self.t.known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null",
                     "-o", "BatchMode=yes", "-b", batch, f"{self.t.user}@127.0.0.1"], timeout=120)


class DropbearPeer(CommandLinePeer):
    name = "dropbear"
    has_sftp = False  # Dropbear ships no sftp client

    def __init__(self, target):
        super().__init__(target)
        # dbclient reads ~/.ssh/known_hosts (and default identities) from $HOME.
        self.home = os.path.join(target.dir, "dropbear_home")
        os.makedirs(os.path.join(self.home, ".ssh"), exist_ok=True)
        with open(os.path.join(self.home, ".ssh", "known_hosts"), "w") as f:
            for line in target.host_key_lines():
                key_type, blob = line.split()[:2]  # no comment: dbclient rejects it
                f.write(f"127.0.0.1 {key_type} {blob}\n")
        self.key = os.path.join(target.dir, "id_dropbear")
        if not os.path.exists(self.key):
            subprocess.run(["dropbearconvert", "openssh", "dropbear", target.client_key, self.key],
                           check=True, capture_output=True)
        self.env = dict(os.environ, HOME=self.home)
        self.env.pop("DROPBEAR_PASSWORD", None)

    def common(self, password=False):
        args = ["-p", str(self.t.port)]
        if not password:
            args += ["-i", self.key]
        return args + [f"{self.t.user}@127.0.0.1"]

    def password_env(self):
        return {"DROPBEAR_PASSWORD": self.t.password}

    def command_argv(self, command, password=False):
        return ["dbclient", *self.common(password), command]

    def shell_argv(self):
        return ["dbclient", "-t", *self.common()]

    def forward_argv(self, spec):
        return ["dbclient", "-N", *spec, *self.common()]


class PuttyPeer(CommandLinePeer):
    name = "putty"

    def __init__(self, target):
        super().__init__(target)
        puttydir = os.path.join(target.dir, "puttydir")
        os.makedirs(puttydir, exist_ok=True)
        self.env = dict(os.environ, PUTTYDIR=puttydir)
        self.ppk = os.path.join(target.dir, "id_putty.ppk")
        if not os.path.exists(self.ppk):
            subprocess.run(["puttygen", target.client_key, "-O", "private", "-o", self.ppk],
                           check=True, capture_output=True)
        self.hostkeys = []
        for fp in target.host_fingerprints():
            self.hostkeys += ["-hostkey", fp]

    def common(self, password=False):
        args = ["-batch", "-P", str(self.t.port), *self.hostkeys]
        args += ["-pw", self.t.password] if password else ["-i", self.ppk]
        return args + [f"{self.t.user}@127.0.0.1"]

    def command_argv(self, command, password=False):
        return ["plink", "-ssh", "-T", *self.common(password), command]

    def shell_argv(self):
        return ["plink", "-ssh", "-t", *self.common()]

    def forward_argv(self, spec):
        return ["plink", "-ssh", "-N", *spec, *self.common()]

    def sftp_put_get(self, src, remote, dst):
        batch = os.path.join(self.t.dir, "psftp_batch")
        with open(batch, "w") as f:
            f.write(f"put {src} {remote}\nget {remote} {dst}\nrm {remote}\n")
        return _run(["psftp", *self.common(), "-b", batch, "-bc"], timeout=120, env=self.env)


class ParamikoPeer:
    name = "paramiko"
    has_sftp = True

    def __init__(self, target):
        self.paramiko = _quiet_import("paramiko")
        self.t = target

    def connect(self, password=False, timeout=30):
        pm = self.paramiko
        client = pm.SSHClient()
        for line in self.t.host_key_lines():
            key_type, blob = line.split()[:2]
            client.get_host_keys().add(f"[127.0.0.1]:{self.t.port}", key_type, _paramiko_key(pm, key_type, blob))
        client.set_missing_host_key_policy(pm.RejectPolicy())
        kw = dict(hostname="127.0.0.1", port=self.t.port, username=self.t.user, timeout=timeout,
                  banner_timeout=timeout, auth_timeout=timeout, allow_agent=False, look_for_keys=False)
        if password:
            kw["password"] = self.t.password
        else:
            kw["key_filename"] = self.t.client_key
        client.connect(**kw)
        return client

    def exec(self, command, input=None, password=False, timeout=60):
        client = self.connect(password)
        try:
            chan = client.get_transport().open_session(timeout=timeout)
            chan.settimeout(timeout)
            chan.exec_command(command)
            errors = []
            stderr = []

            def feed():
                try:
                    # sendall() re-slices what is left after every packet: feed it small
                    # pieces, or 100 MB costs gigabytes of copying.
                    view = memoryview(input or b"")
                    for i in range(0, len(view), 1 << 18):
                        chan.sendall(bytes(view[i:i + (1 << 18)]))
                    chan.shutdown_write()
                except Exception as e:  # reported below, not lost in the thread
                    errors.append(e)

            def drain_stderr():
                try:
                    stderr.append(chan.makefile_stderr("rb").read())
                except Exception as e:
                    errors.append(e)

            threads = [threading.Thread(target=feed, daemon=True), threading.Thread(target=drain_stderr, daemon=True)]
            for th in threads:
                th.start()
            stdout = chan.makefile("rb").read()
            for th in threads:
                th.join(timeout)
            if errors:
                raise errors[0]
            status = chan.recv_exit_status()
            return Outcome(status, stdout, stderr[0] if stderr else b"")
        finally:
            client.close()

    def pty_shell(self, rows, cols, term):
        client = self.connect()
        chan = client.get_transport().open_session(timeout=30)
        chan.get_pty(term=term, width=cols, height=rows)
        chan.invoke_shell()
        return _ChannelShell(client, chan)

    def sftp_put_get(self, src, remote, dst):
        client = self.connect()
        try:
            sftp = client.open_sftp()
            sftp.put(src, remote)
            sftp.get(remote, dst)
            sftp.remove(remote)
            sftp.close()
            return Outcome(0, b"", b"")
        finally:
            client.close()

    def forward_local(self, echo_port, payload):
        client = self.connect()
        try:
            chan = client.get_transport().open_channel("direct-tcpip", ("127.0.0.1", echo_port),
                                                       ("127.0.0.1", 0), timeout=20)
            chan.settimeout(20)
            chan.sendall(payload)
            chan.shutdown_write()
            return chan.makefile("rb").read()
        finally:
            client.close()

    def forward_remote(self, echo_port, payload):
        client = self.connect()
        try:
            transport = client.get_transport()
            rport = transport.request_port_forward("127.0.0.1", free_port())
            result = {}

            def connect_and_echo():
                result["got"] = echo_through(rport, payload)

            th = threading.Thread(target=connect_and_echo, daemon=True)
            th.start()
            chan = transport.accept(20)  # the forwarded-tcpip channel: echo it ourselves
            if chan is None:
                raise AssertionError("no forwarded-tcpip channel opened")
            chan.settimeout(20)
            data = chan.makefile("rb").read()
            chan.sendall(data)
            chan.shutdown_write()
            th.join(20)
            chan.close()
            return result.get("got")
        finally:
            client.close()


def _paramiko_key(pm, key_type, blob):
    import base64
    classes = {"ssh-ed25519": pm.Ed25519Key, "ssh-rsa": pm.RSAKey}
    cls = classes.get(key_type, pm.ECDSAKey)
    return cls(data=base64.b64decode(blob))


class _ChannelShell:
    """send/expect/wait over a paramiko channel with a pty, like pty_driver.PtyProcess."""

    def __init__(self, client, chan):
        self.client = client
        self.chan = chan
        self.output = b""
        self._pos = 0

    def send(self, data):
        self.chan.sendall(data.encode() if isinstance(data, str) else data)

    def _read_some(self, timeout):
        r, _, _ = select.select([self.chan], [], [], max(0.0, timeout))
        if not r:
            return False
        chunk = self.chan.recv(65536)
        self.output += chunk
        return bool(chunk)

    def expect(self, marker, timeout=15):
        return _expect(self, marker, timeout)

    def wait(self, timeout=20):
        deadline = time.monotonic() + timeout
        while not self.chan.exit_status_ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"shell did not exit; output: {self.output[-2000:]!r}")
            self._read_some(0.05)
        return self.chan.recv_exit_status()

    def close(self):
        self.client.close()


def _expect(shell, marker, timeout):
    if isinstance(marker, str):
        marker = marker.encode()
    deadline = time.monotonic() + timeout
    while True:
        idx = shell.output.find(marker, shell._pos)
        if idx >= 0:
            end = idx + len(marker)
            seen = shell.output[shell._pos:end]
            shell._pos = end
            return seen
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {marker!r}; output: {shell.output[shell._pos:][-2000:]!r}")
        if not shell._read_some(min(left, 0.5)) and getattr(shell, "eof", False):
            raise AssertionError(f"EOF before {marker!r}; output: {shell.output[shell._pos:][-2000:]!r}")


class AsyncsshPeer:
    name = "asyncssh"
    has_sftp = True

    def __init__(self, target):
        self.asyncssh = _quiet_import("asyncssh")
        self.t = target
        self.loop = asyncio.new_event_loop()

    def run(self, coro, timeout=60):
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def close(self):
        self.loop.close()

    async def connect(self, password=False):
        kw = dict(port=self.t.port, username=self.t.user, known_hosts=self.t.known_hosts,
                  agent_path=None, login_timeout=30)
        if password:
            kw.update(password=self.t.password, client_keys=None, preferred_auth="password")
        else:
            kw.update(client_keys=[self.t.client_key], preferred_auth="publickey")
        return await self.asyncssh.connect("127.0.0.1", **kw)

    def exec(self, command, input=None, password=False, timeout=60):
        async def go():
            async with await self.connect(password) as conn:
                r = await conn.run(command, input=input or b"", encoding=None)
                return Outcome(r.exit_status, r.stdout, r.stderr)
        return self.run(go(), timeout)

    def pty_shell(self, rows, cols, term):
        async def go():
            conn = await self.connect()
            proc = await conn.create_process(term_type=term, term_size=(cols, rows), encoding=None)
            return conn, proc
        conn, proc = self.run(go(), 30)
        return _AsyncShell(self, conn, proc)

    def sftp_put_get(self, src, remote, dst):
        async def go():
            async with await self.connect() as conn:
                async with conn.start_sftp_client() as sftp:
                    await sftp.put(src, remote)
                    await sftp.get(remote, dst)
                    await sftp.remove(remote)
            return Outcome(0, b"", b"")
        return self.run(go(), 120)

    def forward_local(self, echo_port, payload):
        async def go():
            async with await self.connect() as conn:
                listener = await conn.forward_local_port("127.0.0.1", 0, "127.0.0.1", echo_port)
                got = await self.loop.run_in_executor(None, echo_through, listener.get_port(), payload)
                listener.close()
                return got
        return self.run(go(), 60)

    def forward_remote(self, echo_port, payload):

        async def go():
            async with await self.connect() as conn:
                listener = await conn.forward_remote_port("127.0.0.1", free_port(), "127.0.0.1", echo_port)
                got = await self.loop.run_in_executor(None, echo_through, listener.get_port(), payload)
                listener.close()
                return got
        return self.run(go(), 60)


class _AsyncShell:
    def __init__(self, peer, conn, proc):
        self.peer = peer
        self.conn = conn
        self.proc = proc
        self.output = b""
        self._pos = 0
        self.eof = False

    def send(self, data):
        self.proc.stdin.write(data.encode() if isinstance(data, str) else data)

    def _read_some(self, timeout):
        try:
            chunk = self.peer.run(self.proc.stdout.read(65536), max(0.01, timeout))
        except asyncio.TimeoutError:
            return False
        if not chunk:
            self.eof = True
            return False
        self.output += chunk
        return True

    def expect(self, marker, timeout=15):
        return _expect(self, marker, timeout)

    def wait(self, timeout=20):
        async def go():
            await self.proc.wait_closed()
            return self.proc.exit_status
        return self.peer.run(go(), timeout)

    def close(self):
        self.conn.close()
        try:
            self.peer.run(self.conn.wait_closed(), 10)
        except Exception:
            pass


PEERS = {p.name: p for p in (OpenSshPeer, DropbearPeer, PuttyPeer, ParamikoPeer, AsyncsshPeer)}


def missing_reason(name):
    """Why a peer cannot run here, or None."""
    needs = {"openssh": ["ssh", "sftp"], "dropbear": ["dbclient", "dropbearconvert"],
             "putty": ["plink", "psftp", "puttygen"]}
    for prog in needs.get(name, []):
        if shutil.which(prog) is None:
            return f"{prog} not installed"
    module = {"paramiko": "paramiko", "asyncssh": "asyncssh"}.get(name)
    if module:
        try:
            _quiet_import(module)
        except ImportError:
            return f"python3-{module} not installed"
    return None
