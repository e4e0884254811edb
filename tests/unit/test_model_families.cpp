// The tables that describe each family member once: duration families
// (model/duration_family.h), time units (core/time.h), the population parser
// shared by journey and scenario files, and the wording of range rules
// (model/messages.h).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/core/time.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/duration_family.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/messages.h"
#include "cxsim/model/yaml_source.h"

namespace {

using namespace cxsim::model;
using cxsim::core::Diagnostics;
using K = DurationSpec::Kind;

// Parses `yaml` as a distribution node; `diags` collects the problems.
std::optional<DurationSpec> parse(const std::string& yaml, Diagnostics& diags) {
  LocationIndex locs;
  NodeReader r("d.yaml", diags, locs);
  return parse_distribution(r, YAML::Load(yaml), "t.duration");
}

TEST(DurationFamilies, OneRowPerKindInKindOrder) {
  const auto& f = duration_families();
  ASSERT_EQ(f.size(), 4u);
  for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(static_cast<std::size_t>(f[i].kind), i) << f[i].name;
  EXPECT_EQ(duration_family_names(), (std::vector<std::string>{"fixed", "exponential", "lognormal", "gamma"}));
  EXPECT_EQ(duration_forms(),
            "a distribution: {fixed: x}, {exponential: {mean}}, {lognormal: {median, p90}} or {gamma: {mean, sd}}");
  EXPECT_EQ(find_duration_family("gamma")->params, (std::vector<std::string>{"mean", "sd"}));
  EXPECT_EQ(find_duration_family("weibull"), nullptr);
}

TEST(DurationFamilies, WrittenFormParsesBackToTheSameSpec) {
  const std::vector<DurationSpec> specs = {
      {K::fixed, 0.0, 0.0},
      {K::fixed, 2.5, 0.0},
      {K::exponential, 3.25, 0.0},
      {K::lognormal, 2.0, 6.0},
      {K::lognormal, 1.0, 1.0 + 1e-12},  // rounding would make p90 = median: written a hair above
      {K::gamma, 12.0, 6.0}};
  for (const auto& d : specs) {
    const std::string text = duration_yaml(d);
    Diagnostics diags;
    const auto back = parse(text, diags);
    ASSERT_TRUE(back.has_value()) << text << "\n" << diags.format();
    EXPECT_FALSE(diags.has_errors()) << text << "\n" << diags.format();
    EXPECT_EQ(back->kind, d.kind) << text;
    EXPECT_TRUE(duration_problems(*back).empty()) << text;
    EXPECT_EQ(duration_yaml(*back), text);
  }
  EXPECT_EQ(duration_yaml({K::lognormal, 2.0, 6.0}), "{lognormal: {median: 2, p90: 6}}");
  EXPECT_EQ(duration_yaml({K::fixed, 0.0, 0.0}), "{fixed: 0}");
  EXPECT_EQ(duration_yaml({K::exponential, 1.0 / 3.0, 0.0}), "{exponential: {mean: 0.333333}}");
  EXPECT_EQ(duration_yaml({K::gamma, 1.0 / 3.0, 2.0}), "{gamma: {mean: 0.33333333, sd: 2}}");
}

TEST(DurationFamilies, ChecksNameTheParameter) {
  auto problems = duration_problems({K::gamma, 0.0, 0.0});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].param, "mean");
  EXPECT_EQ(problems[0].message, "gamma mean must be > 0, got 0");
  EXPECT_EQ(problems[1].param, "sd");
  EXPECT_EQ(problems[1].message, "gamma sd must be > 0, got 0 (use {fixed: x} for a constant)");
  problems = duration_problems({K::lognormal, 5.0, 3.0});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].param, "p90");
  EXPECT_EQ(problems[0].message, "lognormal p90 (3) must be greater than the median (5)");
  problems = duration_problems({K::fixed, -1.5, 0.0});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].param, "fixed");
  EXPECT_EQ(problems[0].message, "a duration must be >= 0, got -1.5");
  EXPECT_TRUE(duration_problems({K::exponential, 0.5, 0.0}).empty());
}

TEST(DurationFamilies, MeanAndSamplerParameters) {
  const double sigma = std::log(3.0) / 1.2815515655446004;
  EXPECT_DOUBLE_EQ(duration_mean({K::lognormal, 2.0, 6.0}), 2.0 * std::exp(0.5 * sigma * sigma));
  EXPECT_DOUBLE_EQ(duration_mean({K::gamma, 12.0, 6.0}), 12.0);
  const auto g = duration_sampler_params({K::gamma, 12.0, 6.0});
  EXPECT_DOUBLE_EQ(g.p1, 4.0);  // shape (mean/sd)^2
  EXPECT_DOUBLE_EQ(g.p2, 3.0);  // scale sd^2/mean
  const auto l = duration_sampler_params({K::lognormal, 2.0, 6.0});
  EXPECT_DOUBLE_EQ(l.p1, std::log(2.0));
  EXPECT_DOUBLE_EQ(l.p2, sigma);
}

TEST(DurationFamilies, ParameterNamesForScenarioChanges) {
  DurationSpec fixed{K::fixed, 1.0, 0.0}, gamma{K::gamma, 1.0, 2.0};
  EXPECT_EQ(duration_param_names(fixed), (std::vector<std::string>{"value", "fixed"}));
  EXPECT_EQ(duration_param_index(fixed, "fixed"), 0);
  EXPECT_EQ(duration_param_index(gamma, "sd"), 1);
  EXPECT_EQ(duration_param_index(gamma, "median"), -1);
  duration_param(gamma, 1) = 5.0;
  EXPECT_EQ(gamma.b, 5.0);
}

TEST(DurationFamilies, ParserReportsLikeBefore) {
  Diagnostics d1;
  EXPECT_FALSE(parse("{}", d1));
  EXPECT_NE(d1.format().find("is empty; expected one of 'fixed', 'exponential', 'lognormal' or 'gamma'"),
            std::string::npos)
      << d1.format();
  Diagnostics d2;
  EXPECT_FALSE(parse("{lognormal: 3}", d2));
  EXPECT_NE(d2.format().find("expected {median: number, p90: number}"), std::string::npos) << d2.format();
}

TEST(TimeUnits, OneTable) {
  EXPECT_EQ(cxsim::core::time_unit_names(), (std::vector<std::string>{"seconds", "minutes", "hours", "days", "weeks"}));
  ASSERT_NE(cxsim::core::find_time_unit("weeks"), nullptr);
  EXPECT_EQ(cxsim::core::find_time_unit("weeks")->seconds, 604800.0);
  EXPECT_EQ(cxsim::core::find_time_unit(cxsim::core::kDefaultTimeUnit)->seconds, 60.0);
  EXPECT_EQ(cxsim::core::find_time_unit("minute"), nullptr);  // no aliases
  EXPECT_EQ(JourneySpec{}.time_unit, "minutes");
}

TEST(Population, OneParserOneWording) {
  const auto doc = YAML::Load("{customers: 0, periods: 100000, seed: -1, discount_rate: -2, precision: {}}");
  Diagnostics diags;
  LocationIndex locs;
  NodeReader r("p.yaml", diags, locs);
  PopulationSpec pop;
  EXPECT_TRUE(parse_population(r, doc, pop, {"precision"}));
  const std::string text = diags.format();
  EXPECT_NE(text.find("population.customers: must be >= 1, got 0"), std::string::npos) << text;
  EXPECT_NE(text.find("population.periods: must be between 1 and 65535, got 100000"), std::string::npos) << text;
  EXPECT_NE(text.find("population.seed: expected a non-negative whole number"), std::string::npos) << text;
  EXPECT_NE(text.find("population.discount_rate: must be > -1, got -2"), std::string::npos) << text;
  EXPECT_EQ(text.find("precision"), std::string::npos) << text;                 // an extra key the caller reads
  EXPECT_FALSE(pop.customers || pop.periods || pop.seed || pop.discount_rate);  // bad values are not kept

  Diagnostics d2;
  LocationIndex l2;
  NodeReader r2("p.yaml", d2, l2);
  PopulationSpec ok;
  EXPECT_TRUE(parse_population(r2, YAML::Load("{customers: 10, periods: 3, seed: 7, discount_rate: 0.1}"), ok));
  EXPECT_FALSE(d2.has_errors()) << d2.format();
  EXPECT_EQ(*ok.customers, 10);
  EXPECT_EQ(*ok.periods, 3);
  EXPECT_EQ(*ok.seed, 7u);
  EXPECT_EQ(*ok.discount_rate, 0.1);
}

TEST(Messages, OneWordingPerRule) {
  EXPECT_EQ(must_be_at_least("effort", 0, -2.0), "effort must be >= 0, got -2");
  EXPECT_EQ(must_be_at_least("", 1, 0), "must be >= 1, got 0");
  EXPECT_EQ(must_be_greater("alpha", 0, 0.0), "alpha must be > 0, got 0");
  EXPECT_EQ(must_be_between("", 1, 100000000LL, 1000000000000LL), "must be between 1 and 100000000, got 1000000000000");
  EXPECT_EQ(must_be_in_unit_interval("carryover", 2.0), "carryover must be in [0, 1], got 2");
  EXPECT_EQ(must_be_in_unit_interval("response rate", 0.0, true), "response rate must be in (0, 1], got 0");
  EXPECT_EQ(outside_unit_interval("probability", 1.5), "probability 1.5 is outside [0, 1]");
  EXPECT_EQ(expected_number("'high'"), "expected a number, got 'high'");
}

}  // namespace
