"""A raw, scriptable continuation client (PROTOCOL.continuation) on paramiko 2.12 internals,
for the security tests: it can do everything a correct client does, and everything a
hostile one would try instead.

- PeerTransport: a paramiko.Transport whose first KEXINIT carries the client marker
  (§2.1, never chosen: only our sshd's "-s-" marker is in the server list), which keeps
  K and H of its first key exchange (paramiko drops K at NEWKEYS), records every
  message it receives, counts connection-layer messages (§4.1) and lets the test send
  raw payloads.
- Victim: a login with an established continuation (§3), and what its owner can do: cut
  the TCP connection, send acknowledgements, make the server send counted messages,
  compute proofs (§6, §7.2) and resume on a new connection (§7).
- attempt_resume(): one resumption attempt with any user, handle, count and proof.

Key schedule (§6), HMAC-SHA256 with the key first; "string(x)" is uint32 length || x:
  P  = HMAC(mpint(K), "sshc continuation presecret v00" || string(H))
  S  = HMAC(P, "sshc continuation secret v00" || string(handle))
  S' = HMAC(S, "sshc continuation ratchet v00" || string(P_new))
  proof = HMAC(S, "sshc continuation proof v00" || string(H_new) || string(handle) || uint64(r_c))
"""
import hashlib
import hmac
import logging
import os
import socket
import struct
import threading
import time

import paramiko
from paramiko.message import Message

CLIENT_MARKER = "continuation-c-v01@sshc.dev"
SERVER_MARKER = "continuation-s-v01@sshc.dev"
SETUP_REQUEST = "continuation-setup@sshc.dev"
ACK_REQUEST = "continuation-ack@sshc.dev"
CONFIRM_REQUEST = "continuation-confirm@sshc.dev"
AUTH_METHOD = "continuation@sshc.dev"

MSG_DISCONNECT = 1
MSG_KEXINIT = 20
MSG_SERVICE_REQUEST = 5
MSG_SERVICE_ACCEPT = 6
MSG_USERAUTH_REQUEST = 50
MSG_USERAUTH_FAILURE = 51
MSG_USERAUTH_SUCCESS = 52
MSG_USERAUTH_BANNER = 53
MSG_GLOBAL_REQUEST = 80
MSG_REQUEST_SUCCESS = 81
MSG_REQUEST_FAILURE = 82

DEFAULT_REPLAY_LIMIT = 16 * 1024 * 1024

logging.getLogger("paramiko").setLevel(logging.CRITICAL)


# --- wire encodings and the key schedule (§6) ---------------------------------------------

def ssh_string(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def mpint(k):
    """RFC 4251 mpint of a non-negative integer, with its length prefix (as in H)."""
    m = Message()
    m.add_mpint(k)
    return m.asbytes()


def hmac256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def presecret(k, h):
    return hmac256(mpint(k), b"sshc continuation presecret v00" + ssh_string(h))


def resume_secret(p, handle):
    return hmac256(p, b"sshc continuation secret v00" + ssh_string(handle))


def ratchet(s, p_new):
    return hmac256(s, b"sshc continuation ratchet v00" + ssh_string(p_new))


def make_proof(s, h_new, handle, r_c):
    return hmac256(s, b"sshc continuation proof v00" + ssh_string(h_new) + ssh_string(handle) +
                   struct.pack(">Q", r_c))


def make_confirmation(s_new, h_new, handle):
    return hmac256(s_new, b"sshc continuation confirm v01" + ssh_string(h_new) + ssh_string(handle))


def confirm_payload(mac):
    return global_request(CONFIRM_REQUEST, False, ssh_string(mac))


def global_request(name, want_reply, data=b""):
    return bytes([MSG_GLOBAL_REQUEST]) + ssh_string(name) + bytes([1 if want_reply else 0]) + data


def ack_payload(count):
    return global_request(ACK_REQUEST, False, struct.pack(">Q", count))


def setup_payload(replay_limit=DEFAULT_REPLAY_LIMIT, timeout_s=0):
    return global_request(SETUP_REQUEST, True, struct.pack(">QI", replay_limit, timeout_s))


def disconnect_payload(reason=11, description="bye"):
    # RFC 4253 §11.1; 11 is SSH_DISCONNECT_BY_APPLICATION.
    return bytes([MSG_DISCONNECT]) + struct.pack(">I", reason) + ssh_string(description) + ssh_string("")


def resume_auth_payload(user, handle, r_c, proof, method=AUTH_METHOD):
    return (bytes([MSG_USERAUTH_REQUEST]) + ssh_string(user) + ssh_string("ssh-connection") +
            ssh_string(method) + ssh_string(handle) + struct.pack(">Q", r_c) + ssh_string(proof))


def _global_request_name(body):
    """The request name of a GLOBAL_REQUEST body (after the type byte), or None."""
    if len(body) < 4:
        return None
    n = struct.unpack(">I", body[:4])[0]
    return body[4:4 + n].decode(errors="replace") if len(body) >= 4 + n else None


class _RawAuthHandler:
    """Stands in for paramiko's AuthHandler so that the transport thread passes the
    authentication replies of a resumption to us instead of answering them with
    UNIMPLEMENTED (which our sshd would take as a protocol violation before login)."""

    def __init__(self, transport):
        self.transport = transport

    def _ignore(self, m):
        pass

    def abort(self):
        pass

    def is_authenticated(self):
        return False

    def get_username(self):
        return None

    _handler_table = {MSG_SERVICE_ACCEPT: _ignore, MSG_USERAUTH_FAILURE: _ignore,
                      MSG_USERAUTH_SUCCESS: _ignore, MSG_USERAUTH_BANNER: _ignore}


class PeerTransport(paramiko.Transport):
    """paramiko.Transport with the continuation marker, K/H capture, a log of received
    messages and §4.1 counting in both directions."""

    def __init__(self, port, host="127.0.0.1", timeout=10, source=None):
        self.raw_sock = socket.create_connection((host, port), timeout=timeout,
                                                 source_address=(source, 0) if source else None)
        self.raw_sock.settimeout(None)
        self.local_port = self.raw_sock.getsockname()[1]
        super().__init__(self.raw_sock)
        # A marker in the list we offer, but no kex engine for it: paramiko picks the
        # first of its own names the server lists, and the server never lists this one.
        self._preferred_kex = tuple(self._preferred_kex) + (CLIENT_MARKER,)
        self.first_k = None
        self.first_h = None
        self.received_log = []  # (type, body without the type byte)
        self.cond = threading.Condition()
        # §4.1 counting, switched on by the owner.
        self.count_in = False
        self.count_out = False
        self.received = 0       # counted messages received from the server
        self.acks_in = []       # counts carried by the server's acknowledgements
        self.sent = 0           # counted messages we sent
        self.sent_log = []      # their payloads, for retransmission (§7.4)
        self.disconnect = None  # (code, description) of a DISCONNECT from the server
        # Counting switches on in the receiving thread, at the exact message: after the
        # setup reply (§3.3), or after USERAUTH_SUCCESS of a resumption (§7.4), where it
        # goes on from r_c.
        self.awaiting_setup = False
        self.resume_base = None
        # Hostile-peer knobs: message types hidden from paramiko (logged, not handled),
        # and a gate that stops the reading thread (the socket fills up).
        self.hide_incoming = set()
        self.reading = threading.Event()
        self.reading.set()
        self._wrap_packetizer()

    def _set_K_H(self, k, h):
        if self.first_k is None:
            self.first_k, self.first_h = k, h
        super()._set_K_H(k, h)

    def _wrap_packetizer(self):
        read, send = self.packetizer.read_message, self.packetizer.send_message

        def read_message():
            while True:
                self.reading.wait()
                ptype, m = read()
                self._on_receive(ptype, m.asbytes())
                if ptype not in self.hide_incoming:
                    return ptype, m

        def send_message(data):
            payload = data if isinstance(data, bytes) else data.asbytes()
            if self.count_out and self._counted(payload[0], payload[1:]):
                self.sent += 1
                self.sent_log.append(payload)
            send(data)

        self.packetizer.read_message = read_message
        self.packetizer.send_message = send_message

    @staticmethod
    def _counted(ptype, body):
        if not 80 <= ptype <= 127:
            return False
        return not (ptype == MSG_GLOBAL_REQUEST and _global_request_name(body) in (SETUP_REQUEST, ACK_REQUEST, CONFIRM_REQUEST))

    def _on_receive(self, ptype, body):
        with self.cond:
            self.received_log.append((ptype, body))
            if ptype == MSG_DISCONNECT:
                m = Message(body)
                self.disconnect = (m.get_int(), m.get_text())
            if self.awaiting_setup and ptype in (MSG_REQUEST_SUCCESS, MSG_REQUEST_FAILURE):
                self.awaiting_setup = False
                self.count_in = ptype == MSG_REQUEST_SUCCESS
                self.cond.notify_all()
                return
            if ptype == MSG_USERAUTH_SUCCESS and self.resume_base is not None:
                self.received = self.resume_base
                self.count_in = True
            if self.count_in and 80 <= ptype <= 127:
                if ptype == MSG_GLOBAL_REQUEST and _global_request_name(body) == ACK_REQUEST:
                    self.acks_in.append(struct.unpack(">Q", body[-8:])[0])
                else:
                    self.received += 1
            self.cond.notify_all()

    # --- driving the connection ---

    def handshake(self, timeout=15):
        self.start_client(timeout=timeout)
        if not self.active or self.session_id is None or self.first_k is None:
            raise paramiko.SSHException(f"key exchange did not finish: {self.get_exception()!r}")
        return self

    @property
    def presecret(self):
        return presecret(self.first_k, self.first_h)

    def send_raw(self, payload):
        self._send_user_message(payload)

    def wait_message(self, types, start=0, timeout=10):
        """Index and (type, body) of the first received message at index >= start whose
        type is in types; also returns on DISCONNECT or a closed transport. None on
        timeout or close without such a message."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.received_log)):
                    if self.received_log[i][0] in types or self.received_log[i][0] == MSG_DISCONNECT:
                        return i, self.received_log[i]
                left = deadline - time.monotonic()
                if left <= 0 or not self.active:
                    return None
                self.cond.wait(min(left, 0.1))

    def wait_closed(self, timeout=10):
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.active

    def wait_acks(self, n, timeout=10):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.acks_in) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.1))
            return True

    def cut(self):
        """Loses the TCP connection without a word (no DISCONNECT): the server sees EOF."""
        try:
            self.raw_sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close()

    def stall_rekey(self):
        """Starts a key re-exchange and never finishes it: a raw KEXINIT goes out, the
        server's kex replies are hidden from paramiko, which goes on as if nothing
        happened. The server must hold its output meanwhile (RFC 4253 §7.1)."""
        self.hide_incoming |= {MSG_KEXINIT, 31, 32, 33, 34}
        lists = ["curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256",
                 "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
                 *["chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com"] * 2,
                 *["hmac-sha2-256-etm@openssh.com,hmac-sha2-256"] * 2,
                 "none", "none", "", ""]
        payload = bytes([MSG_KEXINIT]) + os.urandom(16) + b"".join(ssh_string(x) for x in lists) + b"\0" + b"\0" * 4
        self.packetizer.send_message(payload)

    def cut_hard(self):
        """Resets the TCP connection (RST): the server's next write fails."""
        try:
            self.raw_sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.raw_sock.close()
        self.close()

    def begin_raw_auth(self):
        """SERVICE_REQUEST ssh-userauth (§7.2), with the replies routed to our log."""
        self.auth_handler = _RawAuthHandler(self)
        self.send_raw(bytes([MSG_SERVICE_REQUEST]) + ssh_string("ssh-userauth"))


class Outcome:
    """What the server made of one USERAUTH_REQUEST: 'success', 'failure',
    'disconnect' (with the description) or 'closed'/'timeout'."""

    def __init__(self, kind, detail=None, index=None):
        self.kind = kind
        self.detail = detail
        self.index = index

    def __repr__(self):
        return f"Outcome({self.kind!r}, {self.detail!r})"


def send_resume_auth(t, user, handle, r_c, proof, start=0, timeout=15):
    """Sends a §7.2 request on t (after begin_raw_auth) and waits for the answer."""
    t.resume_base = r_c
    t.send_raw(resume_auth_payload(user, handle, r_c, proof))
    got = t.wait_message({MSG_USERAUTH_SUCCESS, MSG_USERAUTH_FAILURE}, start=start, timeout=timeout)
    if got is None:
        return Outcome("closed" if not t.active else "timeout")
    i, (ptype, body) = got
    if ptype == MSG_USERAUTH_SUCCESS:
        return Outcome("success", index=i)
    if ptype == MSG_USERAUTH_FAILURE:
        return Outcome("failure", Message(body).get_list(), index=i)
    return Outcome("disconnect", t.disconnect, index=i)


def attempt_resume(port, user, handle, r_c, proof_fn, timeout=15, source=None):
    """One resumption on a fresh connection (from the local address source, if given):
    proof_fn(H_new) gives the proof. Returns (outcome, transport); the caller closes the
    transport."""
    t = PeerTransport(port, timeout=timeout, source=source)
    try:
        t.handshake(timeout)
        t.begin_raw_auth()
        return send_resume_auth(t, user, handle, r_c, proof_fn(t.session_id), timeout=timeout), t
    except Exception:
        t.close()
        raise


class Victim:
    """A session with an established continuation, driven by its rightful owner."""

    def __init__(self, port, user, key_path, timeout_s=0, replay_limit=DEFAULT_REPLAY_LIMIT):
        self.port = port
        self.user = user
        self.key = paramiko.Ed25519Key.from_private_key_file(key_path)
        t = PeerTransport(port)
        try:
            t.handshake()
            t.auth_publickey(user, self.key)
            self._setup(t, replay_limit, timeout_s)
        except Exception:
            t.close()
            raise
        self.t = t
        self.transports = [t]

    def _setup(self, t, replay_limit, timeout_s):
        start = len(t.received_log)
        t.awaiting_setup = True
        t.count_out = True  # §4.1: what we send after the request is counted
        t.send_raw(setup_payload(replay_limit, timeout_s))
        got = t.wait_message({MSG_REQUEST_SUCCESS, MSG_REQUEST_FAILURE}, start=start)
        if got is None or got[1][0] != MSG_REQUEST_SUCCESS:
            raise AssertionError(f"continuation setup refused: {got!r}")
        m = Message(got[1][1])
        self.handle = m.get_binary()
        self.timeout_s = m.get_int()
        self.server_replay_limit = m.get_int64()
        self.secret = resume_secret(t.presecret, self.handle)  # §3.4
        self.first_session_id = t.session_id

    @property
    def received(self):
        return self.t.received

    def proof(self, h_new, r_c=None, secret=None):
        return make_proof(secret or self.secret, h_new, self.handle, self.received if r_c is None else r_c)

    def cut(self):
        self.t.cut()

    def send_ack(self, count):
        self.t.send_raw(ack_payload(count))

    def provoke(self, n=1, timeout=10):
        """Makes the server send n counted messages: want-reply global requests it does
        not know, each answered by REQUEST_FAILURE (RFC 4254 §4)."""
        for _ in range(n):
            start = len(self.t.received_log)
            self.t.send_raw(global_request("no-such-request@sshc.dev", True))
            got = self.t.wait_message({MSG_REQUEST_FAILURE, MSG_REQUEST_SUCCESS}, start=start, timeout=timeout)
            if got is None or got[1][0] == MSG_DISCONNECT:
                raise AssertionError(f"no reply to a global request: {got!r}")

    def resume(self, r_c=None, proof_fn=None, user=None, timeout=15, confirm=True):
        """A resumption on a new connection; on success this becomes the session's
        connection (ratchet, §6.3; acknowledgement, confirmation and retransmission,
        §7.4). confirm=False leaves the server's ratchet pending, as a lost
        confirmation would."""
        r = self.received if r_c is None else r_c
        proof_fn = proof_fn or (lambda h: self.proof(h, r))
        outcome, t = attempt_resume(self.port, user or self.user, self.handle, r, proof_fn, timeout)
        self.transports.append(t)
        if outcome.kind != "success":
            return outcome, t
        old = self.t
        t.count_out = True
        self.secret = ratchet(self.secret, t.presecret)
        if not t.wait_acks(1, timeout):
            return Outcome("no-ack"), t
        r_s = t.acks_in[0]
        if confirm:
            t.send_raw(confirm_payload(make_confirmation(self.secret, t.session_id, self.handle)))
        # §7.4: what the server did not get, again, in order.
        for payload in old.sent_log[r_s:] if r_s <= old.sent else []:
            t.send_raw(payload)
        t.sent = old.sent
        t.sent_log = list(old.sent_log)
        if old.active:
            old.close()
        self.t = t
        return outcome, t

    def end(self, timeout=10):
        """Ends the session for good (DISCONNECT, not a loss), resuming it first if it is
        suspended, so that no test leaves a suspended session behind on the server."""
        try:
            if not self.t.active:
                outcome, _ = self.resume(timeout=timeout)
                if outcome.kind != "success":
                    return
            self.t.send_raw(disconnect_payload())
            self.t.wait_closed(2)
        except Exception:
            pass

    def close(self):
        self.end()
        for t in self.transports:
            try:
                t.close()
            except Exception:
                pass


def random_handle():
    return os.urandom(32)
