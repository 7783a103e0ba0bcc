#!/usr/bin/env bash
# What building and testing the .deb needs beyond scripts/setup.sh: dpkg-shlibdeps (dpkg-dev)
# and file for cpack's dependency computation; adduser and init-system-helpers, which the
# maintainer scripts call; systemd for `systemd-analyze` (unit check and syscall groups);
# strace to record the service's system calls; util-linux for unshare. Idempotent.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
PKGS=(dpkg-dev file adduser init-system-helpers systemd strace util-linux)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends "${missing[@]}"
fi
