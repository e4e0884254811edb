// The calibration round trips' common steps: simulate a journey with the
// engine into the files `cxsim run --events-out` writes (events.csv,
// surveys.csv, cohorts.csv), and read one row of the fit report's
// /calibration/joint table.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/engine/event_log.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/compiled_model.h"

namespace cxsim::testing {

// `customers` customers of `spec` over `periods` periods (seed, two threads),
// written to `dir` with the cohort survivors of every period.
inline engine::RunResult simulate_log(const model::JourneySpec& spec, std::uint64_t customers, int periods,
                                      std::uint64_t seed, const std::filesystem::path& dir) {
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
  engine::RunSettings s;
  s.customers = customers;
  s.periods = periods;
  s.seed = seed;
  s.threads = 2;
  engine::EventLogWriter w(dir);
  engine::RunHooks hooks;
  hooks.event_log = true;
  hooks.on_chunk = [&](const engine::ChunkResult& c) { w.append(c.events_csv, c.surveys_csv); };
  engine::RunResult r = engine::run(v, s, hooks);
  std::vector<double> survivors;
  double alive = static_cast<double>(s.customers);
  survivors.push_back(alive);
  for (const auto& p : r.variants[0].periods) survivors.push_back(alive -= p.churned);
  w.commit(survivors);
  return r;
}

// (estimate, se) of the /calibration/joint row `name`; NaNs when absent.
inline std::pair<double, double> joint_row(const calibrate::CalibrationResult& r, const std::string& name) {
  const auto* t = r.report.find("calibration/joint");
  if (!t) return {NAN, NAN};
  const calibrate::ReportColumn *par = nullptr, *est = nullptr, *se = nullptr;
  for (const auto& c : t->columns) {
    if (c.name == "parameter") par = &c;
    if (c.name == "estimate") est = &c;
    if (c.name == "se") se = &c;
  }
  for (std::size_t i = 0; par && est && se && i < par->strings.size(); ++i)
    if (par->strings[i] == name) return {est->numbers[i], se->numbers[i]};
  return {NAN, NAN};
}

}  // namespace cxsim::testing
