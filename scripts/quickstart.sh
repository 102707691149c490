#!/usr/bin/env bash
# Quick start: install what is missing, build, run the default scenario on 2 MPI ranks and
# render its report. Everything it writes goes under runs/quickstart/ (not the source root).
# Usage: scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" > /dev/null
source scripts/mpi-env.sh
run=runs/quickstart
mkdir -p "$run"
mpirun -n 2 build/clustertwin run configs/quickstart.yaml -o "$run/quickstart.h5"
# The report tool runs with Debian's /usr/bin/python3 (its first line), whatever python3 is
# first on PATH.
tools/clustertwin-report "$run/quickstart.h5" -o "$run/report"
echo "report: $(pwd)/$run/report/index.html"
