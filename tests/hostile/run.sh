#!/usr/bin/env bash
# Hostile inputs (issue 15): every case must end with its expected exit status and message,
# never a crash, a hang, unbounded memory, or a file under the output name.
#
# Each *.yaml here is one case; its header comments say how to run it and what to expect:
#   # args: run {file} -o {out} --seed -1     (default: validate {file})
#   # expect: STATUS FRAGMENT                 (one line per fragment; all with the same STATUS)
# Placeholders: {file} the case file, {out} an output path in a scratch directory, {dir} that
# directory, {here} this directory. Commands run in the scratch directory; those that do not
# start MPI run under a 2 GiB address-space limit (HOSTILE_VMEM_KB; 0 = none, e.g. under ASan),
# so unbounded memory fails the case. Cases that need generated files, several processes, a
# full file system or signals are written out below (case_*).
#
# Usage: tests/hostile/run.sh /path/to/clustertwin
set -u
BIN=$(realpath "${1:?usage: $0 /path/to/clustertwin}")
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
source "$SRC/tests/integration/wait_for.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
MPIRUN=${MPIRUN:-mpirun}
PYTHON=${PYTHON:-/usr/bin/python3}
VMEM_KB=${HOSTILE_VMEM_KB:-2097152}
TIMEOUT=${HOSTILE_TIMEOUT:-120}
TMP=$(mktemp -d)
MOUNTED=""
cleanup() {
  [ -n "$MOUNTED" ] && umount "$MOUNTED" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
WORK=$TMP/work
mkdir -p "$WORK"

passed=0
failed=0
skipped=0
T0=$SECONDS
pass() { passed=$((passed + 1)); echo "PASS $1 [$((SECONDS - T0)) s]"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL $1: $2"
  [ -f "$TMP/err" ] && sed 's/^/    | /' "$TMP/err" | head -c 1500 | head -8
}
skip() { skipped=$((skipped + 1)); echo "SKIP $1: $2"; }

# run_cmd LIMIT ARGS...: run the binary in $WORK with a timeout (and an address-space limit
# when LIMIT is 1); stdout+stderr in $TMP/err, status in $status.
run_cmd() {
  local limit=$1
  shift
  (
    cd "$WORK" || exit 99
    if [ "$limit" = 1 ] && [ "$VMEM_KB" != 0 ]; then ulimit -v "$VMEM_KB"; fi
    exec timeout -k 5 "$TIMEOUT" "$BIN" "$@"
  ) >"$TMP/err" 2>&1
  status=$?
}

# check NAME EXPECTED FRAGMENT...: the status, every fragment, no crash, no final output.
check() {
  local name=$1 expected=$2
  shift 2
  local why=""
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    why="timed out after $TIMEOUT s (a hang)"
  elif [ "$status" -gt 128 ]; then
    why="killed by signal $((status - 128))"
  elif [ "$status" -ne "$expected" ]; then
    why="exit status $status, expected $expected"
  fi
  local f
  for f in "$@"; do
    [ -z "$f" ] || grep -qF -- "$f" "$TMP/err" || why="${why:+$why; }message lacks '$f'"
  done
  if [ "$expected" -ne 0 ] && [ -e "$WORK/out.h5" ]; then
    why="${why:+$why; }a file was left under the output name"
  fi
  if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
  rm -rf "${WORK:?}"/* 2>/dev/null
}

# ---- the case files ----
for file in "$HERE"/*.yaml; do
  name=$(basename "$file" .yaml)
  args_line=$(grep -a -m1 '^# args: ' "$file" | sed 's/^# args: //')
  [ -n "$args_line" ] || args_line="validate {file}"
  args_line=${args_line//\{file\}/$file}
  args_line=${args_line//\{out\}/$WORK/out.h5}
  args_line=${args_line//\{dir\}/$WORK}
  args_line=${args_line//\{here\}/$HERE}
  read -ra args <<<"$args_line"
  expected=""
  fragments=()
  while IFS= read -r line; do
    line=${line#\# expect: }
    expected=${line%% *}
    fragments+=("${line#* }")
  done < <(grep -a '^# expect: ' "$file")
  if [ -z "$expected" ]; then
    fail "$name" "no '# expect:' line"
    continue
  fi
  limit=1
  [ "${args[0]}" = run ] && limit=0 # MPI needs address space of its own
  run_cmd "$limit" "${args[@]}"
  check "$name" "$expected" "${fragments[@]}"
done

# ---- generated inputs ----
BASE=$SRC/tests/scenarios/good/base.yaml

case_big_file() { # over the 8 MiB limit: refused at once, before parsing
  {
    cat "$BASE"
    head -c 9000000 /dev/zero | tr '\0' '#'
    echo
  } >"$TMP/big.yaml"
  local t0=$SECONDS
  run_cmd 1 validate "$TMP/big.yaml"
  check "big_file (9 MB, limit 8 MiB)" 2 "big.yaml: cannot open scenario file: is 8.6 MiB, over the limit of 8.0 MiB"
  [ $((SECONDS - t0)) -le 5 ] || fail "big_file" "took $((SECONDS - t0)) s"
}

case_fifo_extends() { # a FIFO would block the reader forever
  mkfifo "$TMP/fifo.yaml"
  printf 'schema_version: 1\nextends: fifo.yaml\n' >"$TMP/ext_fifo.yaml"
  run_cmd 1 validate "$TMP/ext_fifo.yaml"
  check "extends_fifo" 2 "ext_fifo.yaml:2:1: key 'extends'" "is a FIFO (named pipe), not a regular file"
  run_cmd 1 validate "$TMP/fifo.yaml"
  check "scenario_is_fifo" 2 "fifo.yaml: cannot open scenario file: is a FIFO"
}

case_huge_number_sweep() { # a 100,000-digit value overflowed the stack in std::regex
  {
    cat "$BASE"
    printf 'sweep:\n  grid:\n    faults.rate_scale: [1.'
    head -c 100000 /dev/zero | tr '\0' '0'
    printf ', 2]\n'
  } >"$TMP/digits.yaml"
  run_cmd 0 run "$TMP/digits.yaml" --sweep-index 0 -o "$WORK/digits.h5" -q --set time.duration_s=600
  local st=$status
  if [ "$st" -eq 0 ] && "$PYTHON" - "$WORK/digits.h5" <<'PY' >>"$TMP/err" 2>&1; then
import json, sys, h5py
with h5py.File(sys.argv[1]) as f:
    p = f.attrs["sweep_parameters"]
    p = json.loads(p.decode() if isinstance(p, bytes) else p)
    assert p["faults.rate_scale"] == 1.0, p
PY
    status=0
  else
    status=$((st == 0 ? 1 : st))
  fi
  check "sweep_value_of_100000_digits" 0
  run_cmd 1 validate "$TMP/digits.yaml" --set "faults.rate_scale=1$(head -c 100000 /dev/zero | tr '\0' '0')"
  check "set_value_of_100000_digits" 2 "'faults.rate_scale'" "(100001 characters)"
}

case_links_to_inputs() { # identity, not names: links and other spellings of an input
  cp "$BASE" "$TMP/s.yaml"
  ln -s "$TMP/s.yaml" "$TMP/symlink.h5"
  run_cmd 0 run "$TMP/s.yaml" -o "$TMP/symlink.h5"
  check "output_symlink_to_scenario" 2 "is the scenario file" "refusing to overwrite it"
  ln "$TMP/s.yaml" "$TMP/hardlink.h5"
  run_cmd 0 run "$TMP/s.yaml" -o "$TMP/hardlink.h5"
  check "output_hard_link_to_scenario" 2 "is the scenario file"
  run_cmd 0 run "$TMP/s.yaml" -o "$TMP/../$(basename "$TMP")/./s.yaml"
  check "output_other_spelling_of_scenario" 2 "is the scenario file"
  printf 'timestamp,dry_bulb_c,wet_bulb_c\n2026-07-15T00:00:00Z,20,15\n2026-07-15T01:00:00Z,20,15\n' \
    >"$TMP/weather.csv"
  run_cmd 0 run "$TMP/s.yaml" -o "$TMP/weather.csv" --set weather.source=csv \
    --set weather.csv_file=weather.csv
  check "output_is_weather_csv" 2 "is an input data file"
  run_cmd 0 run "$TMP/s.yaml" -o "$WORK/out.h5" --stats-json "$TMP/s.yaml"
  check "stats_json_is_scenario" 2 "the --stats-json file" "is the scenario file"
  cmp -s "$BASE" "$TMP/s.yaml" || fail "inputs_untouched" "the scenario file was changed"
}

case_concurrent_runs() { # the second run must not write into the first one's file
  local out=$TMP/shared.h5
  (cd "$WORK" && exec "$BIN" run "$BASE" -o "$out" -q --pace 600) >"$TMP/first.log" 2>&1 &
  local pid=$!
  wait_for "$out.partial" "$pid"
  sleep 0.5
  run_cmd 0 run "$BASE" -o "$out" -q
  check "second_run_same_output" 2 "another run is writing it now" "shared.h5.partial is locked"
  wait "$pid"
  status=$?
  [ "$status" -eq 0 ] && h5ls "$out" >/dev/null 2>&1 || status=1
  cp "$TMP/first.log" "$TMP/err"
  check "first_run_unharmed" 0
}

case_final_written_meanwhile() { # never replace a result another run produced after we started
  local out=$TMP/raced.h5
  (cd "$WORK" && exec "$BIN" run "$BASE" -o "$out" -q --pace 600) >"$TMP/err" 2>&1 &
  local pid=$!
  # Once the run has claimed its output (OUT.partial exists), another one publishes OUT.
  wait_for "$out.partial" "$pid"
  sleep 0.5
  echo "the other run's result" >"$out.tmp" && mv "$out.tmp" "$out"
  wait "$pid"
  status=$?
  check "final_written_by_another_run" 3 "raced.h5 was written by another run after this run started" \
    "kept as $out.partial"
  grep -q "the other run's result" "$out" || fail "other_result_kept" "the other run's file was replaced"
  h5ls "$out.partial" >/dev/null 2>&1 || fail "partial_kept" "$out.partial is not readable HDF5"
  # An older output (there before the run started) is replaced, as a rerun is expected to.
  echo "an older run's output" >"$TMP/older.h5"
  run_cmd 0 run "$BASE" -o "$TMP/older.h5" -q
  h5ls "$TMP/older.h5" >/dev/null 2>&1 || status=1
  check "older_output_replaced" 0
}

case_disk_full() { # a full file system: exit 3 on every rank, no hang, .partial kept
  local fs=$TMP/full
  mkdir -p "$fs"
  if ! mount -t tmpfs -o size=4m tmpfs "$fs" 2>/dev/null; then
    skip "disk_full" "cannot mount a 4 MiB tmpfs here (needs root); not tested"
    return
  fi
  MOUNTED=$fs
  # 256 racks: each sample adds 32 KiB of rack series, so the 4 MiB fill up in a few hundred
  # ticks (a few seconds, also under the sanitizers).
  local args=(run "$SRC/configs/quickstart.yaml" -o "$fs/full.h5" -q --set time.tick_s=300
    --set time.duration_s=8640000 --set output.flush_interval_s=3000
    --set campus.buildings.0.racks_per_hall=128)
  local ranks preflight
  for preflight in 1 0; do
    for ranks in 1 2; do
      rm -f "$fs"/*
      local t0=$SECONDS
      (cd "$WORK" && CLUSTERTWIN_IO_PREFLIGHT=$preflight CLUSTERTWIN_IO_TIMEOUT_S=5 \
        exec timeout -k 5 "$TIMEOUT" "$MPIRUN" -n "$ranks" "$BIN" "${args[@]}") >"$TMP/err" 2>&1
      status=$?
      local what="disk_full ($ranks ranks, $([ "$preflight" = 1 ] && echo "free space checked" ||
        echo "HDF5 write fails"))"
      [ -e "$fs/full.h5" ] && { fail "$what" "a file was left under the output name"; continue; }
      [ -e "$fs/full.h5.partial" ] || { fail "$what" "full.h5.partial was not kept"; continue; }
      if [ "$preflight" = 1 ]; then
        check "$what" 3 "no space left on the file system of $fs/full.h5.partial" \
          "the output so far is kept as"
        "$PYTHON" -c "import h5py,sys; n=h5py.File(sys.argv[1])['time'].shape[0]; assert n>0, n" \
          "$fs/full.h5.partial" 2>>"$TMP/err" || fail "$what: partial readable" "h5py cannot read it"
      else
        check "$what" 3 "HDF5 error"
      fi
      echo "    ($((SECONDS - t0)) s)"
    done
  done
  umount "$fs" && MOUNTED=""
}

case_sigterm() { # SIGTERM: restart file and exit 75 (direct); mpirun reports 1 (Open MPI)
  local out=$TMP/term.h5
  (cd "$WORK" && exec "$BIN" run "$BASE" -o "$out" -q --pace 1000) >"$TMP/err" 2>&1 &
  local pid=$!
  # Sent once the run has claimed its output: a fixed sleep lost the race on a loaded machine.
  wait_for "$out.partial" "$pid"
  sleep 0.5
  kill -TERM "$pid"
  wait "$pid"
  status=$?
  [ -f "$out.restart" ] || echo "no restart file" >>"$TMP/err"
  [ -f "$out.restart" ] || status=1
  check "sigterm_direct_exit_75" 75 "interrupted: restart file"
  rm -f "$out"*
  # Open MPI 4.1's mpirun, on SIGTERM, sends the ranks SIGCONT, then SIGTERM after
  # odls_base_sigkill_timeout seconds (1 by default), then SIGKILL after as many again; the
  # ranks write the restart file and exit 75, but mpirun always exits 1 itself (it cannot
  # forward SIGTERM as it forwards SIGUSR1). Batch scripts: see docs/reliability.md.
  (cd "$WORK" && exec "$MPIRUN" --mca odls_base_sigkill_timeout 3 -n 2 "$BIN" run "$BASE" \
    -o "$out" -q --pace 300) >"$TMP/err" 2>&1 &
  pid=$!
  wait_for "$out.partial" "$pid"
  sleep 1
  kill -TERM "$pid"
  wait "$pid"
  status=$?
  [ -f "$out.restart" ] && [ -f "$out.partial" ] && [ ! -e "$out" ] ||
    { echo "expected $out.restart and $out.partial only" >>"$TMP/err"; status=99; }
  check "sigterm_to_mpirun_writes_restart (mpirun exits 1)" 1 "interrupted: restart file"
  run_cmd 0 run "$BASE" -o "$out" -q --restart "$out.restart"
  [ -e "$out" ] && [ ! -e "$out.restart" ] || status=98
  check "resume_after_sigterm_to_mpirun" 0
}

case_big_file
case_fifo_extends
case_huge_number_sweep
case_links_to_inputs
case_concurrent_runs
case_final_written_meanwhile
case_disk_full
case_sigterm

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
