#!/usr/bin/env bash
# Usage: scripts/npm_ci.sh <dir>
# Runs `npm ci` in <dir>, installing exactly its committed lock file, and tries again when the
# registry fails us. The npm registry is reachable from our machines but not always promptly: a
# CI run once died on a single idle timeout fetching axe-core. npm's own fetch retries cover a
# refused connection, not a stalled body, so the whole install is repeated with a growing pause.
set -euo pipefail
dir="$1"
attempts=5
pause=5
for ((i = 1; i <= attempts; i++)); do
  if (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error \
        --fetch-retries=4 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=30000 \
        --fetch-timeout=120000); then
    exit 0
  fi
  if ((i < attempts)); then
    echo "npm_ci.sh: npm ci in $dir failed (attempt $i of $attempts); trying again in ${pause}s" >&2
    sleep "$pause"
    pause=$((pause * 2))
  fi
done
echo "npm_ci.sh: npm ci in $dir failed $attempts times; giving up" >&2
exit 1
