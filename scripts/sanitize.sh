#!/usr/bin/env bash
# Two sanitizer jobs, each in its own build dir, building only what they run:
#
#  asan  AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer
#        included) on the model's robustness tests: the loader, the engine
#        kernel and scenario changes.
#  tsan  ThreadSanitizer on the determinism tests (the runner with 1, 2 and 7
#        threads) and on multi-threaded `cxsim run`s that stream per-customer
#        records and the event log (the hooks called from worker threads),
#        whose files must also equal a one-thread run's.
#
#   scripts/sanitize.sh [BUILD_DIR] [TARGET...]
#
# BUILD_DIR and TARGETs (the robustness tests by default) are for the asan
# job. Without BUILD_DIR the asan job builds with clang in the fuzz build dir
# (scripts/lib/asan_build.sh: build-fuzz, shared with scripts/fuzz.sh), or
# with the default compiler in build-sanitize when clang is missing. The tsan job builds in
# build-tsan (CXSIM_TSAN_BUILD_DIR). CXSIM_SANITIZERS picks the jobs
# (default "asan tsan"). Exits non-zero on any finding.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_arg="${1:-}"
build="${1:-$root/build-sanitize}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(test_model_mutation test_model_invalid test_model_loader test_engine_simulate test_scenario_changes)
fi
jobs="${CXSIM_JOBS:-2}"
sanitizers="${CXSIM_SANITIZERS:-asan tsan}"
status=0

run_asan() {
  if [ -z "$build_arg" ] && command -v clang++ >/dev/null 2>&1; then
    # The fuzz build (clang, ASan + UBSan + coverage): scripts/fuzz.sh then
    # reuses its library objects instead of compiling them a second time.
    # shellcheck source=lib/asan_build.sh
    . "$root/scripts/lib/asan_build.sh"
    build="$ASAN_FUZZ_BUILD"
    asan_fuzz_configure
  else
    cmake -S "$root" -B "$build" -G Ninja \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCXSIM_SANITIZE=ON \
      -DCXSIM_BUILD_BENCH=OFF >/dev/null
  fi
  cmake --build "$build" -j "$jobs" --target "${targets[@]}"

  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="report_objects=1"

  local ok=1
  for t in "${targets[@]}"; do
    echo "== asan: $t"
    if ! "$build/tests/$t" --gtest_brief=1; then
      echo "sanitize: $t FAILED (asan)" >&2
      ok=0
    fi
  done
  if [ $ok -eq 1 ]; then echo "sanitize: asan clean (${targets[*]})"; else status=1; fi
}

run_tsan() {
  local tbuild="${CXSIM_TSAN_BUILD_DIR:-$root/build-tsan}"
  # RelWithDebInfo (-O2 -g): TSan's usual setting, and fast enough to run.
  cmake -S "$root" -B "$tbuild" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCXSIM_SANITIZE_THREAD=ON \
    -DCXSIM_BUILD_BENCH=OFF >/dev/null
  cmake --build "$tbuild" -j "$jobs" --target test_engine_determinism cxsim

  # exitcode: a data race fails the run even if the program itself succeeds.
  export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1:history_size=4"
  local ok=1 work
  work="$(mktemp -d "${TMPDIR:-/tmp}/cxsim-tsan.XXXXXX")"
  echo "== tsan: test_engine_determinism"
  "$tbuild/tests/test_engine_determinism" --gtest_brief=1 || ok=0
  local cxsim="$tbuild/bin/cxsim" scenario="$root/scenarios/retail_whatif.yaml"
  local flags=(-n 6000 -p 3 --chunk-size 256 --customers-out -q)
  for t in 4 1; do
    echo "== tsan: cxsim run --threads $t"
    "$cxsim" run "$scenario" "${flags[@]}" --threads $t --events-out "$work/events$t" -o "$work/t$t.h5" || ok=0
  done
  if [ $ok -eq 1 ]; then
    "$root/tests/e2e/h5digest.py" "$work/t1.h5" "$work/t4.h5" || { echo "sanitize: threads 4 vs 1 differ" >&2; ok=0; }
    for f in events.csv surveys.csv cohorts.csv; do
      cmp -s "$work/events1/$f" "$work/events4/$f" || { echo "sanitize: $f differs for threads 4 vs 1" >&2; ok=0; }
    done
  fi
  rm -rf "$work"
  if [ $ok -eq 1 ]; then echo "sanitize: tsan clean (test_engine_determinism, cxsim run --threads 4)"; else
    echo "sanitize: tsan FAILED" >&2
    status=1
  fi
}

for s in $sanitizers; do
  case "$s" in
    asan) run_asan ;;
    tsan) run_tsan ;;
    *) echo "sanitize: unknown job '$s' in CXSIM_SANITIZERS (asan, tsan)" >&2; exit 2 ;;
  esac
done
if [ $status -eq 0 ]; then echo "sanitize: all clean ($sanitizers)"; fi
exit $status
