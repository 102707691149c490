#!/usr/bin/env bash
# Performance benchmarks: end to end (1 and 2 MPI ranks), the 1,048,576-accelerator memory
# check and the kernel microbenchmarks; JSON results and a table (docs/performance.md).
#   scripts/bench.sh [--short] [--build DIR] [--out FILE] [--markdown] [SCENARIO] [SIM_SECONDS]
# --short is the CI harness check (< 60 s). See bench/run_bench.py --help.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec /usr/bin/python3 "$here/bench/run_bench.py" "$@"
