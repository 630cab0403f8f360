"""Scripted fake SSH servers for testing how our `ssh` copes with a hostile or broken peer.

Three kinds of peer, all on 127.0.0.1 and all stopping by themselves:

- ScriptedServer: a raw TCP listener that runs a Python function per connection. The
  function gets a Peer (a socket with SSH framing helpers for the plaintext phase before
  the first NEWKEYS) and can send garbage, truncated or oversized packets, odd KEXINITs...
- BitFlipProxy: a relay between the client and a real server (stock sshd) that flips one
  bit in the server->client stream a few bytes after the server's NEWKEYS, i.e. inside the
  first encrypted packet, so the client must see a MAC (or AEAD tag) failure.
- ParamikoServer: a real SSH server (python3-paramiko) whose behaviour a test can bend:
  a host key whose signatures are corrupted, or a bogus message after authentication.

Every blocking wait is bounded (kMaxWait) so a test that goes wrong fails instead of
hanging; threads are daemons and stop() joins them.
"""
import os
import select
import socket
import struct
import threading

kMaxWait = 30.0

# RFC 4253 §12 / RFC 4252 §6 / RFC 4254 §9 message numbers.
MSG_DISCONNECT = 1
MSG_IGNORE = 2
MSG_KEXINIT = 20
MSG_NEWKEYS = 21
MSG_USERAUTH_SUCCESS = 52
MSG_CHANNEL_DATA = 94

SERVER_BANNER = b"SSH-2.0-FakeServer_1.0\r\n"
STRICT_SERVER = "kex-strict-s-v00@openssh.com"


# --- wire helpers (RFC 4251 §5) ---------------------------------------------------------

def u32(n):
    return struct.pack(">I", n)


def string(b):
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b


def name_list(names):
    return string(",".join(names))


def build_packet(payload, block=8, padding_length=None, packet_length=None, padding=None):
    """A plaintext binary packet (RFC 4253 §6). The overrides make it malformed on purpose:
    padding_length sets the padding-length byte only, packet_length the length field only."""
    if padding is None:
        pad = block - (5 + len(payload)) % block
        if pad < 4:
            pad += block
        padding = bytes(pad)
    length = 1 + len(payload) + len(padding)
    return (u32(length if packet_length is None else packet_length) +
            bytes([len(padding) if padding_length is None else padding_length]) +
            payload + padding)


def kexinit(kex=("curve25519-sha256", "curve25519-sha256@libssh.org"),
            host_key=("ssh-ed25519",), ciphers=("aes128-ctr",), macs=("hmac-sha2-256",),
            compression=("none",), strict=True, cookie=None):
    """An SSH_MSG_KEXINIT payload (RFC 4253 §7.1)."""
    kex = list(kex) + ([STRICT_SERVER] if strict else [])
    return (bytes([MSG_KEXINIT]) + (cookie or os.urandom(16)) +
            name_list(kex) + name_list(host_key) +
            name_list(ciphers) + name_list(ciphers) +
            name_list(macs) + name_list(macs) +
            name_list(compression) + name_list(compression) +
            name_list([]) + name_list([]) + b"\x00" + u32(0))


# --- a scripted raw server -------------------------------------------------------------

class Peer:
    """One accepted connection, seen from the fake server's side."""

    def __init__(self, sock, stop_event):
        self.sock = sock
        self.stop_event = stop_event
        self.buf = b""
        sock.settimeout(kMaxWait)

    def send(self, data):
        self.sock.sendall(data)

    def send_banner(self, banner=SERVER_BANNER):
        self.send(banner)

    def send_packet(self, payload, **kw):
        self.send(build_packet(payload, **kw))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("client closed the connection")
        self.buf += chunk

    def read_line(self):
        while b"\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_packet(self):
        """The payload of the client's next plaintext packet (before its first NEWKEYS)."""
        (length,) = struct.unpack(">I", self.read_exact(4))
        if length > 256 * 1024:
            raise ValueError(f"client sent packet length {length}")
        body = self.read_exact(length)
        return body[1:length - body[0]]

    def read_client_kexinit(self):
        """Reads the client's banner and KEXINIT; returns (banner, kexinit payload)."""
        banner = self.read_line()
        payload = self.read_packet()
        if payload[:1] != bytes([MSG_KEXINIT]):
            raise ValueError(f"expected KEXINIT, got message {payload[0]}")
        return banner, payload

    def stall(self):
        """Says nothing until the client goes away or the server is stopped."""
        end = kMaxWait * 4
        while not self.stop_event.is_set() and end > 0:
            r, _, _ = select.select([self.sock], [], [], 0.1)
            end -= 0.1
            if r:
                try:
                    if not self.sock.recv(65536):
                        return
                except OSError:
                    return

    def eof(self):
        """Half-closes (the client reads EOF) and waits for the client to hang up, so the
        client sees a clean EOF rather than a reset for data we never read."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return
        self.drain_until_eof()

    def drain_until_eof(self):
        """Reads and drops what the client sends until it closes (bounded)."""
        self.sock.settimeout(kMaxWait)
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass


class _Listener:
    """A loopback listener whose accept loop runs handle(sock) in one thread per client."""

    def __init__(self):
        self.stop_event = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.errors = []
        self.threads = []
        self.accept_thread = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self):
        self.accept_thread.start()
        return self

    def _accept_loop(self):
        while not self.stop_event.is_set():
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._run, args=(sock,), daemon=True)
            self.threads.append(t)
            t.start()

    def _run(self, sock):
        try:
            self.handle(sock)
        except (EOFError, OSError):
            pass  # the client went away first: that is the client's business
        except Exception as e:  # noqa: BLE001 - reported to the test through .errors
            self.errors.append(repr(e))
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def handle(self, sock):
        raise NotImplementedError

    def stop(self):
        self.stop_event.set()
        self.listener.close()
        self.accept_thread.join(timeout=5)
        for t in self.threads:
            t.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class ScriptedServer(_Listener):
    """Runs script(peer) for each connection; the socket closes when the script returns."""

    def __init__(self, script):
        super().__init__()
        self.script = script

    def handle(self, sock):
        self.script(Peer(sock, self.stop_event))


# --- a bit-flipping relay in front of a real server -------------------------------------

class BitFlipProxy(_Listener):
    """Relays to 127.0.0.1:target_port and flips bit 0 of the server->client byte that lies
    `offset` bytes after the end of the server's (plaintext) NEWKEYS packet."""

    def __init__(self, target_port, offset=20):
        super().__init__()
        self.target_port = target_port
        self.offset = offset
        self.flipped = 0

    def handle(self, client):
        server = socket.create_connection(("127.0.0.1", self.target_port), timeout=kMaxWait)
        try:
            self._relay(client, server)
        finally:
            server.close()

    def _relay(self, client, server):
        scanner = _NewkeysScanner(self.offset)
        socks = [client, server]
        idle = 0.0
        while not self.stop_event.is_set() and idle < kMaxWait:
            r, _, _ = select.select(socks, [], [], 0.1)
            if not r:
                idle += 0.1
                continue
            idle = 0.0
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                if s is server:
                    data, flipped = scanner.process(data)
                    self.flipped += flipped
                    client.sendall(data)
                else:
                    server.sendall(data)


class _NewkeysScanner:
    """Follows the server's plaintext stream (banner, packets) up to the end of NEWKEYS and
    flips bit 0 of the byte `offset` bytes further on: inside the first encrypted packet."""

    def __init__(self, offset):
        self.offset = offset
        self.seen = bytearray()  # the stream so far, kept only until the target is known
        self.base = 0            # stream position of the next chunk's first byte
        self.target = None
        self.done = False

    def process(self, data):
        out = bytearray(data)
        flipped = 0
        if self.target is None:
            self.seen += data
            self.target = self._find_target()
        if not self.done and self.target is not None and self.base <= self.target < self.base + len(out):
            out[self.target - self.base] ^= 0x01
            flipped = 1
            self.done = True
            self.seen = bytearray()
        self.base += len(data)
        return bytes(out), flipped

    def _find_target(self):
        s = bytes(self.seen)
        pos = 0
        while True:  # lines before and including the banner (RFC 4253 §4.2)
            nl = s.find(b"\n", pos)
            if nl < 0:
                return None
            line, pos = s[pos:nl], nl + 1
            if line.startswith(b"SSH-"):
                break
        while pos + 6 <= len(s):
            (length,) = struct.unpack(">I", s[pos:pos + 4])
            if pos + 4 + length > len(s):
                return None
            kind = s[pos + 5]
            pos += 4 + length
            if kind == MSG_NEWKEYS:
                return pos + self.offset
        return None


# --- a real (paramiko) server that misbehaves on request --------------------------------

def _paramiko():
    try:
        import paramiko  # Debian: python3-paramiko
    except ImportError:
        return None
    return paramiko


def paramiko_available():
    return _paramiko() is not None


class ParamikoServer(_Listener):
    """An SSH server built on paramiko's Transport in server mode, accepting `none` auth
    for any user and exec requests.

    mode "bad-signature": the KEX reply carries a host key signature with one bit flipped.
    mode "bogus-after-auth": after USERAUTH_SUCCESS the server sends `bogus_payload`.
    mode "normal": behaves."""

    def __init__(self, host_key_path, mode="normal", bogus_payload=None):
        super().__init__()
        paramiko = _paramiko()
        self.paramiko = paramiko
        self.mode = mode
        self.bogus_payload = bogus_payload
        key_class = paramiko.Ed25519Key
        if mode == "bad-signature":
            key_class = _corrupting_key_class(paramiko)
        self.host_key = key_class(filename=host_key_path)

    def handle(self, sock):
        paramiko = self.paramiko
        transport = paramiko.Transport(sock)
        try:
            transport.add_server_key(self.host_key)
            done = threading.Event()
            transport.start_server(event=done, server=_permissive_interface(paramiko)())
            waited = 0.0
            while not self.stop_event.is_set() and transport.is_active() and waited < kMaxWait:
                if self.mode == "bogus-after-auth" and transport.is_authenticated():
                    msg = paramiko.Message(self.bogus_payload)
                    transport._send_message(msg)  # no public API sends arbitrary messages
                    self._wait_closed(transport)
                    return
                self.stop_event.wait(0.05)
                waited += 0.05
        finally:
            transport.close()

    def _wait_closed(self, transport):
        waited = 0.0
        while transport.is_active() and waited < kMaxWait and not self.stop_event.is_set():
            self.stop_event.wait(0.05)
            waited += 0.05


def _corrupting_key_class(paramiko):
    class CorruptSignatureKey(paramiko.Ed25519Key):
        def sign_ssh_data(self, data, algorithm=None):
            good = paramiko.Message(super().sign_ssh_data(data, algorithm).asbytes())
            alg = good.get_text()
            sig = bytearray(good.get_binary())
            sig[len(sig) // 2] ^= 0x01
            bad = paramiko.Message()
            bad.add_string(alg)
            bad.add_string(bytes(sig))
            return bad
    return CorruptSignatureKey


def _permissive_interface(paramiko):
    class Permissive(paramiko.ServerInterface):
        def get_allowed_auths(self, username):
            return "none"

        def check_auth_none(self, username):
            return paramiko.AUTH_SUCCESSFUL

        def check_channel_request(self, kind, chanid):
            if kind == "session":
                return paramiko.OPEN_SUCCEEDED
            return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

        def check_channel_exec_request(self, channel, command):
            return True
    return Permissive
