#!/usr/bin/env bash
# Line coverage per folder (gcov and lcov from Debian): builds the project with --coverage into
# build-coverage, runs every unit test binary and, with COVERAGE_E2E=1, the end-to-end tests
# (their servers write coverage data when they exit cleanly), and prints one line per folder.
# Not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
dpkg -s lcov >/dev/null 2>&1 || apt-get -o Acquire::Retries=5 install -y -qq lcov >/dev/null
B=build-coverage
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="--coverage" -DCMAKE_C_FLAGS="--coverage" \
  -DCMAKE_EXE_LINKER_FLAGS="--coverage" >/dev/null
UNITS=(domain_tests events_tests storage_tests projections_tests exports_tests webhooks_tests http_tests app_tests pg_tests)
TARGETS=("${UNITS[@]}")
[ "${COVERAGE_E2E:-0}" = 1 ] && TARGETS+=(keyledger e2e_tests)
cmake --build "$B" -j"$(nproc)" --target "${TARGETS[@]}" >/dev/null
lcov --quiet --zerocounters --directory "$B"
for t in "${UNITS[@]}"; do "./$B/$t" >/dev/null; done
[ "${COVERAGE_E2E:-0}" = 1 ] && KEYLEDGER_BIN="$PWD/$B/keyledger" "./$B/e2e_tests" >/dev/null
lcov --quiet --capture --directory "$B" --base-directory . --no-external --output-file "$B/coverage.info" 2>/dev/null
lcov --quiet --remove "$B/coverage.info" "$PWD/tests/*" "$PWD/bench/*" "$PWD/$B/*" --output-file "$B/coverage.info" 2>/dev/null
python3 - "$B/coverage.info" "$PWD" <<'PY'
import collections, sys
info, root = sys.argv[1], sys.argv[2].rstrip("/") + "/"
found, hit = collections.Counter(), collections.Counter()
folder = None
for line in open(info):
    if line.startswith("SF:"):
        path = line[3:].strip().removeprefix(root)
        folder = path.split("/")[0] if "/" in path else "."
        if path.startswith("http/compat/"):
            folder = "/".join(path.split("/")[:3])
    elif line.startswith("LF:"):
        found[folder] += int(line[3:])
    elif line.startswith("LH:"):
        hit[folder] += int(line[3:])
print(f"{'folder':<22} {'lines':>7} {'hit':>7} {'coverage':>9}")
for f in sorted(found):
    print(f"{f:<22} {found[f]:>7} {hit[f]:>7} {100 * hit[f] / max(found[f], 1):>8.1f}%")
PY
