#!/usr/bin/env bash
# Set-up for the API keys widget's browser test (tests/widgets): Debian's headless Chromium, Node
# and npm, and the pinned @workos-inc/widgets, React, @workos-inc/node, esbuild and playwright-core
# from the committed lock file.
# Idempotent: installs only what is missing. Runs with the repository root as cwd.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends "${missing[@]}"
fi
# The lock file is newer than the install (or there is none): install exactly what it names.
modules=tests/widgets/node_modules
if [ ! -f "$modules/.package-lock.json" ] || [ tests/widgets/package-lock.json -nt "$modules/.package-lock.json" ]; then
  bash scripts/npm_ci.sh tests/widgets
fi
