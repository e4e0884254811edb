#!/usr/bin/env bash
# The README's second command (and what CI runs): install what is missing,
# build everything, run every test (unit, statistical, end-to-end, the Python
# module's pytest), then the
# sanitizer jobs (scripts/sanitize.sh: robustness tests under AddressSanitizer
# + UBSan, determinism tests and a multi-threaded run under ThreadSanitizer).
# The formatting check (scripts/format.sh) runs before the sanitizers; the
# fuzz smoke test (scripts/fuzz.sh 30: each libFuzzer harness for 30 s, clang
# build in build-fuzz, two harnesses at a time) after them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh -DCXSIM_BUILD_TESTS=ON -DCXSIM_BUILD_BENCH=ON -DCXSIM_PYTHON=ON
cd build
ctest --output-on-failure --parallel "${CXSIM_JOBS:-$(nproc)}" --timeout 900
cd ..
# The Python module (docs/python.md), built above into build/python (the same
# build dir: the libraries are shared, only the module's files are extra):
# pytest with Debian's python3 (whose numpy, pandas and h5py the module is for).
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$PWD/build/python${PYTHONPATH:+:$PYTHONPATH}" CXSIM="$PWD/build/bin/cxsim" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python
# House style: every C++ file as .clang-format says (scripts/format.sh --fix).
./scripts/format.sh
if [ -x scripts/sanitize.sh ] && [ "${CXSIM_SKIP_SANITIZE:-0}" != "1" ]; then
  ./scripts/sanitize.sh
fi
# Fuzz smoke test: each harness of tests/fuzz for 30 s (CXSIM_SKIP_FUZZ=1 skips it).
if [ "${CXSIM_SKIP_FUZZ:-0}" != "1" ]; then
  ./scripts/fuzz.sh 30
fi
