#!/usr/bin/env bash
# slurm/long.sbatch: a run interrupted by SIGUSR1 writes a restart file and exits 75, the batch
# script requeues the job, the requeued start (SLURM_RESTART_COUNT=1) resumes with --restart,
# and the final output equals an uninterrupted run (h5diff --exclude-attribute /).
# Brings up a private single-node Slurm in a temporary directory and takes it down again.
#
#   tests/slurm/test_long_requeue.sh [/path/to/clustertwin]     (or env CLUSTERTWIN)
#   STANDIN=1 tests/slurm/test_long_requeue.sh tests/slurm/fake_clustertwin.sh
#     (Slurm mechanics only, with the stand-in; also exercises the time-limit signal
#      #SBATCH --signal=B:USR1@T unless TIMELIMIT=0)
#
# Restart contract assumed of `clustertwin run SCENARIO -o OUT`: on SIGUSR1 write OUT.restart
# and exit 75; `--restart OUT.restart` resumes; the result is identical to an uninterrupted run.
# Prints "N passed, N failed"; exit status 0 only if nothing failed. KEEP_WORK=1 keeps files.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
resolve_clustertwin "${1:-}"
STANDIN=${STANDIN:-0}
TIMELIMIT=${TIMELIMIT:-$STANDIN}
RANKS=${RANKS:-2}
((STANDIN)) && RANKS=1
export RANKS
DURATION_S=${DURATION_S:-21600}  # simulated seconds of the real test (~22 s wall with --pace 1000)
SIGNAL_AFTER_S=${SIGNAL_AFTER_S:-8}
echo "test_long_requeue: $CLUSTERTWIN (standin=$STANDIN, ranks=$RANKS)"

slurm_start
cd "$WORK" || abort "cd $WORK"

cat >long.yaml <<YAML
extends: $REPO/configs/quickstart.yaml
name: long-test
time:
  duration_s: $DURATION_S
YAML

# --- reference: the same run, uninterrupted --------------------------------------------------
if ((STANDIN == 0)); then
  SCENARIO=long.yaml OUT=ref.h5 EXTRA_ARGS=-q \
    timeout 900 sbatch --wait --ntasks="$RANKS" --time=30 -o ref.out "$REPO/slurm/run.sbatch" >/dev/null
  st=$?
  check "reference run through slurm/run.sbatch exits 0 (got $st)" test $st -eq 0
  [[ -s ref.h5 ]] || { tail -n 20 ref.out >&2; abort "no reference output ref.h5"; }
fi

# --- interrupted run: scancel --signal=USR1 --batch, requeue, resume --------------------------
export FAKE_STEPS=${FAKE_STEPS:-60}
# --pace holds the run to ~22 s of wall time whatever the machine, so the signal lands mid-run.
job=$(SCENARIO=long.yaml OUT=long.h5 EXTRA_ARGS=$( ((STANDIN)) || echo "-q --pace 1000") \
  sbatch --parsable --ntasks="$RANKS" --time=30 -o long.out "$REPO/slurm/long.sbatch")
check "long.sbatch submitted (job ${job:-none})" test -n "$job"
wait_state "$job" 60 RUNNING || abort "long job never started"
sleep "$SIGNAL_AFTER_S"
check "job still running when signalled (lengthen DURATION_S otherwise)" \
  test "$(job_field "$job" JobState)" = RUNNING
scancel --signal=USR1 --batch "$job"
check "scancel --signal=USR1 --batch accepted" test $? -eq 0
wait_state "$job" 60 PENDING RUNNING COMPLETED >/dev/null
deadline=$((SECONDS + 900))
while ((SECONDS < deadline)); do
  st=$(job_field "$job" JobState)
  case $st in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
  sleep 1
done
check "long job COMPLETED after the requeue (got $st, exit $(job_field "$job" ExitCode))" \
  test "$st" = COMPLETED
check "Slurm counted one restart (Restarts=$(job_field "$job" Restarts))" \
  test "$(job_field "$job" Restarts)" = 1
check "the batch shell got SIGUSR1 and forwarded it" grep -q "SIGUSR1 received, forwarding" long.out
check "the simulator wrote the restart file and the job was requeued" \
  grep -q "restart file long.h5.restart written (signalled=1); requeueing" long.out
check "the requeued start saw SLURM_RESTART_COUNT=1 and resumed with --restart" \
  grep -q "start 1 of job $job: resuming from long.h5.restart" long.out
check "final output written" test -s long.h5
if ((STANDIN)); then
  check "stand-in resumed from its restart step and finished all steps" \
    grep -qx "steps $FAKE_STEPS" long.h5
  check "stand-in saw SLURM_RESTART_COUNT=1 after the requeue" \
    grep -q "restart_count 1" long.h5.log
else
  h5diff --exclude-attribute / ref.h5 long.h5 >h5diff.txt 2>&1
  st=$?
  check "interrupted+resumed output identical to the uninterrupted run (h5diff exit $st)" \
    test $st -eq 0
  ((st == 0)) || head -n 20 h5diff.txt >&2
fi

# --- the time limit path: #SBATCH --signal=B:USR1@50 with a 1-minute limit ------------------
if ((TIMELIMIT)); then
  # The signal comes when <= 50 s remain (checked about every 30 s), i.e. 10-40 s into each
  # 60 s start; the run needs ~2 starts.
  ((STANDIN)) && export FAKE_STEPS=160
  job2=$(SCENARIO=long.yaml OUT=tl.h5 EXTRA_ARGS=$( ((STANDIN)) || echo -q) \
    sbatch --parsable --ntasks="$RANKS" --time=1 --signal=B:USR1@50 -o tl.out \
    "$REPO/slurm/long.sbatch")
  deadline=$((SECONDS + 600))
  while ((SECONDS < deadline)); do
    st=$(job_field "$job2" JobState)
    case $st in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL) break ;; esac
    sleep 2
  done
  restarts=$(job_field "$job2" Restarts)
  check "time limit: job COMPLETED, not TIMEOUT (got $st)" test "$st" = COMPLETED
  check "time limit: requeued at least once before the limit (Restarts=$restarts)" \
    test "${restarts:-0}" -ge 1
  check "time limit: SIGUSR1 arrived from --signal=B:USR1@50" grep -q "SIGUSR1 received" tl.out
  if ((STANDIN)); then
    check "time limit: all steps done" grep -qx "steps $FAKE_STEPS" tl.h5
  else
    h5diff --exclude-attribute / ref.h5 tl.h5 >/dev/null 2>&1
    check "time limit: output identical to the uninterrupted run" test $? -eq 0
  fi
fi

if ((FAILED > 0)); then
  for f in long.out tl.out; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
fi
finish
