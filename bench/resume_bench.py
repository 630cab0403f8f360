#!/usr/bin/python3
"""Session continuation benchmark: resume time, round trips per resume, and the bulk
throughput cost of Resume=yes. Our ssh against our sshd on loopback.

How a resume is timed (the robust part):
  ssh -o Resume=yes runs a remote ticker (a line every 20 ms) through
  regress/lib/chaos_proxy.py. The script reads the client's stdout on a thread and
  stamps every chunk with time.monotonic(). For each trial it resets the connection at
  the proxy, then takes
    t_accept  the proxy's accept() of the client's new TCP connection (the proxy stamps
              it with the same monotonic clock, in this process);
    t_done    the first stdout chunk after t_accept.
  No channel data can reach the client on the new connection before the resumption has
  succeeded (§7.4: the server's retransmissions follow USERAUTH_SUCCESS and its ack in
  the same flight), and the ticker guarantees the server always has data waiting, so
  t_done is when the client processed the resumed session's first flight.
    resume time = t_done - t_accept   (new TCP connect -> resumed session)
    outage      = t_done - t_cut      (adds loss detection and the client's back-off)
  The client's TCP handshake is with the proxy on loopback and is not delayed, so the
  resume time excludes the handshake; the proxy's delay applies to every data chunk.
  Round trips: the proxy's event log of the new connection up to t_done, split into
  flights (chaos_proxy.ChaosProxy.flights); a round trip is a client flight answered
  by a server flight. With no delay, concurrent sends are not told apart, so the count
  is only meaningful with --delay-ms (default 25 ms each way = 50 ms RTT).
  The client's own "Resumed in ..." line is shown too, as a cross-check.

Throughput: N bytes into remote `cat >/dev/null` (upload) and out of remote
`head -c N /dev/zero` (download), directly to sshd (no proxy), Resume=yes and
Resume=no alternating, median over rounds.

Run as root (logs in as the regress test user) with Debian's python3:
  sudo /usr/bin/python3 bench/resume_bench.py [--quick] [--ssh build/ssh/ssh]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "regress", "lib"))
import chaos_proxy  # noqa: E402
import fixture  # noqa: E402

MIB = 1 << 20
TICKER = "while :; do echo tick; sleep 0.02; done"


def parse_size(text):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1].upper() in mult:
        return int(float(text[:-1]) * mult[text[-1].upper()])
    return int(text)


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="sshc-resume-bench-")
        os.chmod(self.tmp, 0o755)
        os.environ["SSHD_BIN"] = args.sshd
        self.user = fixture.ensure_test_user()
        self.sshd = fixture.OurSshd(self.tmp, args.sshd_config).start()
        self.key = fixture.keygen(os.path.join(self.tmp, "id_ed25519"))
        self.sshd.authorize(self.key + ".pub")
        self.proxy = chaos_proxy.ChaosProxy(self.sshd.port)
        self.known_hosts = os.path.join(self.tmp, "known_hosts")
        with open(self.known_hosts, "w") as f:
            for port in (self.sshd.port, self.proxy.port):
                for t in ("ed25519", "ecdsa", "rsa"):
                    f.write(f"[127.0.0.1]:{port} {self.sshd.host_pubkey_line(t)}\n")

    def close(self):
        self.proxy.stop()
        self.sshd.stop()
        # Sessions left suspended (a killed client) would live for ResumeTimeout.
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if f"-f {self.sshd.config}".encode() in f.read().replace(b"\0", b" "):
                        os.kill(int(pid), 9)
            except (OSError, ValueError):
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def ssh_args(self, port, resume, command):
        return [self.args.ssh, "-F", "/dev/null", "-p", str(port), "-l", self.user,
                "-i", self.key, "-o", "IdentitiesOnly=yes",
                "-o", f"UserKnownHostsFile={self.known_hosts}",
                "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", f"Resume={'yes' if resume else 'no'}",
                "-o", f"Ciphers={self.args.cipher}",
                "127.0.0.1", command]

    # --- resume timing -------------------------------------------------------------

    def resume_trials(self, one_way_ms):
        self.proxy.set_delay(one_way_ms)
        err = open(os.path.join(self.tmp, f"stderr-{one_way_ms}"), "w+b")
        proc = subprocess.Popen(self.ssh_args(self.proxy.port, True, TICKER),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        chunks = []  # (t, nbytes)

        def reader():
            fd = proc.stdout.fileno()
            while True:
                data = os.read(fd, 65536)
                if not data:
                    return
                chunks.append((time.monotonic(), len(data)))
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        results = []
        try:
            if not wait(lambda: len(chunks) >= 5, 20):
                raise RuntimeError(f"no output from the ticker: {read(err)[-1000:]}")
            for _ in range(self.args.trials):
                time.sleep(0.5)
                before = self.proxy.newest_connection()
                t_cut = time.monotonic()
                if self.proxy.reset() != 1:
                    raise RuntimeError(f"nothing to cut: {read(err)[-1000:]}")
                if not wait(lambda: self.proxy.newest_connection() != before, 30):
                    raise RuntimeError(f"the client did not reconnect: {read(err)[-1000:]}")
                cid = self.proxy.newest_connection()
                t_acc = self.proxy.conn_accepted_at(cid)
                if not wait(lambda: any(c[0] > t_acc for c in list(chunks)), 30):
                    raise RuntimeError(f"the session did not resume: {read(err)[-1000:]}")
                t_done = next(c[0] for c in list(chunks) if c[0] > t_acc)
                results.append({
                    "resume": t_done - t_acc, "outage": t_done - t_cut,
                    "round_trips": self.proxy.count_round_trips(cid, t_done),
                    "flights": len(self.proxy.flights(cid, t_done)),
                    "bytes": sum(c[3] for c in self.proxy.chunks(cid, t_done))})
        finally:
            proc.kill()
            proc.wait()
            t.join(5)
            proc.stdout.close()
        claimed = re.findall(r"Resumed in ([^\r\n]*)", read(err))
        err.close()
        self.proxy.set_delay(0)
        return results, claimed

    # --- throughput ------------------------------------------------------------------

    def transfer(self, resume, upload):
        size = self.args.size
        if upload:
            feeder = subprocess.Popen(["head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE)
            args = self.ssh_args(self.sshd.port, resume, "cat >/dev/null")
            stdin, stdout = feeder.stdout, subprocess.DEVNULL
        else:
            feeder = None
            args = self.ssh_args(self.sshd.port, resume, f"head -c {size} /dev/zero")
            stdin, stdout = subprocess.DEVNULL, subprocess.PIPE
        start = time.monotonic()
        proc = subprocess.Popen(args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        if feeder:
            feeder.stdout.close()
        got = 0
        if not upload:
            while True:
                data = proc.stdout.read(MIB)
                if not data:
                    break
                got += len(data)
        _, err = proc.communicate(timeout=600)
        elapsed = time.monotonic() - start
        if feeder:
            feeder.wait()
        if proc.returncode != 0 or (not upload and got != size):
            raise RuntimeError(f"transfer failed ({proc.returncode}, {got} bytes): {err[-500:]!r}")
        return size / MIB / elapsed

    def throughput(self):
        rows = {}
        for upload in (True, False):
            samples = {True: [], False: []}
            for rnd in range(self.args.rounds):
                order = (True, False) if rnd % 2 == 0 else (False, True)
                for resume in order:
                    samples[resume].append(self.transfer(resume, upload))
                    self.progress(f"{'up' if upload else 'down'} resume={resume}: "
                                  f"{samples[resume][-1]:.0f} MiB/s")
            rows[upload] = {r: statistics.median(v) for r, v in samples.items()}
        return rows

    def progress(self, text):
        if not self.args.quiet:
            print(f"  .. {text}", file=sys.stderr, flush=True)


def read(f):
    f.flush()
    with open(f.name, "rb") as g:
        return g.read().decode(errors="replace")


def wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.005)
    return predicate()


def ms(x):
    return f"{x * 1000:7.1f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ssh", default=os.environ.get("SSH_BIN", os.path.join(REPO, "build/ssh/ssh")))
    p.add_argument("--sshd", default=os.environ.get("SSHD_BIN", os.path.join(REPO, "build/sshd/sshd")))
    p.add_argument("--sshd-config", default="", help="extra sshd_config lines (\\n-separated)")
    p.add_argument("--trials", type=int, default=10, help="resumes per delay setting")
    p.add_argument("--delay-ms", type=float, default=25.0, help="one-way delay for the WAN case")
    p.add_argument("--size", type=parse_size, default=200 * MIB, help="bytes per transfer")
    p.add_argument("--rounds", type=int, default=3, help="transfers per setting")
    p.add_argument("--cipher", default="chacha20-poly1305@openssh.com")
    p.add_argument("--quick", action="store_true", help="3 trials, 64M x 1 round")
    p.add_argument("--no-throughput", action="store_true")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args()
    args.sshd_config = args.sshd_config.replace("\\n", "\n")
    if args.quick:
        args.trials, args.size, args.rounds = 3, 64 * MIB, 1
    bench = Bench(args)
    try:
        print(f"ssh {args.ssh}\nsshd {args.sshd}\ncipher {args.cipher}\n")
        print("Resume time (new TCP connect -> first resumed data at the client), "
              f"{args.trials} trials each, ms")
        print(f"{'link':<34} {'median':>7} {'min':>7} {'max':>7} {'outage':>7} {'RTs':>4} {'bytes':>6}")
        for one_way in (0.0, args.delay_ms):
            results, claimed = bench.resume_trials(one_way)
            label = ("loopback" if one_way == 0 else
                     f"{one_way:g} ms each way ({2 * one_way:g} ms RTT)")
            res = [r["resume"] for r in results]
            rts = statistics.median(r["round_trips"] for r in results)
            rts_text = format(rts, "g") if one_way else "-"
            print(f"{label:<34} {ms(statistics.median(res))} {ms(min(res))} {ms(max(res))} "
                  f"{ms(statistics.median(r['outage'] for r in results))} "
                  f"{rts_text:>4} {int(statistics.median(r['bytes'] for r in results)):>6}")
            if claimed:
                print(f"{'':<34} client said: Resumed in {claimed[-1]}")
        print("RTs: client flights answered by server flights on the new connection, from the "
              "proxy's log (TCP handshake not included; not counted on loopback).")
        if not args.no_throughput:
            rows = bench.throughput()
            print(f"\nThroughput, {args.size // MIB} MiB, median of {args.rounds}, MiB/s (direct, no proxy)")
            print(f"{'direction':<12} {'Resume=no':>10} {'Resume=yes':>11} {'yes/no':>7}")
            for upload, label in ((True, "upload"), (False, "download")):
                r = rows[upload]
                print(f"{label:<12} {r[False]:>10.0f} {r[True]:>11.0f} {r[True] / r[False]:>7.2f}")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
