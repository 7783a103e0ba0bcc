#!/usr/bin/env bash
# The widget tokens (compact JWS, ES256) are signed and verified with libjwt 1.10 from Debian 12.
# Idempotent: installs nothing when it is present. Run by scripts/setup.sh (cwd: repo root).
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
for p in libjwt-dev pkg-config; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends "${missing[@]}"
fi
