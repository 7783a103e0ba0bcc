#!/usr/bin/env bash
# Set-up for the WorkOS SDK test (tests/sdk/workos): Node and npm from Debian, and the pinned
# @workos-inc/node from its committed lock file.
# Idempotent: installs only what is missing. Runs with the repository root as cwd.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends nodejs npm
fi
if [ ! -f tests/sdk/workos/node_modules/@workos-inc/node/package.json ]; then
  bash scripts/npm_ci.sh tests/sdk/workos
fi
