#!/usr/bin/env bash
# The README's second command (and what CI runs): install what is missing,
# build everything, run every test (unit, statistical, end-to-end; the MPI
# end-to-end test against an MPI build in build-mpi), then the
# sanitizer jobs (scripts/sanitize.sh: robustness tests under AddressSanitizer
# + UBSan, determinism tests and a multi-threaded run under ThreadSanitizer).
# The formatting check (scripts/format.sh) runs before the sanitizers; the
# fuzz smoke test (scripts/fuzz.sh 30: each libFuzzer harness for 30 s, clang
# build in build-fuzz) after them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh -DCXSIM_BUILD_TESTS=ON -DCXSIM_BUILD_BENCH=ON
cd build
ctest --output-on-failure --parallel "${CXSIM_JOBS:-$(nproc)}" --timeout 900
cd ..
# The distributed run (CXSIM_SKIP_MPI=1 skips it): an -DCXSIM_MPI=ON build of
# the binary alone in build-mpi (ccache), then `mpirun -n 1..4` against the
# one-process run and the fault cases (tests/e2e/e2e_mpi.sh).
if [ "${CXSIM_SKIP_MPI:-0}" != "1" ]; then
  MPI_GEN=()
  if command -v ninja >/dev/null 2>&1; then MPI_GEN=(-G Ninja); fi
  cmake -S . -B build-mpi "${MPI_GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DCXSIM_MPI=ON -DCXSIM_BUILD_TESTS=OFF \
    -DCXSIM_BUILD_BENCH=OFF >/dev/null
  cmake --build build-mpi --target cxsim_cli --parallel "${CXSIM_JOBS:-$(nproc)}"
  CXSIM="$PWD/build-mpi/bin/cxsim" CXSIM_SOURCE_DIR="$PWD" CXSIM_WORK_DIR="$PWD/build-mpi/e2e_work" \
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
