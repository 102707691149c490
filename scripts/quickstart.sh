#!/usr/bin/env bash
# Quick start: install what is missing, build, run the default scenario on 2 MPI ranks and
# render its report.  Usage: scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" > /dev/null
source scripts/mpi-env.sh
mpirun -n 2 build/clustertwin run configs/quickstart.yaml -o quickstart.h5
tools/clustertwin-report quickstart.h5 -o report/quickstart
echo "report: $(pwd)/report/quickstart/index.html"
