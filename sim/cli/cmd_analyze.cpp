// cxsim analyze JOURNEY: exact per-walk results of the absorbing Markov chain
// (docs/model.md section 8): outcome probabilities, expectations, expected visits,
// removal effects and friction sensitivities, without simulation.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/analytics/analytics_h5.h"
#include "cxsim/analytics/uncertainty.h"
#include "cxsim/app/analyze.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/json.h"
#include "cxsim/core/threads.h"
#include "cxsim/core/time.h"
#include "cxsim/core/version.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/open_results.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/uncertain.h"
#include "cxsim/scenario/changes.h"
#include "cxsim/scenario/scenario_loader.h"
#include "print.h"
#include <optional>

namespace cxsim::cli {

namespace {

struct AnalyzeCliOptions {
  std::string journey;
  bool json = false;
  std::string output;
  double reduce = 0.5;
  std::string solver = "auto";
  bool reduce_given = false;               // --reduce was on the command line
  bool force = false;                      // --force: exact analytics above kMaxAnalyticsTouchpoints
  long long uncertainty = 0;               // --uncertainty N: exact analytics under N parameter draws
  std::optional<unsigned long long> seed;  // the draws' seed (default: population.seed, else 1, as in run)
  int threads = 0;                         // draws at once (0: all cores)
};

int draw_threads(const AnalyzeCliOptions& o) { return core::threads_or_all_cores(o.threads); }

void check_uncertainty_draws(long long n) {
  if (n < 0 || n > model::kMaxUncertaintyDraws)
    throw core::InputError(
        fmt::format("--uncertainty must be between 0 and {}, got {}", model::kMaxUncertaintyDraws, n));
}

// The per-draw exact analytics of --uncertainty, with the point values they
// are printed beside (docs/methods/uncertainty.md, "Exact answers per draw").
struct ExactUncertainty {
  std::uint64_t requested = 0, seed = 0;
  analytics::UncertainAnalytics u;
  std::vector<io::Table> variants;     // [variant]: exact_uncertainty_table
  std::vector<io::Table> comparisons;  // [variant - 1]: of the Δ vs baseline
};

ExactUncertainty summarise(std::uint64_t requested, std::uint64_t seed, analytics::UncertainAnalytics u,
                           const std::vector<std::vector<std::pair<std::string, double>>>& point) {
  ExactUncertainty out;
  out.requested = requested;
  out.seed = seed;
  out.u = std::move(u);
  const auto table = [&](const std::vector<std::pair<std::string, double>>& pv,
                         const std::vector<analytics::ExactDraws>& rows) {
    std::vector<std::string> names;
    std::vector<double> values;
    for (const auto& [name, x] : pv) {
      names.push_back(name);
      values.push_back(x);
    }
    return analytics::exact_uncertainty_table(names, values, rows);
  };
  const std::vector<analytics::ExactDraws> none;
  for (std::size_t v = 0; v < point.size(); ++v)
    out.variants.push_back(table(point[v], v < out.u.variants.size() ? out.u.variants[v] : none));
  for (std::size_t v = 1; v < point.size(); ++v) {
    std::vector<std::pair<std::string, double>> delta;
    for (const auto& [name, x] : point[v])
      for (const auto& [bname, b] : point[0])
        if (bname == name) delta.emplace_back(name, x - b);
    out.comparisons.push_back(table(delta, v - 1 < out.u.comparisons.size() ? out.u.comparisons[v - 1] : none));
  }
  return out;
}

// Without --uncertainty: says that the analytics above are at the estimates
// of the file's uncertain parameters (when it has any).
void print_point_estimate_note(std::size_t uncertain) {
  if (uncertain == 0) return;
  std::cout << fmt::format(
      "\nuncertainty: the file has {} uncertain parameter{} (`cxsim validate` lists them); every exact expectation "
      "above is at their estimates. `cxsim analyze --uncertainty N` gives each one's mean, sd and 95% interval over "
      "N parameter draws (exact per draw, no Monte Carlo noise).\n",
      uncertain, uncertain == 1 ? "" : "s");
}

void print_uncertainty_text(const ExactUncertainty& x, const std::vector<std::string>& names) {
  if (x.u.draws == 0) {
    std::cout << "\nuncertainty: the journey has no parameter with uncertainty; every exact expectation is the one "
                 "above\n";
    return;
  }
  std::cout << fmt::format(
      "\nExact expectations under parameter uncertainty ({} parameter draws, seed {}; the same draws as `cxsim run "
      "--uncertainty`; no Monte Carlo noise: the spread is what the journey's distributions leave unknown)\n",
      x.u.draws, x.seed);
  const auto cell = [](double v, int width) {
    return std::isnan(v) ? fmt::format("{:>{}}", "-", width) : fmt::format("{:>{}.4g}", v == 0 ? 0.0 : v, width);
  };
  const auto print = [&](const io::Table& t) {
    const auto& m = t.get_string("metric");
    std::cout << fmt::format("  {:<30}{:>11}{:>11}{:>11}{:>11}{:>11}\n", "metric", "point", "mean", "sd", "2.5%",
                             "97.5%");
    for (std::size_t i = 0; i < m.size(); ++i)
      std::cout << fmt::format("  {:<30}{}{}{}{}{}\n", m[i], cell(t.get_double("point")[i], 11),
                               cell(t.get_double("mean")[i], 11), cell(t.get_double("sd")[i], 11),
                               cell(t.get_double("q025")[i], 11), cell(t.get_double("q975")[i], 11));
  };
  for (std::size_t v = 0; v < x.variants.size(); ++v) {
    std::cout << "\n" << names[v] << "\n";
    print(x.variants[v]);
  }
  for (std::size_t v = 0; v < x.comparisons.size(); ++v) {
    std::cout << "\n" << names[v + 1] << " vs baseline (Δ, per draw)\n";
    print(x.comparisons[v]);
  }
}

void uncertainty_json(core::JsonWriter& j, const ExactUncertainty& x, const std::vector<std::string>& names) {
  j.key("uncertainty").begin_object();
  j.key("draws").value(static_cast<unsigned long long>(x.u.draws));
  j.key("draws_requested").value(static_cast<unsigned long long>(x.requested));
  j.key("seed").value(static_cast<unsigned long long>(x.seed));
  j.key("variants").begin_object();
  for (std::size_t v = 0; v < x.variants.size(); ++v) {
    j.key(names[v]);
    write_table_json(j, x.variants[v]);
  }
  j.end_object();
  j.key("comparisons").begin_object();
  for (std::size_t v = 0; v < x.comparisons.size(); ++v) {
    j.key(names[v + 1]);
    write_table_json(j, x.comparisons[v]);
  }
  j.end_object();
  j.end_object();
}

// /analytics/<variant>/uncertainty (and uncertainty_delta for a variant vs
// baseline), with the draws and seed as root attributes.
void write_uncertainty(io::File& f, const ExactUncertainty& x, const std::vector<std::string>& names) {
  f.set_attribute("uncertainty_draws", static_cast<std::int64_t>(x.u.draws));
  f.set_attribute("uncertainty_draws_requested", static_cast<std::int64_t>(x.requested));
  f.set_attribute("uncertainty_seed", static_cast<std::int64_t>(x.seed));
  for (std::size_t v = 0; v < x.variants.size(); ++v)
    io::write_table(f.require_group("analytics/" + names[v]), "uncertainty", x.variants[v],
                    {"exact expectations across parameter draws: point, mean, sd, 2.5% and 97.5% quantiles", ""});
  for (std::size_t v = 0; v < x.comparisons.size(); ++v)
    io::write_table(f.require_group("analytics/" + names[v + 1]), "uncertainty_delta", x.comparisons[v],
                    {"exact delta vs baseline across parameter draws: point, mean, sd, 2.5% and 97.5% quantiles", ""});
}

// The work bound of the exact analytics (the same size as run's automatic
// skip, app::kMaxAnalyticsTouchpoints): above it analyze refuses before
// solving (exit 2, at the journey's `touchpoints:` key) unless --force. The
// sparse LU solves grow much faster than the journey (a 20,000-touchpoint
// random graph took minutes), and analyze adds removal effects and
// sensitivities on top.
void check_analytics_size(const model::JourneySpec& spec, std::size_t touchpoints, bool force) {
  if (force || touchpoints <= app::kMaxAnalyticsTouchpoints) return;
  core::Diagnostics d;
  d.error(spec.locations.find("touchpoints"), "touchpoints",
          fmt::format("the journey has {} touchpoints, more than the {} up to which analyze computes the exact "
                      "analytics (their sparse LU solves have no useful work bound above it); give --force to "
                      "compute them anyway, or simulate with cxsim run (which skips them above this size)",
                      touchpoints, app::kMaxAnalyticsTouchpoints));
  throw core::InputError(std::move(d));
}

// Fixed-width number: 4 significant digits, NaN as "-".
std::string num(double x, int width = 10) {
  if (std::isnan(x)) return fmt::format("{:>{}}", "-", width);
  if (x == 0) x = 0;  // no "-0"
  return fmt::format("{:>{}.4g}", x, width);
}
std::string pct(double x, int width = 9) {
  if (std::isnan(x)) return fmt::format("{:>{}}", "-", width);
  return fmt::format("{:>{}.1f}%", 100 * x, width - 1);
}

std::size_t name_width(const std::vector<std::string>& names, std::size_t min) {
  std::size_t w = min;
  for (const auto& n : names) w = std::max(w, n.size());
  return w;
}

void print_text(const std::string& path, const model::CompiledModel& m, const model::LoadedJourney& lj,
                const analytics::JourneyAnalytics& a, const std::vector<analytics::FrictionRankRow>& ranking,
                const std::vector<std::string>& ranking_notes, double reduce) {
  const auto& p = a.population;
  const std::size_t K = m.num_kinds(), T = m.num_touchpoints();
  const std::size_t pk = analytics::primary_kind(m);
  std::cout << fmt::format(
      "{}: journey '{}', {} touchpoints, {} outcomes, {} segment{} (exact, absorbing Markov chain)\n", path, m.name, T,
      m.num_outcomes(), m.segments.size(), m.segments.size() == 1 ? "" : "s");
  if (lj.diagnostics.warning_count()) std::cerr << lj.diagnostics.format();

  std::cout << "\nOutcome kinds (per walk)\n";
  for (std::size_t c = 0; c + 1 < K; ++c) std::cout << fmt::format("  {:<24}{}\n", m.kinds[c], pct(p.kind_prob[c]));
  std::cout << fmt::format("  {:<24}{}  (P(visits > max_steps = {}), exact; not in the shares above)\n", "timeout",
                           num(p.timeout_prob, 9), m.max_steps);

  std::cout << "\nPer walk (expected)\n";
  const std::string tu = m.time_unit.empty() ? "" : " (" + m.time_unit + ")";
  std::cout << fmt::format("  {:<24}{}\n", "satisfaction change", num(p.satisfaction_change));
  std::cout << fmt::format("  {:<24}{}\n", "effort", num(p.effort));
  std::cout << fmt::format("  {:<24}{}\n", "time" + tu, num(p.time));
  std::cout << fmt::format("  {:<24}{}\n", "cost", num(p.cost));
  std::cout << fmt::format("  {:<24}{}\n", "value", num(p.value));
  std::cout << fmt::format("  {:<24}{}\n", "friction visits", num(p.frictions));
  std::cout << fmt::format("  {:<24}{}\n", "channel switches", num(p.switches));
  std::cout << fmt::format("  {:<24}{} ± {} (sd)\n", "steps (visits)", num(p.steps),
                           num(std::sqrt(p.steps_variance), 0));

  if (m.segments.size() > 1) {
    std::vector<std::string> ids;
    for (const auto& s : m.segments) ids.push_back(s.id);
    const std::size_t w = name_width(ids, 8);
    std::cout << "\nSegments\n  " << fmt::format("{:<{}}", "segment", w) << fmt::format("{:>8}", "share");
    for (std::size_t c = 0; c + 1 < K; ++c) std::cout << fmt::format(" {:>12}", m.kinds[c]);
    std::cout << fmt::format(" {:>10} {:>10} {:>10} {:>10}\n", "satisf.", "effort", "value", "steps");
    for (std::size_t s = 0; s < m.segments.size(); ++s) {
      const auto& x = a.segments[s];
      std::cout << "  " << fmt::format("{:<{}}", ids[s], w) << pct(m.segments[s].share, 8);
      for (std::size_t c = 0; c + 1 < K; ++c) std::cout << " " << pct(x.kind_prob[c], 12);
      std::cout << " " << num(x.satisfaction_change) << " " << num(x.effort) << " " << num(x.value) << " "
                << num(x.steps) << "\n";
    }
  }

  const std::size_t w = name_width(m.touchpoint_ids, 10);
  std::cout << "\nTouchpoints (per walk)\n  " << fmt::format("{:<{}}", "touchpoint", w)
            << fmt::format("{:>10} {:>10} {:>9} {:>9}", "visits", "frictions", "reach", "exit");
  if (a.has_removal)
    for (std::size_t c = 0; c + 1 < K; ++c) std::cout << fmt::format(" {:>14}", "rm:" + m.kinds[c]);
  std::cout << "\n";
  for (std::size_t k = 0; k < T; ++k) {
    const double exit = std::accumulate(p.exit_share[k].begin(), p.exit_share[k].end(), 0.0);
    std::cout << "  " << fmt::format("{:<{}}", m.touchpoint_ids[k], w) << num(p.visits[k]) << " "
              << num(p.friction_visits[k]) << " "
              << (a.has_removal ? pct(a.population_removal.reach_prob[k]) : num(NAN, 9)) << " " << pct(exit);
    if (a.has_removal)
      for (std::size_t c = 0; c + 1 < K; ++c) std::cout << " " << pct(a.population_removal.relative_drop[k][c], 14);
    std::cout << "\n";
  }
  if (a.has_removal) {
    std::cout << fmt::format(
        "  reach = P(walk visits it); rm:<kind> = removal effect, the relative drop of that "
        "kind's share when walks entering the touchpoint end in '{}' instead\n",
        a.removal_outcome >= 0 ? m.outcome_ids[a.removal_outcome] : std::string("removed"));
    if (!a.removal_note.empty()) std::cout << "  note: " << a.removal_note << "\n";
  }

  if (a.has_sensitivity) {
    std::cout << fmt::format(
        "\nFriction sensitivities, ranked by the exact gain in {} when the friction is cut by {:g}%\n  ", m.kinds[pk],
        100 * reduce);
    std::cout << fmt::format("{:<{}}{:>9} {:>14} {:>12} {:>12} {:>12} {:>12}\n", "touchpoint", w, "friction",
                             "d " + m.kinds[pk] + "/df", "d satisf./df", "Δ " + m.kinds[pk] + " 1st", "Δ exact",
                             "Δ value");
    for (const auto& r : ranking) {
      const auto k = r.touchpoint;
      std::cout << "  " << fmt::format("{:<{}}", m.touchpoint_ids[k], w) << num(r.friction, 9) << " "
                << num(a.population_sensitivity.kind_prob[k][pk], 14) << " "
                << num(a.population_sensitivity.satisfaction_change[k], 12) << " "
                << num(r.kind_delta_first_order[pk], 12) << " " << num(r.kind_delta_exact[pk], 12) << " "
                << num(r.value_delta_exact, 12) << "\n";
    }
    std::cout << "  d/df: derivative w.r.t. the base friction (segments that override it keep theirs); "
                 "Δ: the friction every customer meets there (the base and every segment's override) cut; "
                 "1st = first-order prediction, exact = re-solve\n";
    for (const auto& n : ranking_notes) std::cout << "  note: " << n << "\n";
  }
  for (const auto& n : a.notes) std::cout << "note: " << n << "\n";
}

void json_expectations(core::JsonWriter& j, const model::CompiledModel& m, const analytics::WalkExpectations& w) {
  j.begin_object();
  j.key("kind_prob").begin_object();
  for (std::size_t c = 0; c < m.num_kinds(); ++c) j.key(m.kinds[c]).value(w.kind_prob[c]);
  j.end_object();
  j.key("outcome_prob").begin_object();
  for (std::size_t o = 0; o < m.num_outcomes(); ++o) j.key(m.outcome_ids[o]).value(w.outcome_prob[o]);
  j.end_object();
  j.key("satisfaction_change").value(w.satisfaction_change);
  j.key("effort").value(w.effort);
  j.key("time").value(w.time);
  j.key("cost").value(w.cost);
  j.key("value").value(w.value);
  j.key("frictions").value(w.frictions);
  j.key("switches").value(w.switches);
  j.key("steps").value(w.steps);
  j.key("steps_variance").value(w.steps_variance);
  j.key("steps_sd").value(std::sqrt(w.steps_variance));
  j.key("timeout_prob").value(w.timeout_prob);
  j.key("channels").begin_object();
  for (std::size_t c = 0; c < m.channels.size(); ++c) {
    j.key(m.channels[c]).begin_object();
    j.key("visits").value(w.channel_visits[c]);
    j.key("switches_into").value(w.switches_into[c]);
    j.end_object();
  }
  j.end_object();
  j.end_object();
}

void print_json(const std::string& path, const model::CompiledModel& m, const analytics::JourneyAnalytics& a,
                const std::vector<analytics::FrictionRankRow>& ranking, const std::vector<std::string>& ranking_notes,
                double reduce, const ExactUncertainty* unc) {
  const std::size_t K = m.num_kinds();
  core::JsonWriter j;
  j.begin_object();
  j.key("file").value(path);
  j.key("journey").value(m.name);
  j.key("max_steps").value(m.max_steps);
  j.key("time_unit").value(m.time_unit);
  j.key("primary_kind").value(m.kinds[analytics::primary_kind(m)]);
  j.key("population");
  json_expectations(j, m, a.population);
  j.key("segments").begin_array();
  for (std::size_t s = 0; s < m.segments.size(); ++s) {
    j.begin_object();
    j.key("segment").value(m.segments[s].id);
    j.key("share").value(m.segments[s].share);
    j.key("solver").value(a.solver[s]);
    j.key("expectations");
    json_expectations(j, m, a.segments[s]);
    j.end_object();
  }
  j.end_array();
  j.key("removal_outcome");
  if (a.removal_outcome >= 0) j.value(m.outcome_ids[a.removal_outcome]);
  else j.null();
  j.key("removal_note").value(a.removal_note);
  j.key("touchpoints").begin_array();
  const auto& p = a.population;
  for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
    j.begin_object();
    j.key("touchpoint").value(m.touchpoint_ids[k]);
    j.key("channel").value(m.channels[m.touchpoint_channel[k]]);
    j.key("friction").value(a.base_friction[k]);
    j.key("visits").value(p.visits[k]);
    j.key("friction_visits").value(p.friction_visits[k]);
    j.key("exit_share").begin_object();
    for (std::size_t c = 0; c + 1 < K; ++c) j.key(m.kinds[c]).value(p.exit_share[k][c]);
    j.end_object();
    if (a.has_removal) {
      const auto& r = a.population_removal;
      j.key("reach_prob").value(r.reach_prob[k]);
      j.key("removal_effect").begin_object();
      for (std::size_t c = 0; c + 1 < K; ++c) j.key(m.kinds[c]).value(r.relative_drop[k][c]);
      j.key("value").value(r.value_relative_drop[k]);
      j.end_object();
    }
    if (a.has_sensitivity) {
      const auto& s = a.population_sensitivity;
      j.key("d_df").begin_object();
      for (std::size_t c = 0; c + 1 < K; ++c) j.key("share_" + m.kinds[c]).value(s.kind_prob[k][c]);
      j.key("satisfaction_change").value(s.satisfaction_change[k]);
      j.key("effort").value(s.effort[k]);
      j.key("time").value(s.time[k]);
      j.key("cost").value(s.cost[k]);
      j.key("value").value(s.value[k]);
      j.key("steps").value(s.steps[k]);
      j.end_object();
    }
    j.end_object();
  }
  j.end_array();
  j.key("friction_ranking").begin_object();
  j.key("reduction").value(reduce);
  j.key("rows").begin_array();
  for (const auto& r : ranking) {
    j.begin_object();
    j.key("touchpoint").value(m.touchpoint_ids[r.touchpoint]);
    j.key("friction").value(r.friction);
    j.key("new_friction").value(r.new_friction);
    j.key("kind_delta_first_order").begin_object();
    for (std::size_t c = 0; c + 1 < K; ++c) j.key(m.kinds[c]).value(r.kind_delta_first_order[c]);
    j.end_object();
    j.key("kind_delta_exact").begin_object();
    for (std::size_t c = 0; c + 1 < K; ++c) j.key(m.kinds[c]).value(r.kind_delta_exact[c]);
    j.end_object();
    j.key("satisfaction_delta_first_order").value(r.satisfaction_delta_first_order);
    j.key("satisfaction_delta_exact").value(r.satisfaction_delta_exact);
    j.key("value_delta_first_order").value(r.value_delta_first_order);
    j.key("value_delta_exact").value(r.value_delta_exact);
    j.end_object();
  }
  j.end_array();
  j.key("notes").begin_array();
  for (const auto& n : ranking_notes) j.value(n);
  j.end_array();
  j.end_object();
  j.key("notes").begin_array();
  for (const auto& n : a.notes) j.value(n);
  j.end_array();
  if (unc != nullptr) uncertainty_json(j, *unc, {"baseline"});
  j.end_object();
  std::cout << j.str() << '\n';
}

void write_file(const std::string& out, const std::string& command_line, const model::LoadedJourney& lj,
                const model::CompiledModel& m, const analytics::JourneyAnalytics& a, const ExactUncertainty* unc) {
  io::AtomicFile file(out);
  io::File& f = file.file();
  analytics::write_analytics_file_attributes(f, command_line, m.name);
  io::Group model = f.require_group("model");
  io::write_string(model, "journey_yaml", lj.spec.source_text, {"the journey text as loaded", ""});
  model.set_attribute("journey_path", lj.spec.source_path);
  f.set_attribute("title", m.name);
  const io::Group g = f.require_group("analytics/baseline");
  g.set_attribute("order", static_cast<std::int64_t>(0));
  analytics::write_analytics(g, m, a);
  if (unc != nullptr) write_uncertainty(f, *unc, {"baseline"});
  file.commit();
}

analytics::AnalyzeOptions::Solver solver_of(const std::string& name) {
  using S = analytics::AnalyzeOptions::Solver;
  if (name == "dense") return S::dense;
  if (name == "sparse") return S::sparse;
  if (name == "iterative") return S::iterative;
  return S::automatic;  // "auto" (CLI11 admits only these four)
}

// A scenario: the exact per-walk expectations of every variant and their Δ
// against the baseline (one period, segment shares as written).
int run_analyze_scenario(const AnalyzeCliOptions& o, const std::string& command_line, const model::YamlDocument& doc,
                         core::Diagnostics load_diags) {
  // The scenario table has no friction ranking: say so rather than ignore the flag.
  if (o.reduce_given)
    throw core::InputError(
        fmt::format("--reduce: {} is a scenario; the friction ranking that --reduce sets is "
                    "printed for a journey (cxsim analyze JOURNEY --reduce x), and a scenario "
                    "ranks frictions with rank_frictions.reduce_by in cxsim run",
                    o.journey));
  const scenario::LoadedScenario ls = scenario::load_scenario_document(doc, std::move(load_diags));
  std::cerr << ls.diagnostics.format();
  check_analytics_size(ls.journey, ls.journey.touchpoints.size(), o.force);
  for (const auto& spec : ls.variant_specs) check_analytics_size(spec, spec.touchpoints.size(), o.force);
  const std::vector<app::VariantAnalysis> rows = app::analyze_scenario(ls, solver_of(o.solver));
  std::optional<ExactUncertainty> unc;
  check_uncertainty_draws(o.uncertainty);
  std::vector<std::string> names;
  for (const auto& r : rows) names.push_back(r.name);
  if (o.uncertainty > 0) {
    const std::uint64_t seed = o.seed.value_or(ls.scenario.population.seed.value_or(1));
    bool any = !ls.journey.uncertain.empty();
    for (const auto& vs : ls.scenario.variants) any = any || (vs.recovery && vs.recovery->uncertain());
    const auto n = any ? static_cast<std::uint64_t>(o.uncertainty) : 0;
    const auto make = [&](std::uint64_t d) {
      const model::JourneySpec drawn = model::draw_parameters(ls.journey, seed, d);
      std::vector<analytics::DrawnModel> out;
      const auto one = [&](const std::string& name, const model::JourneySpec& spec,
                           const std::optional<engine::RecoveryProgram>& recovery) {
        analytics::AnalyzeOptions opt = app::scenario_options(spec, recovery, solver_of(o.solver));
        opt.sensitivities = false;
        out.push_back({name, model::compile(spec), opt});
      };
      one("baseline", drawn, std::nullopt);
      for (const auto& vs : ls.scenario.variants) {
        core::Diagnostics diags;
        const model::JourneySpec spec = scenario::apply_variant(
            drawn, fmt::format("variant '{}' in parameter draw {}", vs.name, d), vs.changes, diags);
        if (diags.has_errors()) throw core::InputError(std::move(diags));
        std::optional<engine::RecoveryProgram> recovery = vs.recovery;
        if (recovery && recovery->uncertain()) recovery = scenario::draw_recovery(*recovery, seed, d);
        one(vs.name, spec, recovery);
      }
      return out;
    };
    std::vector<std::vector<std::pair<std::string, double>>> point;
    for (const auto& r : rows) point.push_back(analytics::summary_values(r.model, r.analytics));
    unc = summarise(static_cast<std::uint64_t>(o.uncertainty), seed,
                    analytics::analyze_uncertainty(n, make, draw_threads(o)), point);
  }
  const auto& base = rows.front().analytics.population;
  const auto& m0 = rows.front().model;
  const std::vector<app::ScenarioMetric> metrics = app::scenario_metrics(m0);
  if (!o.output.empty()) {
    io::AtomicFile file(o.output);
    io::File& f = file.file();
    analytics::write_analytics_file_attributes(f, command_line, m0.name, ls.scenario.name);
    f.set_attribute("title", ls.scenario.name.empty() ? m0.name : ls.scenario.name);
    io::Group model = f.require_group("model");
    io::write_string(model, "journey_yaml", ls.journey.source_text, {"the journey text as loaded", ""});
    io::write_string(model, "scenario_yaml", ls.scenario.source_text, {"the scenario text as loaded", ""});
    model.set_attribute("journey_path", ls.scenario.journey_path);
    model.set_attribute("scenario_path", o.journey);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const io::Group g = f.require_group("analytics/" + rows[i].name);
      g.set_attribute("order", static_cast<std::int64_t>(i));  // 0 = baseline, then the scenario's order
      analytics::write_analytics(g, rows[i].model, rows[i].analytics);
    }
    if (unc) write_uncertainty(f, *unc, names);
    file.commit();
  }
  if (o.json) {
    core::JsonWriter j;
    j.begin_object();
    j.key("scenario").value(ls.scenario.name);
    j.key("variants").begin_object();
    for (const auto& r : rows) {
      j.key(r.name).begin_object();
      for (const auto& mt : metrics) {
        j.key(mt.name).begin_object();
        const double x = mt.get(r.analytics.population);  // NaN: no exact value
        j.key("exact").value(x);
        j.key("delta").value(x - mt.get(base));
        j.key("is_exact").value(!std::isnan(x));
        j.end_object();
      }
      const auto& p = r.analytics.population;
      if (p.recovery) {
        j.key("recovery").begin_object();
        j.key("is_exact").value(p.recovery_exact);
        j.key("triggered_rate").value(p.recovery_triggered);
        j.key("reached_rate").value(p.recovery_reached);
        j.key("succeeded_rate").value(p.recovery_succeeded);
        j.end_object();
      }
      if (!r.note.empty()) j.key("note").value(r.note);
      j.end_object();
    }
    j.end_object();
    if (unc) uncertainty_json(j, *unc, names);
    j.end_object();
    std::cout << j.str() << '\n';
    return 0;
  }
  std::cout << fmt::format(
      "{}: scenario '{}', exact per-walk expectations for one period (absorbing Markov chain);\n"
      "no sampling error. Δ = variant − baseline.\n\n",
      o.journey, ls.scenario.name);
  std::string header = fmt::format("  {:<26}{:>12}", "metric", "baseline");
  for (std::size_t r = 1; r < rows.size(); ++r)
    header += fmt::format("{:>{}}", "Δ " + rows[r].name, std::max<std::size_t>(14, rows[r].name.size() + 4));
  std::cout << header << '\n';
  for (const auto& mt : metrics) {
    std::string line = fmt::format("  {:<26}{:>12.5g}", mt.name, mt.get(base));
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const auto width = std::max<std::size_t>(14, rows[r].name.size() + 4);
      const double x = mt.get(rows[r].analytics.population);
      if (std::isnan(x))
        line += fmt::format("{:>{}}", "n/a", width);  // not exact (a recovery program triggered by satisfaction)
      else line += fmt::format("{:>{}.4g}", x - mt.get(base), width);
    }
    std::cout << line << '\n';
  }
  for (const auto& r : rows) {
    if (r.note.empty()) continue;
    std::cout << "\nnote: " << r.name << " " << r.note << '\n';
    const auto& p = r.analytics.population;
    if (p.recovery && p.recovery_exact)
      std::cout << fmt::format("      recovery per walk (exact): triggered {:.4g}, reached {:.4g}, succeeded {:.4g}\n",
                               p.recovery_triggered, p.recovery_reached, p.recovery_succeeded);
  }
  if (unc) {
    print_uncertainty_text(*unc, names);
  } else {
    std::size_t uncertain = ls.journey.uncertain.size();
    for (const auto& vs : ls.scenario.variants)
      if (vs.recovery) uncertain += scenario::recovery_input_names(*vs.recovery).size();
    print_point_estimate_note(uncertain);
  }
  std::cout << "\nNPS, retention and CLV need the survey and several periods: `cxsim run` gives them with CIs.\n";
  if (!o.output.empty()) std::cout << "wrote " << o.output << "\n";
  return 0;
}

int run_analyze(const AnalyzeCliOptions& o, const std::string& command_line) {
  if (io::looks_like_hdf5(o.journey))
    throw core::InputError(o.journey +
                           ": is an HDF5 (results) file, not a journey or scenario; analyze reads YAML (`cxsim "
                           "inspect` and `cxsim report` read results files)");
  // Read and parse once (a pipe or FIFO has one reading), then take it as a scenario or a journey.
  core::Diagnostics load_diags;
  const model::YamlDocument doc = model::YamlDocument::load_file(o.journey, load_diags);
  if (scenario::is_scenario(doc)) return run_analyze_scenario(o, command_line, doc, std::move(load_diags));
  const model::LoadedJourney lj =
      model::load_journey_document(doc, std::move(load_diags));  // InputError (exit 2) with diagnostics
  check_analytics_size(lj.spec, lj.spec.touchpoints.size(), o.force);
  const app::JourneyAnalysis ja = app::analyze_journey(lj.spec, solver_of(o.solver));
  const model::CompiledModel& m = ja.model;
  const analytics::AnalyzeOptions& opt = ja.options;
  const analytics::JourneyAnalytics& a = ja.analytics;
  std::vector<std::string> ranking_notes;
  const auto ranking = analytics::friction_ranking(m, a, o.reduce, opt, &ranking_notes);
  std::optional<ExactUncertainty> unc;
  check_uncertainty_draws(o.uncertainty);
  if (o.uncertainty > 0) {
    const std::uint64_t seed = o.seed.value_or(lj.spec.population.seed.value_or(1));
    const auto n = lj.spec.uncertain.empty() ? 0 : static_cast<std::uint64_t>(o.uncertainty);
    const auto make = [&](std::uint64_t d) {
      const model::JourneySpec drawn = model::draw_parameters(lj.spec, seed, d);
      analytics::DrawnModel dm{"baseline", model::compile(drawn), opt};
      dm.options.friction_overridden = analytics::friction_override_mask(drawn);
      dm.options.removal = false;
      dm.options.sensitivities = false;
      std::vector<analytics::DrawnModel> out;
      out.push_back(std::move(dm));
      return out;
    };
    unc = summarise(static_cast<std::uint64_t>(o.uncertainty), seed,
                    analytics::analyze_uncertainty(n, make, draw_threads(o)), {analytics::summary_values(m, a)});
  }
  const std::vector<std::string> names{"baseline"};
  if (!o.output.empty()) write_file(o.output, command_line, lj, m, a, unc ? &*unc : nullptr);
  if (o.json) print_json(o.journey, m, a, ranking, ranking_notes, o.reduce, unc ? &*unc : nullptr);
  else {
    print_text(o.journey, m, lj, a, ranking, ranking_notes, o.reduce);
    if (unc) print_uncertainty_text(*unc, names);
    else print_point_estimate_note(lj.spec.uncertain.size());
  }
  if (!o.output.empty() && !o.json) std::cout << "wrote " << o.output << "\n";
  return 0;
}

}  // namespace

void setup_analyze(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<AnalyzeCliOptions>();
  auto* sub = app.add_subcommand(
      "analyze",
      "Exact per-walk results (absorbing Markov chain): outcome probabilities, expectations, removal "
      "effects, friction sensitivities");
  sub->add_option("input", opt->journey, "Journey or scenario YAML file")->required();
  sub->add_flag("--json", opt->json, "Machine-readable output on stdout");
  sub->add_option("-o,--output", opt->output, "Write the results to this HDF5 file (/analytics/baseline/...)");
  auto* reduce =
      sub->add_option("--reduce", opt->reduce, "Friction ranking (journeys): cut each friction by this fraction")
          ->check(CLI::Range(0.0, 1.0))
          ->capture_default_str();
  sub->add_option("--solver", opt->solver,
                  "Linear solver: auto (dense LU up to 300 touchpoints, else sparse LU), dense, sparse, "
                  "iterative (BiCGSTAB)")
      ->check(CLI::IsMember({"auto", "dense", "sparse", "iterative"}))
      ->capture_default_str();
  sub->add_option("--uncertainty", opt->uncertainty,
                  "Parameter draws: the exact analytics under N draws of the journey's uncertain parameters (the "
                  "draws of `run --uncertainty` with the same seed): mean, sd, 2.5%/97.5% per expectation");
  add_whole_number(sub, "-s,--seed", opt->seed,
                   "Seed of the parameter draws (default: the file's population, else 1, as in run)", 0, kMaxSeed);
  sub->add_option("-t,--threads", opt->threads,
                  "Draws analysed at once (default: all cores); results do not depend on it")
      ->check(CLI::Range(0, 1024));
  sub->add_flag("--force", opt->force,
                "Compute the exact analytics above 5000 touchpoints too (refused without it: no useful work bound)");
  sub->callback([opt, reduce, &ctx] {
    opt->reduce_given = reduce->count() > 0;
    ctx.action = [opt, &ctx] { return run_analyze(*opt, ctx.command_line); };
  });
}

}  // namespace cxsim::cli
