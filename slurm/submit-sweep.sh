#!/usr/bin/env bash
# Submit a what-if study to Slurm: a job array with one task per variant (slurm/sweep.sbatch),
# then the summary step (slurm/summarize.sbatch) with --dependency=afterok on the whole array.
#
#   slurm/submit-sweep.sh STUDY.yaml [sbatch options for the array...]
#   e.g. OUTDIR=study1 slurm/submit-sweep.sh configs/studies/sweep-demo.yaml --ntasks=2
#
# Prints "ARRAY_JOB_ID SUMMARY_JOB_ID". Variables: CLUSTERTWIN, OUTDIR (default
# sweep-<date>-<pid>), PREFIX, TABLE, RANKS, EXTRA_ARGS, SRUN_MPI, MAX_PARALLEL (array
# throttle, default unlimited), WAIT=1 (block until the summary step ends; exit with its
# status). The jobs get their settings as KEY=VALUE arguments, so this works on sites with
# SBATCH_EXPORT=NONE.
set -euo pipefail

die() { echo "submit-sweep: $*" >&2; exit 2; }
[[ $# -ge 1 ]] || die "usage: submit-sweep.sh STUDY.yaml [sbatch options...]"
STUDY=$1
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ME=submit-sweep
# The clustertwin binary: CLUSTERTWIN, else the one this script was installed with, else
# clustertwin on PATH, else build/clustertwin under the submit directory (a source tree).
find_clustertwin() {
  local c
  if [[ -z ${CLUSTERTWIN:-} ]]; then
    for c in "@CLUSTERTWIN_INSTALL_BIN@" "$(command -v clustertwin 2>/dev/null)" \
      "$PWD/build/clustertwin"; do
      if [[ -n $c && $c != *@* && -x $c ]]; then
        CLUSTERTWIN=$c
        break
      fi
    done
  elif [[ $CLUSTERTWIN != */* ]]; then
    c=$(command -v "$CLUSTERTWIN" 2>/dev/null) && CLUSTERTWIN=$c
  fi
  if [[ -z ${CLUSTERTWIN:-} || ! -x $CLUSTERTWIN || -d $CLUSTERTWIN ]]; then
    echo "$ME: cannot find the clustertwin binary${CLUSTERTWIN:+ ('$CLUSTERTWIN' is not an executable file)};" \
      "set CLUSTERTWIN=/path/to/clustertwin (in the environment or as an argument)" >&2
    exit 2
  fi
}
find_clustertwin
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
job_settings=("CLUSTERTWIN=$CLUSTERTWIN" "STUDY=$STUDY" "OUTDIR=$OUTDIR" "PREFIX=$PREFIX")
[[ -n ${RANKS:-} ]] && job_settings+=("RANKS=$RANKS")
[[ -n ${EXTRA_ARGS:-} ]] && job_settings+=("EXTRA_ARGS=$EXTRA_ARGS")
[[ -n ${SRUN_MPI:-} ]] && job_settings+=("SRUN_MPI=$SRUN_MPI")
summary_settings=("CLUSTERTWIN=$CLUSTERTWIN" "OUTDIR=$OUTDIR" "COUNT=$COUNT" "PREFIX=$PREFIX"
  "TABLE=$TABLE")
array=$(sbatch --parsable --array="$range" "$@" "$HERE/sweep.sbatch" "${job_settings[@]}")
array=${array%%;*}
summary_args=(--parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes)
[[ ${WAIT:-0} == 1 ]] && summary_args+=(--wait)
echo "submit-sweep: $COUNT variants of $STUDY: array job $array, outputs in $OUTDIR" >&2
if [[ ${WAIT:-0} == 1 ]]; then
  set +e
  summary=$(sbatch "${summary_args[@]}" "$HERE/summarize.sbatch" "${summary_settings[@]}")
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
summary=$(sbatch "${summary_args[@]}" "$HERE/summarize.sbatch" "${summary_settings[@]}")
echo "$array ${summary%%;*}"
