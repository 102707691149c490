#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` into a temporary prefix, then use what was installed:
# the binary (presets, info, a short run from the installed configs), the report tool (run with
# a broken python3 first on PATH: it must use Debian's /usr/bin/python3), export, the man page,
# bash completion, and the Slurm scripts (installed binary baked in, no hard-coded --mpi).
#
#   tests/integration/test_install.sh BUILD_DIR
# Prints "N passed, N failed"; exit status 0 only if nothing failed. KEEP_WORK=1 keeps files.
set -uo pipefail
build=$(cd "${1:?usage: test_install.sh BUILD_DIR}" && pwd)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ct-install.XXXXXX")
cleanup() { [[ ${KEEP_WORK:-0} == 1 ]] && echo "(kept $work)" || rm -rf "$work"; }
trap cleanup EXIT
P=$work/prefix
cd "$work" || exit 1

cmake --install "$build" --prefix "$P" >install.log 2>&1
check "cmake --install --prefix exits 0" test $? -eq 0
for f in bin/clustertwin bin/clustertwin-report share/clustertwin/python/clustertwin_report/cli.py \
  share/clustertwin/configs/quickstart.yaml share/clustertwin/configs/studies/demand-response.yaml \
  share/clustertwin/configs/grid/carbon_example_week.csv share/clustertwin/slurm/run.sbatch \
  share/clustertwin/slurm/long.sbatch share/clustertwin/slurm/submit-sweep.sh \
  share/doc/clustertwin/scenario.md share/doc/clustertwin/output.md share/doc/clustertwin/README.md \
  share/doc/clustertwin/slurm.md share/doc/clustertwin/report.md share/man/man1/clustertwin.1 \
  share/bash-completion/completions/clustertwin share/bash-completion/completions/clustertwin-report; do
  check "installed $f" test -s "$P/$f"
done
check "bin/clustertwin and the Slurm scripts are executable" \
  test -x "$P/bin/clustertwin" -a -x "$P/bin/clustertwin-report" -a -x "$P/share/clustertwin/slurm/run.sbatch"

# --- the binary, from a directory outside the source tree ----------------------------------
ver=$("$P/bin/clustertwin" --version)
check "installed clustertwin --version ($ver)" grep -q '^clustertwin [0-9]' <<<"$ver"
"$P/bin/clustertwin" presets >presets.txt 2>&1
check "installed clustertwin presets lists b200_800g" grep -q b200_800g presets.txt
"$P/bin/clustertwin" info "$P/share/clustertwin/configs/studies/demand-response.yaml" >info.txt 2>&1
check "info on an installed study (extends ../llama3-16k.yaml)" grep -q "step time" info.txt
mkdir -p runs/q
(cd runs/q && "$P/bin/clustertwin" run "$P/share/clustertwin/configs/quickstart.yaml" -o q.h5 -q \
  --set time.duration_s=21600 --set time.tick_s=30 >run.log 2>&1)
check "installed binary runs the installed quickstart" test -s runs/q/q.h5

# --- the report tool, with a python3 on PATH that has none of its modules --------------------
mkdir -p fakebin
printf '#!/bin/sh\necho "not Debian python" >&2\nexit 1\n' >fakebin/python3
chmod +x fakebin/python3
PATH=$work/fakebin:$PATH MPLBACKEND=Agg "$P/bin/clustertwin-report" runs/q/q.h5 -o runs/q/report \
  >report.log 2>&1
st=$?
check "installed clustertwin-report runs from the prefix (exit $st)" test $st -eq 0
check "... and wrote index.html with figures" grep -q '<img src="01_facility_power.png"' runs/q/report/index.html
check "... without warnings on stderr" test "$(grep -vc 'wrote .* figure' report.log)" -eq 0

"$P/bin/clustertwin" export runs/q/q.h5 -o runs/q/q.nc >export.log 2>&1
check "installed clustertwin export writes a netCDF file ncdump reads" ncdump -h runs/q/q.nc >/dev/null

# --- man page and completion ----------------------------------------------------------------
MANWIDTH=80 man -l "$P/share/man/man1/clustertwin.1" >man.txt 2>man.err
check "man page renders (man -l) without warnings" test -s man.txt -a ! -s man.err
check "man page documents export and --progress-interval" grep -q "progress-interval" man.txt
comp=$(bash -c 'source "$1"; COMP_WORDS=(clustertwin ex); COMP_CWORD=1; _clustertwin; echo "${COMPREPLY[*]}";
  COMP_WORDS=(clustertwin run x.yaml --log-level d); COMP_CWORD=4; _clustertwin; echo "${COMPREPLY[*]}";
  complete -p clustertwin-report' _ "$P/share/bash-completion/completions/clustertwin" 2>&1)
check "bash completion: commands, option values, clustertwin-report" \
  test "$comp" = $'export\ndebug\ncomplete -o filenames -F _clustertwin_report clustertwin-report'

# --- Slurm scripts ----------------------------------------------------------------------------
for s in run.sbatch long.sbatch sweep.sbatch summarize.sbatch submit-sweep.sh; do
  f=$P/share/clustertwin/slurm/$s
  check "$s: bash -n" bash -n "$f"
  check "$s: the installed binary is baked in" grep -q "\"$P/bin/clustertwin\"" "$f"
  check "$s: no hard-coded srun --mpi=pmix" test "$(grep -c -- '--mpi=pmix' "$f")" -eq 0
done
# Without Slurm: the script resolves the installed binary and checks it before starting.
out=$(cd runs && env -u CLUSTERTWIN PATH=/usr/bin:/bin bash "$P/share/clustertwin/slurm/run.sbatch" \
  SCENARIO=missing.yaml 2>&1)
st=$?
check "run.sbatch with a missing scenario exits 2 before srun (exit $st)" test $st -eq 2
check "... naming the file" grep -q "missing.yaml: no such file" <<<"$out"
out=$(cd runs && bash "$P/share/clustertwin/slurm/run.sbatch" SCENARIO=x.yaml CLUSTERTWIN=/no/such/binary 2>&1)
st=$?
check "run.sbatch with a missing binary exits 2 (exit $st)" test $st -eq 2
check "... saying how to set it" grep -q "set CLUSTERTWIN=" <<<"$out"
out=$(bash "$P/share/clustertwin/slurm/run.sbatch" BOGUS=1 2>&1)
check "run.sbatch rejects an unknown KEY=VALUE setting" grep -q "unknown setting BOGUS" <<<"$out"

echo "$passed passed, $failed failed"
((failed == 0))
