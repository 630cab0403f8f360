"""A fault-injecting TCP proxy on loopback, for the session-continuation tests.

ChaosProxy(target_port) listens on 127.0.0.1:<free port> and forwards every accepted
connection to the target. Faults, all callable from any thread:

- reset():         abort every live connection with an RST both ways (SO_LINGER 0, close).
- blackhole():     stop forwarding on every live connection but keep its sockets open (a
                   half-open link: nothing is read, nothing is delivered, no FIN, no RST).
                   Connections accepted afterwards forward normally.
- set_delay(ms):   one-way delay added to every chunk, both directions, order preserved.
- set_rate(bps):   optional bandwidth cap per direction (bytes/s), None for none.
- pause_accepting() / resume_accepting(): close / re-open the listener on the same port,
                   so new connections are refused (ECONNREFUSED) meanwhile.
- cut_randomly(n, min_interval, max_interval, mode): n cuts in the background.
- set_s2c_filter(fn): fn(conn_id, chunk) -> the bytes of that server-to-client chunk
                   to forward (e.g. ssh_stream.PacketCutter drops from the n-th packet).

Design: one I/O thread runs a selectors loop over every socket (no busy loop: it sleeps
in select() until a socket is ready, a delayed chunk falls due, or a control command
arrives on a wake-up socketpair). Each direction of each connection has a FIFO of
(deliver_at, bytes): a chunk read at time t is written at t + delay, so the two
directions are delayed independently and each keeps its order. Control calls are run
by the I/O thread itself (it owns every socket), and return once done: after reset()
returns, the RSTs have been sent.

Event log: `log` holds (monotonic time, connection id, 'c2s'|'s2c', nbytes) for every
chunk read, stamped when the proxy read it. flights() / count_round_trips() turn that
into direction alternations.
"""
import collections
import random
import selectors
import socket
import struct
import threading
import time

C2S = "c2s"
S2C = "s2c"
_READ_SIZE = 256 * 1024
_QUEUE_LIMIT = 1 << 20  # bytes queued per direction before the proxy stops reading


class _Pipe:
    """One direction of a connection: read from src, queued, written to dst."""

    def __init__(self, name, src, dst):
        self.name = name
        self.src = src
        self.dst = dst
        self.queue = collections.deque()  # [deliver_at, bytes, offset]
        self.queued = 0
        self.eof = False       # src said FIN
        self.shut = False      # FIN passed on to dst
        self.rate_next = 0.0   # earliest deliver time under the rate cap
        self.bytes = 0

    def head_due(self, now):
        return bool(self.queue) and self.queue[0][0] <= now


class _Conn:
    def __init__(self, cid, client, upstream):
        self.id = cid
        self.client = client
        self.upstream = upstream
        self.state = "forwarding"  # -> "blackholed" | "closed"
        self.accepted_at = time.monotonic()
        self.c2s = _Pipe(C2S, client, upstream)
        self.s2c = _Pipe(S2C, upstream, client)
        self.masks = {}  # socket -> registered event mask

    def pipes(self):
        return (self.c2s, self.s2c)

    def age(self):
        return time.monotonic() - self.accepted_at


def _set_rst_on_close(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


class ChaosProxy:
    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.sel = selectors.DefaultSelector()
        self.listener = None
        self.port = 0
        self._open_listener()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self.sel.register(self._wake_r, selectors.EVENT_READ, ("wake", None))
        self._commands = collections.deque()
        self._lock = threading.Lock()
        self.conns = {}          # id -> _Conn, live or blackholed
        self.next_id = 1
        self.delay = 0.0         # seconds, one way
        self.rate = None         # bytes/s per direction
        self.log = []            # (t, conn id, direction, nbytes)
        self.events = []         # (t, kind, [conn ids]) for accept/reset/blackhole/close
        self.accepted = 0
        self.cuts = 0            # cuts that hit at least one connection
        self.resets = 0
        self.blackholes = 0
        self._armed = None       # pending cut: dict(mode, bytes_left, deadline, done)
        self.s2c_filter = None   # fn(conn id, chunk) -> bytes to forward
        self._cutter = None
        self._cut_stop = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="chaos-proxy", daemon=True)
        self._thread.start()

    # --- public control -------------------------------------------------------------

    def reset(self):
        """Aborts every forwarding connection with RST both ways; returns how many."""
        return self._call(lambda: self._cut_all("reset"))

    def blackhole(self):
        """Freezes every forwarding connection (sockets stay open); returns how many."""
        return self._call(lambda: self._cut_all("blackhole"))

    def release_blackholed(self):
        """Resets the connections frozen by blackhole() (as a TCP timeout would, late)."""
        def run():
            for c in [c for c in self.conns.values() if c.state == "blackholed"]:
                self._abort(c)
        self._call(run)

    def set_delay(self, ms):
        self.delay = max(0.0, ms / 1000.0)

    def set_s2c_filter(self, fn):
        self.s2c_filter = fn

    def set_rate(self, bytes_per_second):
        self.rate = bytes_per_second or None

    def pause_accepting(self):
        self._call(self._close_listener)

    def resume_accepting(self):
        self._call(self._open_listener)

    def active_connections(self):
        return self._call(lambda: [c.id for c in self.conns.values() if c.state == "forwarding"])

    def conn_accepted_at(self, cid):
        c = self.conns.get(cid)
        if c is not None:
            return c.accepted_at
        for t, kind, ids in list(self.events):
            if kind == "accept" and ids == [cid]:
                return t
        return None

    def newest_connection(self):
        ids = [ids[0] for _, kind, ids in list(self.events) if kind == "accept"]
        return ids[-1] if ids else None

    def cut_randomly(self, n, min_interval=0.3, max_interval=1.5, mode="reset",
                     on_traffic=True, idle_fallback=1.0, max_offset=256 * 1024, seed=None):
        """Starts a background thread doing n cuts. Before each: wait a random interval
        in [min_interval, max_interval] after the previous cut, and until a forwarding
        connection at least min_interval old exists (so cuts do not only ever hit resume
        handshakes). With on_traffic, the cut then lands inside the data stream: after a
        random 0..max_offset further bytes through the proxy, or after idle_fallback s
        without traffic. mode: 'reset', 'blackhole' or 'mix' (random per cut).
        Returns the thread; cuts are counted in self.cuts, kinds in resets/blackholes."""
        rng = random.Random(seed)

        stop = self._cut_stop

        def run():
            for _ in range(n):
                if stop.wait(rng.uniform(min_interval, max_interval)):
                    return
                while not stop.is_set():
                    ages = self._call(lambda: [c.age() for c in self.conns.values()
                                               if c.state == "forwarding"])
                    if ages and max(ages) >= min_interval:
                        break
                    stop.wait(0.05)
                kind = rng.choice(("reset", "blackhole")) if mode == "mix" else mode
                done = threading.Event()
                offset = rng.randint(0, max_offset) if on_traffic else 0
                armed = {"mode": kind, "bytes_left": offset, "done": done,
                         "deadline": time.monotonic() + (idle_fallback if on_traffic else 0)}
                self._call(lambda: self._arm(armed))
                while not done.wait(0.2):
                    if stop.is_set():
                        return
        self._cutter = threading.Thread(target=run, name="chaos-cutter", daemon=True)
        self._cutter.start()
        return self._cutter

    def stop_cutting(self, timeout=5):
        """Ends a cut_randomly() run early (used by stop())."""
        if self._cutter is not None:
            self._cut_stop.set()
            self._cutter.join(timeout)
            self._cutter = None
            self._cut_stop = threading.Event()
        self._call(lambda: setattr(self, "_armed", None))

    def stop(self):
        self._cut_stop.set()
        if self._cutter is not None:
            self._cutter.join(5)
        self._stop.set()
        self._wake()
        self._thread.join(5)
        for c in list(self.conns.values()):
            self._abort(c)
        self._close_listener()
        for s in (self._wake_r, self._wake_w):
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- the event log ----------------------------------------------------------------

    def chunks(self, conn_id, until_time=None):
        return [e for e in list(self.log)
                if e[1] == conn_id and (until_time is None or e[0] <= until_time)]

    def flights(self, conn_id, until_time=None, merge_s=None):
        """Groups conn_id's chunks into flights: maximal runs in one direction. A chunk
        in the other direction that arrives within merge_s of the last chunk going the
        opposite way cannot be an answer to it (an answer takes at least one one-way
        delay to come back through the proxy): it joins the current flight as concurrent
        traffic instead of starting a new one. merge_s defaults to half the current
        one-way delay. Returns [(direction, t_first, t_last, nbytes)]."""
        if merge_s is None:
            merge_s = self.delay / 2
        flights = []
        last_seen = {C2S: None, S2C: None}
        for t, _, direction, n in self.chunks(conn_id, until_time):
            other = S2C if direction == C2S else C2S
            if not flights:
                flights.append([direction, t, t, n])
            elif flights[-1][0] == direction:
                flights[-1][2], flights[-1][3] = t, flights[-1][3] + n
            elif last_seen[other] is not None and t - last_seen[other] < merge_s:
                flights[-1][2], flights[-1][3] = t, flights[-1][3] + n
            else:
                flights.append([direction, t, t, n])
            last_seen[direction] = t
        return [tuple(f) for f in flights]

    def count_round_trips(self, conn_id, until_time=None, merge_s=None):
        """Client->server then server->client turns on conn_id up to until_time: the
        number of server flights that answer a client flight (see flights())."""
        fl = self.flights(conn_id, until_time, merge_s)
        return sum(1 for a, b in zip(fl, fl[1:]) if a[0] == C2S and b[0] == S2C)

    # --- the I/O thread ---------------------------------------------------------------

    def _call(self, fn, timeout=10):
        if threading.current_thread() is self._thread:
            return fn()
        box = {}
        done = threading.Event()
        with self._lock:
            self._commands.append((fn, box, done))
        self._wake()
        if not done.wait(timeout):
            raise RuntimeError("chaos proxy: I/O thread did not answer")
        if "error" in box:
            raise box["error"]
        return box.get("result")

    def _wake(self):
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _open_listener(self):
        if self.listener is not None:
            return
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        s.setblocking(False)
        self.port = s.getsockname()[1]
        self.listener = s
        self.sel.register(s, selectors.EVENT_READ, ("listen", None))

    def _close_listener(self):
        if self.listener is None:
            return
        try:
            self.sel.unregister(self.listener)
        except (KeyError, ValueError):
            pass
        self.listener.close()
        self.listener = None

    def _loop(self):
        while not self._stop.is_set():
            timeout = self._next_timeout()
            for key, mask in self.sel.select(timeout):
                kind, conn = key.data
                if kind == "wake":
                    self._run_commands()
                elif kind == "listen":
                    self._accept()
                elif conn.state == "forwarding":
                    self._on_socket(conn, key.fileobj, mask)
            self._check_armed()
            for c in list(self.conns.values()):
                self._update(c)
        self._run_commands()

    def _run_commands(self):
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass
        while True:
            with self._lock:
                if not self._commands:
                    return
                fn, box, done = self._commands.popleft()
            try:
                box["result"] = fn()
            except Exception as e:  # handed back to the caller
                box["error"] = e
            done.set()

    def _next_timeout(self):
        now = time.monotonic()
        wake = now + 0.5
        for c in self.conns.values():
            if c.state != "forwarding":
                continue
            for p in c.pipes():
                if p.queue and p.queue[0][0] > now:
                    wake = min(wake, p.queue[0][0])
        if self._armed is not None:
            wake = min(wake, self._armed["deadline"])
        return max(0.0, wake - now)

    def _accept(self):
        try:
            client, _ = self.listener.accept()
        except (BlockingIOError, OSError):
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _set_rst_on_close(client)
            client.close()
            return
        for s in (client, upstream):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c = _Conn(self.next_id, client, upstream)
        self.next_id += 1
        self.conns[c.id] = c
        self.accepted += 1
        self.events.append((c.accepted_at, "accept", [c.id]))
        self._update(c)

    def _on_socket(self, c, sock, mask):
        if mask & selectors.EVENT_WRITE:
            pipe = c.c2s if sock is c.upstream else c.s2c
            self._write(c, pipe)
        if c.state == "forwarding" and mask & selectors.EVENT_READ:
            pipe = c.c2s if sock is c.client else c.s2c
            self._read(c, pipe)

    def _read(self, c, pipe):
        try:
            data = pipe.src.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._abort(c)  # the peer reset: pass the RST on
            return
        now = time.monotonic()
        if not data:
            pipe.eof = True
            self._maybe_shut(c, pipe)
            return
        self.log.append((now, c.id, pipe.name, len(data)))
        pipe.bytes += len(data)
        if self._armed is not None:
            self._armed["bytes_left"] -= len(data)
            if self._armed["bytes_left"] <= 0:
                self._fire_armed()  # the chunk just read is lost with the connection
                return
        if pipe.name == S2C and self.s2c_filter is not None:
            data = self.s2c_filter(c.id, data)
            if not data:
                return
        at = now + self.delay
        if self.rate:
            at = max(at, pipe.rate_next)
            pipe.rate_next = at + len(data) / self.rate
        pipe.queue.append([at, data, 0])
        pipe.queued += len(data)

    def _write(self, c, pipe):
        now = time.monotonic()
        while pipe.head_due(now):
            item = pipe.queue[0]
            try:
                sent = pipe.dst.send(memoryview(item[1])[item[2]:])
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self._abort(c)
                return
            item[2] += sent
            pipe.queued -= sent
            if item[2] < len(item[1]):
                return
            pipe.queue.popleft()
        self._maybe_shut(c, pipe)

    def _maybe_shut(self, c, pipe):
        if pipe.eof and not pipe.queue and not pipe.shut:
            pipe.shut = True
            try:
                pipe.dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        if c.c2s.shut and c.s2c.shut:
            self._close(c, abort=False)

    def _update(self, c):
        """(Re)registers c's sockets for what each pipe can do now."""
        if c.state != "forwarding":
            return
        now = time.monotonic()
        for sock in (c.client, c.upstream):
            out = c.c2s if sock is c.client else c.s2c   # pipe sock reads for
            inc = c.s2c if sock is c.client else c.c2s   # pipe sock writes for
            mask = 0
            if not out.eof and out.queued < _QUEUE_LIMIT:
                mask |= selectors.EVENT_READ
            if inc.head_due(now):
                mask |= selectors.EVENT_WRITE
            old = c.masks.get(sock, 0)
            if mask == old:
                continue
            if old == 0:
                self.sel.register(sock, mask, ("conn", c))
            elif mask == 0:
                self.sel.unregister(sock)
            else:
                self.sel.modify(sock, mask, ("conn", c))
            c.masks[sock] = mask

    def _unregister(self, c):
        for sock, mask in list(c.masks.items()):
            if mask:
                try:
                    self.sel.unregister(sock)
                except (KeyError, ValueError):
                    pass
        c.masks.clear()

    def _close(self, c, abort):
        self._unregister(c)
        for sock in (c.client, c.upstream):
            if abort:
                _set_rst_on_close(sock)
            try:
                sock.close()
            except OSError:
                pass
        c.state = "closed"
        self.conns.pop(c.id, None)
        self.events.append((time.monotonic(), "reset" if abort else "close", [c.id]))

    def _abort(self, c):
        if c.state != "closed":
            self._close(c, abort=True)

    def _cut_all(self, mode):
        victims = [c for c in list(self.conns.values()) if c.state == "forwarding"]
        for c in victims:
            if mode == "reset":
                self._abort(c)
            else:
                self._unregister(c)
                for p in c.pipes():
                    p.queue.clear()
                    p.queued = 0
                c.state = "blackholed"
        if victims:
            self.events.append((time.monotonic(), mode, [c.id for c in victims]))
            self.cuts += 1
            if mode == "reset":
                self.resets += 1
            else:
                self.blackholes += 1
        return len(victims)

    def _arm(self, armed):
        self._armed = armed
        if armed["bytes_left"] <= 0 and armed["deadline"] <= time.monotonic():
            self._check_armed()

    def _fire_armed(self):
        armed, self._armed = self._armed, None
        if self._cut_all(armed["mode"]):
            armed["done"].set()
        else:
            self._armed = armed  # nothing to cut yet: wait for a connection
            armed["deadline"] = time.monotonic() + 0.05

    def _check_armed(self):
        if self._armed is not None and time.monotonic() >= self._armed["deadline"]:
            self._fire_armed()
