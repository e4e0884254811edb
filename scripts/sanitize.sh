#!/usr/bin/env bash
# Build the model tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included) in a separate build dir, and run them: the loader's
# robustness tests, the engine kernel and scenario changes.
#
#   scripts/sanitize.sh [BUILD_DIR] [TARGET...]
#
# BUILD_DIR defaults to build-sanitize at the repository root; the targets
# default to the model's robustness tests. Exits non-zero on any finding.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-sanitize}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(test_model_mutation test_model_invalid test_model_loader test_engine_simulate test_scenario_changes)
fi
jobs="${CXSIM_JOBS:-2}"

cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCXSIM_SANITIZE=ON \
  -DCXSIM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="report_objects=1"

status=0
for t in "${targets[@]}"; do
  exe="$build/tests/$t"
  echo "== $t"
  if ! "$exe" --gtest_brief=1; then
    echo "sanitize: $t FAILED" >&2
    status=1
  fi
done
if [ $status -eq 0 ]; then echo "sanitize: all clean (${targets[*]})"; fi
exit $status
