#!/usr/bin/env bash
# Installs what building and testing need on Debian 12, skipping apt when nothing is missing.
set -euo pipefail

packages=(
  g++ meson ninja-build pkg-config
  libssl-dev libsodium-dev zlib1g-dev libgtest-dev libgmock-dev
  libseccomp-dev libpam0g-dev
  openssh-client openssh-server openssh-sftp-server
  python3 python3-paramiko tmux procps iproute2
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
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
