// Portfolios (MODEL.md section 15, docs/methods/portfolio.md): a combination
// is the variant the user would write by hand (same bits), the best
// combination is the best of those hand-written variants, conflicting changes
// and bad budgets/investments fail validation at their line, and the
// interactions, frontier and P(best) are what their definitions say.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>

#include "cxsim/app/portfolio.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/core/errors.h"
#include "cxsim/engine/results.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"
#include "cxsim/scenario/portfolio.h"
#include "cxsim/scenario/scenario_loader.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace cxsim;
using cxsim::test::TempDir;

namespace {

const char* kJourney = R"(journey: shop
start: {browse: 0.7, help: 0.3}
touchpoints:
  browse:
    channel: web
    friction: 0.2
    satisfaction: {ok: 0.3, friction: -0.8}
    next:
      ok: {pay: 0.8, left: 0.2}
      friction: {pay: 0.4, help: 0.3, left: 0.3}
  pay:
    channel: web
    friction: 0.15
    satisfaction: {ok: 0.5, friction: -1.0}
    next:
      ok: {bought: 1.0}
      friction: {help: 0.5, left: 0.5}
  help:
    channel: phone
    friction: 0.3
    cost: 6
    satisfaction: {ok: 0.4, friction: -1.2}
    next:
      ok: {bought: 0.3, solved: 0.7}
      friction: {help: 0.2, left: 0.8}
outcomes:
  bought: {kind: converted, value: 50}
  solved: {kind: resolved}
  left: {kind: abandoned}
)";

const char* kPopulation =
    "population: {customers: 6000, periods: 3, seed: 17, discount_rate: 0.01, "
    "customer_base: 100000, currency: EUR}\n";

// Three candidate fixes; `help_fix` also renormalizes a map nobody else touches.
const char* kCandidates = R"(  pay_fix:
    changes:
      - {set: pay.friction, scale: 0.5}
    investment: {once: 20000}
  browse_fix:
    changes:
      - {set: browse.friction, value: 0.1}
    investment: {once: 5000, per_period: 1000}
  help_fix:
    changes:
      - {set: help.friction, scale: 0.6}
      - {set: help.next.friction.help, value: 0.1, renormalize: true}
    investment: {once: 12000}
)";

std::string portfolio_scenario(const std::string& extra = "", const std::string& portfolio_extra = "") {
  return std::string("scenario: p\njourney: journey.yaml\n") + kPopulation + "variants:\n" + kCandidates + extra +
         "portfolio:\n  candidates: [pay_fix, browse_fix, help_fix]\n  budget: 30000\n" + portfolio_extra;
}

// The same seven combinations written by hand as ordinary variants.
std::string hand_scenario() {
  std::string s = std::string("scenario: h\njourney: journey.yaml\n") + kPopulation + "variants:\n" + kCandidates;
  s += R"(  pay_browse:
    changes:
      - {set: pay.friction, scale: 0.5}
      - {set: browse.friction, value: 0.1}
    investment: {once: 25000, per_period: 1000}
  pay_help:
    changes:
      - {set: pay.friction, scale: 0.5}
      - {set: help.friction, scale: 0.6}
      - {set: help.next.friction.help, value: 0.1, renormalize: true}
    investment: {once: 32000}
  browse_help:
    changes:
      - {set: browse.friction, value: 0.1}
      - {set: help.friction, scale: 0.6}
      - {set: help.next.friction.help, value: 0.1, renormalize: true}
    investment: {once: 17000, per_period: 1000}
  all_three:
    changes:
      - {set: pay.friction, scale: 0.5}
      - {set: browse.friction, value: 0.1}
      - {set: help.friction, scale: 0.6}
      - {set: help.next.friction.help, value: 0.1, renormalize: true}
    investment: {once: 37000, per_period: 1000}
)";
  return s;
}

app::RunPlan plan_of(const std::string& path) {
  app::RunOverrides o;
  o.threads = 2;
  o.chunk_size = 1000;
  return app::plan_from_file(path, o, "test");
}

core::Diagnostics check(const TempDir& d, const std::string& scenario_text) {
  core::Diagnostics diags;
  scenario::check_scenario_file(d.write("s.yaml", scenario_text), diags);
  return diags;
}

const core::Diagnostic* find_error(const core::Diagnostics& diags, const std::string& key) {
  for (const auto& it : diags.items())
    if (it.severity == core::Severity::error && it.key_path == key) return &it;
  return nullptr;
}

}  // namespace

TEST(Portfolio, SameBitsAsHandWrittenVariantsAndTheSameBest) {
  TempDir d{"cxsim_portfolio"};
  d.write("journey.yaml", kJourney);
  app::RunPlan pp = plan_of(d.write("p.yaml", portfolio_scenario()));
  app::RunPlan hp = plan_of(d.write("h.yaml", hand_scenario()));
  ASSERT_EQ(pp.portfolio.names.size(), 7u);
  const auto pr = app::execute(pp, {});
  const auto hr = app::execute(hp, {});
  const app::PortfolioResult res = app::portfolio_result(pp, pr);
  // Combination name -> the hand-written variant.
  const std::vector<std::pair<std::string, std::string>> twins = {{"pay_fix", "pay_fix"},
                                                                  {"browse_fix", "browse_fix"},
                                                                  {"help_fix", "help_fix"},
                                                                  {"pay_fix+browse_fix", "pay_browse"},
                                                                  {"pay_fix+help_fix", "pay_help"},
                                                                  {"browse_fix+help_fix", "browse_help"},
                                                                  {"pay_fix+browse_fix+help_fix", "all_three"}};
  std::string best_hand;
  double best_value = 0.0;
  for (const auto& [combo, hand] : twins) {
    const auto ci = std::find(pp.portfolio.names.begin(), pp.portfolio.names.end(), combo) - pp.portfolio.names.begin();
    ASSERT_LT(static_cast<std::size_t>(ci), pp.portfolio.names.size()) << combo;
    const std::size_t pv = pp.portfolio.variant_index[static_cast<std::size_t>(ci)];
    std::size_t hv = 0;
    for (std::size_t v = 0; v < hp.variants.size(); ++v)
      if (hp.variants[v].name == hand) hv = v;
    ASSERT_GT(hv, 0u);
    // The simulated sums are bit-identical.
    const auto a = pr.variants[pv].headline.raw_sums(), b = hr.variants[hv].headline.raw_sums();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << combo << " component " << i;
    // And so is the objective the portfolio reports.
    const auto money = engine::money_tables(hp.variants[hv], hp.variants[0], hr.paired[hv - 1], hr.settings);
    const auto net = engine::find_metric(money.summary, "net_return");
    EXPECT_EQ(res.objective_value.est[static_cast<std::size_t>(ci)], net.estimate) << combo;
    EXPECT_EQ(res.objective_value.se[static_cast<std::size_t>(ci)], net.se) << combo;
    EXPECT_EQ(res.investment[static_cast<std::size_t>(ci)], money.investment) << combo;
    if (money.investment <= 30000 && net.estimate > best_value) best_hand = combo, best_value = net.estimate;
  }
  EXPECT_EQ(res.best, best_hand);
  EXPECT_EQ(res.search, "exhaustive");
}

TEST(Portfolio, InteractionsFrontierAndProbability) {
  TempDir d{"cxsim_portfolio"};
  d.write("journey.yaml", kJourney);
  app::RunPlan p = plan_of(d.write("p.yaml", portfolio_scenario()));
  const auto r = app::execute(p, {});
  const auto res = app::portfolio_result(p, r);
  ASSERT_EQ(res.pair.size(), 3u);
  auto at = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(res.names.begin(), res.names.end(), name) - res.names.begin());
  };
  for (std::size_t i = 0; i < res.pair.size(); ++i) {
    const double e = res.objective_value.est[at(res.pair[i])] - res.objective_value.est[at(res.first[i])] -
                     res.objective_value.est[at(res.second[i])];
    EXPECT_EQ(res.interaction.est[i], e) << res.pair[i];
    ASSERT_TRUE(std::isfinite(res.interaction.se[i])) << res.pair[i];
    // Paired: far tighter than treating the three estimates as independent.
    const double indep = std::sqrt(std::pow(res.objective_value.se[at(res.pair[i])], 2) +
                                   std::pow(res.objective_value.se[at(res.first[i])], 2) +
                                   std::pow(res.objective_value.se[at(res.second[i])], 2));
    EXPECT_LT(res.interaction.se[i], indep) << res.pair[i];
  }
  // P(best) over the combinations within the budget and "nothing" sums to 1.
  double total = res.nothing_probability;
  for (std::size_t c = 0; c < res.names.size(); ++c) {
    if (res.within_budget[c]) {
      ASSERT_TRUE(std::isfinite(res.p_best[c]));
      total += res.p_best[c];
    } else {
      EXPECT_TRUE(std::isnan(res.p_best[c]));
    }
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  ASSERT_FALSE(res.best.empty());
  EXPECT_EQ(res.best_probability, res.p_best[at(res.best)]);
  // Frontier: no frontier point is dominated by another combination.
  for (std::size_t c = 0; c < res.names.size(); ++c) {
    if (!res.on_frontier[c]) continue;
    for (std::size_t o = 0; o < res.names.size(); ++o)
      EXPECT_FALSE(o != c && res.investment[o] <= res.investment[c] &&
                   res.objective_value.est[o] > res.objective_value.est[c])
          << res.names[o] << " dominates " << res.names[c];
  }
  // The same seed gives the same probabilities (a pure function of the run).
  const auto again = app::portfolio_result(p, r);
  ASSERT_EQ(again.p_best.size(), res.p_best.size());
  for (std::size_t c = 0; c < res.p_best.size(); ++c) {
    if (!std::isnan(res.p_best[c])) {
      EXPECT_EQ(again.p_best[c], res.p_best[c]) << res.names[c];
    }
  }
}

TEST(Portfolio, GreedyBeyondMaxExhaustive) {
  TempDir d{"cxsim_portfolio"};
  d.write("journey.yaml", kJourney);
  app::RunPlan p = plan_of(d.write("p.yaml", portfolio_scenario("", "  max_exhaustive: 2\n")));
  EXPECT_TRUE(p.portfolio.greedy);
  EXPECT_TRUE(p.portfolio.names.empty());
  const auto r = app::execute(p, {});
  const auto res = app::portfolio_result(p, r);
  EXPECT_EQ(res.search, "greedy");
  ASSERT_FALSE(res.greedy_path.empty());
  EXPECT_EQ(res.best, res.greedy_path.back());
  // The singles and, at most, n(n+1)/2 - n combinations of two or more.
  EXPECT_GE(res.names.size(), 3u);
  EXPECT_LE(res.names.size(), 6u);
  // The exhaustive search agrees here (no strong interactions).
  app::RunPlan e = plan_of(d.write("e.yaml", portfolio_scenario()));
  const auto er = app::execute(e, {});
  EXPECT_EQ(app::portfolio_result(e, er).best, res.best);
}

TEST(Portfolio, ConflictingChangesFailAtTheLaterLine) {
  TempDir d{"cxsim_portfolio"};
  d.write("journey.yaml", kJourney);
  const std::string extra = R"(  cheap_pay:
    changes:
      - {set: pay.friction, value: 0.1}
    investment: {once: 1000}
)";
  std::string text = portfolio_scenario(extra);
  text.replace(text.find("help_fix]"), 9, "help_fix, cheap_pay]");
  const auto diags = check(d, text);
  const auto* e = find_error(diags, "variants.cheap_pay.changes[0].set");
  ASSERT_NE(e, nullptr) << diags.format();
  // The later change's line (cheap_pay's change), both candidates named.
  int line = 0, n = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    ++n;
    if (l.find("pay.friction, value: 0.1") != std::string::npos) line = n;
  }
  EXPECT_EQ(e->loc.line, line);
  EXPECT_NE(e->message.find("'pay_fix' and 'cheap_pay' conflict"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("pay.friction"), std::string::npos) << e->message;
  EXPECT_THROW(plan_of(d.write("c.yaml", text)), core::InputError);

  // A renormalized map against a change of one of its entries conflicts too.
  scenario::Change whole{"help.next.friction.help", scenario::Change::Op::value, 0.1, true, {}};
  scenario::Change entry{"help.next.friction.left", scenario::Change::Op::value, 0.5, false, {}};
  scenario::Change other{"help.next.ok.solved", scenario::Change::Op::value, 0.5, true, {}};
  EXPECT_TRUE(scenario::change_conflict(whole, entry).has_value());
  EXPECT_FALSE(scenario::change_conflict(whole, other).has_value());
  scenario::Change seg{"segments.loyal.overrides.pay.friction", scenario::Change::Op::value, 0.1, false, {}};
  scenario::Change base{"pay.friction", scenario::Change::Op::scale, 0.5, false, {}};
  EXPECT_FALSE(scenario::change_conflict(seg, base).has_value());  // different segments' parameters
  base.all_segments = true;
  EXPECT_TRUE(scenario::change_conflict(seg, base).has_value());
}

TEST(Portfolio, BadInputExitsTwoWithTheKeyPath) {
  TempDir d{"cxsim_portfolio"};
  d.write("journey.yaml", kJourney);
  // A budget below every candidate's investment.
  {
    std::string text = portfolio_scenario();
    text.replace(text.find("budget: 30000"), 13, "budget: 4000");
    const auto diags = check(d, text);
    const auto* e = find_error(diags, "portfolio.budget");
    ASSERT_NE(e, nullptr) << diags.format();
    EXPECT_GT(e->loc.line, 0);
    EXPECT_NE(e->message.find("below every candidate"), std::string::npos) << e->message;
    EXPECT_NE(e->message.find("'browse_fix'"), std::string::npos) << e->message;  // the cheapest
  }
  // An investment on a variant that is not a candidate.
  {
    const std::string extra =
        "  other:\n    changes:\n      - {set: browse.friction, value: 0.05}\n"
        "    investment: {once: 10}\n";
    const auto diags = check(d, portfolio_scenario(extra));
    const auto* e = find_error(diags, "variants.other.investment");
    ASSERT_NE(e, nullptr) << diags.format();
    EXPECT_NE(e->message.find("not a portfolio candidate"), std::string::npos) << e->message;
  }
  // An unknown candidate (did you mean) and a candidate without an investment.
  {
    std::string text = portfolio_scenario("  free:\n    changes:\n      - {set: help.cost, value: 5}\n");
    text.replace(text.find("[pay_fix,"), 9, "[pay_fx, free,");
    const auto diags = check(d, text);
    const auto* e = find_error(diags, "portfolio.candidates[0]");
    ASSERT_NE(e, nullptr) << diags.format();
    EXPECT_EQ(e->suggestion, "pay_fix");
    const auto* f = find_error(diags, "portfolio.candidates[1]");
    ASSERT_NE(f, nullptr) << diags.format();
    EXPECT_NE(f->message.find("declares no investment"), std::string::npos) << f->message;
  }
  // An unknown objective.
  {
    const auto diags = check(d, portfolio_scenario("", "  objective: net_retrun\n"));
    const auto* e = find_error(diags, "portfolio.objective");
    ASSERT_NE(e, nullptr) << diags.format();
    EXPECT_EQ(e->suggestion, "net_return");
  }
}

TEST(Portfolio, ObjectivesOtherThanNetReturn) {
  TempDir d{"cxsim_portfolio"};
  d.write("journey.yaml", kJourney);
  for (const char* obj : {"delta_nps", "delta_retention"}) {
    const std::string path = d.write("p.yaml", portfolio_scenario("", std::string("  objective: ") + obj + "\n"));
    app::RunPlan p = plan_of(path);
    const auto r = app::execute(p, {});
    const auto res = app::portfolio_result(p, r);
    // The comparison tables of the combinations, from a run with full accumulators.
    app::RunPlan f = plan_of(path);
    for (auto& v : f.variants) v.lean = false;
    const auto fr = app::execute(f, {});
    const std::string metric = std::string(obj) == "delta_nps" ? "nps_true" : "retention_final";
    for (std::size_t c = 0; c < res.names.size(); ++c) {
      const std::size_t v = p.portfolio.variant_index[c];
      const auto cmp = engine::comparison_table(f.variants[v], f.variants[0], fr.paired[v - 1], fr.variants[v],
                                                fr.variants[0], fr.settings);
      EXPECT_EQ(res.objective_value.est[c], engine::find_metric(cmp, metric).estimate) << obj << " " << res.names[c];
    }
    for (std::size_t i = 0; i < res.pair.size(); ++i) EXPECT_TRUE(std::isfinite(res.interaction.se[i])) << obj;
  }
}

namespace {

// Bit equality that treats two NaNs with the same bits as equal.
void expect_same_bits(const std::vector<double>& a, const std::vector<double>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a[i]), std::bit_cast<std::uint64_t>(b[i])) << what << " [" << i << "]";
}
void expect_same_bits(std::span<const double> a, std::span<const double> b, const std::string& what) {
  expect_same_bits(std::vector<double>(a.begin(), a.end()), std::vector<double>(b.begin(), b.end()), what);
}
void expect_same_columns(const engine::EstimateColumns& a, const engine::EstimateColumns& b, const std::string& what) {
  expect_same_bits(a.est, b.est, what + " estimate");
  expect_same_bits(a.se, b.se, what + " se");
  expect_same_bits(a.lo, b.lo, what + " ci_low");
  expect_same_bits(a.hi, b.hi, what + " ci_high");
}

// A plan's run, lean as planned and with every variant forced to full
// accumulators: the portfolio and every moment it reads agree bit for bit.
void check_lean_against_full(const std::string& path, const std::string& what) {
  app::RunPlan lean = plan_of(path);
  app::RunPlan full = plan_of(path);
  // The variants the user wrote are full, the combinations beyond them lean.
  ASSERT_GT(lean.variants.size(), lean.named) << what;
  for (std::size_t v = 0; v < lean.variants.size(); ++v) EXPECT_EQ(lean.variants[v].lean, v >= lean.named) << what;
  for (auto& v : full.variants) v.lean = false;
  const auto lr = app::execute(lean, {});
  const auto fr = app::execute(full, {});
  ASSERT_EQ(lr.variants.size(), fr.variants.size());
  for (std::size_t v = 0; v < lr.variants.size(); ++v) {
    const std::string at = what + " variant " + lean.variants[v].name;
    const bool is_lean = v >= lean.named;
    const auto& pairs = lean.variants[v].lean_pairs;
    const int k = engine::headline_size(lean.variants[0].model);
    EXPECT_EQ(lr.variants[v].headline.count(), fr.variants[v].headline.count()) << at;
    expect_same_bits(lr.variants[v].headline.raw_sums(), fr.variants[v].headline.raw_sums(), at + " sums");
    if (!is_lean) {
      expect_same_bits(lr.variants[v].headline.raw_cross(), fr.variants[v].headline.raw_cross(), at + " cross");
    } else {
      // Lean: fewer cross products, the kept ones the same bits.
      EXPECT_LT(lr.variants[v].headline.raw_cross().size(), fr.variants[v].headline.raw_cross().size()) << at;
      for (const auto& [i, j] : pairs) {
        if (j < k) {
          EXPECT_EQ(std::bit_cast<std::uint64_t>(lr.variants[v].headline.covariance(i, j)),
                    std::bit_cast<std::uint64_t>(fr.variants[v].headline.covariance(i, j)))
              << at << " pair " << i << "," << j;
        }
      }
    }
    for (std::size_t g = 0; g < lr.variants[v].segment_headline.size(); ++g)
      expect_same_bits(lr.variants[v].segment_headline[g].raw_sums(), fr.variants[v].segment_headline[g].raw_sums(),
                       at + " segment sums");
    if (v == 0) continue;
    const auto& lp = lr.paired[v - 1];
    const auto& fp = fr.paired[v - 1];
    expect_same_bits(lp.joint.raw_sums(), fp.joint.raw_sums(), at + " paired sums");
    if (!is_lean) {
      EXPECT_TRUE(pairs.empty()) << at;
      expect_same_bits(lp.joint.raw_cross(), fp.joint.raw_cross(), at + " paired cross");
    } else {
      ASSERT_FALSE(pairs.empty()) << at;
      EXPECT_LT(lp.joint.raw_cross().size(), fp.joint.raw_cross().size()) << at;
      for (const auto& [i, j] : pairs)
        EXPECT_EQ(std::bit_cast<std::uint64_t>(lp.joint.covariance(i, j)),
                  std::bit_cast<std::uint64_t>(fp.joint.covariance(i, j)))
            << at << " paired pair " << i << "," << j;
    }
    expect_same_bits(lp.cum_net_delta, fp.cum_net_delta, at + " money");
    expect_same_bits(lp.cum_net_delta_sq, fp.cum_net_delta_sq, at + " money squares");
    if (is_lean) {
      // Lean indeed: nothing but the moments was accumulated.
      EXPECT_TRUE(lr.variants[v].lean) << at;
      EXPECT_EQ(lr.variants[v].paths.total(), 0u) << at;
      EXPECT_EQ(lr.variants[v].time_hist.count(), 0.0) << at;
      EXPECT_GT(fr.variants[v].paths.total(), 0u) << at;
      EXPECT_THROW(engine::variant_tables(lean.variants[v], lr.variants[v]), core::RuntimeError) << at;
    }
  }
  ASSERT_TRUE(lr.cross && fr.cross) << what;
  expect_same_bits(lr.cross->raw_sums(), fr.cross->raw_sums(), what + " cross moments");
  expect_same_bits(lr.cross->raw_cross(), fr.cross->raw_cross(), what + " cross products");
  // The /portfolio tables and attributes.
  const auto a = app::portfolio_result(lean, lr), b = app::portfolio_result(full, fr);
  EXPECT_EQ(a.names, b.names) << what;
  EXPECT_EQ(a.size, b.size) << what;
  expect_same_bits(a.investment, b.investment, what + " investment");
  expect_same_columns(a.objective_value, b.objective_value, what + " objective");
  EXPECT_EQ(a.within_budget, b.within_budget) << what;
  EXPECT_EQ(a.on_frontier, b.on_frontier) << what;
  expect_same_bits(a.p_best, b.p_best, what + " p_best");
  EXPECT_EQ(a.best, b.best) << what;
  expect_same_bits({a.best_probability, a.nothing_probability}, {b.best_probability, b.nothing_probability},
                   what + " probabilities");
  EXPECT_EQ(a.pair, b.pair) << what;
  expect_same_columns(a.interaction, b.interaction, what + " interactions");
  EXPECT_EQ(a.greedy_path, b.greedy_path) << what;
}

}  // namespace

// Lean combinations (Variant::lean): the portfolio is bit-identical to the
// one computed from full accumulators, for every objective, and on a
// journey with segments (per-segment moments merged into
// the pooled ones).
TEST(Portfolio, LeanCombinationsGiveTheSameBitsAsFullOnes) {
  TempDir d;
  d.write("journey.yaml", kJourney);
  check_lean_against_full(d.write("p.yaml", portfolio_scenario()), "net_return");
  for (const char* obj : {"delta_nps", "delta_retention"})
    check_lean_against_full(
        d.write(std::string(obj) + ".yaml", portfolio_scenario("", std::string("  objective: ") + obj + "\n")), obj);
  // The shipped example: the retail journey (two segments, a recovery program).
  std::string text;
  {
    std::ifstream in(fs::path(CXSIM_SOURCE_DIR) / "scenarios/portfolio.yaml");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  ASSERT_NE(text.find("customers: 100000"), std::string::npos);
  text.replace(text.find("customers: 100000"), 17, "customers: 3000");
  text.replace(text.find("../journeys/retail.yaml"), 23,
               (fs::path(CXSIM_SOURCE_DIR) / "journeys/retail.yaml").string());
  check_lean_against_full(d.write("retail.yaml", text), "retail");
}

// P(best) draws its normals from the project's Philox streams (rng::Stream,
// purpose portfolio_best, draw d in the customer field): with one
// combination within the budget, P(best) is the share of draws d whose first
// Box–Muller normal z_d puts estimate + SE·z_d above 0 (funding nothing).
TEST(Portfolio, ProbabilityOfBestDrawsFromPhiloxStreams) {
  TempDir d;
  d.write("journey.yaml", kJourney);
  // Budget 8000: only browse_fix (5000 once + 1000 per period, discounted) fits.
  std::string text = portfolio_scenario();
  text.replace(text.find("budget: 30000"), 13, "budget: 8000");
  text.replace(text.find("customers: 6000"), 15, "customers: 1500");
  // A customer base at which browse_fix about breaks even, so that P(best)
  // is far from 0 and 1 and the draws decide it.
  {
    app::RunPlan p0 = plan_of(d.write("p0.yaml", text));
    const auto r0 = app::execute(p0, {});
    const auto res0 = app::portfolio_result(p0, r0);
    const std::size_t c =
        static_cast<std::size_t>(std::find(res0.names.begin(), res0.names.end(), "browse_fix") - res0.names.begin());
    ASSERT_LT(c, res0.names.size());
    const double per_customer = (res0.objective_value.est[c] + res0.investment[c]) / 100000.0;
    ASSERT_GT(per_customer, 0.0);
    text.replace(text.find("customer_base: 100000"), 21,
                 "customer_base: " + std::to_string(std::llround(res0.investment[c] / per_customer)));
  }
  app::RunPlan p = plan_of(d.write("p.yaml", text));
  const auto r = app::execute(p, {});
  const auto res = app::portfolio_result(p, r);
  std::size_t in = res.names.size(), count = 0;
  for (std::size_t c = 0; c < res.names.size(); ++c)
    if (res.within_budget[c]) in = c, ++count;
  ASSERT_EQ(count, 1u);
  ASSERT_EQ(res.names[in], "browse_fix");
  const double est = res.objective_value.est[in];
  // Its variance from the cross moments of the net value (delta method, as
  // portfolio_result sums it: combination c is cross index c + 1; B the base).
  ASSERT_TRUE(r.cross.has_value());
  const int j = static_cast<int>(in) + 1;
  const double base = engine::customer_base(r.settings);
  const std::pair<int, double> g[2] = {{j, base}, {0, -base}};
  double sum = 0;
  for (const auto& [a, ga] : g)
    for (const auto& [b, gb] : g) sum += ga * gb * r.cross->covariance(a, b);
  const double sd = std::sqrt(std::max(0.0, sum / static_cast<double>(r.cross->count())));
  ASSERT_GT(sd, 0.0);
  double wins = 0;
  for (std::uint64_t k = 0; k < res.draws; ++k) {
    rng::Stream s(r.settings.seed, rng::Purpose::portfolio_best, k);
    if (est + sd * rng::standard_normal_pair(s).first > 0) wins += 1.0;
  }
  const double draws = static_cast<double>(res.draws);
  ASSERT_EQ(draws, 20000.0);
  // Not a certainty either way, so the draws decide it.
  ASSERT_GT(wins / draws, 0.01);
  ASSERT_LT(wins / draws, 0.99);
  EXPECT_EQ(res.p_best[in], wins / draws);
  EXPECT_EQ(res.nothing_probability, (draws - wins) / draws);
}
