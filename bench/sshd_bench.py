#!/usr/bin/python3
"""Server benchmark: our `sshd` against stock OpenSSH `sshd`, both driven by the same
stock `ssh` client with the same key, kex and cipher, alternating within one run.

Measures, per cipher, bulk throughput (N bytes from a pipe into remote `cat >/dev/null`)
and the server's CPU seconds per GiB (all sshd processes of the connection), the
server's CPU per login (`ssh host true`), the memory of one idle session (PSS of its
sshd processes), and "pair vs pair": our ssh -> our sshd against stock ssh -> stock
sshd. Reports medians and ratios ours/stock.

Run with Debian's /usr/bin/python3 as root; see bench/README.md.
"""
import argparse
import ctypes
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "regress", "lib"))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import fixture  # noqa: E402  (regress/lib: StockSshd, OurSshd, keygen, ensure_test_user)
import client_bench as cb  # noqa: E402  (feeder, size parsing, medians)

KEX = cb.KEX
HOST_KEY_ALG = cb.HOST_KEY_ALG
GIB, MIB = cb.GIB, cb.MIB
CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36

# (label, Ciphers=, MACs= or None). AEAD ciphers carry their own tag.
CIPHERS = [
    ("chacha20-poly1305@openssh.com", "chacha20-poly1305@openssh.com", None),
    ("aes128-gcm@openssh.com", "aes128-gcm@openssh.com", None),
    ("aes256-ctr+hmac-sha2-256-etm@openssh.com", "aes256-ctr", "hmac-sha2-256-etm@openssh.com"),
]
# The remote command of a bulk run; `times` reports the CPU of the shell and of `cat`,
# which the script takes off: the figures are for the sshd processes alone.
BULK_COMMAND = "cat >/dev/null; times >&2"
# LogLevel INFO: no DEBUG1 lines costing server time; the fixture adds the rest (UsePAM
# no, StrictModes no, the test's AuthorizedKeysFile) to both servers alike.
SERVER_CONFIG = "LogLevel INFO\nMaxStartups 100:30:200"


def become_subreaper():
    """Orphans of the servers' process trees are re-parented to this script instead of
    init, so that their CPU time is not lost: the script reaps them and adds it up."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def stat_fields(pid):
    """/proc/<pid>/stat after the command name: field 3 of proc(5) is index 0."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def own_and_reaped_cpu(pid):
    """(utime+stime, cutime+cstime) of pid in seconds. The second part holds every
    descendant that was waited for, recursively, by the time it was reaped."""
    f = stat_fields(pid)
    return (int(f[11]) + int(f[12])) / CLK_TCK, (int(f[13]) + int(f[14])) / CLK_TCK


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except FileNotFoundError:
        pass
    return out


def descendants(pid):
    out, todo = [], children(pid)
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def exe(pid):
    try:
        return os.path.realpath(f"/proc/{pid}/exe")
    except OSError:
        return ""


def owner(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except FileNotFoundError:
        return None


def pss_kb(pid):
    """Proportional set size and RSS (KiB) from /proc/<pid>/smaps_rollup."""
    vals = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Pss:", "Rss:"):
                vals[parts[0][:-1]] = int(parts[1])
    return vals.get("Pss", 0), vals.get("Rss", 0)


def shell_times(stderr):
    """CPU seconds of the remote shell and its children, from `times` (dash or bash):
    two lines 'XmY.Zs XmY.Zs' (self user/sys, then children user/sys)."""
    vals = [int(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", stderr)]
    if len(vals) < 4:
        raise SystemExit(f"no `times` output from the remote shell: {stderr!r}")
    return sum(vals[-4:])


class Server:
    """One daemon (ours or stock) on a free loopback port, run with -D by the fixture."""

    def __init__(self, label, sshd_class, workdir):
        os.mkdir(workdir, 0o755)
        self.label = label
        self.sshd = sshd_class(workdir, SERVER_CONFIG, host_key_types=("ed25519",))
        self.binary = os.path.realpath(self.sshd.binary)
        self.port = self.sshd.port

    def start(self):
        self.sshd.start()
        self.pid = self.sshd.proc.pid
        return self

    def stop(self):
        self.sshd.stop()

    def cpu_so_far(self):
        """The listener's own CPU plus that of every reaped connection process."""
        own, reaped = own_and_reaped_cpu(self.pid)
        return own + reaped

    def live_cpu(self):
        """CPU so far of the listener and of the live sshd processes below it (their own
        time from schedstat, in ns, and their reaped children), leaving out the session's
        command (shell, cat): those are counted by `times` at the end."""
        total = self.cpu_so_far()
        for p in descendants(self.pid):
            try:
                if exe(p) != self.binary:
                    continue
                total += cb.cpu_ns(p) / 1e9 + own_and_reaped_cpu(p)[1]
            except (FileNotFoundError, ProcessLookupError):
                pass  # exited between the listing and the read
        return total

    def session_processes(self):
        return [p for p in descendants(self.pid) if exe(p) == self.binary]


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="sshc-sbench-")
        os.chmod(self.tmp, 0o755)
        self.user = fixture.ensure_test_user()
        self.uid = int(subprocess.run(["id", "-u", self.user], capture_output=True, text=True).stdout)
        os.environ["SSHD_BIN"] = args.sshd  # read by fixture.OurSshd
        self.servers = {"ours": Server("ours", fixture.OurSshd, os.path.join(self.tmp, "ours")),
                        "stock": Server("stock", fixture.StockSshd, os.path.join(self.tmp, "stock"))}
        self.key = fixture.keygen(os.path.join(self.tmp, "id_ed25519"))
        self.known_hosts = os.path.join(self.tmp, "known_hosts")
        with open(self.known_hosts, "w") as f:
            for s in self.servers.values():
                s.sshd.authorize(self.key + ".pub")
                f.write(f"[127.0.0.1]:{s.port} {s.sshd.host_pubkey_line('ed25519')}\n")
        for s in self.servers.values():
            s.start()
        self.listeners = {s.pid for s in self.servers.values()}
        self.orphan_cpu = 0.0  # CPU of connection processes re-parented to us and reaped
        self.orphans = []  # (server, command name, CPU seconds) of each
        self.env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
        self.clients = {"ours": args.ssh, "stock": args.stock}

    def close(self):
        for s in self.servers.values():
            s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def argv(self, server, client="stock", cipher=None, mac=None, command=("true",), extra=()):
        opts = ["-F", "/dev/null", "-p", str(self.servers[server].port), "-l", self.user,
                "-i", self.key, "-o", "IdentitiesOnly=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes", "-o", f"KexAlgorithms={KEX}",
                "-o", f"HostKeyAlgorithms={HOST_KEY_ALG}", *extra]
        if cipher:
            opts += ["-o", f"Ciphers={cipher}"]
        if mac:
            opts += ["-o", f"MACs={mac}"]
        return [self.clients[client], *opts, "127.0.0.1", *command]

    def reap_orphans(self, server):
        """Reaps exited processes re-parented to us (not the listeners); returns the
        number still running."""
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                break
            if info is None:
                break
            if info.si_pid in self.listeners:
                raise SystemExit(f"a server exited (pid {info.si_pid})")
            try:
                comm = stat_fields(info.si_pid) and open(f"/proc/{info.si_pid}/comm").read().strip()
            except OSError:
                comm = "?"
            _, _, usage = os.wait4(info.si_pid, 0)
            self.orphan_cpu += usage.ru_utime + usage.ru_stime
            self.orphans.append((server, comm, usage.ru_utime + usage.ru_stime))
        return len([p for p in children(os.getpid()) if p not in self.listeners])

    def settle(self, server, timeout=20):
        """Waits until the connection's processes are gone and reaped: the listener has
        no children left, nor do we (beyond the listeners)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not children(self.servers[server].pid) and self.reap_orphans(server) == 0:
                return
            time.sleep(0.005)
        raise SystemExit(f"{server} sshd: connection processes still running after {timeout}s")

    def server_cpu(self, server):
        return self.servers[server].cpu_so_far() + self.orphan_cpu

    def checked(self, what, run):
        if run.code != 0:
            raise SystemExit(f"{what} failed: exit {run.code}\n{run.stderr}")
        return run

    def bulk_run(self, server, client, cipher, mac):
        """One transfer; returns client figures and the server's CPU for the whole
        connection and for the steady stream (from the feeder's mark to the end)."""
        s = self.servers[server]
        before = self.server_cpu(server)
        marks = {}

        def on_mark():
            marks["server"] = s.live_cpu() + self.orphan_cpu

        r = run_client(self.argv(server, client, cipher, mac, [BULK_COMMAND]), self.args.size, self.env, on_mark)
        self.checked(f"{client} ssh -> {server} sshd ({cipher})", r)
        self.settle(server)
        command_cpu = shell_times(r.stderr)
        after = self.server_cpu(server) - command_cpu
        return {"wall": r.wall, "stream_wall": r.stream_wall, "client_cpu": r.cpu,
                "client_stream_cpu": r.stream_cpu, "server_cpu": after - before,
                "server_stream_cpu": after - marks["server"], "command_cpu": command_cpu}

    def bulk(self, label, cipher, mac, pairs):
        """pairs: {"ours": (server, client), "stock": (server, client)}."""
        samples = {"ours": [], "stock": []}
        for i in range(self.args.rounds):
            for which in cb.Bench.order(i):
                server, client = pairs[which]
                x = self.bulk_run(server, client, cipher, mac)
                samples[which].append(x)
                streamed = cb.stream_bytes(self.args.size)
                self.progress(f"  {label:42} {client:5} ssh -> {server:5} sshd "
                              f"{streamed / x['stream_wall'] / MIB:7.1f} MiB/s, server "
                              f"{x['server_stream_cpu'] * GIB / streamed:6.3f} CPU s/GiB, client "
                              f"{x['client_stream_cpu'] * GIB / streamed:6.3f}")
        return summarize_bulk(samples, self.args.size)

    def connects(self):
        """Server CPU per login: blocks of `ssh host true`, alternating servers."""
        samples = {"ours": [], "stock": []}
        block = max(1, min(10, self.args.connects))
        done = {"ours": 0, "stock": 0}
        i = 0
        while min(done.values()) < self.args.connects:
            for which in cb.Bench.order(i):
                n = min(block, self.args.connects - done[which])
                if n == 0:
                    continue
                self.settle(which)
                before = self.server_cpu(which)
                walls = []
                for _ in range(n):
                    r = self.checked(f"login to {which}", run_client(self.argv(which), None, self.env))
                    walls.append(r.wall)
                    self.settle(which)
                cpu = (self.server_cpu(which) - before) / n
                samples[which].append({"n": n, "server_cpu": cpu, "walls": walls})
                done[which] += n
                self.progress(f"  login x{n:<3} {which:5} sshd: server CPU {cpu * 1000:6.2f} ms per login")
            i += 1
        return summarize_connect(samples)

    def idle_memory(self):
        """PSS and RSS of the sshd processes of one idle `ssh -N` session."""
        out = {}
        for which, s in self.servers.items():
            self.settle(which)
            proc = subprocess.Popen(self.argv(which, command=(), extra=("-N",)), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env)
            try:
                deadline = time.monotonic() + 20
                # Logged in once a process of the session runs as the user.
                while not any(owner(p) == self.uid for p in s.session_processes()):
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit(f"idle session to {which} sshd did not start")
                    time.sleep(0.02)
                time.sleep(0.5)  # let the session reach its idle state
                pids = s.session_processes()
                mem = [pss_kb(p) for p in pids]
                out[which] = {"processes": len(pids), "pss_kib": sum(m[0] for m in mem),
                              "rss_kib": sum(m[1] for m in mem), "listener_pss_kib": pss_kb(s.pid)[0]}
                self.progress(f"  idle session {which:5} sshd: {len(pids)} processes, "
                              f"PSS {out[which]['pss_kib']} KiB, RSS {out[which]['rss_kib']} KiB")
            finally:
                proc.terminate()
                proc.wait()
            self.settle(which)
        out["pss_ratio"] = out["ours"]["pss_kib"] / out["stock"]["pss_kib"]
        out["rss_ratio"] = out["ours"]["rss_kib"] / out["stock"]["rss_kib"]
        return out

    def progress(self, line):
        if not self.args.quiet:
            print(line, file=sys.stderr, flush=True)


def run_client(argv, feed_size, env, on_mark=None, timeout=600):
    """client_bench.run_client, plus a callback at the stream mark (to sample the
    server's CPU at the same moment as the client's)."""
    feeder = mark_r = None
    stdin = subprocess.DEVNULL
    if feed_size is not None:
        mark_r, mark_w = os.pipe()
        feeder = subprocess.Popen([sys.executable, "-c", cb.FEEDER, str(feed_size), str(cb.STREAM_MARK),
                                   str(mark_w)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                  pass_fds=(mark_w,))
        os.close(mark_w)
        stdin = feeder.stdout
    errf = tempfile.TemporaryFile()
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=errf, env=env)
    pidfd = os.pidfd_open(proc.pid)
    if feeder:
        feeder.stdout.close()
    mark_time = mark_cpu = None
    watch = [pidfd] + ([mark_r] if mark_r is not None else [])
    deadline = start + timeout
    while True:
        ready, _, _ = select.select(watch, [], [], max(0.0, deadline - time.monotonic()))
        if mark_r in ready:
            mark_time, mark_cpu = time.monotonic(), cb.cpu_ns(proc.pid)
            if on_mark:
                on_mark()
            watch.remove(mark_r)
        if pidfd in ready:
            break
        if not ready:
            proc.kill()
    end = time.monotonic()
    end_cpu = cb.cpu_ns(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    os.close(pidfd)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if feeder:
        os.close(mark_r)
        feeder.kill()
        feeder.wait()
    errf.seek(0)
    err = errf.read().decode(errors="replace")
    errf.close()
    run = cb.Run(end - start, usage.ru_utime, usage.ru_stime, proc.returncode, err)
    if mark_time is not None:
        run.stream_wall = end - mark_time
        run.stream_cpu = (end_cpu - mark_cpu) / 1e9
    return run


def summarize_bulk(samples, size):
    out = {"samples": samples}
    streamed = cb.stream_bytes(size)
    med = cb.median
    for which, runs in samples.items():
        out[which] = {
            "mib_per_s": streamed / med([r["stream_wall"] for r in runs]) / MIB,
            "server_cpu_s_per_gib": med([r["server_stream_cpu"] for r in runs]) * GIB / streamed,
            "client_cpu_s_per_gib": med([r["client_stream_cpu"] for r in runs]) * GIB / streamed,
            "total_cpu_s_per_gib": med([r["server_stream_cpu"] + r["client_stream_cpu"] for r in runs]) * GIB / streamed,
            "end_to_end_mib_per_s": size / med([r["wall"] for r in runs]) / MIB,
            "end_to_end_server_cpu_s_per_gib": med([r["server_cpu"] for r in runs]) * GIB / size,
        }
    for key in ("mib_per_s", "server_cpu_s_per_gib", "total_cpu_s_per_gib", "end_to_end_mib_per_s",
                "end_to_end_server_cpu_s_per_gib"):
        out[key + "_ratio"] = out["ours"][key] / out["stock"][key]
    return out


def summarize_connect(samples):
    out = {"samples": samples}
    for which, blocks in samples.items():
        n = sum(b["n"] for b in blocks)
        out[which] = {"server_cpu_ms": sum(b["server_cpu"] * b["n"] for b in blocks) / n * 1000,
                      "wall_ms": cb.median([w for b in blocks for w in b["walls"]]) * 1000, "logins": n}
    out["server_cpu_ratio"] = out["ours"]["server_cpu_ms"] / out["stock"]["server_cpu_ms"]
    out["wall_ratio"] = out["ours"]["wall_ms"] / out["stock"]["wall_ms"]
    return out


def report(results, args):
    lines = []
    size = f"{args.size / MIB:g} MiB" if args.size < GIB else f"{args.size / GIB:g} GiB"
    lines.append(f"Server benchmark: {size} into `cat >/dev/null`, median of {args.rounds} round(s), "
                 f"kex {KEX}, host key {HOST_KEY_ALG}; ratio = ours/stock")
    lines.append(f"Steady stream after the first {cb.STREAM_MARK // MIB} MiB; server CPU = all sshd "
                 "processes of the connection (not the shell or cat)")
    for title, key in (("Same client (stock ssh), our sshd vs stock sshd", "bulk"),
                       ("Pair vs pair: our ssh -> our sshd vs stock ssh -> stock sshd", "pair")):
        if not results.get(key):
            continue
        lines.append("")
        lines.append(title)
        cpu_col = "server CPU s/GiB" if key == "bulk" else "client+server CPU s/GiB"
        head = (f"{'cipher':42} {'ours MiB/s':>10} {'stock MiB/s':>11} {'ratio':>6}   "
                f"{'ours ' + cpu_col:>28} {'stock':>8} {'ratio':>6}")
        lines.append(head)
        lines.append("-" * len(head))
        cpu_key = "server_cpu_s_per_gib" if key == "bulk" else "total_cpu_s_per_gib"
        for label, b in results[key].items():
            o, st = b["ours"], b["stock"]
            lines.append(f"{label:42} {o['mib_per_s']:10.1f} {st['mib_per_s']:11.1f} "
                         f"{b['mib_per_s_ratio']:6.2f}   {o[cpu_key]:28.3f} {st[cpu_key]:8.3f} "
                         f"{b[cpu_key + '_ratio']:6.2f}")
            if key == "bulk":
                e = "end_to_end_server_cpu_s_per_gib"
                lines.append(f"{'  end-to-end (incl. login)':42} {o['end_to_end_mib_per_s']:10.1f} "
                             f"{st['end_to_end_mib_per_s']:11.1f} {b['end_to_end_mib_per_s_ratio']:6.2f}   "
                             f"{o[e]:28.3f} {st[e]:8.3f} {b[e + '_ratio']:6.2f}")
    if "connect" in results:
        c = results["connect"]
        lines.append("")
        lines.append(f"Login: `ssh host true` x{c['ours']['logins']} per server (stock ssh, "
                     f"{args.connect_cipher}), sequential, alternating blocks")
        lines.append(f"{'':22} {'ours':>9} {'stock':>9} {'ratio':>6}")
        lines.append(f"{'server CPU ms/login':22} {c['ours']['server_cpu_ms']:9.2f} "
                     f"{c['stock']['server_cpu_ms']:9.2f} {c['server_cpu_ratio']:6.2f}")
        lines.append(f"{'client wall ms (median)':22} {c['ours']['wall_ms']:9.1f} {c['stock']['wall_ms']:9.1f} "
                     f"{c['wall_ratio']:6.2f}")
    if "memory" in results:
        m = results["memory"]
        lines.append("")
        lines.append("Idle `ssh -N` session: sshd processes of the session (listener not included)")
        lines.append(f"{'':22} {'ours':>9} {'stock':>9} {'ratio':>6}")
        lines.append(f"{'processes':22} {m['ours']['processes']:9d} {m['stock']['processes']:9d}")
        lines.append(f"{'PSS KiB':22} {m['ours']['pss_kib']:9d} {m['stock']['pss_kib']:9d} {m['pss_ratio']:6.2f}")
        lines.append(f"{'RSS KiB':22} {m['ours']['rss_kib']:9d} {m['stock']['rss_kib']:9d} {m['rss_ratio']:6.2f}")
        lines.append(f"{'listener PSS KiB':22} {m['ours']['listener_pss_kib']:9d} "
                     f"{m['stock']['listener_pss_kib']:9d}")
    lines.append("")
    counts = {w: sum(1 for o in results["orphans"] if o[0] == w) for w in ("ours", "stock")}
    lines.append(f"Connection processes orphaned before they were reaped (their CPU is counted "
                 f"through the subreaper): ours {counts['ours']}, stock {counts['stock']}")
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sshd", default=os.environ.get("SSHD_BIN", os.path.join(REPO, "build-rel", "sshd", "sshd")),
                   help="our server (default: $SSHD_BIN or build-rel/sshd/sshd; use a release build)")
    p.add_argument("--ssh", default=os.environ.get("SSH_BIN", os.path.join(REPO, "build-rel", "ssh", "ssh")),
                   help="our client, for pair vs pair (default: $SSH_BIN or build-rel/ssh/ssh)")
    p.add_argument("--stock", default=fixture.STOCK_SSH, help="stock OpenSSH client")
    p.add_argument("--size", type=cb.parse_size, default=256 * MIB,
                   help="bytes per bulk transfer, suffixes K/M/G (default 256M)")
    p.add_argument("--rounds", type=int, default=5, help="bulk rounds per server and cipher (default 5)")
    p.add_argument("--connects", type=int, default=50, help="`ssh host true` logins per server (default 50)")
    p.add_argument("--connect-cipher", default="chacha20-poly1305@openssh.com",
                   help="Ciphers= for the logins (default chacha20-poly1305@openssh.com)")
    p.add_argument("--cipher", action="append", metavar="LABEL",
                   help="only this cipher (repeatable; labels as in the table)")
    for part in ("bulk", "pair", "connect", "memory"):
        p.add_argument(f"--no-{part}", action="store_true", help=f"skip the {part} part")
    p.add_argument("--quick", action="store_true", help="64 MiB, 1 round, 10 logins")
    p.add_argument("--json", metavar="FILE", help="also write all results and samples as JSON")
    p.add_argument("--quiet", action="store_true", help="no per-run progress on stderr")
    p.add_argument("--serve", action="store_true",
                   help="only start both servers, print client command lines, wait for Ctrl-C")
    args = p.parse_args(argv)
    if args.quick:
        args.size, args.rounds, args.connects = 64 * MIB, 1, 10
    if args.size < 2 * cb.STREAM_MARK:
        p.error(f"--size must be at least {2 * cb.STREAM_MARK // MIB} MiB")
    if os.geteuid() != 0:
        p.error("run as root: the servers need privilege separation and the test user")
    for what, path in (("our sshd", args.sshd), ("our ssh", args.ssh)):
        if not os.access(path, os.X_OK):
            p.error(f"{what} not found at {path} (meson setup build-rel --buildtype=release)")
    cb.check_cipher_labels(p, args.cipher, CIPHERS)
    return args


def serve(bench):
    try:
        for which in ("ours", "stock"):
            print(f"{which} sshd (pid {bench.servers[which].pid}): head -c 1G /dev/zero | " +
                  shlex.join(bench.argv(which, "stock", "aes128-gcm@openssh.com", None, ["cat >/dev/null"])))
        print("(Ctrl-C stops the servers)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    return 0


def on_sigterm(signo, frame):
    raise KeyboardInterrupt()


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    become_subreaper()
    bench = Bench(args)
    results = {"size": args.size, "rounds": args.rounds, "kex": KEX, "sshd": args.sshd, "ssh": args.ssh,
               "stock": args.stock, "bulk": {}, "pair": {}}
    try:
        if args.serve:
            return serve(bench)
        if not args.no_connect:
            results["connect"] = bench.connects()
        if not args.no_memory:
            results["memory"] = bench.idle_memory()
        for label, cipher, mac in CIPHERS:
            if args.cipher and label not in args.cipher:
                continue
            if not args.no_bulk:
                results["bulk"][label] = bench.bulk(label, cipher, mac,
                                                    {"ours": ("ours", "stock"), "stock": ("stock", "stock")})
            if not args.no_pair:
                results["pair"][label] = bench.bulk(label, cipher, mac,
                                                    {"ours": ("ours", "ours"), "stock": ("stock", "stock")})
        results["orphans"] = bench.orphans
    finally:
        bench.close()
    print(report(results, args))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
