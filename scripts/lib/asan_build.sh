# Sourced by scripts/sanitize.sh (the asan job) and scripts/fuzz.sh: one
# clang build dir (build-fuzz, CXSIM_FUZZ_BUILD_DIR) with AddressSanitizer +
# UBSan + libFuzzer coverage instrumentation serves both, so the library is
# compiled once for the robustness tests under ASan and for the fuzz
# harnesses. Defines ASAN_FUZZ_BUILD and asan_fuzz_configure.
ASAN_FUZZ_BUILD="${CXSIM_FUZZ_BUILD_DIR:-$root/build-fuzz}"

asan_fuzz_configure() {
  local gen=()
  if command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
  cmake -S "$root" -B "$ASAN_FUZZ_BUILD" "${gen[@]}" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCXSIM_BUILD_FUZZ=ON -DCXSIM_BUILD_TESTS=ON -DCXSIM_BUILD_BENCH=OFF >/dev/null
}
