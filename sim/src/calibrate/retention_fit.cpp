// Retention fit of calibrate(): the shifted-beta-geometric model per segment
// from cohort survivors or individual lifetimes (docs/methods/calibration.md,
// section 6; the table: writer.cpp).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <unordered_map>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "cxsim/calibrate/csv.h"
#include "cxsim/calibrate/durations.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/calibrate/journey_writer.h"
#include "cxsim/calibrate/ordered_logit.h"
#include "cxsim/calibrate/posterior.h"
#include "cxsim/calibrate/sbg.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/core/version.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"
#include "stages.h"

namespace cxsim::calibrate::stages {

void fit_retention(State& s) {
  const CalibrateOptions& o = s.o;
  std::string& sum = s.res.summary;
  if (!o.cohorts.empty() || !o.lifetimes.empty()) {
    const RetentionInput rin = !o.cohorts.empty() ? read_cohorts(o, s.map, s.csvo) : read_lifetimes(o, s.map, s.csvo);
    const auto& segs = rin.segments;
    const std::string rsource = !o.cohorts.empty() ? "cohorts" : "lifetimes";
    s.has_retention = true;
    std::vector<FittedSegment> fs;
    IdMaker seg_ids;
    double total = 0;
    int horizon = 0;
    for (const auto& g : segs) total += g.customers;
    sum += fmt::format("retention: {} ({}):\n", !o.cohorts.empty() ? o.cohorts : o.lifetimes,
                       !o.cohorts.empty() ? "cohort survivors" : "individual lifetimes, right-censored");
    s.dqa(rsource, "rows", static_cast<double>(rin.counts.rows));
    s.dqa(rsource, "segments", static_cast<double>(segs.size()));
    s.bad_rows(rsource, rin.counts.bad_rows, rin.counts.bad_by_reason, rin.counts.bad_examples);
    for (const auto& g : segs) {
      const SbgFit f = fit_sbg(g.counts);
      FittedSegment seg;
      seg.name = g.name;
      seg.id = seg_ids.make(g.name);
      seg.customers = g.customers;
      seg.share = total > 0 ? g.customers / total : 1.0;
      seg.s0_sd = o.satisfaction0_sd;
      seg.has_retention = f.converged && std::isfinite(f.alpha);
      seg.alpha = f.alpha;
      seg.beta = f.beta;
      seg.se_alpha = f.se_alpha;
      seg.se_beta = f.se_beta;
      seg.note = f.note;
      horizon = std::max(horizon, f.horizon);
      s.retention.push_back({seg.id, g.customers, f});
      if (seg.has_retention)
        sum += fmt::format(
            "  {:<12} {} customers: alpha = {:.4g} (95% CI {:.4g}..{:.4g}), beta = {:.4g} "
            "({:.4g}..{:.4g}), mean churn {:.3f}\n",
            seg.id, g.customers, f.alpha, f.alpha_lo, f.alpha_hi, f.beta, f.beta_lo, f.beta_hi,
            f.alpha / (f.alpha + f.beta));
      else {
        sum += fmt::format("  {:<12} {} customers: no fit ({})\n", seg.id, g.customers, f.note);
        s.warn(fmt::format("segment '{}': sBG not fitted: {}", seg.id, f.note));
      }
      fs.push_back(seg);
    }
    s.m.segments = fs;
    s.m.periods = std::max(1, horizon);
  }
}

}  // namespace cxsim::calibrate::stages
