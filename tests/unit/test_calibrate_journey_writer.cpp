// write_yaml with --distributions (docs/calibration.md, "Uncertainty of the
// fit"): the joint fit's response rate as the Beta with its estimate and se
// (moments), its extremity as Normal(estimate, se); not-identified ones stay
// plain with a "no distribution" comment; the estimates load with the same
// bits as the plain file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "cxsim/calibrate/journey_writer.h"
#include "cxsim/model/journey_loader.h"

using namespace cxsim;

namespace {

calibrate::FittedModel fitted(bool distributions, bool extremity_identified) {
  calibrate::FittedModel m;
  m.name = std::string("journey");
  m.start.targets.push_back({"pay", 10, 1.0, {1, 1}, 10});
  m.start.total = 10;
  calibrate::FittedTouchpoint t;
  t.id = t.name = "pay";
  t.channel = "web";
  t.visits = 10;
  t.ok.targets.push_back({"bought", 10, 1.0, {1, 1}, 10});
  t.ok.total = 10;
  t.dur_ok.spec.kind = model::DurationSpec::Kind::fixed;
  t.dur_ok.family = "fixed";
  m.touchpoints.push_back(t);
  m.outcomes.push_back({"bought", "bought", "converted", 0, 10});
  m.has_survey = true;
  m.response_rate = 0.4;
  m.nps.present = true;
  m.nps.baseline.assign(11, 1.0 / 11);
  m.dyn.present = true;
  m.dyn.response_se = 0.05;
  m.dyn.extremity = {extremity_identified, 0.3, 0.1, extremity_identified ? "" : "flat"};
  m.dyn.sensitivity = {false, 0, 0, "no lifetimes"};
  m.dyn.carryover = {false, 0.5, 0, "one period"};
  m.distributions = distributions;
  return m;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(CalibrateJourneyWriter, ResponseRateAndExtremityCarryTheJointFitsSe) {
  const std::string yaml = calibrate::write_yaml(fitted(true, true));
  const auto s = model::load_journey_text(yaml, "d.yaml").spec;
  const auto p = model::load_journey_text(calibrate::write_yaml(fitted(false, true)), "p.yaml").spec;
  EXPECT_TRUE(same_bits(s.survey.response_rate, p.survey.response_rate));
  EXPECT_TRUE(same_bits(s.survey.response_extremity, p.survey.response_extremity));
  using K = model::UncertainParam::Kind;
  int found = 0;
  for (const auto& u : s.uncertain) {
    if (u.kind == K::response_rate_beta) {
      const double a = u.counts[0], b = u.counts[1];
      EXPECT_NEAR(a / (a + b), 0.4, 1e-12);
      EXPECT_NEAR(std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))), 0.05, 1e-12);
      ++found;
    }
    if (u.kind == K::response_extremity_normal) {
      EXPECT_EQ(u.counts[0], 0.3);
      EXPECT_EQ(u.counts[1], 0.1);
      ++found;
    }
  }
  EXPECT_EQ(found, 2) << yaml;
  EXPECT_TRUE(p.uncertain.empty());
}

TEST(CalibrateJourneyWriter, AnExtremityNotIdentifiedHasNoDistributionAndSaysSo) {
  const std::string yaml = calibrate::write_yaml(fitted(true, false));
  const auto s = model::load_journey_text(yaml, "d.yaml").spec;
  for (const auto& u : s.uncertain) EXPECT_NE(u.kind, model::UncertainParam::Kind::response_extremity_normal);
  EXPECT_NE(yaml.find("not identified by the data (flat), no distribution"), std::string::npos) << yaml;
}
