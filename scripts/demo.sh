#!/usr/bin/env bash
# The README's main-job command: installs what is missing, builds, starts our sshd on
# loopback with freshly generated keys, opens sessions to it with our ssh, and shows a
# Resume=yes session surviving two resets of its TCP connection.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null

work=$(mktemp -d /tmp/sshc-demo.XXXXXX)
chmod 755 "$work"
cleanup() {
  [ -f "$work/sshd.pid" ] && kill "$(cat "$work/sshd.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

user=$(id -un)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ssh-keygen -q -t ed25519 -N '' -f "$work/host_ed25519" -C demo-host
ssh-keygen -q -t ed25519 -N '' -f "$work/id_ed25519" -C demo-user
cp "$work/id_ed25519.pub" "$work/authorized_keys"
cat >"$work/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_ed25519
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
CFG
build/sshd/sshd -f "$work/sshd_config" -E "$work/sshd.log"
for _ in $(seq 100); do grep -q "Server listening" "$work/sshd.log" 2>/dev/null && break; sleep 0.05; done
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_ed25519.pub")" >"$work/known_hosts"

base=(build/ssh/ssh -F /dev/null -l "$user" -i "$work/id_ed25519"
      -o UserKnownHostsFile="$work/known_hosts" -o BatchMode=yes)
ssh=("${base[@]}" -p "$port" -o Resume=yes 127.0.0.1)
echo "== our ssh -> our sshd (privilege separated) on 127.0.0.1:$port"
"${ssh[@]}" -v 'echo "hello from $(hostname) as $(id -un)"; uname -sr' 2>&1 |
  grep -E '^(hello|Linux|debug1: (kex: algorithm|kex: host key|kex: server->client|Authentication succeeded|Resum))' || true
echo "== exit status carried back:"
set +e
"${ssh[@]}" 'exit 42'
echo "remote exit status: $?"
echo "== the server's log:"
grep -E "Server listening|Accepted publickey" "$work/sshd.log" | head -3
echo "== a resumable session (ssh -o Resume=yes) through a proxy that resets the connection twice:"
set -e
/usr/bin/python3 scripts/demo_resume.py "$port" -- "${base[@]}"
echo "== the server's log of it:"
grep -E "session suspended|Accepted continuation" "$work/sshd.log" | sed 's/^/   /'
