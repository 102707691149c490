#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan, CLUSTERTWIN_FUZZ=ON) in their own build
# directory and run each for a while on its seed corpus. A finding (crash, sanitizer report,
# leak, timeout, out-of-memory, an exception other than the documented one) fails the script
# and leaves the input in BUILD/artifacts/. See docs/reliability.md for the long run.
#
# Usage: tests/fuzz/run_fuzz.sh [--build DIR] [--seconds N] [--jobs N] [--target scenario|archive]
#   --build DIR    build directory (default: build-fuzz next to the sources)
#   --seconds N    fuzzing time per target (default 5: the smoke run of the test suite)
#   --jobs N       parallel fuzzing processes per target (default 1)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$SRC/build-fuzz
SECONDS_EACH=5
JOBS=1
TARGETS=(scenario archive)
while (($#)); do
  case $1 in
    --build) BUILD=$2; shift 2 ;;
    --seconds) SECONDS_EACH=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --target) TARGETS=("$2"); shift 2 ;;
    *) echo "run_fuzz.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
BUILD=$(realpath -m "$BUILD")
CXX=${FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
CC=${FUZZ_CC:-$(command -v clang || command -v clang-14 || true)}
[ -n "$CXX" ] && [ -n "$CC" ] || { echo "run_fuzz.sh: clang not found (scripts/install-deps.sh --with-fuzz)" >&2; exit 1; }

mkdir -p "$BUILD"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CXX=$CXX CC=$CC cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCLUSTERTWIN_FUZZ=ON -DCLUSTERTWIN_WERROR=ON >/dev/null
fi
nice -n 10 cmake --build "$BUILD" -j 2 --target clustertwin_fuzz_scenario clustertwin_fuzz_archive \
  >"$BUILD/build.log" 2>&1 || { tail -30 "$BUILD/build.log"; exit 1; }

ART=$BUILD/artifacts
mkdir -p "$ART" "$BUILD/corpus/scenario" "$BUILD/corpus/archive" "$BUILD/seeds/scenario" \
  "$BUILD/seeds/archive"
# Seeds: the shipped scenarios and the test fixtures (YAML and CSV), hostile cases except the
# 10^9-accelerator campus (valid, but slow to place under ASan).
find "$SRC/configs" "$SRC/tests/scenarios" "$SRC/tests/hostile" -type f \
  \( -name '*.yaml' -o -name '*.csv' \) ! -name 'giga_campus.yaml' -exec cp {} "$BUILD/seeds/scenario/" \;
CT_FUZZ_WRITE_SEEDS="$BUILD/seeds/archive" "$BUILD/tests/fuzz/clustertwin_fuzz_archive"

# Leaks are findings too; the memory limits catch allocations sized by the input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${TARGETS[@]}"; do
  args=(-max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=4096 -malloc_limit_mb=2048
    -artifact_prefix="$ART/$t-" -print_final_stats=1)
  [ "$t" = scenario ] && args+=(-dict="$SRC/tests/fuzz/scenario.dict" -max_len=65536)
  [ "$t" = archive ] && args+=(-max_len=4096)
  if [ "$JOBS" -gt 1 ]; then args+=(-jobs="$JOBS" -workers="$JOBS"); fi
  echo "== fuzz $t for $SECONDS_EACH s"
  if ! (cd "$BUILD" && "$BUILD/tests/fuzz/clustertwin_fuzz_$t" "${args[@]}" "$BUILD/corpus/$t" \
    "$BUILD/seeds/$t") >"$BUILD/fuzz-$t.log" 2>&1; then
    status=1
    echo "FINDING in $t (input in $ART/):"
    grep -E "ERROR|SUMMARY|==[0-9]+==|#[0-9]+ in ct::" "$BUILD/fuzz-$t.log" | head -20
  else
    grep -E "^Done|stat::number_of_executed_units|stat::new_units_added" "$BUILD/fuzz-$t.log" |
      tr '\n' ' '
    echo
  fi
done
exit $status
