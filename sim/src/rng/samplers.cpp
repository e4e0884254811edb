#include "cxsim/rng/samplers.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "cxsim/core/errors.h"

namespace cxsim::rng {

namespace {
std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}
}  // namespace

LognormalParams lognormal_from_median_p90(double median, double p90) {
  if (!(median > 0.0) || !(p90 > median) || !std::isfinite(p90))
    throw core::InputError("lognormal: need 0 < median < p90 (finite), got median=" + num(median) +
                           ", p90=" + num(p90));
  return {std::log(median), std::log(p90 / median) / kNormalQuantile90};
}

GammaParams gamma_from_mean_sd(double mean, double sd) {
  if (!(mean > 0.0) || !(sd > 0.0) || !std::isfinite(mean) || !std::isfinite(sd))
    throw core::InputError("gamma: need mean > 0 and sd > 0 (finite), got mean=" + num(mean) + ", sd=" + num(sd));
  const double cv = sd / mean;
  return {1.0 / (cv * cv), sd * cv};
}

}  // namespace cxsim::rng
