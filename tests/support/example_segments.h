// Every example journey (journeys/*.yaml), each segment alone at share 1,
// simulated for one period and analysed exactly: the common set-up of the
// statistical tests that compare per-segment Monte Carlo estimates with the
// absorbing chain.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"
#include "mc_check.h"

namespace cxsim::testing {

inline constexpr const char* kExampleJourneys[] = {"journeys/retail.yaml", "journeys/telecom_support.yaml",
                                                   "journeys/bank_account.yaml"};

// For each example journey and segment g: `customers` customers, one period,
// seed seed0 + g, two threads; calls f(where, model, exact population
// answers, the variant's tables). `where` is "<file> segment <id>: ".
template <class F>
void for_each_example_segment(std::uint64_t customers, std::uint64_t seed0, F&& f) {
  for (const char* file : kExampleJourneys) {
    const auto spec = spec_from_repo(file);
    for (std::size_t g = 0; g < spec.segments.size(); ++g) {
      std::vector<engine::Variant> v = {{"baseline", "", model::compile(only_segment(spec, g)), std::nullopt}};
      const auto& m = v[0].model;
      const auto exact = analytics::analyze(m).population;
      engine::RunSettings s;
      s.customers = customers;
      s.periods = 1;
      s.seed = seed0 + g;
      s.threads = 2;
      const auto r = engine::run(v, s);
      const auto t = engine::variant_tables(v[0], r.variants[0]);
      f(std::string(file) + " segment " + spec.segments[g].id + ": ", m, exact, t);
    }
  }
}

}  // namespace cxsim::testing
