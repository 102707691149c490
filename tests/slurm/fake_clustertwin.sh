#!/usr/bin/env bash
# Stand-in for `clustertwin run` implementing the restart contract, to test the Slurm scripts
# without the simulator: `run SCENARIO -o OUT [--restart FILE] [...]` "simulates" for
# FAKE_STEPS (default 40) steps of 0.25 s, appending one line per step to OUT.log; on SIGUSR1
# it writes OUT.restart (the next step) and exits 75; with --restart FILE it resumes from that
# step. When done it writes OUT with "steps N". Also: `sweep STUDY --count` (FAKE_COUNT, default 3)
# and `summarize FILES... -o CSV`.
set -u
cmd=${1:-}
shift || true
case $cmd in
  sweep) echo "${FAKE_COUNT:-3}"; exit 0 ;;
  summarize)
    out=/dev/stdout files=()
    while (($#)); do case $1 in -o) out=$2; shift 2 ;; *) files+=("$1"); shift ;; esac; done
    { echo "file,steps"; for f in "${files[@]}"; do [[ -f $f ]] || { echo "fake: $f missing" >&2; exit 3; }; echo "$f,$(cut -d' ' -f2 "$f")"; done; } >"$out"
    exit 0 ;;
  run) ;;
  *) echo "fake_clustertwin: unknown command $cmd" >&2; exit 2 ;;
esac
scenario=${1:?scenario}; shift
out="" restart="" index=""
while (($#)); do
  case $1 in
    -o) out=$2; shift 2 ;;
    --restart) restart=$2; shift 2 ;;
    --sweep-index) index=$2; shift 2 ;;
    *) shift ;;
  esac
done
[[ -f $scenario ]] || { echo "fake: $scenario: cannot open scenario file" >&2; exit 2; }
out=${out:-fake.h5}
steps=${FAKE_STEPS:-40}
step=0
if [[ -n $restart ]]; then
  step=$(cat "$restart") || exit 3
  echo "resumed at step $step" >>"$out.log"
fi
stop=0
trap 'stop=1' USR1
while ((step < steps)); do
  if ((stop)); then
    echo "$step" >"$out.restart"
    echo "SIGUSR1 at step $step (SLURM_RESTART_COUNT=${SLURM_RESTART_COUNT:-unset})" >>"$out.log"
    exit 75
  fi
  echo "step $step index ${index:-none} restart_count ${SLURM_RESTART_COUNT:-0}" >>"$out.log"
  step=$((step + 1))
  sleep 0.25 & wait $!
done
echo "steps $step" >"$out"
exit 0
