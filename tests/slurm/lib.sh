# Shared helpers of the Slurm tests (sourced). Counts checks, brings a private Slurm up in a
# temporary directory and always takes it down again.
# shellcheck shell=bash
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034  # used by the scripts that source this file
REPO=$(cd "$TESTS_DIR/../.." && pwd)
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "  ok   $*"; }
fail() { FAILED=$((FAILED + 1)); echo "  FAIL $*" >&2; }
check() {  # check "description" command...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
abort() {
  echo "ABORT: $*" >&2
  FAILED=$((FAILED + 1))
  finish
}
finish() {
  echo "$PASSED passed, $FAILED failed"
  ((FAILED == 0)) && exit 0
  exit 1
}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none

resolve_clustertwin() {  # $1: argument (may be empty)
  CLUSTERTWIN=${1:-${CLUSTERTWIN:-clustertwin}}
  if [[ $CLUSTERTWIN != */* ]]; then
    CLUSTERTWIN=$(command -v "$CLUSTERTWIN") || {
      echo "cannot find clustertwin: pass its path as the first argument or set CLUSTERTWIN" >&2
      exit 1
    }
  fi
  [[ -x $CLUSTERTWIN ]] || { echo "$CLUSTERTWIN: not executable" >&2; exit 1; }
  CLUSTERTWIN=$(cd "$(dirname "$CLUSTERTWIN")" && pwd)/$(basename "$CLUSTERTWIN")
  export CLUSTERTWIN
}

slurm_start() {  # creates $WORK, starts Slurm in $WORK/slurm, exports SLURM_CONF
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ct-slurm-test.XXXXXX")
  trap slurm_stop EXIT
  trap 'exit 130' INT TERM
  if ! "$TESTS_DIR/slurm_up.sh" "$WORK/slurm" >"$WORK/slurm_up.log" 2>&1; then
    cat "$WORK/slurm_up.log" >&2
    abort "slurm_up.sh failed"
  fi
  export SLURM_CONF=$WORK/slurm/slurm.conf
  pass "slurm_up.sh: daemons up, node idle"
}

slurm_stop() {
  local status=$?
  if [[ -n ${WORK:-} && -d $WORK/slurm ]]; then
    "$TESTS_DIR/slurm_down.sh" "$WORK/slurm" >/dev/null 2>&1
    if [[ ${KEEP_WORK:-0} == 1 ]]; then
      echo "(kept $WORK)"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$status"
}

job_field() {  # job_field JOBID Field -> value from scontrol show job
  scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

wait_state() {  # wait_state JOBID TIMEOUT_S STATE... -> 0 when the job reaches one of STATEs
  local job=$1 timeout=$2 st
  shift 2
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    st=$(job_field "$job" JobState)
    for want in "$@"; do [[ $st == "$want" ]] && return 0; done
    sleep 0.5
  done
  echo "job $job: state '$st' after ${timeout}s (wanted $*)" >&2
  return 1
}
