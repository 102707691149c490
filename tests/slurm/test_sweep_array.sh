#!/usr/bin/env bash
# A what-if study as a Slurm job array: `clustertwin sweep --count` sizes the array,
# slurm/sweep.sbatch runs each variant with `run --sweep-index`, and slurm/summarize.sbatch
# (submitted by slurm/submit-sweep.sh with --dependency=afterok) writes the CSV table.
# Brings up a private single-node Slurm in a temporary directory and takes it down again.
#
#   tests/slurm/test_sweep_array.sh [/path/to/clustertwin]     (or env CLUSTERTWIN)
#   STANDIN=1 tests/slurm/test_sweep_array.sh tests/slurm/fake_clustertwin.sh
#     (Slurm mechanics only, with the stand-in; skips the HDF5 content checks)
#
# Needs root, slurm-wlm, munge, Open MPI with PMIx, h5dump; KEEP_WORK=1 keeps the temp dir.
# Prints "N passed, N failed"; exit status 0 only if nothing failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
resolve_clustertwin "${1:-}"
STANDIN=${STANDIN:-0}
export RANKS=${RANKS:-2}
echo "test_sweep_array: $CLUSTERTWIN (standin=$STANDIN)"

slurm_start
cd "$WORK" || abort "cd $WORK"

cat >study.yaml <<YAML
extends: $REPO/configs/quickstart.yaml
name: sweep-test
time:
  duration_s: 1800
sweep:
  grid:
    faults.rate_scale: [1, 20, 50]
YAML
cat >bad-study.yaml <<YAML
extends: $REPO/configs/quickstart.yaml
name: sweep-bad
time:
  duration_s: 900
sweep:
  grid:
    time.tick_s: [1, -5]
YAML

# --- the sweep command ----------------------------------------------------------------------
count=$("$CLUSTERTWIN" sweep study.yaml --count 2>err.txt)
check "sweep --count prints 3 (got '$count')" test "$count" = 3
if ((STANDIN == 0)); then
  "$CLUSTERTWIN" sweep study.yaml --list >list.txt 2>err.txt
  check "sweep --list exits 0" test $? -eq 0
  check "sweep --list shows 3 variants with faults.rate_scale" \
    test "$(grep -c 'faults.rate_scale=' list.txt)" -eq 3
  "$CLUSTERTWIN" sweep "$REPO/configs/quickstart.yaml" --count >/dev/null 2>err.txt
  check "sweep on a file without sweep: exits 2" test $? -eq 2
  "$CLUSTERTWIN" run study.yaml --sweep-index 3 -o never.h5 -q >/dev/null 2>err.txt
  st=$?
  check "run --sweep-index 3 of 3 exits 2 (got $st)" test $st -eq 2
  check "... naming the valid range" grep -q "0 to 2" err.txt
  check "... leaving no output file" test ! -e never.h5
fi

# --- the array and the dependent summary ----------------------------------------------------
export OUTDIR=$WORK/out
WAIT=1 "$REPO/slurm/submit-sweep.sh" study.yaml --ntasks="$RANKS" --time=10 \
  >ids.txt 2>submit.txt
st=$?
check "submit-sweep.sh (array + afterok summary, --wait) exits 0 (got $st)" test $st -eq 0
read -r array summary <ids.txt
echo "  (array job ${array:-?}, summary job ${summary:-?})"
for i in 0 1 2; do
  state=$(job_field "${array}_$i" JobState)
  code=$(job_field "${array}_$i" ExitCode)
  check "array task $i COMPLETED with 0:0 (got $state $code)" test "$state/$code" = "COMPLETED/0:0"
  f=$(printf '%s/variant_%03d.h5' "$OUTDIR" "$i")
  check "variant $i wrote $f" test -s "$f"
done
check "summary job COMPLETED (got $(job_field "$summary" JobState))" \
  test "$(job_field "$summary" JobState)" = COMPLETED
check "summary job started after the array (afterok dependency)" \
  test "$(date -d "$(job_field "$summary" StartTime)" +%s)" -ge \
  "$(date -d "$(job_field "${array}_2" EndTime)" +%s)"
check "summary table written" test -s "$OUTDIR/summary.csv"

# --- settings as arguments only (sites with SBATCH_EXPORT=NONE) -------------------------------
extra=$( ((STANDIN)) || echo "-q --set time.duration_s=600")
SBATCH_EXPORT=NONE timeout 300 sbatch --wait --ntasks=1 --time=10 -o args.out \
  "$REPO/slurm/run.sbatch" "SCENARIO=$WORK/study.yaml" "OUT=$WORK/args.h5" \
  "CLUSTERTWIN=$CLUSTERTWIN" "RANKS=1" "EXTRA_ARGS=$extra" >/dev/null
st=$?
check "run.sbatch with KEY=VALUE arguments under SBATCH_EXPORT=NONE exits 0 (got $st)" test $st -eq 0
check "... and wrote its output" test -s "$WORK/args.h5"
check "... with the site's default MPI plugin (no --mpi=pmix in the scripts)" \
  test "$(cat "$REPO"/slurm/*.sbatch | grep -c -- '--mpi=pmix')" -eq 0

if ((STANDIN == 0)); then
  for i in 0 1 2; do
    f=$(printf '%s/variant_%03d.h5' "$OUTDIR" "$i")
    idx=$(h5dump -a /sweep_index "$f" 2>/dev/null | sed -n 's/.*(0): *\([0-9-]*\).*/\1/p')
    check "variant $i: root attribute sweep_index = $i (got '$idx')" test "$idx" = "$i"
    params=$(h5dump -a /sweep_parameters "$f" 2>/dev/null | tr -d '\n' | sed -n 's/.*(0): *"\(.*\)".*/\1/p')
    want=$(sed -n "$((i + 1))p" <<<$'1\n20\n50')
    check "variant $i: sweep_parameters has faults.rate_scale: $want (got '$params')" \
      grep -Eq "faults.rate_scale\\\\?\": *$want}" <<<"$params"
  done
  header=$(head -n1 "$OUTDIR/summary.csv")
  check "CSV header starts with file and has the swept key and summary figures" \
    grep -Eq '^file,.*faults\.rate_scale.*,ettr' <<<"$header"
  check "CSV has 3 rows" test "$(($(wc -l <"$OUTDIR/summary.csv") - 1))" -eq 3
  col=$(tr ',' '\n' <<<"$header" | grep -nx 'faults.rate_scale' | cut -d: -f1)
  vals=$(tail -n +2 "$OUTDIR/summary.csv" | cut -d, -f"${col:-1}" | paste -sd' ')
  check "CSV faults.rate_scale column is 1 20 50 (got '$vals')" test "$vals" = "1 20 50"
  if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    /usr/bin/python3 - "$OUTDIR" >py.txt 2>&1 <<'PY'
import csv, json, sys, h5py
outdir = sys.argv[1]
rows = list(csv.DictReader(open(f"{outdir}/summary.csv")))
for i, row in enumerate(rows):
    with h5py.File(f"{outdir}/variant_{i:03d}.h5", "r") as f:
        p = json.loads(f.attrs["sweep_parameters"])
        assert p == {"faults.rate_scale": [1, 20, 50][i]}, p
        for k, v in f["summary"].attrs.items():
            assert float(row[k]) == float(v), (k, row[k], v)
print("ok")
PY
    check "CSV values equal the files' /summary attributes (h5py)" grep -qx ok py.txt
  fi

  # A failing variant: the array fails, the afterok summary never runs, --wait reports it.
  OUTDIR=$WORK/bad WAIT=1 RANKS=1 timeout 300 "$REPO/slurm/submit-sweep.sh" bad-study.yaml \
    --ntasks=1 --time=10 >bad-ids.txt 2>bad-submit.txt
  st=$?
  check "a sweep with a bad variant: submit-sweep.sh --wait exits non-zero (got $st)" test $st -ne 0
  read -r barray bsummary <bad-ids.txt
  check "... bad variant 1 FAILED (got $(job_field "${barray}_1" JobState))" \
    test "$(job_field "${barray}_1" JobState)" = FAILED
  check "... summary job not run (got $(job_field "$bsummary" JobState))" \
    test "$(job_field "$bsummary" JobState)" != COMPLETED
  check "... no summary table" test ! -e "$WORK/bad/summary.csv"
fi

if ((FAILED > 0)); then
  echo "--- submit output" >&2
  cat submit.txt >&2 2>/dev/null
  for f in clustertwin-sweep-*.out clustertwin-summary-*.out; do
    [[ -f $f ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
  done
fi
finish
