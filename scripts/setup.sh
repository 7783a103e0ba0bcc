#!/usr/bin/env bash
# Installs exactly what building and testing keyledger needs on Debian 12: what the service needs
# (scripts/setup_build.sh), then each optional part's test tools (browser, fuzzing, packaging...),
# one file each in scripts/setup.d/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_build.sh
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] && bash "$step"
done
exit 0
