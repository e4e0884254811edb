#!/usr/bin/env bash
# Install every Debian package cxsim needs to build, test and report.
# Idempotent: when everything is present it only checks (well under a second).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build ccache pkg-config clang-format clang libclang-rt-dev
  libyaml-cpp-dev libeigen3-dev libboost-graph-dev libboost-math-dev
  libhdf5-dev hdf5-tools libcli11-dev libfmt-dev librandom123-dev
  libgtest-dev libgmock-dev libbenchmark-dev libexpat1-dev zlib1g-dev
  python3 python3-h5py python3-pandas python3-numpy python3-yaml time  # python3-yaml: bench/numpy_peer.py
  pybind11-dev python3-dev python3-pytest
  tzdata  # /usr/share/zoneinfo: zone names in event-log timestamps, calibrate --timezone (docs/calibration.md)
)
# Headless browser for the report end-to-end test (optional: CXSIM_NO_BROWSER=1 skips it).
if [ "${CXSIM_NO_BROWSER:-0}" != "1" ]; then
  PKGS+=(chromium)
fi
# OpenMPI for the distributed run's build and test (scripts/test.sh: build/ with -DCXSIM_MPI=ON, tests/e2e/e2e_mpi.sh;
# optional: CXSIM_SKIP_MPI=1 skips both; the plain build needs no MPI).
if [ "${CXSIM_SKIP_MPI:-0}" != "1" ]; then
  PKGS+=(libopenmpi-dev openmpi-bin)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PKGS[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
