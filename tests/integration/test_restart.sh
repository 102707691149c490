#!/usr/bin/env bash
# Restartable runs without Slurm:
#  - stop at a tick (--stop-after) and resume on another rank count (1→2, 3→1): h5diff identical
#    to a run that never stopped;
#  - SIGUSR1 mid-run: exit 75 with a restart file; resuming gives the identical file;
#  - kill -9 mid-run: the .partial file opens and holds every flushed sample, equal to the
#    uninterrupted run's.
# Usage: test_restart.sh CLUSTERTWIN [SCENARIO STOP_A STOP_B [run args...]]
#   With a scenario: only the stop/resume cases, at the two simulated stop times given.
set -u
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cd "$dir"
scenario=$src/configs/quickstart.yaml
args=(--set time.duration_s=43200 --set faults.rate_scale=60 --set output.flush_interval_s=900 -q)
stops=(20000 31337)
only_resume=0
if [ $# -ge 4 ]; then
  scenario=$2; stops=("$3" "$4"); shift 4; args=("$@" -q); only_resume=1
fi
passed=0; failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
source "$src/tests/integration/wait_for.sh"

mpirun -n 2 "$bin" run "$scenario" -o ref.h5 "${args[@]}" > ref.log 2>&1 || { cat ref.log; exit 1; }

resume_case() {  # ranks_before ranks_after stop_s
  local a=$1 b=$2 stop=$3 out="r_$1_$2.h5"
  mpirun -n "$a" "$bin" run "$scenario" -o "$out" "${args[@]}" --stop-after "$stop" > log 2>&1
  local rc=$?
  [ "$rc" -eq 75 ] || { fail "$a ranks stop at $stop s: exit $rc, expected 75"; cat log; return; }
  [ -f "$out.restart" ] && [ -f "$out.partial" ] && [ ! -e "$out" ] ||
    { fail "$a→$b: expected $out.restart and $out.partial only"; return; }
  mpirun -n "$b" "$bin" run "$scenario" -o "$out" "${args[@]}" --restart "$out.restart" > log 2>&1 ||
    { fail "resume on $b ranks"; cat log; return; }
  if h5diff --exclude-attribute / ref.h5 "$out" > diff 2>&1; then
    ok "stopped at $stop s on $a ranks, resumed on $b: identical to the uninterrupted run"
  else
    fail "stopped on $a, resumed on $b: differs"; head -20 diff
  fi
  [ ! -e "$out.restart" ] || fail "restart file left after the run finished"
}
resume_case 1 2 "${stops[0]}"
resume_case 3 1 "${stops[1]}"
if [ "$only_resume" -eq 1 ]; then
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
fi

# SIGUSR1 delivered while running: agreed at a tick boundary, restart written, exit 75.
# --pace holds the run to ~8.6 s of wall time whatever the machine, so the signal lands mid-run.
# The signal is sent once the run has claimed its output (OUT.partial): from then on every rank
# catches it, however long MPI's start took (a fixed sleep lost the race on a loaded CI machine).
mpirun -n 2 "$bin" run "$scenario" -o sig.h5 "${args[@]}" --set time.tick_s=0.25 --pace 5000 \
  > sig.log 2>&1 &
pid=$!
wait_for sig.h5.partial "$pid"
sleep 0.5
kill -USR1 "$pid"
wait "$pid"; rc=$?
if [ "$rc" -eq 75 ] && [ -f sig.h5.restart ]; then
  ok "SIGUSR1: exit 75 with a restart file"
  mpirun -n 2 "$bin" run "$scenario" -o sig.h5 "${args[@]}" --set time.tick_s=0.25 \
    --restart sig.h5.restart > log 2>&1
  mpirun -n 1 "$bin" run "$scenario" -o sigref.h5 "${args[@]}" --set time.tick_s=0.25 > log 2>&1
  if h5diff --exclude-attribute / sigref.h5 sig.h5 > diff 2>&1; then
    ok "SIGUSR1 then resume: identical to the uninterrupted run"
  else
    fail "SIGUSR1 then resume differs"; head diff
  fi
else
  fail "SIGUSR1: exit $rc"; cat sig.log
fi

# kill -9: the partial file holds every flushed sample.
"$bin" run "$scenario" -o killed.h5 "${args[@]}" --set time.tick_s=0.1 --pace 5000 \
  > /dev/null 2>&1 &
pid=$!
wait_for killed.h5.partial "$pid"
sleep 3
kill -9 "$pid"; wait "$pid" 2>/dev/null
if /usr/bin/python3 - "$dir/killed.h5.partial" "$dir/ref.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as k, h5py.File(sys.argv[2]) as r:
    n = k["time"].shape[0]
    assert n > 0 and n % 3 == 0, f"{n} samples: expected a positive multiple of 3 (flush every 900 s)"
    assert k["facility/power_it_w"].shape[0] == n and k["racks/power_w"].shape[0] == n
    np.testing.assert_array_equal(k["time"][:], r["time"][:n])
    assert np.all(np.isfinite(k["facility/power_it_w"][:]))
    print(f"{n} flushed samples read back")
PY
then ok "kill -9: partial file opens with every flushed sample"; else fail "kill -9 read-back"; fi

# Periodic restart files (--restart-every): kill -9, then resume from the last one.
"$bin" run "$scenario" -o periodic.h5 "${args[@]}" --set time.tick_s=0.1 --pace 5000 \
  --restart-every 0.5 \
  > /dev/null 2>&1 &
pid=$!
# Killed once the first periodic restart file is there and the run has gone on past it.
wait_for periodic.h5.restart "$pid"
sleep 1
kill -9 "$pid"; wait "$pid" 2>/dev/null
if [ -f periodic.h5.restart ]; then
  mpirun -n 2 "$bin" run "$scenario" -o periodic.h5 "${args[@]}" --set time.tick_s=0.1 \
    --restart periodic.h5.restart > log 2>&1
  "$bin" run "$scenario" -o periodic_ref.h5 "${args[@]}" --set time.tick_s=0.1 > /dev/null 2>&1
  # Dataset values and summary (object addresses in DIMENSION_LIST may differ after kill -9).
  if /usr/bin/python3 - periodic_ref.h5 periodic.h5 > diff 2>&1 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
for n in names:
    assert np.array_equal(a[n][()], b[n][()], equal_nan=True), n
assert dict(a["summary"].attrs) == dict(b["summary"].attrs)
print(len(names), "datasets identical")
PY
  then
    ok "periodic restart file after kill -9: resumed run identical to the uninterrupted run"
  else
    fail "periodic restart after kill -9 differs"; head diff
  fi
else
  fail "no periodic restart file with --restart-every 0.5 (waited up to 120 s)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
