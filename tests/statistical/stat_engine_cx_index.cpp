// The CX index (survey.cx_index), Monte Carlo against its expectation computed
// by hand (fixed seeds; 4 standard errors). With every survey slope 0 the
// scores do not depend on satisfaction, so the expectation of each part is a
// closed form: effectiveness = P(good kind), ease = Σ_c p_c·c/(K−1) over the
// CES baseline, emotion the same over the CSAT baseline (or NPS/10).
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxsim/core/errors.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"
#include "mc_check.h"

namespace cxsim::engine {
namespace {

// One touchpoint: ok (probability 0.7) → bought (converted, good), friction → left.
std::string journey(const std::string& survey) {
  return R"(
journey: cx
touchpoints:
  visit:
    channel: web
    friction: 0.3
    satisfaction: {ok: 0.5, friction: -1.5}
    effort: {ok: 1, friction: 4}
    next: {ok: {bought: 1}, friction: {left: 1}}
outcomes:
  bought: {kind: converted}
  left: {kind: abandoned}
start: {visit: 1}
survey:
)" + survey;
}

double mean_score(const std::vector<double>& p) {  // Σ p_c·c/(K−1), c = 0..K−1
  double m = 0;
  for (std::size_t c = 0; c < p.size(); ++c) m += p[c] * static_cast<double>(c) / static_cast<double>(p.size() - 1);
  return m;
}

io::Table summary_of(const std::string& yaml, std::uint64_t seed) {
  const auto spec = testing::spec_from_text(yaml, "cx.yaml");
  std::vector<Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
  RunSettings s;
  s.customers = 40000;
  s.periods = 1;
  s.seed = seed;
  s.threads = 2;
  const auto r = run(v, s);
  return variant_tables(v[0], r.variants[0]).summary;
}

const std::vector<double> kCsat = {0.1, 0.1, 0.2, 0.4, 0.2};
const std::vector<double> kCes = {0.05, 0.05, 0.1, 0.2, 0.3, 0.2, 0.1};

TEST(CxIndex, MatchesItsClosedFormWithWeights) {
  const std::string survey = R"(  response: {rate: 0.4}
  nps: {slope: 0}
  csat: {scale: 5, baseline: [0.1, 0.1, 0.2, 0.4, 0.2], slope: 0}
  ces: {scale: 7, baseline: [0.05, 0.05, 0.1, 0.2, 0.3, 0.2, 0.1], slope: 0}
  cx_index: {effectiveness: 2, ease: 1, emotion: 1}
)";
  const auto t = summary_of(journey(survey), 91);
  const double expected = 100.0 * (2 * 0.7 + mean_score(kCes) + mean_score(kCsat)) / 4.0;
  testing::McCheck check;
  // Respondents answer at random (no extremity), so the measured index has
  // the same expectation, with a wider SE.
  check.near(find_metric(t, "cx_index_true"), expected, "cx_index_true");
  check.near(find_metric(t, "cx_index_measured"), expected, "cx_index_measured");
  EXPECT_EQ(check.compared, 2);
  // The index's SE is that of a mean of values in [0, 100] over 40,000 walks.
  EXPECT_LT(find_metric(t, "cx_index_true").se, 0.5);
}

TEST(CxIndex, EmotionFallsBackToNpsWithoutCsat) {
  // NPS baseline {detractors 0.3, passives 0.35, promoters 0.35}, spread evenly:
  // E[score/10] = (0.3/7·Σ0..6 + 0.35/2·(7+8) + 0.35/2·(9+10)) / 10.
  const double nps_mean = (0.3 / 7 * 21 + 0.35 / 2 * 15 + 0.35 / 2 * 19) / 10.0;
  const std::string survey = R"(  nps: {slope: 0}
  cx_index: {effectiveness: 1, ease: 0, emotion: 3}
)";
  const auto t = summary_of(journey(survey), 92);
  testing::McCheck check;
  check.near(find_metric(t, "cx_index_true"), 100.0 * (0.7 + 3 * nps_mean) / 4.0, "cx_index_true (NPS emotion)");
  EXPECT_EQ(check.compared, 1);
}

TEST(CxIndex, MovesWithFriction) {
  // Halving friction raises effectiveness by 0.15 and, with slopes 1, every
  // score: the index must rise by more than the effectiveness part alone.
  std::string survey = R"(  csat: {}
  ces: {}
  cx_index: {}
)";
  const auto base = summary_of(journey(survey), 93);
  std::string yaml = journey(survey);
  yaml.replace(yaml.find("friction: 0.3"), 13, "friction: 0.15");
  const auto fixed = summary_of(yaml, 93);
  const auto b = find_metric(base, "cx_index_true"), f = find_metric(fixed, "cx_index_true");
  EXPECT_GT(f.estimate - b.estimate, 100.0 * 0.15 / 3.0 + 4 * std::hypot(b.se, f.se));
  // No cx_index: no CX metrics (and the headline layout of before).
  const auto none = summary_of(journey("  csat: {}\n"), 93);
  EXPECT_THROW(find_metric(none, "cx_index_true"), core::Error);
}

}  // namespace
}  // namespace cxsim::engine
