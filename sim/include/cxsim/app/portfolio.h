#pragma once
// Portfolios of fixes (docs/model.md section 15, docs/methods/portfolio.md):
// planning the combinations as variants, the greedy search beyond the
// exhaustive limit, and the /portfolio tables.
#include <string>
#include <vector>

#include "cxsim/app/run_plan.h"
#include "cxsim/core/json.h"
#include "cxsim/engine/results_file.h"
#include "cxsim/engine/runner.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/table.h"
#include "cxsim/scenario/scenario_loader.h"

namespace cxsim::app {

// Adds the portfolio's combinations to the plan (exhaustive: every one; greedy:
// the single candidates, the rest chosen by search_portfolio) and asks the
// run for the cross moments of the objective's per-customer scores.
void plan_portfolio(RunPlan& plan, const scenario::LoadedScenario& ls);

// Greedy forward selection (more candidates than max_exhaustive): from the
// empty set, each step runs the current set plus each remaining candidate
// that keeps within the budget (common random numbers, the plan's settings)
// and keeps the best by the objective's point estimate; stops when no
// addition improves it. The combinations evaluated become plan variants.
// No-op for an exhaustive portfolio.
void search_portfolio(RunPlan& plan, const engine::RunHooks& hooks);

// The results of a portfolio run.
struct PortfolioResult {
  std::string objective, unit;
  double budget = 0;  // NaN: no budget
  std::vector<std::string> names;
  std::vector<std::int64_t> size;
  std::vector<double> investment;
  engine::EstimateColumns objective_value;
  std::vector<std::int64_t> within_budget, on_frontier;
  std::vector<double> p_best;  // NaN outside the budget
  std::string best;            // "" : funding nothing is best
  double best_probability = 0, nothing_probability = 0;
  std::uint64_t draws = 0;
  std::string method;
  // Pairs of candidates: pair effect − the two single effects.
  std::vector<std::string> pair, first, second;
  engine::EstimateColumns interaction;
  std::string search;  // "exhaustive" or "greedy"
  std::vector<std::string> greedy_path;
};

PortfolioResult portfolio_result(const RunPlan& plan, const engine::RunResult& r);

// /portfolio (docs/results-format.md): combinations, interactions, attributes.
void write_portfolio(engine::ResultsWriter& writer, const RunPlan& plan, const engine::RunResult& r);

// The same read back from a results file's /portfolio group (cxsim inspect).
PortfolioResult read_portfolio(const io::Group& g);

// Text and JSON summaries (cxsim run; cxsim inspect reads the file's tables).
std::string portfolio_text(const PortfolioResult& p);
// Writes the summary as one JSON object value (after a key, or in an array).
void portfolio_json(const PortfolioResult& p, core::JsonWriter& w);

}  // namespace cxsim::app
