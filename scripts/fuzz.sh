#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, in build-fuzz) and runs each one for
# FUZZ_SECONDS over a fresh copy of its seed corpus (tests/fuzz/corpus/<name>), after replaying
# tests/fuzz/regressions/<name>/ (large reproducers). Exits 1 if any
# target finds something; the reproducer is in build-fuzz/fuzz-runs/<name>/ (see docs/fuzzing.md).
#
#   FUZZ_SECONDS=20 bash scripts/fuzz.sh                 # the default: a short smoke run
#   FUZZ_SECONDS=3600 FUZZ_TARGETS=secret bash scripts/fuzz.sh
#
# FUZZ_JOBS: parallel compile jobs (default 1: the machine is shared; CI passes nproc).
# Nothing is tolerated: every sanitizer report and every failed harness check is a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
JOBS="${FUZZ_JOBS:-1}"
BUILD=build-fuzz

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DKEYLEDGER_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
nice -n 10 cmake --build "$BUILD" -j"$JOBS" --target fuzz

export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

# The HTTP target's RocksDB data dir: in memory, under a parent removed even after a crash.
export KEYLEDGER_FUZZ_DATA_PARENT
KEYLEDGER_FUZZ_DATA_PARENT=$(mktemp -d /dev/shm/keyledger-fuzz-run-XXXXXX)
trap 'rm -rf "$KEYLEDGER_FUZZ_DATA_PARENT"' EXIT

targets="${FUZZ_TARGETS:-$(for f in tests/fuzz/*_fuzz.cc; do basename "$f" _fuzz.cc; done)}"
failed=()
summary=()
for name in $targets; do
  run="$BUILD/fuzz-runs/$name"
  rm -rf "$run" && mkdir -p "$run/corpus" "$run/artifacts"
  cp -r "tests/fuzz/corpus/$name/." "$run/corpus/" 2>/dev/null || true
  args=(-max_total_time="$SECONDS_PER_TARGET" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1
        -artifact_prefix="$run/artifacts/")
  [ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")
  # The HTTP target runs a server whose threads allocate across iterations: per-input leak
  # checks would only slow it down (and leaks still show up at exit in the other targets).
  [ "$name" = http_front_door ] && args+=(-detect_leaks=0)
  echo "== $name: ${SECONDS_PER_TARGET}s"
  status=0
  # Reproducers too big to be mutation seeds (they would raise max_len for every input) are
  # replayed once instead, before fuzzing.
  if compgen -G "tests/fuzz/regressions/$name/*" >/dev/null; then
    "$BUILD/${name}_fuzz" "${args[@]}" tests/fuzz/regressions/"$name"/* >"$run/regressions.log" 2>&1 || status=$?
  fi
  [ "$status" -eq 0 ] && { "$BUILD/${name}_fuzz" "${args[@]}" "$run/corpus" >"$run/log" 2>&1 || status=$?; }
  [ "$status" -ne 0 ] && [ ! -s "$run/log" ] && cp "$run/regressions.log" "$run/log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -1)
  corpus=$(find "$run/corpus" -type f | wc -l)
  summary+=("$(printf '%-16s %6ss %10s execs %6s corpus files  exit %s' "$name" "$SECONDS_PER_TARGET" "${execs:-?}" "$corpus" "$status")")
  if [ "$status" -ne 0 ]; then
    failed+=("$name")
    echo "!! $name found something (exit $status); log: $run/log, reproducer: $run/artifacts/"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|[a-z_]+_fuzz:|.*runtime error)" "$run/log" | head -20 || true
  fi
done
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}"
  exit 1
fi
echo "fuzzing: no findings"
