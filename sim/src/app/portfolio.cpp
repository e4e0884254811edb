#include "cxsim/app/portfolio.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/engine/accumulators.h"
#include "cxsim/engine/results.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"
#include "cxsim/scenario/changes.h"
#include "cxsim/scenario/portfolio.h"
#include "cxsim/stats/estimates.h"

namespace cxsim::app {

namespace {

using Objective = scenario::PortfolioSpec::Objective;

// Number of parametric-bootstrap draws behind P(best) (docs/methods/portfolio.md).
constexpr std::uint64_t kBestDraws = 20000;

// The per-customer scores whose cross moments the run keeps for an objective:
// net value (value − cost), alive at the end, or NPS's numerator
// 100·(promoters − detractors) and denominator (walks).
std::vector<std::vector<std::pair<int, double>>> objective_scores(Objective o) {
  using namespace engine;
  switch (o) {
    case Objective::net_return: return {{{kClv, 1.0}, {kCost, -1.0}}};
    case Objective::delta_retention: return {{{kAlive, 1.0}}};
    case Objective::delta_nps: return {{{kPromotersTrue, 100.0}, {kDetractorsTrue, -100.0}}, {{kWalks, 1.0}}};
  }
  return {};
}

// The cross products of the joint vector [x_v, x_b] that the objective reads
// (objective_of): those of its ratio under the variant and the baseline, as
// engine::paired_pairs keeps them for the metric. A lean combination keeps
// these only.
std::vector<std::pair<int, int>> objective_pairs(const model::CompiledModel& base, Objective o) {
  const int k = engine::headline_size(base);
  stats::Ratio ratio{{{engine::kClv, 1.0}, {engine::kCost, -1.0}}, {}, 1.0};  // net value, as money_tables
  if (o != Objective::net_return) {
    const std::string name = o == Objective::delta_nps ? "nps_true" : "retention_final";
    bool found = false;
    for (const auto& d : engine::headline_metrics(base, false))
      if (d.name == name) ratio = d.ratio, found = true;
    if (!found) throw core::RuntimeError("internal: no headline metric '" + name + "'");
  }
  std::vector<int> c = ratio.components();
  const std::vector<int> b = ratio.shifted(k).components();
  c.insert(c.end(), b.begin(), b.end());
  std::vector<std::pair<int, int>> pairs;
  stats::append_pairs(c, pairs);
  return pairs;
}

std::string combo_name(const PortfolioPlan& p, const std::vector<std::size_t>& members) {
  std::string s;
  for (std::size_t m : members) s += (s.empty() ? "" : "+") + p.candidates[m].name;
  return s;
}

// Adds one combination (members: candidate indices) as a variant of the plan.
void add_combination(RunPlan& plan, const std::vector<std::size_t>& members) {
  PortfolioPlan& p = plan.portfolio;
  const std::string name = combo_name(p, members);
  std::size_t index = plan.variants.size();
  if (members.size() == 1) {
    for (std::size_t v = 1; v < plan.named; ++v)
      if (plan.variants[v].name == name) index = v;
  }
  std::optional<engine::Investment> inv;
  std::optional<engine::RecoveryProgram> recovery;
  std::vector<scenario::Change> changes;
  for (std::size_t m : members) {
    const auto& c = p.candidates[m];
    changes.insert(changes.end(), c.changes.begin(), c.changes.end());
    if (c.investment) {
      if (!inv) inv = engine::Investment{};
      inv->once += c.investment->once;
      inv->per_period += c.investment->per_period;
    }
    if (c.recovery && !recovery) recovery = c.recovery;
  }
  if (index == plan.variants.size()) {
    core::Diagnostics d;
    auto spec = scenario::apply_variant(plan.specs[0], "portfolio combination '" + name + "'", changes, d);
    if (d.has_errors()) throw core::InputError(std::move(d));
    std::string desc;
    for (const auto& c : changes) desc += (desc.empty() ? "" : ", ") + c.describe();
    // A combination the user did not write runs lean: the portfolio reads only
    // its paired moments and money sums (objective_of, the cross moments).
    engine::Variant var{"portfolio:" + name, desc, model::compile(spec), recovery, inv};
    var.lean = true;
    var.lean_pairs = objective_pairs(plan.variants[0].model, p.spec.objective);
    plan.variants.push_back(std::move(var));
    plan.specs.push_back(std::move(spec));
  }
  p.names.push_back(name);
  p.members.push_back(members);
  p.variant_index.push_back(index);
  p.investment.push_back(inv ? scenario::discounted_investment(*inv, plan.settings.discount_rate, plan.settings.periods)
                             : 0.0);
}

void set_cross(RunPlan& plan) {
  auto& x = plan.portfolio.cross;
  x.variants = {0};
  for (std::size_t v : plan.portfolio.variant_index) x.variants.push_back(static_cast<std::uint32_t>(v));
  x.scores = objective_scores(plan.portfolio.spec.objective);
}

// The Δ of headline metric `name` of plan variant v against the baseline from
// the paired moments alone: the same expression (same bits) as its row of
// engine::comparison_table, which a lean variant cannot have.
stats::Estimate paired_delta(const RunPlan& plan, const engine::RunResult& r, std::size_t v, const std::string& name) {
  const auto& base = plan.variants[0];
  const int k = engine::headline_size(base.model);
  for (const auto& d : engine::headline_metrics(base.model, plan.variants[v].recovery.has_value()))
    if (d.name == name) return stats::ratio_difference(r.paired[v - 1].joint, d.ratio, d.ratio.shifted(k));
  throw core::RuntimeError("internal: no headline metric '" + name + "'");
}

// The objective of plan variant v against the baseline, as the /comparisons
// and money tables give it (from the paired accumulators only, so that
// combinations can run lean).
stats::Estimate objective_of(const RunPlan& plan, const engine::RunResult& r, std::size_t v) {
  const auto& var = plan.variants[v];
  const auto& base = plan.variants[0];
  switch (plan.portfolio.spec.objective) {
    case Objective::net_return:
      return engine::find_metric(engine::money_tables(var, base, r.paired[v - 1], r.settings).summary, "net_return");
    case Objective::delta_nps: return paired_delta(plan, r, v, "nps_true");
    case Objective::delta_retention: return paired_delta(plan, r, v, "retention_final");
  }
  return {};
}

bool fits(const PortfolioPlan& p, double investment) { return !p.spec.budget || investment <= *p.spec.budget; }

}  // namespace

void plan_portfolio(RunPlan& plan, const scenario::LoadedScenario& ls) {
  const auto& sc = ls.scenario;
  if (!sc.portfolio.present) return;
  PortfolioPlan& p = plan.portfolio;
  p.present = true;
  p.spec = sc.portfolio;
  for (std::size_t v : scenario::candidate_variants(sc)) p.candidates.push_back(sc.variants[v]);
  const std::size_t n = p.candidates.size();
  p.greedy = n > static_cast<std::size_t>(p.spec.max_exhaustive);
  if (p.greedy) return;  // search_portfolio chooses the combinations
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  for (const auto& c : scenario::all_combinations(all)) add_combination(plan, c);
  set_cross(plan);
}

void search_portfolio(RunPlan& plan, const engine::RunHooks& hooks) {
  PortfolioPlan& p = plan.portfolio;
  if (!p.present || !p.greedy || !p.names.empty()) return;
  const std::size_t n = p.candidates.size();
  std::vector<std::size_t> current;
  double current_value = 0.0;  // funding nothing
  std::vector<std::vector<std::size_t>> evaluated;
  engine::RunHooks quiet;
  quiet.stop = hooks.stop;
  while (current.size() < n) {
    // This step's combinations: the current set plus each remaining candidate within the budget.
    RunPlan step;
    step.variants.push_back(plan.variants[0]);
    step.specs.push_back(plan.specs[0]);
    step.named = 1;  // no reuse of named variants: every trial is its own variant here
    step.settings = plan.settings;
    step.portfolio.present = true;
    step.portfolio.spec = p.spec;
    step.portfolio.candidates = p.candidates;
    std::vector<std::vector<std::size_t>> trials;
    for (std::size_t c = 0; c < n; ++c) {
      if (std::find(current.begin(), current.end(), c) != current.end()) continue;
      std::vector<std::size_t> m = current;
      m.push_back(c);
      std::sort(m.begin(), m.end());
      const std::size_t before = step.portfolio.names.size();
      add_combination(step, m);
      if (!fits(p, step.portfolio.investment[before])) {
        step.portfolio.names.pop_back();
        step.portfolio.members.pop_back();
        step.portfolio.investment.pop_back();
        step.portfolio.variant_index.pop_back();
        step.variants.pop_back();
        step.specs.pop_back();
        continue;
      }
      trials.push_back(m);
    }
    if (trials.empty()) break;
    const engine::RunResult r = engine::run(step.variants, step.settings, quiet);
    std::size_t best = trials.size();
    double best_value = current_value;
    for (std::size_t t = 0; t < trials.size(); ++t) {
      evaluated.push_back(trials[t]);
      const double v = objective_of(step, r, step.portfolio.variant_index[t]).estimate;
      if (v > best_value) best = t, best_value = v;
    }
    if (best == trials.size()) break;
    current = trials[best];
    current_value = best_value;
    p.greedy_path.push_back(combo_name(p, current));
  }
  // Every single candidate, then the combinations the search evaluated, as plan variants.
  std::vector<std::vector<std::size_t>> all;
  for (std::size_t c = 0; c < n; ++c) all.push_back({c});
  for (const auto& m : evaluated)
    if (m.size() > 1 && std::find(all.begin(), all.end(), m) == all.end()) all.push_back(m);
  for (const auto& m : all) add_combination(plan, m);
  set_cross(plan);
}

PortfolioResult portfolio_result(const RunPlan& plan, const engine::RunResult& r) {
  const PortfolioPlan& p = plan.portfolio;
  PortfolioResult out;
  out.objective = scenario::objective_name(p.spec.objective);
  out.unit = p.spec.objective == Objective::net_return  ? engine::money_unit(r.settings)
             : p.spec.objective == Objective::delta_nps ? "NPS points"
                                                        : "share of customers";
  out.budget = p.spec.budget ? *p.spec.budget : std::nan("");
  out.search = p.greedy ? "greedy" : "exhaustive";
  out.greedy_path = p.greedy_path;
  const std::size_t C = p.names.size();
  std::vector<double> est(C);
  for (std::size_t c = 0; c < C; ++c) {
    const auto e = objective_of(plan, r, p.variant_index[c]);
    out.names.push_back(p.names[c]);
    out.size.push_back(static_cast<std::int64_t>(p.members[c].size()));
    out.investment.push_back(p.investment[c]);
    out.objective_value.push(e);
    out.within_budget.push_back(fits(p, p.investment[c]) ? 1 : 0);
    est[c] = e.estimate;
  }
  // Frontier: not dominated in (investment lower, objective higher), funding nothing (0, 0) included.
  for (std::size_t c = 0; c < C; ++c) {
    bool dominated = (0.0 <= p.investment[c] && 0.0 >= est[c]) && (0.0 < p.investment[c] || 0.0 > est[c]);
    for (std::size_t d = 0; d < C && !dominated; ++d) {
      if (d == c) continue;
      dominated = p.investment[d] <= p.investment[c] && est[d] >= est[c] &&
                  (p.investment[d] < p.investment[c] || est[d] > est[c]);
    }
    out.on_frontier.push_back(dominated ? 0 : 1);
  }

  // Covariance of the combinations' objective estimates from the cross
  // moments of the per-customer scores (delta method; docs/methods/portfolio.md).
  Eigen::MatrixXd cov =
      Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(C), static_cast<Eigen::Index>(C), std::nan(""));
  const std::size_t Q = p.cross.scores.size();
  const bool have_cross = r.cross && r.cross->count() >= 2 && Q > 0 && p.cross.variants.size() == C + 1 &&
                          r.cross->size() == static_cast<int>((C + 1) * Q);
  if (have_cross) {
    const double n = static_cast<double>(r.cross->count());
    const double base = engine::customer_base(r.settings);
    // gradient of combination c's estimate: (index into the cross vector, derivative) terms.
    std::vector<std::vector<std::pair<int, double>>> grad(C);
    auto score_mean = [&](std::size_t j, std::size_t q) { return r.cross->mean(static_cast<int>(j * Q + q)); };
    for (std::size_t c = 0; c < C; ++c) {
      const std::size_t j = c + 1;
      auto& g = grad[c];
      switch (p.spec.objective) {
        case Objective::net_return: g = {{static_cast<int>(j * Q), base}, {0, -base}}; break;
        case Objective::delta_retention: g = {{static_cast<int>(j * Q), 1.0}, {0, -1.0}}; break;
        case Objective::delta_nps: {
          const double wv = score_mean(j, 1), wb = score_mean(0, 1);
          const double rv = score_mean(j, 0) / wv, rb = score_mean(0, 0) / wb;
          g = {{static_cast<int>(j * Q), 1.0 / wv},
               {static_cast<int>(j * Q + 1), -rv / wv},
               {0, -1.0 / wb},
               {1, rb / wb}};
          break;
        }
      }
    }
    for (std::size_t a = 0; a < C; ++a)
      for (std::size_t b = a; b < C; ++b) {
        double s = 0;
        for (const auto& [i, gi] : grad[a])
          for (const auto& [k, gk] : grad[b]) s += gi * gk * r.cross->covariance(i, k);
        cov(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = s / n;
        cov(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(a)) = s / n;
      }
  }

  // P(best) within the budget: a parametric bootstrap of the joint normal of
  // the estimates (funding nothing: 0 exactly); the best point estimate is
  // "the best combination".
  std::vector<std::size_t> in;
  for (std::size_t c = 0; c < C; ++c)
    if (out.within_budget[c]) in.push_back(c);
  out.p_best.assign(C, std::nan(""));
  std::size_t best = C;
  double best_value = 0.0;
  for (std::size_t c : in)
    if (est[c] > best_value) best = c, best_value = est[c];
  out.best = best < C ? p.names[best] : "";
  out.method = fmt::format(
      "parametric bootstrap ({} draws) of the joint normal of the combinations' estimates, covariance from the "
      "paired per-customer scores (docs/methods/portfolio.md)",
      kBestDraws);
  if (have_cross && !in.empty()) {
    const auto m = static_cast<Eigen::Index>(in.size());
    Eigen::MatrixXd sub(m, m);
    for (Eigen::Index a = 0; a < m; ++a)
      for (Eigen::Index b = 0; b < m; ++b)
        sub(a, b) = cov(static_cast<Eigen::Index>(in[a]), static_cast<Eigen::Index>(in[b]));
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(sub);
    Eigen::VectorXd root = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    const Eigen::MatrixXd L = eig.eigenvectors() * root.asDiagonal();
    std::vector<double> wins(in.size(), 0.0);
    double nothing = 0.0;
    Eigen::VectorXd z(m), x(m);
    for (std::uint64_t d = 0; d < kBestDraws; ++d) {
      // Draw d's normals: Box–Muller pairs from its own Philox stream
      // (docs/methods/rng.md, purpose portfolio_best; customer field = d).
      rng::Stream u(r.settings.seed, rng::Purpose::portfolio_best, d);
      for (Eigen::Index i = 0; i < m; i += 2) {
        const auto pr = rng::standard_normal_pair(u);
        z(i) = pr.first;
        if (i + 1 < m) z(i + 1) = pr.second;
      }
      x = L * z;
      double top = 0.0;
      std::size_t arg = in.size();
      for (Eigen::Index i = 0; i < m; ++i) {
        const double v = est[in[static_cast<std::size_t>(i)]] + x(i);
        if (v > top) top = v, arg = static_cast<std::size_t>(i);
      }
      if (arg == in.size()) nothing += 1.0;
      else wins[arg] += 1.0;
    }
    for (std::size_t i = 0; i < in.size(); ++i) out.p_best[in[i]] = wins[i] / static_cast<double>(kBestDraws);
    out.nothing_probability = nothing / static_cast<double>(kBestDraws);
    out.best_probability = best < C ? out.p_best[best] : out.nothing_probability;
    out.draws = kBestDraws;
  } else {
    out.best_probability = std::nan("");
    out.nothing_probability = std::nan("");
  }

  // Interactions: every pair of candidates whose combination was evaluated.
  auto find = [&](const std::vector<std::size_t>& m) {
    for (std::size_t c = 0; c < C; ++c)
      if (p.members[c] == m) return c;
    return C;
  };
  for (std::size_t a = 0; a < p.candidates.size(); ++a)
    for (std::size_t b = a + 1; b < p.candidates.size(); ++b) {
      const std::size_t ab = find({a, b}), ia = find({a}), ib = find({b});
      if (ab == C || ia == C || ib == C) continue;
      out.pair.push_back(p.names[ab]);
      out.first.push_back(p.candidates[a].name);
      out.second.push_back(p.candidates[b].name);
      double e = est[ab] - est[ia] - est[ib];
      double se = std::nan("");
      if (have_cross) {
        const auto I = [](std::size_t i) { return static_cast<Eigen::Index>(i); };
        const std::size_t idx[3] = {ab, ia, ib};
        const double w[3] = {1.0, -1.0, -1.0};
        double v = 0;
        for (int i = 0; i < 3; ++i)
          for (int k = 0; k < 3; ++k) v += w[i] * w[k] * cov(I(idx[i]), I(idx[k]));
        se = std::sqrt(std::max(0.0, v));
        // SE exactly 0: the pair's per-customer score is the sum of the two
        // singles' for every customer, so the interaction is exactly 0 (what
        // is left is the rounding of the three estimates).
        if (se == 0.0 && std::fabs(e) <= 1e-9 * (std::fabs(est[ab]) + std::fabs(est[ia]) + std::fabs(est[ib]))) e = 0.0;
      }
      out.interaction.push(stats::Estimate{e, se, e - stats::kZ95 * se, e + stats::kZ95 * se});
    }
  return out;
}

void write_portfolio(engine::ResultsWriter& writer, const RunPlan& plan, const engine::RunResult& r) {
  if (!plan.portfolio.present) return;
  const PortfolioResult p = portfolio_result(plan, r);
  io::Group g = writer.file().require_group("portfolio");
  g.set_attribute("objective", p.objective);
  g.set_attribute("unit", p.unit);
  g.set_attribute("budget", p.budget);
  g.set_attribute("search", p.search);
  std::string cands;
  for (const auto& c : plan.portfolio.candidates) cands += (cands.empty() ? "" : ",") + c.name;
  g.set_attribute("candidates", cands);
  g.set_attribute("best", p.best);
  g.set_attribute("best_probability", p.best_probability);
  g.set_attribute("nothing_probability", p.nothing_probability);
  g.set_attribute("best_draws", static_cast<std::int64_t>(p.draws));
  g.set_attribute("best_method", p.method);
  std::string path;
  for (const auto& s : p.greedy_path) path += (path.empty() ? "" : ",") + s;
  g.set_attribute("greedy_path", path);
  io::Table t;
  t.add_column("combination", p.names);
  t.add_column("size", p.size);
  t.add_column("investment", p.investment);
  p.objective_value.add_to(t, "objective");
  t.add_column("within_budget", p.within_budget);
  t.add_column("on_frontier", p.on_frontier);
  t.add_column("p_best", p.p_best);
  io::write_table(g, "combinations", t,
                  {"every evaluated combination of candidates: discounted investment, objective vs baseline (paired), "
                   "frontier and probability of being the best within the budget",
                   ""});
  io::Table it;
  it.add_column("pair", p.pair);
  it.add_column("first", p.first);
  it.add_column("second", p.second);
  p.interaction.add_to(it, "interaction");
  io::write_table(g, "interactions", it,
                  {"pair effect minus the sum of the two single effects on the objective (paired SE)", ""});
}

PortfolioResult read_portfolio(const io::Group& g) {
  PortfolioResult p;
  p.objective = g.attribute_string("objective");
  p.unit = g.attribute_string("unit");
  p.budget = g.attribute_double("budget");
  p.search = g.attribute_string("search");
  p.best = g.attribute_string("best");
  p.best_probability = g.attribute_double("best_probability");
  p.nothing_probability = g.attribute_double("nothing_probability");
  p.draws = static_cast<std::uint64_t>(g.attribute_int64("best_draws"));
  p.method = g.attribute_string("best_method");
  const std::string path = g.attribute_string("greedy_path");
  for (std::size_t start = 0; start < path.size();) {
    const std::size_t comma = std::min(path.find(',', start), path.size());
    p.greedy_path.push_back(path.substr(start, comma - start));
    start = comma + 1;
  }
  const io::Table t = io::read_table(g, "combinations");
  p.names = t.get_string("combination");
  p.size = t.get_int64("size");
  p.investment = t.get_double("investment");
  p.objective_value.est = t.get_double("objective");
  p.objective_value.se = t.get_double("objective_se");
  p.objective_value.lo = t.get_double("objective_ci_low");
  p.objective_value.hi = t.get_double("objective_ci_high");
  p.within_budget = t.get_int64("within_budget");
  p.on_frontier = t.get_int64("on_frontier");
  p.p_best = t.get_double("p_best");
  const io::Table it = io::read_table(g, "interactions");
  p.pair = it.get_string("pair");
  p.first = it.get_string("first");
  p.second = it.get_string("second");
  p.interaction.est = it.get_double("interaction");
  p.interaction.se = it.get_double("interaction_se");
  p.interaction.lo = it.get_double("interaction_ci_low");
  p.interaction.hi = it.get_double("interaction_ci_high");
  return p;
}

std::string portfolio_text(const PortfolioResult& p) {
  std::string s = fmt::format("portfolio ({} search, {} combinations, objective {} in {}", p.search, p.names.size(),
                              p.objective, p.unit);
  if (std::isfinite(p.budget)) s += fmt::format(", budget {:.0f}", p.budget);
  s += "):\n";
  std::vector<std::size_t> order(p.names.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p.investment[a] < p.investment[b]; });
  std::size_t width = 11;
  for (std::size_t i : order)
    if (p.on_frontier[i]) width = std::max(width, p.names[i].size());
  s += fmt::format("  frontier: {:<{}} {:>12}  {:>12}  95% CI\n", "combination", width, "investment", "objective");
  for (std::size_t i : order) {
    if (!p.on_frontier[i]) continue;
    s += fmt::format("            {:<{}} {:>12.0f}  {:>12.6g}  [{:.6g}, {:.6g}]{}\n", p.names[i], width,
                     p.investment[i], p.objective_value.est[i], p.objective_value.lo[i], p.objective_value.hi[i],
                     p.within_budget[i] ? "" : "  (over budget)");
  }
  if (p.best.empty())
    s += fmt::format("  best within the budget: fund nothing (no combination has a positive {}; P = {:.3f})\n",
                     p.objective, p.best_probability);
  else
    s += fmt::format("  best within the budget: {} (probability it is truly the best: {:.3f})\n", p.best,
                     p.best_probability);
  for (std::size_t i = 0; i < p.pair.size(); ++i) {
    const bool sig = p.interaction.se[i] > 0 && (p.interaction.lo[i] > 0 || p.interaction.hi[i] < 0);
    if (!sig) continue;
    s += fmt::format("  interaction {}: {:.6g} [{:.6g}, {:.6g}] ({} than the sum of its parts)\n", p.pair[i],
                     p.interaction.est[i], p.interaction.lo[i], p.interaction.hi[i],
                     p.interaction.est[i] > 0 ? "worth more" : "worth less");
  }
  return s;
}

void portfolio_json(const PortfolioResult& p, core::JsonWriter& w) {
  w.begin_object();
  w.key("objective").value(p.objective);
  w.key("unit").value(p.unit);
  w.key("budget").value(p.budget);
  w.key("search").value(p.search);
  w.key("best").value(p.best);
  w.key("best_probability").value(p.best_probability);
  w.key("combinations").begin_array();
  for (std::size_t i = 0; i < p.names.size(); ++i) {
    w.begin_object();
    w.key("combination").value(p.names[i]);
    w.key("investment").value(p.investment[i]);
    w.key("objective").value(p.objective_value.est[i]);
    w.key("se").value(p.objective_value.se[i]);
    w.key("ci_low").value(p.objective_value.lo[i]);
    w.key("ci_high").value(p.objective_value.hi[i]);
    w.key("within_budget").value(p.within_budget[i] != 0);
    w.key("on_frontier").value(p.on_frontier[i] != 0);
    w.key("p_best").value(p.p_best[i]);
    w.end_object();
  }
  w.end_array();
  w.key("interactions").begin_array();
  for (std::size_t i = 0; i < p.pair.size(); ++i) {
    w.begin_object();
    w.key("pair").value(p.pair[i]);
    w.key("interaction").value(p.interaction.est[i]);
    w.key("se").value(p.interaction.se[i]);
    w.key("ci_low").value(p.interaction.lo[i]);
    w.key("ci_high").value(p.interaction.hi[i]);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace cxsim::app
