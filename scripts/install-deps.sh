#!/usr/bin/env bash
# Installs what building and testing need on Debian 12, skipping apt when nothing is missing.
set -euo pipefail

packages=(
  g++ meson ninja-build pkg-config
  libssl-dev libsodium-dev zlib1g-dev libgtest-dev libgmock-dev
  libseccomp-dev libpam0g-dev
  openssh-client openssh-server openssh-sftp-server
  python3 python3-paramiko python3-asyncssh dropbear-bin putty-tools tmux procps iproute2
  fail2ban  # fail2ban-regex and filter.d/sshd.conf: regress/sshd_fail2ban_test.py
)

# sshd's privilege separation: the unprivileged user and the empty chroot directory
# (Debian's openssh-server makes both; a machine without it gets them here).
ensure_privsep() {
  [ "$(id -u)" -eq 0 ] || return 0
  getent passwd sshd >/dev/null ||
    useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd
  mkdir -p /run/sshd
  chown root:root /run/sshd
  chmod 0755 /run/sshd
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  ensure_privsep
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# openssh-server's postinst may try to start the system service; our tests never use it.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
ensure_privsep
