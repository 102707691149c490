#!/usr/bin/env bash
# Submit a what-if study to Slurm: a job array with one task per variant (slurm/sweep.sbatch),
# then the summary step (slurm/summarize.sbatch) with --dependency=afterok on the whole array.
#
#   slurm/submit-sweep.sh STUDY.yaml [sbatch options for the array...]
#   e.g. OUTDIR=study1 slurm/submit-sweep.sh configs/studies/sweep-demo.yaml --ntasks=2
#
# Prints "ARRAY_JOB_ID SUMMARY_JOB_ID". Variables: CLUSTERTWIN, OUTDIR (default
# sweep-<date>-<pid>), PREFIX, TABLE, RANKS, EXTRA_ARGS, MAX_PARALLEL (array throttle,
# default unlimited), WAIT=1 (block until the summary step ends; exit with its status).
set -euo pipefail

die() { echo "submit-sweep: $*" >&2; exit 2; }
[[ $# -ge 1 ]] || die "usage: submit-sweep.sh STUDY.yaml [sbatch options...]"
STUDY=$1
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTERTWIN=${CLUSTERTWIN:-clustertwin}
command -v "$CLUSTERTWIN" >/dev/null || die "cannot run '$CLUSTERTWIN' (set CLUSTERTWIN=/path/to/clustertwin)"
[[ -f $STUDY ]] || die "$STUDY: no such file"

COUNT=$("$CLUSTERTWIN" sweep "$STUDY" --count) || die "clustertwin sweep $STUDY --count failed"
[[ $COUNT =~ ^[0-9]+$ && $COUNT -gt 0 ]] || die "clustertwin sweep --count printed '$COUNT'"
export CLUSTERTWIN STUDY COUNT
export OUTDIR=${OUTDIR:-sweep-$(date +%Y%m%d-%H%M%S)-$$}
export PREFIX=${PREFIX:-variant}
export TABLE=${TABLE:-$OUTDIR/summary.csv}
mkdir -p "$OUTDIR"

range=0-$((COUNT - 1))
[[ -n ${MAX_PARALLEL:-} ]] && range+="%$MAX_PARALLEL"
array=$(sbatch --parsable --array="$range" "$@" "$HERE/sweep.sbatch")
array=${array%%;*}
summary_args=(--parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes)
[[ ${WAIT:-0} == 1 ]] && summary_args+=(--wait)
echo "submit-sweep: $COUNT variants of $STUDY: array job $array, outputs in $OUTDIR" >&2
if [[ ${WAIT:-0} == 1 ]]; then
  set +e
  summary=$(sbatch "${summary_args[@]}" "$HERE/summarize.sbatch")
  status=$?
  set -e
  summary=${summary%%;*}
  echo "$array $summary"
  # sbatch --wait returns 0 for a job cancelled because its dependency failed: check the state.
  state=$(scontrol show job "$summary" 2>/dev/null | tr ' ' '\n' | sed -n 's/^JobState=//p')
  if [[ $status -eq 0 && $state != COMPLETED ]]; then
    echo "submit-sweep: summary job $summary ended $state (a variant of array job $array failed?)" >&2
    status=1
  fi
  exit "$status"
fi
summary=$(sbatch "${summary_args[@]}" "$HERE/summarize.sbatch")
echo "$array ${summary%%;*}"
