#!/usr/bin/env bash
# Regenerate the key tables of docs/scenario.md from the keys' declarations (descriptions, types,
# ranges and defaults live with each key's binding in the source). Run after adding or changing
# a scenario key; tests/unit/test_scenario_reference.cpp fails while the two differ.
# Usage: scripts/scenario-reference.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
"${1:-build}/clustertwin" validate tests/scenarios/reference/all_keys.yaml \
  --also tests/scenarios/reference/all_keys_trace.yaml \
  --also tests/scenarios/reference/all_keys_sites.yaml --key-reference=docs/scenario.md
