#!/usr/bin/env bash
# CI smoke run of the fuzz targets: every target for FUZZ_SECONDS (default 30) over its seed
# corpus, building with every core. Build (about 5 min on 2 cores) plus 8 targets x 30 s keeps
# the job well under 10 minutes. Any finding fails the job (scripts/fuzz.sh exits 1; nothing is
# suppressed). The long run is documented in docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.d/fuzz.sh
FUZZ_SECONDS="${FUZZ_SECONDS:-30}" FUZZ_JOBS="${FUZZ_JOBS:-$(nproc)}" bash scripts/fuzz.sh
