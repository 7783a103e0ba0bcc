#!/usr/bin/env bash
# The gateway test runs a real nginx in front of keyledger (auth_request is in Debian's
# nginx-light). Idempotent. Run by scripts/setup.sh from the repository root.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! dpkg -s nginx-light >/dev/null 2>&1; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends nginx-light
fi
