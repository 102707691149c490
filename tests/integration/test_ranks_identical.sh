#!/usr/bin/env bash
# Same scenario and seed on 1, 2, 3 and 4 MPI ranks must give bit-identical datasets
# (root attributes such as mpi_ranks and history differ by design and are excluded).
# Usage: test_ranks_identical.sh CLUSTERTWIN SCENARIO [extra run args...]
set -u
bin=$1; scenario=$2; shift 2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
passed=0; failed=0
for k in 1 2 3 4; do
  if ! mpirun -n "$k" "$bin" run "$scenario" -o "$dir/out_$k.h5" -q "$@" > "$dir/log_$k" 2>&1; then
    echo "FAIL: run on $k ranks"; cat "$dir/log_$k"; failed=$((failed + 1)); continue
  fi
done
for k in 2 3 4; do
  if h5diff --exclude-attribute / "$dir/out_1.h5" "$dir/out_$k.h5" > "$dir/diff_$k" 2>&1; then
    echo "ok: 1 vs $k ranks identical"; passed=$((passed + 1))
  else
    echo "FAIL: 1 vs $k ranks differ"; head -20 "$dir/diff_$k"; failed=$((failed + 1))
  fi
done
# The comparison must be able to fail: another seed gives a different file.
mpirun -n 2 "$bin" run "$scenario" -o "$dir/other.h5" -q --seed 12345 "$@" > /dev/null 2>&1
if h5diff -q --exclude-attribute / "$dir/out_1.h5" "$dir/other.h5" > /dev/null 2>&1; then
  echo "FAIL: a different seed gave an identical file (the comparison proves nothing)"
  failed=$((failed + 1))
else
  echo "ok: a different seed differs"; passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
