#!/usr/bin/env bash
# Sets up, builds and runs `keyledger serve` on its embedded default (RocksDB in ./keyledger-data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_build.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target keyledger
exec ./build/keyledger serve "$@"
