#!/usr/bin/env bash
# Install what is missing (Slurm and clang included), build with warnings as errors, run every
# test: unit, MPI integration, HDF5 read-back with h5py/xarray/ncdump, report, Slurm, hostile
# inputs, a libFuzzer smoke run (built with clang in build-test/fuzz); then an ASan + UBSan
# build (build-san) of the unit tests and the CLI, with the unit, CLI-error and hostile-input
# tests under the sanitizers.
# Usage: scripts/test.sh [--no-sanitizers]
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=1
[[ "${1:-}" == "--no-sanitizers" ]] && sanitizers=0
scripts/install-deps.sh --with-slurm --with-fuzz
jobs=$(nproc)
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DCLUSTERTWIN_WERROR=ON > /dev/null
cmake --build build-test -j "$jobs"
source scripts/mpi-env.sh
status=0
ctest --test-dir build-test --output-on-failure || status=1
if ((sanitizers)); then
  # -O1 -g1: a quicker build, stack traces with lines.
  cmake -S . -B build-san -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DCLUSTERTWIN_WERROR=ON -DCLUSTERTWIN_SANITIZE=ON > /dev/null
  cmake --build build-san -j "$jobs" --target clustertwin unit_tests
  echo "== unit tests under ASan + UBSan"
  build-san/tests/unit_tests --gtest_brief=1 || status=1
  ctest --test-dir build-san -R '^(cli_errors|hostile)$' --output-on-failure || status=1
fi
exit $status
