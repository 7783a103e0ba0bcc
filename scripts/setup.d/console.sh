#!/usr/bin/env bash
# Set-up for the console's browser test: Debian's headless Chromium, and playwright-core and
# axe-core (accessibility checks) from npm.
# Idempotent: installs only what is missing. Runs with the repository root as cwd.
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v chromium >/dev/null 2>&1; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends chromium
fi
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends nodejs npm
fi
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
  bash scripts/npm_ci.sh tests/browser
fi
