#!/usr/bin/env bash
# Kernel benchmark figures of two builds measured in the same run: rounds of A then B
# (interleaved, so machine noise hits both alike), median items/s per benchmark, and B/A.
# Usage: scripts/bench-compare.sh OLD/kernels_bench NEW/kernels_bench [ROUNDS] [FILTER]
set -euo pipefail
old=$1 new=$2 rounds=${3:-5} filter=${4:-'BM_(fast_units|fused_tick|thermal_dvfs|accounting|hazard)'}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((r = 0; r < rounds; r++)); do
  for which in old new; do
    bin=$old; [[ $which == new ]] && bin=$new
    "$bin" --benchmark_filter="$filter" --benchmark_format=json \
      --benchmark_min_time=0.2 > "$tmp/$which-$r.json" 2>/dev/null
  done
done
/usr/bin/python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
rate = {"old": {}, "new": {}}
for which in rate:
    for r in range(rounds):
        for b in json.load(open(f"{tmp}/{which}-{r}.json"))["benchmarks"]:
            rate[which].setdefault(b["name"], []).append(b["items_per_second"])
print(f"{'benchmark':36} {'old M/s':>10} {'new M/s':>10} {'new/old':>8}   (median of {rounds} interleaved rounds)")
for name in rate["old"]:
    if name not in rate["new"]:
        continue
    o, n = statistics.median(rate["old"][name]), statistics.median(rate["new"][name])
    print(f"{name:36} {o/1e6:10.1f} {n/1e6:10.1f} {n/o:8.3f}")
PY
