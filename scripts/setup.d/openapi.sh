#!/usr/bin/env bash
# Set-up for the OpenAPI part: python3-yaml (build-time YAML -> JSON), python3-jsonschema (the
# conformance test) and the pinned linter in tests/openapi/node_modules. Idempotent; run by
# scripts/setup.sh from the repository root. Needs node and npm on the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
for p in python3-yaml python3-jsonschema; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get -o Acquire::Retries=5 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup.d/openapi.sh: npm is not installed; the OpenAPI lint test needs node and npm" >&2
  exit 1
fi
# npm ci installs exactly the committed lock file; skip when that install is already there.
lock=tests/openapi/package-lock.json
stamp=tests/openapi/node_modules/.package-lock.json
if [ ! -x tests/openapi/node_modules/.bin/redocly ] || [ "$lock" -nt "$stamp" ]; then
  bash scripts/npm_ci.sh tests/openapi
fi
