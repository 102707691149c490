#!/usr/bin/env bash
# Install the Debian 12 packages clustertwin needs. Idempotent: when everything is present it
# only runs dpkg queries and returns in well under a second.
# Usage: scripts/install-deps.sh [--with-slurm] [--with-fuzz]
#   --with-slurm  Slurm and munge, for the tests/slurm tests
#   --with-fuzz   clang and its fuzzer/sanitizer runtimes, for the libFuzzer targets (tests/fuzz)
set -euo pipefail

pkgs=(build-essential cmake pkg-config
      libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
      libboost-program-options-dev libyaml-cpp-dev libspdlog-dev
      libgtest-dev libbenchmark-dev librandom123-dev
      python3-h5py python3-numpy python3-matplotlib python3-xarray python3-h5netcdf
      python3-netcdf4 python3-pandas python3-yaml netcdf-bin
      cdo nco paraview python3-paraview udunits-bin)   # CF/export checks with the real tools
for arg in "$@"; do
  case $arg in
    --with-slurm) pkgs+=(slurm-wlm munge) ;;
    --with-fuzz) pkgs+=(clang-14 libclang-rt-14-dev) ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
