#!/usr/bin/env bash
# CLI error handling (DESIGN §8): bad scenarios and bad arguments exit 2 with a message naming
# file, line and key path, never crash, and leave neither OUT nor OUT.partial behind.
# Usage: tests/integration/test_cli_errors.sh /path/to/clustertwin
set -u

BIN=${1:?usage: $0 /path/to/clustertwin}
HERE=$(cd "$(dirname "$0")" && pwd)
BAD="$HERE/../scenarios/bad"
GOOD="$HERE/../scenarios/good"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
MPIRUN=${MPIRUN:-mpirun}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

# check NAME STATUS ERRFILE OUT [FRAGMENT...]: exit status must be 2, stderr must contain every
# FRAGMENT, and neither OUT nor OUT.partial may exist (OUT may be "-" for none).
check() {
  local name=$1 status=$2 err=$3 out=$4
  shift 4
  local why=""
  [ "$status" -eq 2 ] || why="exit status $status, expected 2"
  local f
  for f in "$@"; do
    [ -z "$f" ] || grep -qF -- "$f" "$err" || why="${why:+$why; }message lacks '$f'"
  done
  if [ "$out" != "-" ]; then
    [ -e "$out" ] && why="${why:+$why; }output file $out exists"
    [ -e "$out.partial" ] && why="${why:+$why; }partial file $out.partial exists"
  fi
  if [ -z "$why" ]; then
    passed=$((passed + 1))
    echo "PASS $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name: $why"
    sed 's/^/    | /' "$err" | head -5
  fi
  rm -f "$out" "$out.partial" 2>/dev/null || true
}

# run_case FILE LINE FRAGMENT...: 'run FILE -o OUT' and 'validate FILE'.
run_case() {
  local file=$1 line=$2
  shift 2
  local path="$BAD/$file" out="$TMP/out.h5"
  "$BIN" run "$path" -o "$out" -q >/dev/null 2>"$TMP/err"
  check "run $file" $? "$TMP/err" "$out" "$file:$line:" "$@"
  "$BIN" validate "$path" >/dev/null 2>"$TMP/err"
  check "validate $file" $? "$TMP/err" - "$file:$line:" "$@"
}

# The same under mpirun -n 2 (both ranks must agree on exit 2; rank 0 prints the message).
mpi_case() {
  local file=$1 line=$2
  shift 2
  local out="$TMP/mpi.h5"
  "$MPIRUN" -n 2 "$BIN" run "$BAD/$file" -o "$out" -q >/dev/null 2>"$TMP/err"
  check "mpirun -n 2 run $file" $? "$TMP/err" "$out" "$file:$line:" "$@"
}

# ---- malformed scenarios (file, line, key path and allowed values) ----
run_case yaml_syntax.yaml 6 "YAML syntax error"
run_case unknown_top_key.yaml 8 "'tmie'" "did you mean 'time'"
run_case unknown_nested_key.yaml 6 "'time.tick'" "did you mean 'time.tick_s'"
run_case wrong_type_string.yaml 5 "'time.duration_s'" "expected a number"
run_case wrong_type_quoted_number.yaml 6 "'time.tick_s'" "expected a number"
run_case wrong_type_list_for_map.yaml 4 "'time'" "expected a map"
run_case wrong_type_map_for_list.yaml 8 "'campus.buildings'" "expected a list"
run_case negative_count.yaml 10 "'campus.buildings[0].racks_per_hall'" "1 <= racks_per_hall"
run_case fractional_count.yaml 7 "'campus.nodes_per_rack'" "expected an integer"
run_case zero_tick.yaml 6 "'time.tick_s'" "0 < tick_s <= 3600"
run_case tick_not_dividing.yaml 7 "'time.output_interval_s'" "whole number of ticks"
run_case missing_schema_version.yaml 1 "schema_version" "allowed: 1"
run_case wrong_schema_version.yaml 2 "'schema_version'" "schema_version <= 1"
run_case missing_time.yaml 2 "'time'" "missing required section"
run_case missing_campus.yaml 2 "'campus'" "missing required section"
run_case missing_duration.yaml 5 "'time.duration_s'" "missing required key"
run_case missing_racks_per_hall.yaml 8 "'campus.buildings[0].racks_per_hall'" "missing required"
run_case extends_missing.yaml 2 "'extends'" "no_such_base.yaml"
run_case extends_cycle_a.yaml 2 "extends" "cycle" "extends_cycle_b.yaml:2:"
run_case extends_bad_child.yaml 5 "'campus.nodes_per_rak'" "did you mean 'campus.nodes_per_rack'"
run_case bad_enum.yaml 7 "'campus.cooling'" "allowed: air, liquid"
run_case efficiency_range.yaml 18 "'jobs[0].efficiency'" "0 < efficiency <= 1"
run_case duplicate_job_names.yaml 18 "'jobs[1].name'" "duplicate job name"
run_case job_too_big.yaml 18 "jobs[0]" "dp"
run_case bad_iso_date.yaml 5 "'time.start'" "ISO 8601"
run_case weather_csv_missing.yaml 10 "'weather.csv_file'" "not found"
run_case duplicate_key.yaml 7 "duplicate key" "tick_s"
run_case negative_seed.yaml 3 "'seed'" "non-negative"
run_case unknown_fault_class.yaml 10 "'faults.classes.acelerator'" "valid: gpu"
run_case out_of_range_power_cap.yaml 9 "'accelerator.power_cap_w'" "power_cap_w <= 700"
run_case empty_value.yaml 5 "'time.duration_s'"
run_case misspelled_required_section.yaml 4 "did you mean 'time'"

mpi_case unknown_nested_key.yaml 6 "'time.tick'" "did you mean 'time.tick_s'"
mpi_case zero_tick.yaml 6 "'time.tick_s'" "0 < tick_s <= 3600"
mpi_case yaml_syntax.yaml 6 "YAML syntax error"
mpi_case job_too_big.yaml 18 "jobs[0]" "dp"

# ---- --set errors ----
set_check() {  # set_check NAME SETARG FRAGMENT...
  local name=$1 arg=$2
  shift 2
  local out="$TMP/set.h5"
  "$BIN" run "$GOOD/base.yaml" -o "$out" -q --set "$arg" >/dev/null 2>"$TMP/err"
  check "run --set $name" $? "$TMP/err" "$out" "--set $arg" "$@"
  "$BIN" validate "$GOOD/base.yaml" --set "$arg" >/dev/null 2>"$TMP/err"
  check "validate --set $name" $? "$TMP/err" - "--set $arg" "$@"
}
set_check unknown-key "time.nosuch=1" "unknown key 'time.nosuch'"
set_check did-you-mean "time.tick=2" "did you mean 'time.tick_s'"
set_check index-out-of-range "campus.buildings.3.halls=2" "index 3 out of range"
set_check no-equals "time.tick_s" "expected key.path=value"
set_check out-of-range "time.tick_s=0" "'time.tick_s'" "0 < tick_s <= 3600"
set_check bad-yaml "time.tick_s=[1" "not valid YAML"

# ---- bad command-line arguments ----
arg_case() {  # arg_case NAME FRAGMENT -- ARGS...
  local name=$1 fragment=$2
  shift 3
  local out="$TMP/arg.h5"
  "$BIN" "$@" >/dev/null 2>"$TMP/err"
  check "$name" $? "$TMP/err" "$out" "$fragment"
}
arg_case "unknown command" "unknown command 'frobnicate'" -- frobnicate "$GOOD/base.yaml"
arg_case "no command" "" --
arg_case "run unknown option" "--frobnicate" -- run "$GOOD/base.yaml" --frobnicate -o "$TMP/arg.h5"
arg_case "validate unknown option" "--frobnicate" -- validate "$GOOD/base.yaml" --frobnicate
arg_case "run missing file" "no_such_file.yaml" -- run "$TMP/no_such_file.yaml" -o "$TMP/arg.h5"
arg_case "validate missing file" "no_such_file.yaml" -- validate "$TMP/no_such_file.yaml"
arg_case "run no scenario" "missing SCENARIO.yaml" -- run -o "$TMP/arg.h5"
arg_case "run bad --seed" "--seed" -- run "$GOOD/base.yaml" --seed abc -o "$TMP/arg.h5"
arg_case "run bad --log-level" "--log-level" -- run "$GOOD/base.yaml" --log-level loud -o "$TMP/arg.h5"

out="$TMP/ranks.h5"
"$MPIRUN" -n 4 "$BIN" run "$GOOD/base.yaml" -o "$out" -q >/dev/null 2>"$TMP/err"
check "mpirun -n 4 on a 2-rack scenario" $? "$TMP/err" "$out" "4 MPI ranks" "only 2 racks"

# A malformed weather CSV is bad input (2), not a runtime failure (3), and validate catches it.
mkdir -p "$TMP/csv"
cp "$GOOD/base.yaml" "$TMP/csv/scenario.yaml"
printf 'timestamp,dry_bulb_c\n2026-07-15T00:00:00Z,20\n' >"$TMP/csv/weather.csv"
out="$TMP/csv.h5"
"$BIN" run "$TMP/csv/scenario.yaml" -o "$out" -q --set weather.source=csv \
  --set weather.csv_file=weather.csv >/dev/null 2>"$TMP/err"
check "run malformed weather csv" $? "$TMP/err" "$out" "weather.csv:1:"
"$BIN" validate "$TMP/csv/scenario.yaml" --set weather.source=csv \
  --set weather.csv_file=weather.csv >/dev/null 2>"$TMP/err"
check "validate malformed weather csv" $? "$TMP/err" - "weather.csv:1:"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
