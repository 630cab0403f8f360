#!/usr/bin/python3
"""What Resume=yes costs, measured without throughput noise (bench/README.md):

1. CPU: N bytes down (remote `head -c N /dev/zero`) and up (into remote `cat`), with
   Resume=yes and Resume=no alternating; client CPU from wait4() rusage, server CPU from
   the listener's utime+stime+cutime+cstime (connection processes are its children).
2. Memory of one suspended session: PSS/RSS of the session's sshd processes (monitor and
   session process) while connected and idle, then while suspended (the client's
   connection reset at the proxy, which refuses the reconnection), and the client's.

Run as root with Debian's python3:
  /usr/bin/python3 bench/resume_cost.py [--ssh build-rel/ssh/ssh] [--sshd build-rel/sshd/sshd] [--size 400M] [--rounds 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "regress", "lib"))


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def kib(pid, key):
    path = f"/proc/{pid}/smaps_rollup" if key == "Pss:" else f"/proc/{pid}/status"
    try:
        with open(path) as f:
            return next(int(line.split()[1]) for line in f if line.startswith(key))
    except (OSError, StopIteration):
        return 0


def transfer(case, resume, size, up):
    command = "cat >/dev/null" if up else f"head -c {size} /dev/zero"
    args = case.ssh_args(["-o", f"Resume={resume}", "-c", "chacha20-poly1305@openssh.com"], [command])
    server_before = proc_cpu(case.sshd.proc.pid)
    src = subprocess.Popen(["head", "-c", str(size), "/dev/zero"], stdout=subprocess.PIPE) if up else None
    p = subprocess.Popen(args, stdin=src.stdout if src else subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    if src:
        src.stdout.close()
    while p.stdout.read1(1 << 20):
        pass
    _, _, usage = os.wait4(p.pid, 0)
    if src:
        src.wait()
    time.sleep(0.3)  # the connection's processes are reaped by the listener
    return usage.ru_utime + usage.ru_stime, proc_cpu(case.sshd.proc.pid) - server_before


def memory(case):
    import chaos_proxy
    import fixture
    proxy = chaos_proxy.ChaosProxy(case.sshd.port)
    try:
        with open(case.known_hosts, "a") as f:
            f.write(f"[127.0.0.1]:{proxy.port} {case.sshd.host_pubkey_line('ed25519')}\n")
        args = case.ssh_args(["-o", "Resume=yes"], ["sleep 1234.5"])
        args[args.index("-p") + 1] = str(proxy.port)
        client = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        server = [p for p in fixture.descendants(case.sshd.proc.pid)
                  if b"sleep" not in open(f"/proc/{p}/cmdline", "rb").read()]
        out = []
        for label in ("connected", "suspended"):
            if label == "suspended":
                proxy.pause_accepting()
                proxy.reset()
                time.sleep(1.5)
            out.append((label, sum(kib(p, "Pss:") for p in server), sum(kib(p, "VmRSS:") for p in server),
                        kib(client.pid, "Pss:"), len(server)))
        client.kill()
        client.wait()
        return out
    finally:
        proxy.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ssh", default=os.path.join(REPO, "build-rel/ssh/ssh"))
    p.add_argument("--sshd", default=os.path.join(REPO, "build-rel/sshd/sshd"))
    p.add_argument("--size", type=int, default=400 * 1000 * 1000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    if os.geteuid() != 0:
        p.error("run as root (the sshd uses privilege separation and the test user)")
    os.environ["SSH_BIN"], os.environ["SSHD_BIN"] = args.ssh, args.sshd
    import fixture

    class Case(fixture.SshTestCase):
        sshd_class = fixture.OurSshd

    case = Case()
    Case.setUpClass()
    try:
        print(f"CPU seconds for {args.size} bytes, median of {args.rounds} (client / server)")
        for up in (False, True):
            got = {"yes": [], "no": []}
            for _ in range(args.rounds):
                for resume in ("no", "yes"):
                    got[resume].append(transfer(case, resume, args.size, up))
            line = "upload  " if up else "download"
            for resume in ("no", "yes"):
                c = statistics.median(x[0] for x in got[resume])
                s = statistics.median(x[1] for x in got[resume])
                line += f"   Resume={resume}: {c:.2f} / {s:.2f}"
            print(line)
        print("\nOne session, sshd processes (monitor + session process) and the client, KiB")
        for label, pss, rss, client_pss, n in memory(case):
            print(f"{label:10} server PSS {pss:6} RSS {rss:6} ({n} processes)   client PSS {client_pss}")
    finally:
        Case.tearDownClass()
    return 0


if __name__ == "__main__":
    sys.exit(main())
