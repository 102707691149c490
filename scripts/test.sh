#!/usr/bin/env bash
# Install what is missing (Slurm included), build with warnings as errors, run every test:
# unit, MPI integration, HDF5 read-back with h5py/xarray/ncdump, report, Slurm.
# Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-slurm
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DCLUSTERTWIN_WERROR=ON > /dev/null
cmake --build build-test -j "$(nproc)"
source scripts/mpi-env.sh
ctest --test-dir build-test --output-on-failure
