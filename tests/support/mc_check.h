// Monte Carlo estimate vs exact value, for the statistical tests: each
// comparison is one z-score that must stay below 4 (about 1 in 16,000 per
// comparison under the null, so a fixed seed that passes stays passing);
// the largest |z| is kept for the test's summary line.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "cxsim/model/journey_spec.h"
#include "cxsim/stats/estimates.h"

namespace cxsim::testing {

struct McCheck {
  int compared = 0;
  double worst_z = 0;
  // A zero se means the estimate is exact by construction (every walk
  // agrees): it must then equal the exact value to rounding.
  void near(double mc, double se, double exact, const std::string& what) {
    ++compared;
    if (se == 0) {
      EXPECT_NEAR(mc, exact, 1e-9) << what;
      return;
    }
    const double z = std::fabs(mc - exact) / se;
    worst_z = std::max(worst_z, z);
    EXPECT_LT(z, 4.0) << what << ": MC " << mc << " ± " << se << " vs exact " << exact;
  }
  // An estimate that must carry a finite, positive standard error.
  void near(const stats::Estimate& e, double exact, const std::string& what) {
    ASSERT_TRUE(std::isfinite(e.se) && e.se > 0) << what;
    near(e.estimate, e.se, exact, what);
  }
};

// The journey with only segment g, at share 1 (its per-segment exact answers
// are then the population's).
inline model::JourneySpec only_segment(const model::JourneySpec& spec, std::size_t g) {
  auto one = spec;
  one.segments = {spec.segments[g]};
  one.segments[0].share = 1.0;
  return one;
}

}  // namespace cxsim::testing
