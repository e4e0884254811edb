#pragma once
// The per-customer kernel: one customer, all periods, one variant (docs/model.md
// sections 2-4). Every draw comes from a counter-based stream keyed by
// (seed, purpose, customer, period, step): see docs/methods/engine.md.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cxsim/engine/accumulators.h"
#include "cxsim/engine/variant.h"

namespace cxsim::engine {

// What one customer did, for the optional per-customer table.
struct CustomerRecord {
  std::uint64_t customer = 0;
  int segment = 0;
  double satisfaction0 = 0;
  double churn_propensity = 0;  // θ (0 when the segment never churns)
  int walks = 0;
  int churned_period = -1;  // period index of the churn draw that ended it, -1 if alive
  double satisfaction_final = 0;
  double clv = 0, cost = 0;
  double effort = 0, time = 0;
  int responses = 0;
  int last_nps = -1;  // true NPS score of the last walk
};

// One active period of one customer, for the optional trajectory table
// (`cxsim run --customer-periods`): one per period the customer was alive at
// the start of (idle periods of engagement included), in period order.
struct PeriodRecord {
  std::uint64_t customer = 0;
  int period = 0;              // 0-based
  bool walked = false;         // false: an idle period (engagement)
  double satisfaction = 0;     // S at the end of the walk; NaN when idle
  int nps = -1;                // true NPS score 0..10; -1 when idle
  int nps_measured = -1;       // the survey answer when the customer responded, else -1
  double value = 0, cost = 0;  // this period's discounted value and cost
  bool churned = false;        // this period's churn draw ended the customer
};

// One event of the simulated event log (calibration format, docs/model.md section 9).
struct EventSink {
  // Called once per visit and once per survey answer; may be empty.
  std::function<void(std::uint64_t customer, int period, int step, std::uint32_t touchpoint, bool friction,
                     double clock, std::uint32_t outcome_or_none)>
      visit;
  std::function<void(std::uint64_t customer, int period, int nps, int csat, int ces)> survey;
  // Called once per customer, before its first visit: its segment index.
  std::function<void(std::uint64_t customer, int segment)> customer;
};

// Scratch space reused across customers (no allocation per customer).
class CustomerScratch {
 public:
  explicit CustomerScratch(const model::CompiledModel& m, int periods);
  std::vector<double> x;  // headline vector, headline_size(m)
  std::vector<double> tp_visits, tp_frictions, tp_sat;
  std::vector<std::uint64_t> tp_touched;  // bitset: touchpoints visited by this customer
  std::vector<double> ch_visits, ch_frictions, ch_switches;
  std::vector<double> oc_count;
  std::vector<std::uint16_t> path;
  std::vector<double> path_attached;
  std::vector<double> period_net;  // [periods] discounted value − cost in each period (0 after churn)
  int segment = 0;                 // the customer's segment index
};

// Simulates customer `i` under `v`, adds the per-walk and per-customer sums to
// `acc`, and leaves the headline vector in scratch.x (the caller adds it to
// the moment accumulators, so variants can be paired). With two or more
// segments, the period, touchpoint and outcome tallies go to the customer's
// segment's tables only, and VariantAccumulator::finish_chunk must be called
// once after the last customer, before the pooled tables are read or
// merged. With `periods`, one
// PeriodRecord per active period is appended to it (nothing else changes).
void simulate_customer(const Variant& v, const RunSettings& s, std::uint64_t i, VariantAccumulator& acc,
                       CustomerScratch& scratch, CustomerRecord* record = nullptr, const EventSink* events = nullptr,
                       std::vector<PeriodRecord>* periods = nullptr);

}  // namespace cxsim::engine
