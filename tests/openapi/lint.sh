#!/usr/bin/env bash
# Lints docs/openapi.yaml with the pinned @redocly/cli and tests/openapi/redocly.yaml; exits
# non-zero on any error. The linter comes from scripts/setup.d/openapi.sh (npm ci here).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cli="$here/node_modules/.bin/redocly"
if [ ! -x "$cli" ]; then
  echo "openapi lint: $cli is missing; run scripts/setup.d/openapi.sh (or scripts/setup.sh)" >&2
  exit 1
fi
exec "$cli" lint --config "$here/redocly.yaml" --format stylish "$here/../../docs/openapi.yaml"
