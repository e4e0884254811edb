#!/usr/bin/env bash
# The README's second command (and what CI runs): install what is missing,
# build everything, run every test (unit, statistical, end-to-end, the Python
# module's pytest, the MPI end-to-end test), then the
# sanitizer jobs (scripts/sanitize.sh: robustness tests under AddressSanitizer
# + UBSan, determinism tests and a multi-threaded run under ThreadSanitizer).
# The formatting check (scripts/format.sh) runs before the sanitizers; the
# fuzz smoke test (scripts/fuzz.sh 30: each libFuzzer harness for 30 s, clang
# build in build-fuzz, two harnesses at a time) after them.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build dir for everything: tests, benchmarks, the Python module and the
# MPI run share the library objects (a second build dir would compile them again).
MPI_OPT=-DCXSIM_MPI=ON
if [ "${CXSIM_SKIP_MPI:-0}" = "1" ]; then MPI_OPT=-DCXSIM_MPI=OFF; fi
./scripts/build.sh -DCXSIM_BUILD_TESTS=ON -DCXSIM_BUILD_BENCH=ON -DCXSIM_PYTHON=ON "$MPI_OPT"
cd build
ctest --output-on-failure --parallel "${CXSIM_JOBS:-$(nproc)}" --timeout 900
cd ..
# The Python module (docs/python.md), built above into build/python (the same
# build dir: the libraries are shared, only the module's files are extra):
# pytest with Debian's python3 (whose numpy, pandas and h5py the module is for).
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$PWD/build/python${PYTHONPATH:+:$PYTHONPATH}" CXSIM="$PWD/build/bin/cxsim" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python
# The distributed run (CXSIM_SKIP_MPI=1 skips it): the binary built above has
# MPI (it starts MPI only under a launcher, so every other test ran it as one
# process); `mpirun -n 1..4` against the one-process run and the fault cases.
if [ "${CXSIM_SKIP_MPI:-0}" != "1" ]; then
  CXSIM="$PWD/build/bin/cxsim" CXSIM_SOURCE_DIR="$PWD" CXSIM_WORK_DIR="$PWD/build/e2e_work_mpi" \
    bash tests/e2e/e2e_mpi.sh
fi
# House style: every C++ file as .clang-format says (scripts/format.sh --fix).
./scripts/format.sh
if [ -x scripts/sanitize.sh ] && [ "${CXSIM_SKIP_SANITIZE:-0}" != "1" ]; then
  ./scripts/sanitize.sh
fi
# Fuzz smoke test: each harness of tests/fuzz for 30 s (CXSIM_SKIP_FUZZ=1 skips it).
if [ "${CXSIM_SKIP_FUZZ:-0}" != "1" ]; then
  ./scripts/fuzz.sh 30
fi
