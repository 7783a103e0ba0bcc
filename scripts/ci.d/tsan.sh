#!/usr/bin/env bash
# CI: the concurrency tests of the layers we own under ThreadSanitizer, with zero reports: the
# log's group commit and concurrent appenders (storage), the state cache racing invalidations and
# the usage tracker's exact gates (projections). The end-to-end tests run the server under
# ASan+UBSan instead: Pistache, which TSan cannot see into, would only produce noise there.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEYLEDGER_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$(nproc)" --target storage_tests projections_tests
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
./build-tsan/storage_tests "[storage]"
./build-tsan/projections_tests "[projections]"
echo "tsan: no reports"
