// cxsim check: the model simulated on the observed population, every observed
// quantity against its simulated counterpart (docs/methods/check.md).
//
// Inputs are read with the calibrate readers (EventLogReader; the survey,
// cohort and lifetime readers of sim/src/calibrate/sources.cpp), so the
// column aliases, --map, separators and bad-row rules are calibrate's. Both
// sides are reduced to the same counts keyed by name (touchpoint, outcome),
// so a name in the log that the model lacks (or the reverse) still gives rows.
#include "cxsim/check/check.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include "../calibrate/stages.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/json.h"
#include "cxsim/core/strings.h"
#include "cxsim/core/time.h"
#include "cxsim/engine/simulate.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

namespace cxsim::check {

namespace {

constexpr double kZ95 = 1.959963984540054;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kEnd = "(end)";  // the exit of a journey when the log has no outcome column

// What both sides are reduced to.
struct Counts {
  std::map<std::string, double> start;                         // journeys by first touchpoint
  std::map<std::string, double> status_visits, frictions;      // visits with a known status
  std::map<std::string, std::map<std::string, double>> trans;  // src -> next node -> count
  std::map<std::string, double> exits;                         // src -> exits counted in trans
  std::map<std::string, double> outcomes;                      // journeys by outcome (timeout too)
  double journeys = 0, journeys_with_outcome = 0;
  double answers = 0;  // joined survey answers (NPS given)
  double hist[11] = {};
  // Survival: churned[t], censored[t] (sbg.h conventions), t = 0..
  std::vector<double> churned, censored;
  std::map<std::string, double> visits;  // all visits by touchpoint (unknown-name warnings)
  struct Moments {
    double n = 0, mean = 0, m2 = 0, m3 = 0, m4 = 0;
    void add(double x) {
      // One-pass central moments (Pebay 2008): m2..m4 are sums of powers of
      // deviations from the running mean.
      const double n0 = n;
      n += 1;
      const double d = x - mean, dn = d / n, dn2 = dn * dn, t1 = d * dn * n0;
      mean += dn;
      m4 += t1 * dn2 * (n * n - 3 * n + 3) + 6 * dn2 * m2 - 4 * dn * m3;
      m3 += t1 * dn * (n - 2) - 3 * dn * m2;
      m2 += t1;
    }
  } jpc;  // journeys per customer
  // Log of the time from a visit to the next visit of its journey (the
  // visit's duration, queue wait included), in the model's time unit, by
  // source touchpoint and branch as the transitions; gaps <= 0 are counted
  // in zero_gaps and left out.
  std::map<std::string, Moments> log_gap;
  double zero_gaps = 0;
  std::map<std::string, double> channels;  // visits by channel (logs with a channel column)
  double channel_visits = 0;
  // CSAT and CES answers by score, and their moments.
  std::map<int, double> csat_hist, ces_hist;
  Moments csat, ces;

  bool by_status = true;  // transitions (and durations) per ok/friction branch
  std::string branch_key(const std::string& tp, int st) const {
    return !by_status || st == 2 ? tp : tp + (st == 1 ? " (friction)" : " (ok)");
  }
  void walk(const std::vector<std::pair<std::string, int>>& v, const std::string& outcome, bool has_outcome) {
    // v: (touchpoint, status 0 ok, 1 friction, 2 unknown); outcome "" = censored without outcome
    if (v.empty()) return;
    journeys += 1;
    start[v.front().first] += 1;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto& [tp, st] = v[i];
      visits[tp] += 1;
      if (st != 2) {
        status_visits[tp] += 1;
        if (st == 1) frictions[tp] += 1;
      }
      std::string next;
      if (i + 1 < v.size()) next = v[i + 1].first;
      else if (!has_outcome) next = kEnd;
      else if (!outcome.empty() && outcome != "timeout") next = outcome;
      if (next.empty()) continue;  // censored: no exit
      // With statuses the exits are counted per branch, as the model's next
      // maps are: a friction rate that moved then shows in its own row only.
      const std::string src = branch_key(tp, st);
      trans[src][next] += 1;
      exits[src] += 1;
    }
    if (has_outcome && !outcome.empty()) {
      journeys_with_outcome += 1;
      outcomes[outcome] += 1;
    }
  }
  void answer(int score) {
    if (score < 0 || score > 10) return;
    answers += 1;
    hist[score] += 1;
  }
  void answer_scales(int csat_score, int ces_score) {
    if (csat_score >= 0) {
      csat_hist[csat_score] += 1;
      csat.add(csat_score);
    }
    if (ces_score >= 0) {
      ces_hist[ces_score] += 1;
      ces.add(ces_score);
    }
  }
  void gap(const std::string& src, double dt) {
    if (!(dt > 0) || !std::isfinite(dt)) {
      zero_gaps += 1;
      return;
    }
    log_gap[src].add(std::log(dt));
  }
};

Estimate missing() {
  Estimate e;
  e.value = e.se = e.lo = e.hi = kNaN;
  e.n = 0;
  return e;
}

}  // namespace

// ------------------------------------------------------------ maths

Estimate proportion(double x, double n) {
  if (!(n > 0)) return missing();
  Estimate e;
  e.n = n;
  e.value = x / n;
  const double pt = (x + 0.5) / (n + 1.0);
  e.se = std::sqrt(pt * (1 - pt) / n);
  // Wilson score interval.
  const double z2 = kZ95 * kZ95, p = e.value;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = kZ95 * std::sqrt(std::max(0.0, p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  e.lo = std::max(0.0, centre - half);
  e.hi = std::min(1.0, centre + half);
  return e;
}

Estimate nps(double promoters, double detractors, double n) {
  if (!(n > 0)) return missing();
  Estimate e;
  e.n = n;
  e.value = 100.0 * (promoters - detractors) / n;
  const double pp = (promoters + 0.5) / (n + 1.0), pd = (detractors + 0.5) / (n + 1.0);
  e.se = 100.0 * std::sqrt(std::max(0.0, pp + pd - (pp - pd) * (pp - pd)) / n);
  e.lo = std::max(-100.0, e.value - kZ95 * e.se);
  e.hi = std::min(100.0, e.value + kZ95 * e.se);
  return e;
}

std::vector<Estimate> survival(const std::vector<double>& churned, const std::vector<double>& censored, int T) {
  std::vector<Estimate> out;
  const std::size_t L = std::max(churned.size(), censored.size());
  auto at = [](const std::vector<double>& v, std::size_t t) { return t < v.size() ? v[t] : 0.0; };
  // Customers at risk in period t: everyone whose churn or censoring comes at t or later.
  std::vector<double> risk(L + 2, 0.0);
  for (std::size_t t = L; t-- > 0;) risk[t] = risk[t + 1] + at(churned, t) + at(censored, t);
  const double n0 = L > 1 ? risk[1] : 0.0;
  double S = 1, green = 0;
  for (int t = 1; t <= T; ++t) {
    const auto tt = static_cast<std::size_t>(t);
    const double n = tt < risk.size() ? risk[tt] : 0.0;
    if (!(n > 0) || !(n0 > 0)) {
      out.push_back(missing());
      continue;
    }
    const double d = at(churned, tt);
    S *= 1 - d / n;
    // Greenwood; a period where everyone churns gets the continuity term d/(n * 1/2).
    green += d / (n * std::max(n - d, 0.5));
    Estimate e;
    e.n = n;
    e.value = S;
    const Estimate floor = proportion(S * n0, n0);  // the binomial se with continuity (cohorts: exact)
    e.se = std::sqrt(std::max(S * S * green, floor.se * floor.se));
    e.lo = std::max(0.0, S - kZ95 * e.se);
    e.hi = std::min(1.0, S + kZ95 * e.se);
    out.push_back(e);
  }
  return out;
}

Estimate mean(double n, double mean, double m2) {
  if (!(n > 0)) return missing();
  Estimate e;
  e.n = n;
  e.value = mean;
  e.se = n > 1 ? std::sqrt(m2 / (n - 1) / n) : 0.0;
  e.lo = mean - kZ95 * e.se;
  e.hi = mean + kZ95 * e.se;
  return e;
}

Estimate standard_deviation(double n, double m2, double m4) {
  if (!(n > 1)) return missing();
  Estimate e;
  e.n = n;
  e.value = std::sqrt(m2 / (n - 1));
  // Var(s^2) ~ (mu4 - sigma^4)/n (large-sample; any distribution with a
  // fourth moment), then the delta method: se(s) = se(s^2)/(2 s).
  const double s2 = m2 / n, mu4 = m4 / n;
  const double var_s2 = std::max(0.0, mu4 - s2 * s2) / n;
  e.se = e.value > 0 ? std::sqrt(var_s2) / (2 * e.value) : 0.0;
  e.lo = std::max(0.0, e.value - kZ95 * e.se);
  e.hi = e.value + kZ95 * e.se;
  return e;
}

double p_value(double z) {
  if (!std::isfinite(z)) return kNaN;
  return std::erfc(std::fabs(z) / std::sqrt(2.0));
}

double z_score(const Estimate& o, const Estimate& s) {
  const double se = std::sqrt(o.se * o.se + s.se * s.se);
  if (!(se > 0) || !std::isfinite(o.value) || !std::isfinite(s.value)) return kNaN;
  return (o.value - s.value) / se;
}

double bonferroni_threshold(std::size_t m, double alpha) {
  if (m < 1) m = 1;
  const boost::math::normal_distribution<double> n01;
  return boost::math::quantile(boost::math::complement(n01, alpha / (2.0 * static_cast<double>(m))));
}

void decide(CheckResult& r, double alpha) {
  r.tested = 0;
  for (auto& row : r.rows) {
    row.tested = row.observed.n > 0 && row.simulated.n > 0;
    row.z = row.tested ? z_score(row.observed, row.simulated) : kNaN;
    if (!std::isfinite(row.z)) row.tested = false;
    if (row.tested) ++r.tested;
  }
  r.threshold = bonferroni_threshold(r.tested, alpha);
  r.failed = 0;
  for (auto& row : r.rows) {
    row.pass = !row.tested || std::fabs(row.z) <= r.threshold;
    if (!row.pass) ++r.failed;
  }
  r.pass = r.failed == 0;
  // Stable: ties keep the order the rows were built in (metric, then key).
  std::stable_sort(r.rows.begin(), r.rows.end(), [](const Row& a, const Row& b) {
    if (a.tested != b.tested) return a.tested;
    return a.tested && std::fabs(a.z) > std::fabs(b.z);
  });
}

// ------------------------------------------------------------ check

namespace {

void add_rows(CheckResult& r, const Counts& obs, const Counts& sim, bool has_status, bool has_outcome, bool has_surveys,
              bool has_survival, int survival_T, bool has_channel, bool durations, bool has_csat, bool has_ces) {
  auto row = [&](const std::string& metric, const std::string& key, Estimate o, Estimate s) {
    Row x;
    x.metric = metric;
    x.key = key;
    x.observed = o;
    x.simulated = s;
    r.rows.push_back(std::move(x));
  };
  auto get = [](const std::map<std::string, double>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? 0.0 : it->second;
  };
  // Journeys per customer (one walk per period while active: retention).
  row("journeys_per_customer", "mean", mean(obs.jpc.n, obs.jpc.mean, obs.jpc.m2),
      mean(sim.jpc.n, sim.jpc.mean, sim.jpc.m2));
  // Start shares.
  std::set<std::string> starts;
  for (const auto& [k, v] : obs.start) starts.insert(k);
  for (const auto& [k, v] : sim.start) starts.insert(k);
  for (const auto& k : starts)
    row("start", k, proportion(get(obs.start, k), obs.journeys), proportion(get(sim.start, k), sim.journeys));
  // Transitions: per source, each next node seen on either side.
  std::set<std::string> sources;
  for (const auto& [k, v] : obs.trans) sources.insert(k);
  for (const auto& [k, v] : sim.trans) sources.insert(k);
  static const std::map<std::string, double> kEmpty;
  for (const auto& src : sources) {
    const auto oi = obs.trans.find(src), si = sim.trans.find(src);
    const auto& om = oi == obs.trans.end() ? kEmpty : oi->second;
    const auto& sm = si == sim.trans.end() ? kEmpty : si->second;
    std::set<std::string> targets;
    for (const auto& [k, v] : om) targets.insert(k);
    for (const auto& [k, v] : sm) targets.insert(k);
    for (const auto& t : targets)
      row("transition", src + " -> " + t, proportion(get(om, t), get(obs.exits, src)),
          proportion(get(sm, t), get(sim.exits, src)));
  }
  // Friction per touchpoint.
  if (has_status) {
    std::set<std::string> tps;
    for (const auto& [k, v] : obs.status_visits) tps.insert(k);
    for (const auto& [k, v] : sim.status_visits) tps.insert(k);
    for (const auto& k : tps)
      row("friction", k, proportion(get(obs.frictions, k), get(obs.status_visits, k)),
          proportion(get(sim.frictions, k), get(sim.status_visits, k)));
  }
  // Durations: the log of the time to the next visit, mean and sd, per
  // source touchpoint and branch.
  if (durations) {
    std::set<std::string> srcs;
    for (const auto& [k, v] : obs.log_gap) srcs.insert(k);
    for (const auto& [k, v] : sim.log_gap) srcs.insert(k);
    static const Counts::Moments kNone;
    for (const auto& k : srcs) {
      const auto oi = obs.log_gap.find(k), si = sim.log_gap.find(k);
      const auto& om = oi == obs.log_gap.end() ? kNone : oi->second;
      const auto& sm = si == sim.log_gap.end() ? kNone : si->second;
      row("duration_log_mean", k, mean(om.n, om.mean, om.m2), mean(sm.n, sm.mean, sm.m2));
      row("duration_log_sd", k, standard_deviation(om.n, om.m2, om.m4), standard_deviation(sm.n, sm.m2, sm.m4));
    }
  }
  // Channels: shares of the visits.
  if (has_channel) {
    std::set<std::string> chs;
    for (const auto& [k, v] : obs.channels) chs.insert(k);
    for (const auto& [k, v] : sim.channels) chs.insert(k);
    for (const auto& k : chs)
      row("channel", k, proportion(get(obs.channels, k), obs.channel_visits),
          proportion(get(sim.channels, k), sim.channel_visits));
  }
  if (has_outcome) {
    std::set<std::string> ocs;
    for (const auto& [k, v] : obs.outcomes) ocs.insert(k);
    for (const auto& [k, v] : sim.outcomes) ocs.insert(k);
    for (const auto& k : ocs)
      row("outcome", k, proportion(get(obs.outcomes, k), obs.journeys_with_outcome),
          proportion(get(sim.outcomes, k), sim.journeys_with_outcome));
  }
  if (has_surveys) {
    row("response_rate", "answers per journey", proportion(std::min(obs.answers, obs.journeys), obs.journeys),
        proportion(std::min(sim.answers, sim.journeys), sim.journeys));
    auto pd = [](const Counts& c, double& prom, double& det) {
      prom = c.hist[9] + c.hist[10];
      det = 0;
      for (int i = 0; i <= 6; ++i) det += c.hist[i];
    };
    double op, od, sp, sd;
    pd(obs, op, od);
    pd(sim, sp, sd);
    row("nps", "measured", nps(op, od, obs.answers), nps(sp, sd, sim.answers));
    for (int i = 0; i <= 10; ++i)
      row("nps_score", fmt::format("{}", i), proportion(obs.hist[i], obs.answers),
          proportion(sim.hist[i], sim.answers));
    // CSAT and CES: the mean score and the share of each score.
    auto scale = [&](const char* name, bool has, const Counts::Moments& om, const Counts::Moments& sm,
                     const std::map<int, double>& oh, const std::map<int, double>& sh) {
      if (!has) return;
      row(name, "mean", mean(om.n, om.mean, om.m2), mean(sm.n, sm.mean, sm.m2));
      std::set<int> scores;
      for (const auto& [k, v] : oh) scores.insert(k);
      for (const auto& [k, v] : sh) scores.insert(k);
      for (int k : scores) {
        auto at = [k](const std::map<int, double>& h) {
          auto it = h.find(k);
          return it == h.end() ? 0.0 : it->second;
        };
        row(std::string(name) + "_score", fmt::format("{}", k), proportion(at(oh), om.n), proportion(at(sh), sm.n));
      }
    };
    scale("csat", has_csat, obs.csat, sim.csat, obs.csat_hist, sim.csat_hist);
    scale("ces", has_ces, obs.ces, sim.ces, obs.ces_hist, sim.ces_hist);
  }
  if (has_survival) {
    const auto os = survival(obs.churned, obs.censored, survival_T);
    const auto ss = survival(sim.churned, sim.censored, survival_T);
    for (int t = 1; t <= survival_T; ++t)
      row("survival", fmt::format("t={}", t), os[static_cast<std::size_t>(t - 1)], ss[static_cast<std::size_t>(t - 1)]);
  }
}

void warn_unknown(CheckResult& r, const std::string& file, const char* what, const std::map<std::string, double>& seen,
                  const std::vector<std::string>& known) {
  const std::unordered_set<std::string> k(known.begin(), known.end());
  for (const auto& [name, n] : seen) {
    if (name == kEnd || name == "timeout" || k.count(name)) continue;
    const std::string sug = core::did_you_mean(name, known);
    r.warnings.push_back(fmt::format("{}: {} '{}' ({} {}) is not in the model{}; its rows compare with a simulated 0",
                                     file, what, name, static_cast<long long>(n),
                                     std::string(what) == "touchpoint" ? "visits" : "journeys",
                                     sug.empty() ? "" : fmt::format(" (did you mean '{}'?)", sug)));
  }
}

}  // namespace

CheckResult check(const CheckOptions& o) {
  namespace cal = cxsim::calibrate;
  if (!o.lifetimes.empty() && !o.cohorts.empty())
    throw core::InputError("--lifetimes and --cohorts: give one of them, not both");
  if (o.customers_sims < 1) throw core::InputError("--customers-sims must be >= 1");
  if (!(o.alpha > 0 && o.alpha < 1)) throw core::InputError("--alpha must be in (0, 1)");
  CheckResult r;

  // The model.
  const model::LoadedJourney lj = model::load_journey(o.model);
  for (const auto& d : lj.diagnostics.items()) {
    std::string w = d.format();
    while (!w.empty() && w.back() == '\n') w.pop_back();
    r.warnings.push_back(std::move(w));
  }
  {
    std::ifstream in(o.model, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    r.model_yaml = ss.str();
  }
  engine::Variant v;
  v.name = "baseline";
  v.model = model::compile(lj.spec);
  const model::CompiledModel& m = v.model;

  // Readers' options, as calibrate builds them.
  cal::CalibrateOptions co;
  co.events = o.events;
  co.surveys = o.surveys;
  co.lifetimes = o.lifetimes;
  co.cohorts = o.cohorts;
  co.skip_bad_rows = o.skip_bad_rows;
  co.csat_scale = o.csat_scale;
  co.ces_scale = o.ces_scale;
  if (o.max_line_bytes < 64) throw core::InputError("--max-line-bytes must be >= 64");
  cal::CsvOptions csvo;
  csvo.separator = cal::parse_separator(o.separator);
  csvo.max_record_bytes = o.max_line_bytes;
  const cal::ColumnMap map = cal::parse_column_map(o.map);

  std::optional<cal::stages::SurveyData> sv;
  if (!o.surveys.empty()) sv = cal::stages::read_surveys(co, map, csvo);

  // Observed: the event log, with the answers joined as the journeys pass.
  Counts obs;
  cal::EventReadOptions eo;
  eo.csv = csvo;
  eo.map = map;
  eo.skip_bad_rows = o.skip_bad_rows;
  eo.keep_duplicates = o.keep_duplicates;
  eo.lifecycle = cal::parse_lifecycle(o.lifecycle);
  eo.time_format = o.time_format;
  eo.timezone = o.timezone;
  eo.memory_budget_bytes = o.memory_mb << 20;
  eo.tmp_dir = o.tmp_dir;
  cal::EventLogReader reader(o.events, eo);
  std::unordered_map<std::string, double> customers;  // journeys per customer
  std::vector<std::pair<std::string, int>> walk;
  bool has_status = false, has_outcome = false;
  // The reader reports the columns at the end: both views are counted and
  // the one matching the log's columns is kept.
  std::uint64_t unknown_status = 0;
  Counts obs_raw;  // outcome-less view, filled when the log turns out to have no outcome column
  // Timestamps (microseconds) to the model's time unit.
  const core::TimeUnit* unit = core::find_time_unit(m.time_unit);
  if (!unit) unit = core::find_time_unit(core::kDefaultTimeUnit);
  const double us_per_unit = unit->seconds * 1e6;
  const auto st = reader.read([&](const cal::JourneyEvents& j) {
    customers[j.customer] += 1;
    walk.clear();
    std::string outcome;
    for (const auto& e : j.events) {
      const int s = e.status == cal::Status::ok ? 0 : e.status == cal::Status::friction ? 1 : 2;
      if (s == 2) ++unknown_status;
      walk.emplace_back(reader.touchpoints().name(e.touchpoint), s);
      if (e.outcome != cal::kNone) outcome = reader.outcomes().name(e.outcome);
    }
    obs.walk(walk, outcome, true);
    obs_raw.walk(walk, "", false);
    for (Counts* c : {&obs, &obs_raw}) {
      for (std::size_t i = 0; i + 1 < j.events.size(); ++i)
        c->gap(c->branch_key(walk[i].first, walk[i].second),
               static_cast<double>(j.events[i + 1].ts_us - j.events[i].ts_us) / us_per_unit);
      for (const auto& e : j.events)
        if (e.channel != cal::kNone) {
          c->channels[reader.channels().name(e.channel)] += 1;
          c->channel_visits += 1;
        }
    }
    if (sv) {
      auto& answers = sv->answers;
      auto it = answers.find(sv->by_journey ? j.id : j.customer);
      if (it != answers.end()) {
        for (const auto& a : it->second) {
          obs.answer(a.nps);
          obs_raw.answer(a.nps);
          // CSAT and CES of the answers that give an NPS (as the response rate counts them).
          if (a.nps >= 0 && a.nps <= 10) {
            obs.answer_scales(a.csat, a.ces);
            obs_raw.answer_scales(a.csat, a.ces);
          }
        }
        answers.erase(it);
      }
    }
  });
  has_status = st.columns.has(cal::Field::status);
  has_outcome = st.columns.has(cal::Field::outcome);
  if (!has_outcome) {
    obs = std::move(obs_raw);
  }
  r.customers_observed = customers.size();
  r.journeys_observed = st.journeys;
  r.summary += fmt::format("events: {}: {} rows, {} journeys, {} customers{}{}\n", o.events, st.rows, st.journeys,
                           customers.size(), has_status ? "" : " (no status column: no friction rows)",
                           has_outcome ? "" : " (no outcome column: exits pooled as '(end)', no outcome rows)");
  if (st.bad_rows)
    r.warnings.push_back(
        fmt::format("{}: {} bad rows skipped ({})", o.events, st.bad_rows, cal::stages::reasons(st.bad_by_reason)));
  if (st.duplicates) r.summary += fmt::format("  exact duplicate rows dropped (--dedupe): {}\n", st.duplicates);
  if (st.duplicates_kept)
    r.warnings.push_back(
        fmt::format("{}: {} exact duplicate rows kept as events (PM4Py's convention; --dedupe drops them)", o.events,
                    st.duplicates_kept));
  if (has_status && unknown_status)
    r.warnings.push_back(fmt::format("{}: {} visits without a status (ok/friction); left out of the friction rows",
                                     o.events, unknown_status));
  warn_unknown(r, o.events, "touchpoint", obs.visits, m.touchpoint_ids);
  if (has_outcome) warn_unknown(r, o.events, "outcome", obs.outcomes, m.outcome_ids);
  if (sv) {
    std::uint64_t unmatched = 0;
    for (const auto& [k, a] : sv->answers) unmatched += a.size();
    r.summary += fmt::format("surveys: {}: {} rows, {} answers joined by {}\n", o.surveys, sv->rows,
                             static_cast<long long>(obs.answers), sv->join_column);
    if (sv->bad_rows)
      r.warnings.push_back(fmt::format("{}: {} bad rows skipped ({})", o.surveys, sv->bad_rows,
                                       cal::stages::reasons(sv->bad_by_reason)));
    if (unmatched)
      r.warnings.push_back(fmt::format("{}: {} answers name a {} not in the event log; left out", o.surveys, unmatched,
                                       sv->by_journey ? "journey" : "customer"));
    if (obs.answers == 0)
      throw core::InputError(
          fmt::format("{}: no answer matches a journey of {} (joined by '{}')", o.surveys, o.events, sv->join_column));
  }
  int survival_T = 0, horizon = 0;
  const bool has_survival = !o.lifetimes.empty() || !o.cohorts.empty();
  std::string survival_file, survival_kind;
  double survival_customers = 0;
  std::size_t survival_segments = 0;
  if (has_survival) {
    const auto in =
        !o.cohorts.empty() ? cal::stages::read_cohorts(co, map, csvo) : cal::stages::read_lifetimes(co, map, csvo);
    survival_file = !o.cohorts.empty() ? o.cohorts : o.lifetimes;
    survival_kind = !o.cohorts.empty() ? "cohorts" : "lifetimes";
    for (const auto& seg : in.segments) {
      const auto& c = seg.counts;
      if (obs.churned.size() < c.churned.size()) obs.churned.resize(c.churned.size(), 0.0);
      if (obs.censored.size() < c.censored.size()) obs.censored.resize(c.censored.size(), 0.0);
      for (std::size_t t = 0; t < c.churned.size(); ++t) obs.churned[t] += c.churned[t];
      for (std::size_t t = 0; t < c.censored.size(); ++t) obs.censored[t] += c.censored[t];
      survival_customers += seg.customers;
    }
    survival_segments = in.segments.size();
    horizon = static_cast<int>(std::max(obs.churned.size(), obs.censored.size())) - 1;
    if (in.counts.bad_rows)
      r.warnings.push_back(fmt::format("{}: {} bad rows skipped ({})", survival_file, in.counts.bad_rows,
                                       cal::stages::reasons(in.counts.bad_by_reason)));
  }

  // Periods simulated: --periods, else the model's population.periods, else
  // the data's horizon (lifetimes/cohorts), else the most journeys of one
  // customer in the log (one walk per period).
  double most_journeys = 0;
  for (const auto& [k, n] : customers) {
    most_journeys = std::max(most_journeys, n);
    obs.jpc.add(n);
  }
  if (o.periods > 0) {
    r.periods = o.periods;
    r.periods_source = "--periods";
  } else if (lj.spec.population.periods) {
    r.periods = *lj.spec.population.periods;
    r.periods_source = "population.periods of the model";
  } else if (has_survival) {
    r.periods = std::max(1, horizon);
    r.periods_source = "the horizon of the retention data";
  } else {
    r.periods = static_cast<int>(std::min(65535.0, std::max(1.0, most_journeys)));
    r.periods_source = "the most journeys of one customer in the log";
  }
  if (has_survival) {
    survival_T = std::min(horizon, r.periods);
    r.summary += fmt::format("{}: {}: {} customers, {} periods ({} compared){}\n", survival_kind, survival_file,
                             static_cast<long long>(survival_customers), horizon, survival_T,
                             survival_segments > 1 ? ", segments pooled" : "");
    if (horizon > r.periods)
      r.warnings.push_back(fmt::format("{}: periods beyond the {} simulated ({}) are not compared", survival_file,
                                       r.periods, r.periods_source));
  }

  // Simulated: K customers per observed one, the model's periods, a seed of
  // its own (never the streams of a `cxsim run --seed` with the same number).
  engine::RunSettings rs;
  rs.customers = r.customers_observed * o.customers_sims;
  if (rs.customers < 1) throw core::InputError(fmt::format("{}: no customers in the event log", o.events));
  if (rs.customers > static_cast<std::uint64_t>(model::kMaxCustomers))
    throw core::InputError(fmt::format("{} customers x --customers-sims {} is more than 2^40 customers",
                                       r.customers_observed, o.customers_sims));
  rs.periods = r.periods;
  rs.seed = cal::fnv1a64("cxsim check", o.seed ^ 0x9e3779b97f4a7c15ull) & 0x7fffffffffffffffull;
  r.seed_simulation = rs.seed;
  r.customers_simulated = rs.customers;
  // Counted by index while simulating (the hot loop), turned into the
  // name-keyed Counts afterwards.
  const std::size_t T = m.num_touchpoints(), O = m.num_outcomes();
  const std::size_t nodes = T + O + 1;  // touchpoints, outcomes, (end)
  std::vector<double> d_start(T, 0.0), d_visits(T, 0.0), d_fr(T, 0.0), d_oc(O + 1, 0.0);
  std::vector<double> d_trans(2 * T * nodes, 0.0);  // (src, branch) x next node
  double d_journeys = 0, d_with_outcome = 0;
  struct SimVisit {
    std::uint32_t tp;
    bool friction;
    double clock;
  };
  std::vector<SimVisit> sw;
  std::vector<Counts::Moments> d_gap(2 * T);  // (touchpoint, branch): log time to the next visit
  double d_zero_gaps = 0;
  Counts sim;
  sim.by_status = has_status;
  engine::EventSink sink;
  sink.visit = [&](std::uint64_t, int, int, std::uint32_t tp, bool friction, double clock, std::uint32_t outcome) {
    if (outcome == 0xffffffffu) {
      sw.push_back({tp, friction, clock});
      return;
    }
    if (sw.empty()) return;
    const bool timeout = outcome >= O;
    d_journeys += 1;
    d_start[sw.front().tp] += 1;
    for (std::size_t i = 0; i < sw.size(); ++i) {
      const auto [t, fr, clk] = sw[i];
      d_visits[t] += 1;
      if (fr) d_fr[t] += 1;
      std::size_t next;
      if (i + 1 < sw.size()) {
        next = sw[i + 1].tp;
        const double dt = sw[i + 1].clock - clk;
        if (dt > 0) d_gap[2 * t + (fr && has_status ? 1 : 0)].add(std::log(dt));
        else d_zero_gaps += 1;
      } else if (!has_outcome) next = T + O;  // the log cannot tell a timeout from an exit: (end) on both sides
      else if (timeout) continue;             // censored: no exit, as in the log
      else next = T + outcome;
      d_trans[(2 * t + (fr ? 1 : 0)) * nodes + next] += 1;
    }
    if (has_outcome) {
      d_with_outcome += 1;
      d_oc[timeout ? O : outcome] += 1;
    }
    sw.clear();
  };
  sink.survey = [&](std::uint64_t, int, int score, int csat, int ces) {
    sim.answer(score);
    sim.answer_scales(csat, ces);
  };
  engine::CustomerScratch scratch(m, rs.periods);
  sim.churned.assign(static_cast<std::size_t>(rs.periods) + 1, 0.0);
  sim.censored.assign(static_cast<std::size_t>(rs.periods) + 1, 0.0);
  const std::uint64_t block = 4096;
  for (std::uint64_t first = 0; first < rs.customers; first += block) {
    engine::VariantAccumulator acc(m, rs.periods, rs.path_capacity);
    for (std::uint64_t i = first; i < std::min(rs.customers, first + block); ++i) {
      engine::CustomerRecord rec;
      engine::simulate_customer(v, rs, i, acc, scratch, &rec, &sink);
      sim.jpc.add(static_cast<double>(rec.walks));
      if (rec.churned_period >= 0) sim.churned[static_cast<std::size_t>(rec.churned_period) + 1] += 1;
      else sim.censored[static_cast<std::size_t>(rs.periods)] += 1;
    }
  }
  auto node_name = [&](std::size_t n) -> const std::string& {
    static const std::string end = kEnd;
    return n < T ? m.touchpoint_ids[n] : n < T + O ? m.outcome_ids[n - T] : end;
  };
  sim.journeys = d_journeys;
  sim.journeys_with_outcome = d_with_outcome;
  sim.zero_gaps = d_zero_gaps;
  for (std::size_t t = 0; t < T; ++t) {
    const std::string& name = m.touchpoint_ids[t];
    if (d_start[t] > 0) sim.start[name] = d_start[t];
    if (d_visits[t] > 0) {
      sim.channels[m.channels[m.touchpoint_channel[t]]] += d_visits[t];
      sim.channel_visits += d_visits[t];
    }
    for (int b = 0; b < 2; ++b) {
      const auto& g = d_gap[2 * t + static_cast<std::size_t>(b)];
      if (g.n > 0) sim.log_gap[has_status ? name + (b == 1 ? " (friction)" : " (ok)") : name] = g;
    }
    if (d_visits[t] > 0) {
      sim.visits[name] = d_visits[t];
      if (has_status) {
        sim.status_visits[name] = d_visits[t];
        sim.frictions[name] = d_fr[t];
      }
    }
    for (int b = 0; b < 2; ++b) {
      const std::string src = has_status ? name + (b == 1 ? " (friction)" : " (ok)") : name;
      for (std::size_t n = 0; n < nodes; ++n) {
        const double c = d_trans[(2 * t + static_cast<std::size_t>(b)) * nodes + n];
        if (c <= 0) continue;
        sim.trans[src][node_name(n)] += c;
        sim.exits[src] += c;
      }
    }
  }
  if (has_outcome)
    for (std::size_t k = 0; k <= O; ++k)
      if (d_oc[k] > 0) sim.outcomes[k < O ? m.outcome_ids[k] : std::string("timeout")] = d_oc[k];
  r.walks_simulated = static_cast<std::uint64_t>(sim.journeys);
  r.summary +=
      fmt::format("simulated: {} customers ({} per observed customer), {} periods ({}), {} walks (engine seed {})\n",
                  rs.customers, o.customers_sims, rs.periods, r.periods_source, r.walks_simulated, rs.seed);

  const bool has_channel = st.columns.has(cal::Field::channel);
  const bool has_csat = sv && sv->has_csat, has_ces = sv && sv->has_ces;
  if (o.durations && obs.zero_gaps > 0)
    r.warnings.push_back(fmt::format(
        "{}: {} visits are followed by a visit at the same time (or earlier); left out of the duration rows", o.events,
        static_cast<long long>(obs.zero_gaps)));
  auto scale_warning = [&](const char* name, bool has, const model::CompiledScale& sc, int scale) {
    if (!has) return;
    if (!sc.present)
      r.warnings.push_back(fmt::format("{}: the answers give {} but the model has no survey.{}: its rows are untested",
                                       o.surveys, name, name));
    else if (sc.categories != scale)
      r.warnings.push_back(fmt::format("{}: {} on a 1..{} scale (--{}-scale) but the model's is 1..{}", o.surveys, name,
                                       scale, name, sc.categories));
  };
  scale_warning("csat", has_csat, m.csat, o.csat_scale);
  scale_warning("ces", has_ces, m.ces, o.ces_scale);
  add_rows(r, obs, sim, has_status, has_outcome, sv.has_value(), has_survival, survival_T, has_channel, o.durations,
           has_csat, has_ces);
  decide(r, o.alpha);
  return r;
}

std::string format_table(const CheckResult& r, std::size_t top) {
  std::string s;
  auto num = [](double x, bool pct) -> std::string {
    if (!std::isfinite(x)) return "-";
    return pct ? fmt::format("{:.4f}", x) : fmt::format("{:.2f}", x);
  };
  s += fmt::format("{:<21} {:<44} {:>28} {:>28} {:>8}  {}\n", "metric", "key", "observed [95% CI]",
                   "simulated [95% CI]", "z", "result");
  const std::size_t n = top == 0 ? r.rows.size() : std::min(top, r.rows.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Row& x = r.rows[i];
    const bool pct = x.metric != "nps";
    auto side = [&](const Estimate& e) {
      if (!(e.n > 0)) return std::string("- (n 0)");
      return fmt::format("{} [{}, {}]", num(e.value, pct), num(e.lo, pct), num(e.hi, pct));
    };
    s += fmt::format("{:<21} {:<44} {:>28} {:>28} {:>8}  {}\n", x.metric,
                     x.key.size() <= 44 ? x.key : x.key.substr(0, 41) + "...", side(x.observed), side(x.simulated),
                     x.tested ? fmt::format("{:.2f}", x.z) : std::string("-"),
                     !x.tested ? "untested"
                     : x.pass  ? "pass"
                               : "FAIL");
  }
  if (n < r.rows.size()) s += fmt::format("... {} more rows (--all shows every row)\n", r.rows.size() - n);
  s += fmt::format(
      "{} rows, {} tested, {} failed (Bonferroni: |z| > {:.2f} fails, family-wise alpha over {} rows): {}\n",
      r.rows.size(), r.tested, r.failed, r.threshold, r.tested, r.pass ? "PASS" : "FAIL");
  return s;
}

const char* statistic_of(const std::string& metric) {
  if (metric == "journeys_per_customer" || metric == "csat" || metric == "ces") return "mean";
  if (metric == "duration_log_mean") return "log-duration mean";
  if (metric == "duration_log_sd") return "log-duration sd";
  if (metric == "nps") return "nps";
  if (metric == "survival") return "kaplan-meier survival";
  return "share";
}

std::string format_json(const CheckResult& r, const CheckOptions& o) {
  core::JsonWriter j;
  auto est = [&](const char* name, const Estimate& e) {
    j.key(name).begin_object();
    j.key("value").value(e.value).key("se").value(e.se).key("lo").value(e.lo).key("hi").value(e.hi);
    j.key("n").value(e.n);
    j.end_object();
  };
  j.begin_object();
  j.key("model").value(o.model).key("events").value(o.events);
  j.key("surveys").value(o.surveys).key("lifetimes").value(o.lifetimes).key("cohorts").value(o.cohorts);
  j.key("seed").value(static_cast<unsigned long long>(o.seed));
  j.key("seed_simulation").value(static_cast<unsigned long long>(r.seed_simulation));
  j.key("customers_observed").value(static_cast<unsigned long long>(r.customers_observed));
  j.key("customers_simulated").value(static_cast<unsigned long long>(r.customers_simulated));
  j.key("journeys_observed").value(static_cast<unsigned long long>(r.journeys_observed));
  j.key("walks_simulated").value(static_cast<unsigned long long>(r.walks_simulated));
  j.key("periods").value(r.periods);
  j.key("alpha").value(o.alpha).key("threshold_z").value(r.threshold);
  j.key("rows").value(r.rows.size()).key("rows_tested").value(r.tested).key("rows_failed").value(r.failed);
  j.key("pass").value(r.pass);
  j.key("checks").begin_array();
  const double m = static_cast<double>(std::max<std::size_t>(r.tested, 1));
  for (const auto& x : r.rows) {
    j.begin_object();
    j.key("metric").value(x.metric).key("key").value(x.key).key("statistic").value(statistic_of(x.metric));
    est("observed", x.observed);
    est("simulated", x.simulated);
    const double p = x.tested ? p_value(x.z) : kNaN;
    j.key("z").value(x.z).key("p_value").value(p).key("p_bonferroni").value(x.tested ? std::min(1.0, p * m) : kNaN);
    j.key("result").value(!x.tested ? "untested" : x.pass ? "pass" : "fail");
    j.end_object();
  }
  j.end_array();
  j.key("warnings").begin_array();
  for (const auto& w : r.warnings) j.value(w);
  j.end_array();
  j.end_object();
  return j.str() + "\n";
}

}  // namespace cxsim::check
