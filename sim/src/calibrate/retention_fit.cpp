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

void merge_survival(std::vector<SegmentSurvival>& into, const std::vector<SegmentSurvival>& add) {
  for (const auto& g : add) {
    auto it = std::find_if(into.begin(), into.end(), [&](const SegmentSurvival& x) { return x.name == g.name; });
    if (it == into.end()) {
      into.push_back(g);
      continue;
    }
    auto sum = [](std::vector<double>& a, const std::vector<double>& b) {
      if (a.size() < b.size()) a.resize(b.size(), 0.0);
      for (std::size_t t = 0; t < b.size(); ++t) a[t] += b[t];
    };
    sum(it->counts.churned, g.counts.churned);
    sum(it->counts.censored, g.counts.censored);
    const std::size_t n = std::max(it->counts.churned.size(), it->counts.censored.size());
    it->counts.churned.resize(n, 0.0);
    it->counts.censored.resize(n, 0.0);
    it->customers += g.customers;
  }
}

void fit_retention(State& s) {
  const CalibrateOptions& o = s.o;
  std::string& sum = s.res.summary;
  const bool from_file = !o.cohorts.empty() || !o.lifetimes.empty();
  if (from_file || !s.prior_retention.empty()) {
    RetentionInput rin;
    if (from_file) rin = !o.cohorts.empty() ? read_cohorts(o, s.map, s.csvo) : read_lifetimes(o, s.map, s.csvo);
    // --prior-model: the earlier fit's churned/censored counts add to the
    // new file's, segment by segment (by name); the sBG is fitted on the sums.
    merge_survival(rin.segments, s.prior_retention);
    s.lifetimes = std::move(rin.by_customer);
    if (rin.repeated_customers)
      s.warn(fmt::format("{}: {} customer ids appear on more than one row; the joint fit uses each one's first row",
                         o.lifetimes, rin.repeated_customers));
    s.retention_counts = rin.segments;
    const auto& segs = rin.segments;
    const std::string rsource = !o.cohorts.empty() ? "cohorts" : "lifetimes";
    s.has_retention = true;
    std::vector<FittedSegment> fs;
    IdMaker seg_ids;
    double total = 0;
    int horizon = 0;
    for (const auto& g : segs) total += g.customers;
    if (from_file) {
      sum += fmt::format("retention: {} ({}{}):\n", !o.cohorts.empty() ? o.cohorts : o.lifetimes,
                         !o.cohorts.empty() ? "cohort survivors" : "individual lifetimes, right-censored",
                         s.prior_retention.empty() ? "" : ", with the prior model's counts");
      s.dqa(rsource, "rows", static_cast<double>(rin.counts.rows));
      s.dqa(rsource, "segments", static_cast<double>(segs.size()));
      s.bad_rows(rsource, rin.counts.bad_rows, rin.counts.bad_by_reason, rin.counts.bad_examples);
    } else {
      sum += fmt::format("retention: the prior model's counts ({}):\n", o.prior_model);
    }
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
      seg.has_cov = std::isfinite(f.cov_alpha_beta) && f.se_alpha > 0 && f.se_beta > 0;
      seg.cov_alpha_beta = f.cov_alpha_beta;
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
