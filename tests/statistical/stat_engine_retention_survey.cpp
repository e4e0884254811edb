// Statistical checks of the engine against closed forms (fixed seeds, so they
// never flake; thresholds are 4 standard errors or p > 0.001):
//  - with sensitivity 0 the survival curve is the shifted-beta-geometric
//    B(α, β+t)/B(α, β) (Fader & Hardie 2007);
//  - at S = 0 the NPS/CSAT/CES samplers reproduce the baselines (chi-squared);
//  - measured NPS departs from true NPS in the direction the response model implies.
#include <cmath>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <gtest/gtest.h>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

double sbg_survival(double a, double b, int t) {
  return std::exp(std::lgamma(a) + std::lgamma(b + t) - std::lgamma(a + b + t) -
                  (std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b)));
}

double chi_squared_p(const std::vector<double>& observed, const std::vector<double>& probs) {
  double n = 0;
  for (double o : observed) n += o;
  double x2 = 0;
  int df = -1;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    if (probs[i] <= 0) continue;
    const double e = n * probs[i];
    x2 += (observed[i] - e) * (observed[i] - e) / e;
    ++df;
  }
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), x2));
}

TEST(EngineRetention, SensitivityZeroGivesShiftedBetaGeometric) {
  for (const char* file : {"journeys/retail.yaml", "journeys/telecom_support.yaml"}) {
    auto spec = testing::spec_from_repo(file);
    spec.retention.sensitivity = 0.0;
    if (!spec.segments.front().retention && !spec.retention.default_params)
      spec.retention.default_params = model::RetentionParams{1.3, 4.0};  // telecom has none: give one
    std::vector<Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
    RunSettings s;
    s.customers = 200000;
    s.periods = 12;
    s.seed = 11;
    s.threads = 2;
    RunResult r = run(v, s);
    auto t = variant_tables(v[0], r.variants[0]);
    const auto& se = t.survival_ci.get_double("se");
    for (int p = 1; p <= 12; ++p) {
      double exact = 0;
      for (std::size_t g = 0; g < spec.segments.size(); ++g) {
        const auto rp = model::effective_retention(spec, g);
        exact += spec.segments[g].share * (rp ? sbg_survival(rp->alpha, rp->beta, p) : 1.0);
      }
      const double mc = t.survival[static_cast<std::size_t>(p)];
      EXPECT_LT(std::fabs(mc - exact), 4 * se[static_cast<std::size_t>(p)])
          << file << " period " << p << ": MC " << mc << " exact " << exact << " se "
          << se[static_cast<std::size_t>(p)];
    }
  }
}

TEST(EngineRetention, SensitivityMattersWhenNonZero) {
  // Power check: with γ > 0 and a journey that mostly disappoints, survival is
  // below the sBG curve by far more than 4 SE.
  auto spec = testing::spec_from_repo("journeys/retail.yaml");
  for (auto& tp : spec.touchpoints) tp.satisfaction = {-1.0, -2.0};
  spec.retention.sensitivity = 0.8;
  std::vector<Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
  RunSettings s;
  s.customers = 50000;
  s.periods = 6;
  RunResult r = run(v, s);
  auto t = variant_tables(v[0], r.variants[0]);
  double exact = 0;
  for (std::size_t g = 0; g < spec.segments.size(); ++g) {
    const auto rp = model::effective_retention(spec, g);
    exact += spec.segments[g].share * sbg_survival(rp->alpha, rp->beta, 6);
  }
  EXPECT_GT(exact - t.survival[6], 10 * t.survival_ci.get_double("se")[6]);
}

const char* kFlat = R"(
journey: flat
start: {a: 1.0}
touchpoints:
  a: {channel: web, friction: 0.3, next: {done: 1.0}}
outcomes:
  done: {kind: converted}
survey:
  nps: {baseline: [0.04, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.16, 0.16, 0.14, 0.14], slope: 1.3}
  csat: {scale: 5, baseline: [0.08, 0.12, 0.25, 0.35, 0.20], slope: 0.7}
  ces: {scale: 7, baseline: [0.05, 0.08, 0.12, 0.20, 0.25, 0.18, 0.12], slope: 0.3}
)";

TEST(EngineSurvey, SamplersReproduceBaselinesAtZeroSatisfaction) {
  auto spec = testing::spec_from_text(kFlat);
  std::vector<Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
  RunSettings s;
  s.customers = 100000;
  s.periods = 2;
  s.seed = 5;
  RunResult r = run(v, s);
  const auto& acc = r.variants[0];
  EXPECT_GT(chi_squared_p(acc.nps_hist_true, spec.survey.nps.baseline), 0.001);
  EXPECT_GT(chi_squared_p(acc.csat_hist_true, spec.survey.csat.baseline), 0.001);
  EXPECT_GT(chi_squared_p(acc.ces_hist_true, spec.survey.ces.baseline), 0.001);
  // Power: the same counts are far from a different baseline.
  std::vector<double> uniform(11, 1.0 / 11);
  EXPECT_LT(chi_squared_p(acc.nps_hist_true, uniform), 1e-6);
}

TEST(EngineSurvey, ShiftedSatisfactionFollowsTheOrderedLogit) {
  // With S = 1.5 for everyone, P(score <= c) = σ(τ_c − κ·1.5).
  auto spec = testing::spec_from_text(kFlat);
  spec.segments.front().satisfaction0_mean = 1.5;
  auto m = model::compile(spec);
  std::vector<Variant> v = {{"baseline", "", m, std::nullopt}};
  RunSettings s;
  s.customers = 100000;
  RunResult r = run(v, s);
  std::vector<double> probs(11);
  double prev = 0;
  for (int c = 0; c < 11; ++c) {
    const double F = c < 10 ? 1 / (1 + std::exp(-(m.nps.cut[c] - m.nps.slope * 1.5))) : 1.0;
    probs[c] = F - prev;
    prev = F;
  }
  EXPECT_GT(chi_squared_p(r.variants[0].nps_hist_true, probs), 0.001);
}

TEST(EngineSurvey, MeasuredNpsMovesTheWayTheResponseModelImplies) {
  // Extremity ρ > 0: customers far from S = 0 answer more often. With mostly
  // happy customers the measured NPS is above the true one; with mostly
  // unhappy customers it is below.
  for (double mean : {1.0, -1.0}) {
    auto spec = testing::spec_from_text(kFlat);
    spec.segments.front().satisfaction0_mean = mean;
    spec.segments.front().satisfaction0_sd = 1.0;
    spec.survey.response_rate = 0.2;
    spec.survey.response_extremity = 1.0;
    std::vector<Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
    RunSettings s;
    s.customers = 100000;
    RunResult r = run(v, s);
    const auto& x = r.variants[0].headline;
    // Paired difference measured − true over the same customers, via the delta method.
    const auto diff =
        stats::ratio_difference(x, stats::Ratio::nps_of(kPromotersMeasured, kDetractorsMeasured, kRespondents),
                                stats::Ratio::nps_of(kPromotersTrue, kDetractorsTrue, kWalks));
    if (mean > 0) EXPECT_GT(diff.estimate, 4 * diff.se) << diff.estimate << " ± " << diff.se;
    else EXPECT_LT(diff.estimate, -4 * diff.se) << diff.estimate << " ± " << diff.se;
  }
}

}  // namespace
}  // namespace cxsim::engine
