#!/usr/bin/env bash
# The whole test suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer (the
# server under test included; the e2e harness fails the run on any report in a server log).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKEYLEDGER_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j"$(nproc)"
# The build already makes UBSan unrecoverable (-fno-sanitize-recover=all in CMakeLists.txt);
# halt_on_error=1 says the same to the runtime, so a report fails the test that triggered it.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The soak (label `soak`, cmake/soak.cmake) runs once, in scripts/test.sh: its minute of load
# is fixed time, and its kill -9 and restart are covered here by the crash tests (tests/e2e/crash_test.cc).
ctest --test-dir build-asan --output-on-failure -LE '^soak$'
