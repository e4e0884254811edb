#include "cxsim/app/run_plan.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/analytics/analytics_h5.h"
#include "cxsim/app/portfolio.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/engine/queue.h"
#include "cxsim/engine/results.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/uncertain.h"
#include "cxsim/model/validate.h"
#include "cxsim/scenario/changes.h"
#include "cxsim/scenario/scenario_loader.h"

namespace cxsim::app {

namespace {

void settings_from(engine::RunSettings& s, const model::PopulationSpec& pop, const RunOverrides& o) {
  s.customers = static_cast<std::uint64_t>(o.customers.value_or(pop.customers.value_or(10000)));
  s.periods = o.periods.value_or(pop.periods.value_or(1));
  s.seed = o.seed.value_or(pop.seed.value_or(1));
  s.discount_rate = pop.discount_rate.value_or(0.0);
  s.currency = pop.currency.value_or("");
  s.customer_base = pop.customer_base.value_or(0.0);
  s.threads = std::max(1, o.threads);
  s.chunk_size = o.chunk_size;
  if (o.customers && (*o.customers < 1 || *o.customers > model::kMaxCustomers))
    throw core::InputError(fmt::format("--customers must be between 1 and {}{}, got {}", model::kMaxCustomers,
                                       *o.customers > model::kMaxCustomers ? model::kMaxCustomersNote : "",
                                       *o.customers));
  if (o.periods && (*o.periods < 1 || *o.periods > 65535)) throw core::InputError("--periods must be in 1..65535");
}

void uncertainty_from(RunPlan& plan, const model::PopulationSpec& pop, const RunOverrides& o) {
  if (o.uncertainty && (*o.uncertainty < 0 || *o.uncertainty > model::kMaxUncertaintyDraws))
    throw core::InputError(
        fmt::format("--uncertainty must be between 0 and {}, got {}", model::kMaxUncertaintyDraws, *o.uncertainty));
  plan.uncertainty_draws = static_cast<std::uint64_t>(o.uncertainty.value_or(pop.uncertainty_draws.value_or(0)));
}

void add_variant(RunPlan& plan, std::string name, std::string description, model::JourneySpec spec,
                 std::optional<engine::RecoveryProgram> recovery,
                 std::optional<engine::Investment> investment = std::nullopt) {
  plan.variants.push_back({std::move(name), std::move(description), model::compile(spec), recovery, investment});
  plan.specs.push_back(std::move(spec));
}

}  // namespace

RunPlan plan_from_file(const std::string& path, const RunOverrides& o, const std::string& command_line) {
  RunPlan plan;
  plan.provenance.command_line = command_line;
  // Read and parse once (a pipe or FIFO has one reading), then take it as a journey or a scenario.
  core::Diagnostics load_diags;
  const model::YamlDocument doc = model::YamlDocument::load_file(path, load_diags);
  if (!scenario::is_scenario(doc)) {
    model::LoadedJourney lj = model::load_journey_document(doc, std::move(load_diags));
    plan.warnings = lj.diagnostics;
    settings_from(plan.settings, lj.spec.population, o);
    uncertainty_from(plan, lj.spec.population, o);
    plan.title = lj.spec.name;
    plan.provenance.journey_path = path;
    plan.provenance.journey_yaml = lj.spec.source_text;
    if (!o.only_variants.empty())
      throw core::InputError("--variant applies to scenario files; '" + path + "' is a journey");
    add_variant(plan, "baseline", "the journey as written", std::move(lj.spec), std::nullopt);
    plan.named = 1;
    return plan;
  }
  scenario::LoadedScenario ls = scenario::load_scenario_document(doc, std::move(load_diags));
  plan.warnings = ls.diagnostics;
  const auto& sc = ls.scenario;
  settings_from(plan.settings, sc.population, o);
  uncertainty_from(plan, sc.population, o);
  plan.named_changes.emplace_back();  // the baseline
  plan.title = sc.name.empty() ? ls.journey.name : sc.name;
  plan.provenance.journey_path = sc.journey_path;
  plan.provenance.journey_yaml = ls.journey.source_text;
  plan.provenance.scenario_path = path;
  plan.provenance.scenario_yaml = sc.source_text;
  plan.precision = sc.precision;
  // The size bound again with the flags (-n, --periods, --no-sweeps,
  // --no-ranking): the loader checked it with the file's population.
  {
    core::Diagnostics size;
    scenario::check_run_size(sc, ls.journey, plan.settings.customers, plan.settings.periods, !o.no_sweeps,
                             !o.no_ranking, size);
    if (size.has_errors()) throw core::InputError(std::move(size));
  }

  add_variant(plan, "baseline", "the journey as written", ls.journey, std::nullopt);
  core::Diagnostics queue_diags;  // overloaded queues of the scenario's variants and sweep points
  for (const auto& want : o.only_variants) {
    const bool known =
        std::any_of(sc.variants.begin(), sc.variants.end(), [&](const auto& v) { return v.name == want; });
    if (!known) {
      std::vector<std::string> names;
      for (const auto& v : sc.variants) names.push_back(v.name);
      const std::string sug = core::did_you_mean(want, names);
      throw core::InputError(fmt::format("--variant '{}': no such variant in {} (variants: {}){}", want, path,
                                         core::quoted_list(names),
                                         sug.empty() ? "" : " (did you mean '" + sug + "'?)"));
    }
  }
  for (std::size_t v = 0; v < sc.variants.size(); ++v) {
    const auto& vs = sc.variants[v];
    if (!o.only_variants.empty() &&
        std::find(o.only_variants.begin(), o.only_variants.end(), vs.name) == o.only_variants.end())
      continue;
    std::string desc = vs.description;
    add_variant(plan, vs.name, desc, ls.variant_specs[v], vs.recovery, vs.investment);
    plan.named_changes.push_back(vs.changes);
    // Queues solved here for the run's settings (the runner reuses them): an
    // overloaded queue is refused at the scenario's line, naming the variant.
    plan.variants.back().queues =
        scenario::solve_variant_queues(plan.variants.back(), vs.changes, "variant '" + vs.name + "'", vs.loc,
                                       "variants." + vs.name, plan.settings, queue_diags);
  }
  plan.named = plan.variants.size();
  if (!o.no_sweeps) {
    for (const auto& sw : sc.sweeps) {
      SweepPlan sp{sw.name, sw.path, sw.values, {}};
      for (double x : sw.values) {
        core::Diagnostics d;
        scenario::Change c{sw.path, sw.op, x, sw.renormalize, sw.loc};
        auto spec = scenario::apply_variant(ls.journey, "sweep '" + sw.name + "'", {c}, d);
        if (d.has_errors()) throw core::InputError(std::move(d));
        sp.variant_index.push_back(plan.variants.size());
        add_variant(plan, fmt::format("sweep:{}={}", sw.name, core::fmt_number(x)), c.describe(), std::move(spec),
                    std::nullopt);
        plan.variants.back().queues = scenario::solve_variant_queues(
            plan.variants.back(), {c}, fmt::format("sweep '{}' = {}", sw.name, core::fmt_number(x)), sw.loc,
            "sweeps." + sw.name, plan.settings, queue_diags);
      }
      plan.sweeps.push_back(std::move(sp));
    }
  }
  if (queue_diags.has_errors()) throw core::InputError(std::move(queue_diags));
  if (sc.rank.present && !o.no_ranking) {
    plan.ranking.present = true;
    plan.ranking.reduce_by = sc.rank.reduce_by;
    const model::JourneySpec& j = ls.journey;
    std::vector<std::vector<bool>> reach;
    for (std::size_t seg = 0; seg < j.segments.size(); ++seg) reach.push_back(model::reachable_touchpoints(j, seg));
    for (std::size_t k = 0; k < j.touchpoints.size(); ++k) {
      const auto& tp = j.touchpoints[k];
      // The friction each segment's customers meet here: its override, else the base.
      std::vector<std::string> overriding;
      bool follows_base = false, positive = false, reached = false, same = true;
      double weighted = 0, first = std::nan("");
      for (std::size_t seg = 0; seg < j.segments.size(); ++seg) {
        const auto& sg = j.segments[seg];
        double f = tp.friction;
        bool own = false;
        for (const auto& [id, ov] : sg.overrides)
          if (id == tp.id && ov.friction) f = *ov.friction, own = true;
        if (own) overriding.push_back(sg.id);
        else follows_base = true;
        positive = positive || f > 0;
        reached = reached || (f > 0 && reach[seg][k]);
        if (seg == 0) first = f;
        same = same && f == first;
        weighted += sg.share * f;
      }
      if (!positive) continue;
      if (!reached) {
        std::string why = analytics::unranked_touchpoint_note(tp.id, j.segments.size());
        plan.warnings.warning(sc.rank.loc, "rank_frictions", why);
        plan.ranking.notes.push_back(std::move(why));
        continue;
      }
      std::vector<scenario::Change> changes;
      const double factor = 1.0 - sc.rank.reduce_by;
      if (follows_base)
        changes.push_back({tp.id + ".friction", scenario::Change::Op::scale, factor, false, sc.rank.loc});
      for (const auto& seg : overriding)
        changes.push_back({"segments." + seg + ".overrides." + tp.id + ".friction", scenario::Change::Op::scale, factor,
                           false, sc.rank.loc});
      core::Diagnostics d;
      auto spec = scenario::apply_variant(j, "friction ranking of '" + tp.id + "'", changes, d);
      if (d.has_errors()) throw core::InputError(std::move(d));
      std::string desc;
      for (const auto& c : changes) desc += (desc.empty() ? "" : ", ") + c.describe();
      plan.ranking.touchpoints.push_back(tp.id);
      plan.ranking.frictions.push_back(same ? first : weighted);
      plan.ranking.variant_index.push_back(plan.variants.size());
      add_variant(plan, "rank:" + tp.id, desc, std::move(spec), std::nullopt);
    }
  }
  plan_portfolio(plan, ls);
  return plan;
}

namespace {

double precision_half_width(const RunPlan& plan, const engine::RunResult& r) {
  const auto& q = plan.precision;
  if (q.variant.empty()) {
    auto t = engine::variant_tables(plan.variants[0], r.variants[0]);
    return stats::kZ95 * engine::find_metric(t.summary, q.metric).se;
  }
  for (std::size_t v = 1; v < plan.named; ++v) {
    if (plan.variants[v].name != q.variant) continue;
    auto t = engine::comparison_table(plan.variants[v], plan.variants[0], r.paired[v - 1], r.variants[v], r.variants[0],
                                      r.settings);
    return stats::kZ95 * engine::find_metric(t, q.metric).se;
  }
  throw core::InputError("precision: variant '" + q.variant + "' is not part of this run");
}

}  // namespace

engine::RunResult execute(RunPlan& plan, const engine::RunHooks& given, PrecisionOutcome* out) {
  search_portfolio(plan, given);  // greedy portfolios: their combinations become variants first
  engine::RunHooks hooks = given;
  if (plan.portfolio.present && !plan.portfolio.cross.empty()) hooks.cross = &plan.portfolio.cross;
  engine::RunSettings& s = plan.settings;
  if (!plan.precision.present) return engine::run(plan.variants, s, hooks);

  // Grow in whole chunks: stage sizes are multiples of the chunk size, so the
  // final result is bit-identical to a single run of the final size.
  const auto& q = plan.precision;
  // The metric name was checked when the scenario was loaded
  // (scenario::check_scenario_file, exit 2 before anything runs).
  const std::uint64_t chunk = s.chunk_size;
  std::uint64_t target = ((s.customers + chunk - 1) / chunk) * chunk;
  const std::uint64_t max_customers = q.max_customers > 0 ? static_cast<std::uint64_t>(q.max_customers) : 100 * target;
  s.customers = target;
  engine::RunResult result = engine::empty_result(plan.variants, s);
  PrecisionOutcome po;
  po.requested = true;
  while (true) {
    s.customers = target;
    engine::run_range(plan.variants, s, result.chunks, engine::chunk_count(s), result, hooks);
    po.half_width = precision_half_width(plan, result);
    po.customers = target;
    if (po.half_width <= q.half_width) {
      po.met = true;
      break;
    }
    if (target >= max_customers) break;
    target = std::min(max_customers, 2 * target);
    target = ((target + chunk - 1) / chunk) * chunk;
  }
  const std::string what = q.variant.empty() ? q.metric : fmt::format("Δ {} ({} vs baseline)", q.metric, q.variant);
  po.message = po.met ? fmt::format("precision met: 95% CI half-width of {} is {:.4g} <= {:.4g} with {} customers",
                                    what, po.half_width, q.half_width, po.customers)
                      : fmt::format(
                            "precision NOT met: max_customers {} reached; 95% CI half-width of {} is {:.4g} > "
                            "target {:.4g}",
                            po.customers, what, po.half_width, q.half_width);
  if (out) *out = po;
  return result;
}

io::Table sweep_table(const RunPlan& plan, const SweepPlan& sw, const engine::RunResult& r) {
  std::vector<double> value;
  std::vector<std::string> metric;
  engine::EstimateColumns est, delta;
  for (std::size_t i = 0; i < sw.values.size(); ++i) {
    const std::size_t v = sw.variant_index[i];
    auto t = engine::variant_tables(plan.variants[v], r.variants[v]);
    auto c = engine::comparison_table(plan.variants[v], plan.variants[0], r.paired[v - 1], r.variants[v], r.variants[0],
                                      r.settings);
    for (const auto& name : t.summary.get_string("metric")) {
      value.push_back(sw.values[i]);
      metric.push_back(name);
      est.push(engine::find_metric(t.summary, name));
      delta.push(engine::find_metric(c, name));
    }
  }
  io::Table t;
  t.add_column("value", value);
  t.add_column("metric", metric);
  est.add_plain(t, "estimate");
  delta.add_to(t, "delta");
  return t;
}

void decide_analytics(RunPlan& plan, const RunOverrides& o) {
  const std::size_t T = plan.variants.front().model.num_touchpoints();
  if (o.no_analytics) plan.analytics_skipped = "--no-analytics";
  else if (T > kMaxAnalyticsTouchpoints)
    plan.analytics_skipped = fmt::format(
        "the journey has {} touchpoints, more than the {} up to which run computes "
        "them (use cxsim analyze for them)",
        T, kMaxAnalyticsTouchpoints);
}

io::Table ranking_table(const RunPlan& plan, const engine::RunResult& r) {
  const auto& rk = plan.ranking;
  const auto& m = plan.variants[0].model;
  const bool exact_wanted = plan.analytics_skipped.empty();
  // Exact predictions from the absorbing chain (per walk, one period).
  analytics::AnalyzeOptions opts;
  opts.friction_overridden = analytics::friction_override_mask(plan.specs[0]);
  opts.removal = false;
  opts.sensitivities = exact_wanted;
  const auto base = exact_wanted ? analytics::analyze(m, opts) : analytics::JourneyAnalytics{};
  analytics::AnalyzeOptions solve = opts;
  solve.sensitivities = false;
  std::vector<std::string> metrics = {"nps_true", "retention_final", "clv_mean", "satisfaction_change_mean",
                                      "effort_mean"};
  for (std::size_t k = 0; k + 1 < m.num_kinds(); ++k) metrics.push_back("share_" + m.kinds[k]);

  std::vector<std::string> tp, metric;
  std::vector<double> fr, first, exact;
  engine::EstimateColumns delta;
  std::vector<std::int64_t> rank;
  for (std::size_t i = 0; i < rk.touchpoints.size(); ++i) {
    const std::size_t v = rk.variant_index[i];
    auto c = engine::comparison_table(plan.variants[v], plan.variants[0], r.paired[v - 1], r.variants[v], r.variants[0],
                                      r.settings);
    const auto& vm = plan.variants[v].model;
    std::size_t k = 0;
    while (k < m.num_touchpoints() && m.touchpoint_ids[k] != rk.touchpoints[i]) ++k;
    // Exact: re-solve the variant's own model (every segment's friction
    // reduced). First order: each segment's derivative times its own change;
    // the segments following the base friction through the population
    // sensitivity (their share-weighted sum), the overriding ones one by one.
    // Without the analytics (plan.analytics_skipped) both exact columns are NaN.
    const analytics::WalkExpectations ex =
        exact_wanted ? analytics::analyze(vm, solve).population : analytics::WalkExpectations{};
    std::vector<double> kind_first(m.num_kinds(), std::nan(""));
    bool base_done = false, any = false;
    for (std::size_t s = 0; exact_wanted && s < m.segments.size(); ++s) {
      const double df = vm.segments[s].tp[k].friction - m.segments[s].tp[k].friction;
      const bool own = s < opts.friction_overridden.size() && opts.friction_overridden[s][k];
      if (!own && base_done) continue;
      for (std::size_t kc = 0; kc < m.num_kinds(); ++kc) {
        const double term = own ? m.segments[s].share * df * base.segment_sensitivity[s].kind_prob[k][kc]
                                : df * base.population_sensitivity.kind_prob[k][kc];
        kind_first[kc] = any ? kind_first[kc] + term : term;
      }
      any = true;
      if (!own) base_done = true;
    }
    for (const auto& name : metrics) {
      tp.push_back(rk.touchpoints[i]);
      fr.push_back(rk.frictions[i]);
      metric.push_back(name);
      delta.push(engine::find_metric(c, name));
      double f1 = std::nan(""), e1 = std::nan("");
      if (name.rfind("share_", 0) == 0) {
        for (std::size_t kc = 0; kc < m.num_kinds(); ++kc)
          if ("share_" + m.kinds[kc] == name && exact_wanted) {
            f1 = kind_first[kc];
            e1 = ex.kind_prob[kc] - base.population.kind_prob[kc];
          }
      }
      first.push_back(f1);
      exact.push_back(e1);
    }
  }
  // Rank per metric by Δ, the most valuable first in the metric's declared
  // direction (model::metric_direction); 0 for a metric without one.
  const std::vector<double>& d = delta.est;
  rank.assign(d.size(), 0);
  for (const auto& name : metrics) {
    const int dir = m.metric_direction(name);
    if (dir == model::kNoDirection) continue;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < metric.size(); ++i)
      if (metric[i] == name) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
      return dir == model::kLowerBetter ? d[a] < d[b] : d[a] > d[b];
    });
    for (std::size_t j = 0; j < idx.size(); ++j) rank[idx[j]] = static_cast<std::int64_t>(j + 1);
  }
  io::Table t;
  t.add_column("touchpoint", tp);
  t.add_column("friction", fr);
  t.add_column("metric", metric);
  delta.add_plain(t, "delta");
  t.add_column("exact_first_order", first);
  t.add_column("exact", exact);
  t.add_column("rank", rank);
  return t;
}

std::string recovery_exactness_note(const std::optional<engine::RecoveryProgram>& recovery) {
  if (!recovery) return "";
  using Trigger = engine::RecoveryProgram::Trigger;
  if (recovery->trigger == Trigger::at || recovery->trigger == Trigger::wait_above ||
      recovery->trigger == Trigger::outcome_kind)
    return "has a targeted recovery program (a trigger on one visit): it is exact, its reroute included, in every "
           "expectation";
  if (recovery->reroute != engine::RecoveryProgram::kNone)
    return "has a recovery program that reroutes after a trigger on the walk's history, which the exact chain does "
           "not follow: no expectation is exact (n/a)";
  if (recovery->trigger == Trigger::frictions_at_least)
    return "has a recovery program triggered by friction visits: its trigger probability is exact and included "
           "in satisfaction_change_mean and cost_per_walk";
  return "has a recovery program triggered by satisfaction, which the exact chain does not track: "
         "satisfaction_change_mean and cost_per_walk are not exact (n/a); the other expectations are exact "
         "(the program never changes the route)";
}

void write_run_attributes(engine::ResultsWriter& writer, const RunPlan& plan, int mpi_ranks) {
  writer.file().set_attribute("threads", static_cast<std::int64_t>(plan.settings.threads));
  writer.file().set_attribute("mpi_ranks", static_cast<std::int64_t>(mpi_ranks));
}

void write_all(engine::ResultsWriter& writer, const RunPlan& plan, const engine::RunResult& result,
               const PrecisionOutcome& precision) {
  // /variants and /comparisons for the named variants only.
  // (the writer knows only the named variants and reports those)
  writer.write_run(result);
  write_portfolio(writer, plan, result);
  io::File& f = writer.file();
  f.set_attribute("customers", static_cast<std::int64_t>(result.settings.customers));
  f.set_attribute("title", plan.title);
  if (precision.requested) {
    f.set_attribute("precision_met", static_cast<std::int64_t>(precision.met));
    f.set_attribute("precision_message", precision.message);
  }
  if (!plan.sweeps.empty()) {
    io::Group g = f.require_group("sweeps");
    for (const auto& sw : plan.sweeps) {
      io::Dataset d = io::write_table(g, sw.name, sweep_table(plan, sw, result),
                                      {"one parameter over a list of values; delta paired vs baseline", ""});
      d.set_attribute("parameter", sw.path);
    }
  }
  if (plan.ranking.present) {
    io::Dataset d = io::write_table(f, "ranking", ranking_table(plan, result),
                                    {"friction ranking: MC deltas with CIs beside exact per-walk predictions", ""});
    d.set_attribute("reduce_by", plan.ranking.reduce_by);
    if (!plan.ranking.notes.empty()) {
      std::string notes;
      for (const auto& n : plan.ranking.notes) notes += (notes.empty() ? "" : "\n") + n;
      d.set_attribute("notes", notes);
    }
  }
  // Exact analytics for every named variant (unless skipped: then the root
  // attribute says why and /analytics is absent).
  if (!plan.analytics_skipped.empty()) {
    f.set_attribute("analytics_skipped", plan.analytics_skipped);
    return;
  }
  io::Group ag = f.require_group("analytics");
  for (std::size_t v = 0; v < plan.named; ++v) {
    analytics::AnalyzeOptions opts;
    opts.friction_overridden = analytics::friction_override_mask(plan.specs[v]);
    opts.recovery = plan.variants[v].recovery;
    opts.periods = plan.settings.periods;
    opts.discount_rate = plan.settings.discount_rate;
    // Queue waits: the tables the run used (solved again only if stale).
    const engine::Variant& var = plan.variants[v];
    if (!var.model.queues.empty())
      opts.queue_waits = engine::analytics_queue_waits(var.model, engine::queues_stale(var, result.settings)
                                                                      ? engine::solve_queues(var, result.settings)
                                                                      : *var.queues);
    const auto a = analytics::analyze(plan.variants[v].model, opts);
    analytics::write_analytics(ag.require_group(plan.variants[v].name), plan.variants[v].model, a);
  }
}

}  // namespace cxsim::app

namespace cxsim::app {

std::size_t uncertain_parameter_count(const RunPlan& plan) {
  std::size_t n = plan.specs.empty() ? 0 : plan.specs.front().uncertain.size();
  for (std::size_t v = 1; v < plan.named && v < plan.variants.size(); ++v)
    if (const auto& rp = plan.variants[v].recovery)
      n += (rp->reach_beta[0] > 0 ? 1 : 0) + (rp->success_beta[0] > 0 ? 1 : 0);
  return n;
}

engine::UncertaintySummary execute_uncertainty(const RunPlan& plan, const engine::RunResult& point,
                                               const engine::RunHooks& hooks, const DrawRunner& runner) {
  const model::JourneySpec& journey = plan.specs.front();
  if (plan.uncertainty_draws == 0 || uncertain_parameter_count(plan) == 0) return {};
  engine::RunSettings base = plan.settings;
  base.customers = point.settings.customers;
  const auto make = [&](std::uint64_t d) {
    const model::JourneySpec drawn = model::draw_parameters(journey, base.seed, d);
    std::vector<engine::Variant> vs;
    vs.push_back({plan.variants[0].name, plan.variants[0].description, model::compile(drawn), std::nullopt});
    for (std::size_t v = 1; v < plan.named; ++v) {
      core::Diagnostics diags;
      const model::JourneySpec spec =
          v < plan.named_changes.size()
              ? scenario::apply_variant(drawn,
                                        fmt::format("variant '{}' in parameter draw {}", plan.variants[v].name, d),
                                        plan.named_changes[v], diags)
              : drawn;
      if (diags.has_errors()) throw core::InputError(std::move(diags));
      std::optional<engine::RecoveryProgram> recovery = plan.variants[v].recovery;
      if (recovery && recovery->uncertain()) recovery = scenario::draw_recovery(*recovery, base.seed, d);
      vs.push_back({plan.variants[v].name, plan.variants[v].description, model::compile(spec), recovery});
    }
    return vs;
  };
  const auto settings = [&](std::uint64_t d) {
    engine::RunSettings s = base;
    s.seed = model::draw_customer_seed(base.seed, d);
    return s;
  };
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  if (hooks.progress) progress = [&](std::uint64_t done, std::uint64_t total) { hooks.progress(done, total); };
  engine::DrawInputs inputs;
  inputs.names = model::uncertain_input_names(journey);
  for (std::size_t v = 1; v < plan.named; ++v)
    if (const auto& rp = plan.variants[v].recovery)
      for (auto& n : scenario::recovery_input_names(*rp)) inputs.names.push_back(std::move(n));
  inputs.values = [&](std::uint64_t d) {
    std::vector<double> x = model::uncertain_input_values(journey, model::draw_parameters(journey, base.seed, d));
    for (std::size_t v = 1; v < plan.named; ++v)
      if (const auto& rp = plan.variants[v].recovery; rp && rp->uncertain())
        for (double y : scenario::recovery_input_values(scenario::draw_recovery(*rp, base.seed, d))) x.push_back(y);
    return x;
  };
  if (runner) return runner(plan.uncertainty_draws, make, settings, progress, hooks.stop, &inputs);
  return engine::run_uncertainty(plan.uncertainty_draws, make, settings, progress, hooks.stop, &inputs);
}

void write_uncertainty(engine::ResultsWriter& writer, const RunPlan& plan, const engine::RunResult& point,
                       const engine::UncertaintySummary& u) {
  if (plan.uncertainty_draws == 0) return;
  io::File& f = writer.file();
  io::Group g = f.require_group("uncertainty");
  g.set_attribute("draws", static_cast<std::int64_t>(u.draws));
  g.set_attribute("draws_requested", static_cast<std::int64_t>(plan.uncertainty_draws));
  g.set_attribute("uncertain_parameters", static_cast<std::int64_t>(uncertain_parameter_count(plan)));
  g.set_attribute("description",
                  std::string("mc_low/mc_high: 95% Monte Carlo interval of the point-estimate run (customer noise "
                              "only); total_low/total_high: 95% interval of parameter and Monte Carlo uncertainty "
                              "together (docs/methods/uncertainty.md)"));
  const auto& s = point.settings;
  io::Group gv = g.require_group("variants");
  for (std::size_t v = 0; v < plan.named; ++v) {
    const auto summary = engine::variant_tables(plan.variants[v], point.variants[v]).summary;
    io::write_table(
        gv, plan.variants[v].name,
        engine::uncertainty_table(summary, v < u.variants.size() ? u.variants[v] : std::vector<engine::MetricDraws>{}),
        {"headline metrics: Monte Carlo and total (parameter + Monte Carlo) 95% intervals", ""});
  }
  if (plan.named < 2) return;
  io::Group gc = g.require_group("comparisons");
  for (std::size_t v = 1; v < plan.named; ++v) {
    const auto c = engine::comparison_table(plan.variants[v], plan.variants[0], point.paired[v - 1], point.variants[v],
                                            point.variants[0], s);
    io::write_table(gc, plan.variants[v].name,
                    engine::uncertainty_table(
                        c, v - 1 < u.comparisons.size() ? u.comparisons[v - 1] : std::vector<engine::MetricDraws>{}),
                    {"delta vs baseline: Monte Carlo and total (parameter + Monte Carlo) 95% intervals", ""});
  }
  if (u.draws == 0) return;
  io::Group gs = g.require_group("sensitivity");
  gs.set_attribute("inputs", static_cast<std::int64_t>(u.input_names.size()));
  io::Group gsv = gs.require_group("variants");
  for (std::size_t v = 0; v < u.variants.size(); ++v)
    io::write_table(gsv, plan.variants[v].name, engine::sensitivity_table(u.variants[v], u.input_names, u.inputs),
                    {"first-order Sobol index of each metric's parameter variance per uncertain input", ""});
  io::Group gsc = gs.require_group("comparisons");
  for (std::size_t v = 0; v < u.comparisons.size(); ++v)
    io::write_table(gsc, plan.variants[v + 1].name,
                    engine::sensitivity_table(u.comparisons[v], u.input_names, u.inputs),
                    {"first-order Sobol index of each delta's parameter variance per uncertain input", ""});
  if (u.comparisons.empty()) return;
  io::write_table(g, "best", engine::best_table(u),
                  {"probability across parameter draws that each variant (baseline: delta 0) is the best by the "
                   "delta of each metric",
                   ""});
}

}  // namespace cxsim::app
