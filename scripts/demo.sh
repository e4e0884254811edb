#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the
# flagship scenario, and write its results file and report under outputs/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh -DCXSIM_BUILD_TESTS=OFF -DCXSIM_BUILD_BENCH=OFF
mkdir -p outputs
FLAGSHIP="${CXSIM_FLAGSHIP:-scenarios/retail_whatif.yaml}"
./build/bin/cxsim run "$FLAGSHIP" -o outputs/flagship.h5
./build/bin/cxsim report outputs/flagship.h5 -o outputs/flagship.html
echo "report:  outputs/flagship.html"
echo "results: outputs/flagship.h5   (cxsim inspect outputs/flagship.h5)"
