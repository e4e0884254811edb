#pragma once
// A tiny local generator for tests that must not depend on the rng area
// (SplitMix64, Steele et al. 2014): tests of the statistics module build
// their data with it.
#include <cmath>
#include <cstdint>

namespace cxsim::testing {

struct SplitMix64 {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // [0, 1) with 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  int below(int n) { return static_cast<int>(uniform() * n); }
  int uniform_int(int lo, int hi) { return lo + static_cast<int>(uniform() * (hi - lo + 1)); }
  // Box-Muller (one of the pair).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

}  // namespace cxsim::testing
