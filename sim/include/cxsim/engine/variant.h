#pragma once
// What one run simulates: named variants of a compiled model (the first is
// the baseline) and the run settings shared by all of them.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cxsim/model/compiled_model.h"

namespace cxsim::engine {

// Closed-loop recovery (docs/model.md section 7): when a walk first meets the
// trigger (checked after each visit's updates and its next-node draw), the
// customer is reached with probability `reach` (each reached customer costs
// `cost`), and a reached customer's recovery succeeds with probability
// `success`, adding `satisfaction` to S and, with `reroute`, taking the
// customer to that touchpoint instead of the drawn next node. At most once
// per walk. Targeted triggers (MODEL.md section 11): `at` (a friction visit
// at a touchpoint), `wait_above` (a visit there lasting more than x),
// `outcome_kind` (the node drawn is an outcome of that kind).
struct RecoveryProgram {
  enum class Trigger { satisfaction_below, frictions_at_least, at, wait_above, outcome_kind };
  static constexpr std::uint32_t kNone = 0xffffffffu;
  Trigger trigger = Trigger::satisfaction_below;
  double threshold = 0.0;         // satisfaction_below: x; frictions_at_least: k; wait_above: x
  std::uint32_t at = kNone;       // at, wait_above: the touchpoint's index
  std::uint32_t kind = kNone;     // outcome_kind: the kind's index
  std::uint32_t reroute = kNone;  // the touchpoint a success takes the customer to; kNone: no reroute
  // As written in the scenario (resolved against the variant's journey by
  // scenario::resolve_recovery, which sets the indices above).
  std::string at_id, kind_name, reroute_id;
  core::SourceLoc at_loc, kind_loc, reroute_loc;
  double reach = 1.0;
  double success = 1.0;
  double satisfaction = 0.0;
  double cost = 0.0;
  // Uncertainty (docs/methods/uncertainty.md): Beta(a, b) counts of reach and
  // of success, {0, 0} for a point value (then the value above is used in every
  // parameter draw); the estimates above are what a run without --uncertainty
  // uses. draw_slot: the variant's index in the scenario file, which fixes the
  // stream of its draws (scenario::draw_recovery); path: its key path.
  std::array<double, 2> reach_beta{0.0, 0.0};
  std::array<double, 2> success_beta{0.0, 0.0};
  std::uint32_t draw_slot = 0;
  std::string path;
  bool uncertain() const { return reach_beta[0] > 0 || success_beta[0] > 0; }
};

// What making a variant's change costs the company, outside any customer's
// cost (docs/model.md section 12): once at the start (t = 0, undiscounted)
// and at the start of each period t = 1..P, discounted by 1/(1+d)^(t-1) like
// the customers' value and cost.
struct Investment {
  double once = 0.0;
  double per_period = 0.0;
};

struct QueueTables;  // engine/queue.h

struct Variant {
  std::string name;  // "baseline" for the journey as written
  std::string description;
  model::CompiledModel model;
  std::optional<RecoveryProgram> recovery;
  std::optional<Investment> investment = std::nullopt;  // investment: {once, per_period} in a scenario
  // The solved queues (engine/queue.h) when the model has `capacity`; the
  // runner solves them before simulating (with_queues). Null: not solved.
  std::shared_ptr<const QueueTables> queues = nullptr;
  // Lean accumulation (a portfolio combination the user did not write,
  // docs/methods/portfolio.md): the run keeps only the headline moments
  // (pooled and per segment), the paired moments and money sums against the
  // baseline, the per-period counts and the segment counts — what the
  // portfolio's objective, budget and P(best) read. No histograms, time
  // quantiles, touchpoint/channel/outcome tables, walk counts or path sketch:
  // variant_tables and comparison_table refuse such an accumulator. The run
  // plan chooses it per variant; the statistics it keeps are bit-identical to
  // those of a full run.
  bool lean = false;
  // A lean variant's cross products: pairs (i, j) of the joint vector
  // [x_variant, x_baseline] (0 <= i <= j < 2k) its paired accumulator keeps
  // (those of the statistics read from it); its own headline accumulator
  // keeps those with j < k. Not empty when lean. Sums are kept for every
  // component either way, and a kept pair's products are those of a full run
  // (stats/moments.h: each pair is its own slot).
  std::vector<std::pair<int, int>> lean_pairs = {};
};

struct RunSettings {
  std::uint64_t customers = 10000;
  int periods = 1;
  std::uint64_t seed = 1;
  double discount_rate = 0.0;
  int threads = 1;
  // Customers per chunk. Fixed, independent of threads: chunks are the unit
  // of work and of the reduction order, so results do not depend on threads.
  std::uint64_t chunk_size = 4096;
  std::size_t path_capacity = 4096;  // heavy-hitters sketch size per chunk and merged
  std::size_t path_max_length = 64;  // longer paths are recorded truncated (marked)
  // Money labels (docs/model.md section 12); they change no simulated number.
  std::string currency;      // population.currency; empty: unnamed units
  double customer_base = 0;  // population.customer_base; 0: the simulated population
};

}  // namespace cxsim::engine
