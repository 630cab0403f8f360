"""The resumption part of scripts/demo.sh: our ssh -o Resume=yes runs a remote counter
through a proxy (regress/lib/chaos_proxy.py) that resets the TCP connection twice; the
output shows the client's status lines and every number exactly once.

usage: demo_resume.py SSHD_PORT -- SSH_ARGS... (ssh arguments without -p and host)
"""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "regress", "lib"))
from chaos_proxy import ChaosProxy  # noqa: E402

COUNT = 30


def main():
    port = int(sys.argv[1])
    ssh_args = sys.argv[sys.argv.index("--") + 1:]
    remote = f'for i in $(seq 1 {COUNT}); do echo "tick $i from $(hostname)"; sleep 0.1; done; exit 7'
    with ChaosProxy(port) as proxy:
        cmd = [*ssh_args, "-p", str(proxy.port), "-o", "Resume=yes", "-o", f"HostKeyAlias=[127.0.0.1]:{port}",
               "127.0.0.1", remote]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

        def cut_twice():
            for delay in (1.0, 1.2):
                time.sleep(delay)
                print("   >>> demo: resetting the TCP connection", flush=True)
                proxy.reset()

        cutter = threading.Thread(target=cut_twice, daemon=True)
        cutter.start()
        ticks = []
        for line in proc.stdout:
            line = line.rstrip("\r\n")
            if line:
                print("   " + line, flush=True)
            if line.startswith("tick "):
                ticks.append(int(line.split()[1]))
        status = proc.wait(timeout=60)
        cutter.join()
    complete = ticks == list(range(1, COUNT + 1))
    print(f"== {len(ticks)} of {COUNT} ticks, each once and in order: {'yes' if complete else 'NO'}; "
          f"remote exit status {status} (expected 7)")
    return 0 if complete and status == 7 else 1


if __name__ == "__main__":
    sys.exit(main())
