#!/usr/bin/python3
"""Client benchmark: our `ssh` against stock OpenSSH `ssh`, both talking to the same stock
`sshd` on loopback with the same key, kex and cipher, alternating within one run.

Measures, per cipher, bulk throughput (N bytes from a pipe into remote `cat >/dev/null`)
and the client's CPU seconds per GiB (user+sys of the ssh process, from wait4's rusage),
then the wall time and client CPU of `ssh host true`. Reports medians and ratios
ours/stock, and checks them against the targets of the performance issue.

Run with Debian's /usr/bin/python3; see bench/README.md.
"""
import argparse
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "regress", "lib"))
import fixture  # noqa: E402  (regress/lib: StockSshd, keygen, ensure_test_user)

KEX = "curve25519-sha256"
HOST_KEY_ALG = "ssh-ed25519"
GIB = 1 << 30
MIB = 1 << 20

# (label, Ciphers=, MACs= or None). AEAD ciphers carry their own tag.
CIPHERS = [
    ("chacha20-poly1305@openssh.com", "chacha20-poly1305@openssh.com", None),
    ("aes128-gcm@openssh.com", "aes128-gcm@openssh.com", None),
    ("aes256-gcm@openssh.com", "aes256-gcm@openssh.com", None),
    ("aes128-ctr+hmac-sha2-256-etm@openssh.com", "aes128-ctr", "hmac-sha2-256-etm@openssh.com"),
]
# Targets from the issue: (ciphers they apply to, throughput ratio >=, CPU/GB ratio <=).
BULK_TARGET_CIPHERS = {"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com"}
TARGET_THROUGHPUT = 1.2
TARGET_CPU_PER_GB = 0.8
TARGET_CONNECT_CPU = 0.5


# The feeder: writes N zero bytes to stdout in 256 KiB chunks, and one byte to the fd
# named by argv[3] once the first MARK bytes are out, so that the parent can time the
# steady stream apart from connection setup. Its own CPU is not the client's and is not
# counted.
FEEDER = """
import os, sys
size, mark, mark_fd = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
buf = bytes(256 * 1024)
done = 0
while done < size:
    n = os.write(1, memoryview(buf)[:min(len(buf), size - done)])
    if done < mark <= done + n:
        os.write(mark_fd, b"m")
    done += n
"""
STREAM_MARK = 4 * MIB  # well past the pipe buffer: data is flowing through the channel


class Run:
    """One finished client process: wall seconds, CPU seconds (user+sys) and exit code;
    for bulk runs also the wall and CPU seconds from the stream mark to the exit."""

    def __init__(self, wall, user, sys_, code, stderr, stream_wall=None, stream_cpu=None):
        self.wall, self.user, self.sys, self.code, self.stderr = wall, user, sys_, code, stderr
        self.stream_wall, self.stream_cpu = stream_wall, stream_cpu

    @property
    def cpu(self):
        return self.user + self.sys


def cpu_ns(pid):
    """Time the task has run on a CPU (user+sys) in ns: /proc/<pid>/schedstat, field 1.
    Readable for a zombie too, before it is reaped; it equals wait4's ru_utime+ru_stime."""
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def run_client(argv, feed_size=None, env=None, timeout=600):
    """Spawns argv, with stdin from the feeder when feed_size is given, and reaps it with
    wait4 for its rusage (only the ssh process's own CPU, not the feeder's)."""
    feeder = mark_r = None
    stdin = subprocess.DEVNULL
    if feed_size is not None:
        mark_r, mark_w = os.pipe()
        feeder = subprocess.Popen(
            [sys.executable, "-c", FEEDER, str(feed_size), str(STREAM_MARK), str(mark_w)],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, pass_fds=(mark_w,))
        os.close(mark_w)
        stdin = feeder.stdout
    errf = tempfile.TemporaryFile()
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=errf, env=env)
    pidfd = os.pidfd_open(proc.pid)
    if feeder:
        feeder.stdout.close()  # only ssh holds the read end now
    mark_time = mark_cpu = None
    watch = [pidfd] + ([mark_r] if mark_r is not None else [])
    deadline = start + timeout
    while True:
        ready, _, _ = select.select(watch, [], [], max(0.0, deadline - time.monotonic()))
        if mark_r in ready:
            mark_time, mark_cpu = time.monotonic(), cpu_ns(proc.pid)
            watch.remove(mark_r)
        if pidfd in ready:
            break
        if not ready:
            proc.kill()
    end = time.monotonic()
    end_cpu = cpu_ns(proc.pid)  # a zombie until wait4 below
    _, status, usage = os.wait4(proc.pid, 0)
    os.close(pidfd)
    proc.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from reaping again
    if feeder:
        os.close(mark_r)
        feeder.kill()
        feeder.wait()
    errf.seek(0)
    err = errf.read().decode(errors="replace")
    errf.close()
    run = Run(end - start, usage.ru_utime, usage.ru_stime, proc.returncode, err)
    if mark_time is not None:
        run.stream_wall = end - mark_time
        run.stream_cpu = (end_cpu - mark_cpu) / 1e9
    return run


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="sshc-bench-")
        os.chmod(self.tmp, 0o755)
        self.user = fixture.ensure_test_user()
        # LogLevel INFO: still logs the readiness line the fixture waits for, without
        # DEBUG1 lines costing server time on every connection.
        self.sshd = fixture.StockSshd(self.tmp, "LogLevel INFO\nMaxStartups 100:30:200",
                                      host_key_types=("ed25519",)).start()
        self.key = fixture.keygen(os.path.join(self.tmp, "id_ed25519"))
        self.sshd.authorize(self.key + ".pub")
        self.known_hosts = os.path.join(self.tmp, "known_hosts")
        with open(self.known_hosts, "w") as f:
            f.write(f"[127.0.0.1]:{self.sshd.port} {self.sshd.host_pubkey_line('ed25519')}\n")
        # Same environment for both clients; no agent, so both sign with the key file.
        self.env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
        self.binaries = {"ours": args.ssh, "stock": args.stock}

    def close(self):
        self.sshd.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def argv(self, which, cipher=None, mac=None, command=("true",)):
        opts = ["-F", "/dev/null", "-p", str(self.sshd.port), "-l", self.user,
                "-i", self.key,
                "-o", "IdentitiesOnly=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes",
                "-o", f"KexAlgorithms={KEX}",
                "-o", f"HostKeyAlgorithms={HOST_KEY_ALG}"]
        if cipher:
            opts += ["-o", f"Ciphers={cipher}"]
        if mac:
            opts += ["-o", f"MACs={mac}"]
        return [self.binaries[which], *opts, "127.0.0.1", *command]

    def checked(self, which, run, what):
        if run.code != 0:
            raise SystemExit(f"{which} ssh failed ({what}): exit {run.code}\n{run.stderr}")
        return run

    @staticmethod
    def order(i):
        # ABBA ordering: each client goes first half the time, so drift cancels.
        return ("ours", "stock") if i % 2 == 0 else ("stock", "ours")

    def bulk(self, label, cipher, mac):
        samples = {"ours": [], "stock": []}
        for i in range(self.args.rounds):
            for which in self.order(i):
                r = self.checked(which, run_client(self.argv(which, cipher, mac, ["cat >/dev/null"]),
                                                   feed_size=self.args.size, env=self.env), label)
                samples[which].append({"wall": r.wall, "user": r.user, "sys": r.sys,
                                       "stream_wall": r.stream_wall, "stream_cpu": r.stream_cpu})
                self.progress(f"  {label:42} {which:5} stream {stream_bytes(self.args.size) / r.stream_wall / MIB:7.1f} MiB/s"
                              f" {r.stream_cpu * GIB / stream_bytes(self.args.size):6.3f} CPU s/GiB"
                              f" | end-to-end {r.wall:6.3f}s cpu {r.cpu:6.3f}s (user {r.user:.3f} sys {r.sys:.3f})")
        return summarize_bulk(samples, self.args.size)

    def connects(self):
        samples = {"ours": [], "stock": []}
        for i in range(self.args.connects):
            for which in self.order(i):
                argv = self.argv(which, self.args.connect_cipher)
                r = self.checked(which, run_client(argv, env=self.env), "connect")
                samples[which].append({"wall": r.wall, "user": r.user, "sys": r.sys})
        return summarize_connect(samples)

    def progress(self, line):
        if not self.args.quiet:
            print(line, file=sys.stderr, flush=True)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def stream_bytes(size):
    return size - STREAM_MARK


def summarize_bulk(samples, size):
    """Medians per client. The headline figures are for the steady stream (from the
    STREAM_MARK-th byte to the exit); end-to-end ones include connection setup."""
    out = {"samples": samples}
    streamed = stream_bytes(size)
    for which, runs in samples.items():
        wall = median([r["wall"] for r in runs])
        out[which] = {
            "mib_per_s": streamed / median([r["stream_wall"] for r in runs]) / MIB,
            "cpu_s_per_gib": median([r["stream_cpu"] for r in runs]) * GIB / streamed,
            "end_to_end_wall_s": wall,
            "end_to_end_mib_per_s": size / wall / MIB,
            "end_to_end_cpu_s_per_gib": median([r["user"] + r["sys"] for r in runs]) * GIB / size,
            "user_s_per_gib": median([r["user"] for r in runs]) * GIB / size,
            "sys_s_per_gib": median([r["sys"] for r in runs]) * GIB / size,
        }
    out["throughput_ratio"] = out["ours"]["mib_per_s"] / out["stock"]["mib_per_s"]
    out["cpu_ratio"] = out["ours"]["cpu_s_per_gib"] / out["stock"]["cpu_s_per_gib"]
    out["end_to_end_throughput_ratio"] = (out["ours"]["end_to_end_mib_per_s"] /
                                          out["stock"]["end_to_end_mib_per_s"])
    out["end_to_end_cpu_ratio"] = (out["ours"]["end_to_end_cpu_s_per_gib"] /
                                   out["stock"]["end_to_end_cpu_s_per_gib"])
    return out


def summarize_connect(samples):
    out = {"samples": samples}
    for which, runs in samples.items():
        out[which] = {
            "wall_ms": median([r["wall"] for r in runs]) * 1000,
            "cpu_ms": median([r["user"] + r["sys"] for r in runs]) * 1000,
        }
    out["wall_ratio"] = out["ours"]["wall_ms"] / out["stock"]["wall_ms"]
    out["cpu_ratio"] = out["ours"]["cpu_ms"] / out["stock"]["cpu_ms"]
    return out


def verdict(ok):
    return "ok" if ok else "MISS"


def report(results, args):
    lines = []
    size = f"{args.size / MIB:g} MiB" if args.size < GIB else f"{args.size / GIB:g} GiB"
    lines.append(f"Bulk: {size} into `cat >/dev/null`, median of {args.rounds} round(s), "
                 f"kex {KEX}; ratio = ours/stock")
    lines.append(f"Headline: steady stream after the first {STREAM_MARK // MIB} MiB; "
                 "second line: end-to-end incl. setup, and user/sys split")
    head = (f"{'cipher':42} {'ours MiB/s':>10} {'stock MiB/s':>11} {'ratio':>6}   "
            f"{'ours CPU s/GiB':>14} {'stock CPU s/GiB':>15} {'ratio':>6}  target")
    lines.append(head)
    lines.append("-" * len(head))
    for label, b in results["bulk"].items():
        o, st = b["ours"], b["stock"]
        target = ""
        if label in BULK_TARGET_CIPHERS:
            target = (f"tput>={TARGET_THROUGHPUT} {verdict(b['throughput_ratio'] >= TARGET_THROUGHPUT)}, "
                      f"cpu<={TARGET_CPU_PER_GB} {verdict(b['cpu_ratio'] <= TARGET_CPU_PER_GB)}")
        lines.append(f"{label:42} {o['mib_per_s']:10.1f} {st['mib_per_s']:11.1f} "
                     f"{b['throughput_ratio']:6.2f}   {o['cpu_s_per_gib']:14.3f} "
                     f"{st['cpu_s_per_gib']:15.3f} {b['cpu_ratio']:6.2f}  {target}")
        lines.append(f"{'  end-to-end':42} {o['end_to_end_mib_per_s']:10.1f} "
                     f"{st['end_to_end_mib_per_s']:11.1f} {b['end_to_end_throughput_ratio']:6.2f}   "
                     f"{o['end_to_end_cpu_s_per_gib']:14.3f} {st['end_to_end_cpu_s_per_gib']:15.3f} "
                     f"{b['end_to_end_cpu_ratio']:6.2f}  user/sys s/GiB ours "
                     f"{o['user_s_per_gib']:.3f}/{o['sys_s_per_gib']:.3f}, stock "
                     f"{st['user_s_per_gib']:.3f}/{st['sys_s_per_gib']:.3f}")
    if "connect" in results:
        c = results["connect"]
        lines.append("")
        lines.append(f"Connect: `ssh host true` ({args.connect_cipher}), median of {args.connects} "
                     "alternating runs each")
        lines.append(f"{'':13} {'ours':>9} {'stock':>9} {'ratio':>6}  target")
        lines.append(f"{'wall ms':13} {c['ours']['wall_ms']:9.1f} {c['stock']['wall_ms']:9.1f} "
                     f"{c['wall_ratio']:6.2f}")
        lines.append(f"{'client CPU ms':13} {c['ours']['cpu_ms']:9.1f} {c['stock']['cpu_ms']:9.1f} "
                     f"{c['cpu_ratio']:6.2f}  cpu<={TARGET_CONNECT_CPU} "
                     f"{verdict(c['cpu_ratio'] <= TARGET_CONNECT_CPU)}")
    return "\n".join(lines)


def parse_size(text):
    """'1G', '64M', '512KiB', '1000' -> bytes (binary units)."""
    units = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower()
    for suffix in ("ib", "b"):
        if t.endswith(suffix) and len(t) > len(suffix) and not t[-len(suffix) - 1].isdigit():
            t = t[:-len(suffix)]
            break
    unit = t[-1] if t and t[-1] in units else ""
    try:
        return int(float(t[:len(t) - len(unit)]) * units[unit])
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad size {text!r}")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ssh", default=os.environ.get("SSH_BIN", os.path.join(REPO, "build", "ssh", "ssh")),
                   help="our client (default: $SSH_BIN or build/ssh/ssh; use a release build)")
    p.add_argument("--stock", default=fixture.STOCK_SSH, help="stock OpenSSH client")
    p.add_argument("--size", type=parse_size, default=GIB,
                   help="bytes per bulk transfer, suffixes K/M/G (default 1G)")
    p.add_argument("--rounds", type=int, default=3, help="bulk rounds per client and cipher (default 3)")
    p.add_argument("--connects", type=int, default=20, help="`ssh host true` runs per client (default 20)")
    p.add_argument("--connect-cipher", default="chacha20-poly1305@openssh.com",
                   help="Ciphers= for the connect runs (default: OpenSSH's first choice, "
                        "chacha20-poly1305@openssh.com)")
    p.add_argument("--cipher", action="append", metavar="LABEL",
                   help="only this cipher (repeatable; labels as in the table)")
    p.add_argument("--no-bulk", action="store_true", help="skip the bulk transfers")
    p.add_argument("--no-connect", action="store_true", help="skip the connect benchmark")
    p.add_argument("--quick", action="store_true", help="64 MiB, 1 round, 10 connects")
    p.add_argument("--json", metavar="FILE", help="also write all results and samples as JSON")
    p.add_argument("--quiet", action="store_true", help="no per-run progress on stderr")
    p.add_argument("--serve", action="store_true",
                   help="only start sshd, print both clients' command lines, wait for Ctrl-C "
                        "(for strace/perf/valgrind by hand)")
    args = p.parse_args(argv)
    if args.quick:
        args.size, args.rounds, args.connects = 64 * MIB, 1, 10
    if args.size < 2 * STREAM_MARK:
        p.error(f"--size must be at least {2 * STREAM_MARK // MIB} MiB")
    if not os.access(args.ssh, os.X_OK):
        p.error(f"our ssh not found at {args.ssh} (build it or pass --ssh)")
    check_cipher_labels(p, args.cipher, CIPHERS)
    return args


def check_cipher_labels(parser, chosen, ciphers):
    """--cipher values must be labels of the benchmark's cipher table."""
    known = [c[0] for c in ciphers]
    for c in chosen or []:
        if c not in known:
            parser.error(f"unknown cipher label {c}; choose from {', '.join(known)}")


def serve(bench):
    import shlex
    try:
        for which in ("ours", "stock"):
            print(f"{which}: head -c 1G /dev/zero | " +
                  shlex.join(bench.argv(which, "aes128-gcm@openssh.com", None, ["cat >/dev/null"])))
        print("(Ctrl-C stops the server)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        bench.close()
    return 0


def on_sigterm(signo, frame):
    raise KeyboardInterrupt()


def main(argv):
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop sshd and remove the temp dir.
    signal.signal(signal.SIGTERM, on_sigterm)
    bench = Bench(args)
    if args.serve:
        return serve(bench)
    results = {"size": args.size, "rounds": args.rounds, "connects": args.connects,
               "kex": KEX, "ours": args.ssh, "stock": args.stock, "bulk": {}}
    try:
        if not args.no_connect:
            results["connect"] = bench.connects()
        if not args.no_bulk:
            for label, cipher, mac in CIPHERS:
                if args.cipher and label not in args.cipher:
                    continue
                results["bulk"][label] = bench.bulk(label, cipher, mac)
    finally:
        bench.close()
    print(report(results, args))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
