// Key drivers of calibrate(), simulated: for every touchpoint of the key
// driver table, the fitted model (the YAML as written, loaded as `cxsim run`
// loads it) is run with that touchpoint's friction set to 0 against the
// baseline, with the population `cxsim run fitted.yaml` would use and common
// random numbers; the table is ranked by the simulated Δ NPS (true), which is
// therefore what `cxsim run` reports for a scenario with the same change
// (docs/methods/calibration.md, section 5, "Key drivers").
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/scenario/changes.h"
#include "stages.h"

namespace cxsim::calibrate::stages {

void simulate_key_drivers(State& s) {
  if (!s.has_key_drivers || !s.lj) return;
  std::vector<KeyDriver>& rows = s.key_drivers;
  const model::JourneySpec& j = s.lj->spec;
  std::string& sum = s.res.summary;
  if (!rows.empty()) {
    engine::RunSettings rs;  // as cxsim run sets them from the journey (app::plan_from_file)
    rs.customers = static_cast<std::uint64_t>(j.population.customers.value_or(10000));
    rs.periods = j.population.periods.value_or(1);
    rs.seed = j.population.seed.value_or(1);
    rs.discount_rate = j.population.discount_rate.value_or(0.0);
    rs.threads = 1;
    // The most expensive touchpoints by the survey-fit prediction first; at
    // most kMaxKeyDriverSimulations are simulated, the rest keep NaN.
    std::stable_sort(rows.begin(), rows.end(), [](const KeyDriver& a, const KeyDriver& b) { return a.nps > b.nps; });
    std::vector<engine::Variant> variants;
    variants.push_back({"baseline", "the fitted journey", model::compile(j), std::nullopt});
    std::vector<std::size_t> simulated;
    for (std::size_t i = 0; i < rows.size() && simulated.size() < kMaxKeyDriverSimulations; ++i) {
      std::vector<scenario::Change> changes;
      changes.push_back({rows[i].id + ".friction", scenario::Change::Op::value, 0.0, false, {}});
      for (const auto& sg : j.segments)
        for (const auto& [id, ov] : sg.overrides)
          if (id == rows[i].id && ov.friction)
            changes.push_back(
                {"segments." + sg.id + ".overrides." + id + ".friction", scenario::Change::Op::value, 0.0, false, {}});
      core::Diagnostics d;
      auto spec = scenario::apply_variant(j, "key driver '" + rows[i].id + "'", changes, d);
      if (d.has_errors()) throw core::RuntimeError("internal: key driver what-if does not apply:\n" + d.format());
      variants.push_back({"fix:" + rows[i].id, rows[i].id + ".friction = 0", model::compile(spec), std::nullopt});
      simulated.push_back(i);
    }
    const engine::RunResult r = engine::run(variants, rs);
    for (std::size_t v = 0; v < simulated.size(); ++v) {
      const auto c = engine::comparison_table(variants[v + 1], variants[0], r.paired[v], r.variants[v + 1],
                                              r.variants[0], r.settings);
      const auto e = engine::find_metric(c, "nps_true");
      KeyDriver& row = rows[simulated[v]];
      row.sim_nps = e.estimate;
      row.sim_nps_se = e.se;
    }
    s.key_driver_customers = static_cast<double>(rs.customers);
    s.key_driver_seed = rs.seed;
    if (rows.size() > simulated.size())
      s.warn(
          fmt::format("key drivers: {} touchpoints with friction, the first {} (by the survey-fit prediction) "
                      "simulated, the rest have no simulated delta",
                      rows.size(), simulated.size()));
    std::stable_sort(rows.begin(), rows.end(), [](const KeyDriver& a, const KeyDriver& b) {
      const bool fa = std::isfinite(a.sim_nps), fb = std::isfinite(b.sim_nps);
      if (fa != fb) return fa;
      return fa ? a.sim_nps > b.sim_nps : a.nps > b.nps;
    });
  }
  if (rows.empty()) return;
  sum += fmt::format(
      "  key drivers (simulated: delta NPS (true) if the touchpoint's friction were 0, {} customers, seed {}, as "
      "cxsim run on the fitted YAML):\n",
      s.key_driver_customers, s.key_driver_seed);
  for (std::size_t i = 0; i < std::min<std::size_t>(rows.size(), 5); ++i)
    sum += fmt::format(
        "    {}. {:<28} {:+.2f} +- {:.2f} NPS   (survey fit: {:+.2f}; b - a = {:.3f} +- {:.3f}, {:.3f} friction "
        "visits/journey)\n",
        i + 1, rows[i].id, rows[i].sim_nps, kZ95 * rows[i].sim_nps_se, rows[i].nps, rows[i].d, kZ95 * rows[i].dse,
        rows[i].fv);
}

}  // namespace cxsim::calibrate::stages
