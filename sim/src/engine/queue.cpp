// Queues with capacity (cxsim/engine/queue.h; docs/methods/queues.md).
#include "cxsim/engine/queue.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <boost/math/tools/toms748_solve.hpp>
#include <fmt/format.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/analytics/waiting.h"
#include "cxsim/core/errors.h"

namespace cxsim::engine {

namespace {

using K = model::DurationSpec::Kind;
using model::DurationSampler;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kMaxSweeps = 200;  // Gauss–Seidel sweeps over several queues

// P(D + W <= A): the visit does not give up when the queue's wait W is 0
// with probability 1 − C and Exponential(mean m) otherwise.
double keep_with_wait(const DurationSampler& d, const DurationSampler& a, double c, double m) {
  const double no_wait = analytics::prob_within_patience(d, a);
  if (c <= 0) return no_wait;
  if (!std::isfinite(m)) return (1 - c) * no_wait;  // saturated: whoever waits gives up
  // P(D + E <= A), E ~ Exponential(m): the exact analytics' law (analytics/waiting.h).
  return (1 - c) * no_wait + c * analytics::prob_within_patience_with_wait(d, a, m);
}

struct Wait {
  double c = 0;  // P(W > 0)
  double m = 0;  // E[W | W > 0]; +inf when saturated
};

Wait queue_wait(const model::CompiledQueue& q, double arrivals, int servers) {
  const double es = q.service.mean;
  const double a = arrivals * es / q.period_length;
  if (!(a > 0)) return {};
  if (a >= servers) return {1.0, kInf};
  const double scale = q.service.kind == K::exponential ? 1.0 : (1.0 + q.service_scv) / 2.0;  // Allen–Cunneen
  return {erlang_c(servers, a), scale * es / (servers - a)};
}
Wait queue_wait(const model::CompiledQueue& q, double arrivals) { return queue_wait(q, arrivals, q.servers); }

double mean_of(const Wait& w) { return w.c > 0 ? w.c * w.m : 0.0; }

// dE[W]/dx at served load x (arrivals per period that reach a server), by a
// central difference of relative step 1e-5 (one-sided where the step would
// leave [0, x_sat)); E[W] is smooth in x below saturation.
double d_wait_d_load(const model::CompiledQueue& q, double x) {
  const double sat = q.servers * q.period_length / q.service.mean;  // a = c
  const double h = 1e-5 * std::max(x, 1e-3 * sat);
  const double lo = std::max(0.0, x - h), hi = x + h < sat ? x + h : x;
  if (!(hi > lo)) return 0.0;
  return (mean_of(queue_wait(q, hi)) - mean_of(queue_wait(q, lo))) / (hi - lo);
}

}  // namespace

double erlang_c(int servers, double a) {
  if (!(a > 0)) return 0.0;
  if (a >= servers) return 1.0;
  double b = 1.0;
  for (int k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  return servers * b / (servers - a * (1.0 - b));
}

double queue_population(const RunSettings& s) {
  return s.customer_base > 0 ? s.customer_base : static_cast<double>(s.customers);
}

bool queues_stale(const Variant& v, const RunSettings& s) {
  if (v.model.queues.empty()) return false;
  return !v.queues || v.queues->population != queue_population(s) || v.queues->periods != s.periods;
}

const std::vector<Variant>& with_queues(const std::vector<Variant>& variants, const RunSettings& s,
                                        std::vector<Variant>& storage) {
  if (std::none_of(variants.begin(), variants.end(), [&](const Variant& v) { return queues_stale(v, s); }))
    return variants;
  storage = variants;
  for (auto& v : storage)
    if (queues_stale(v, s)) v.queues = std::make_shared<const QueueTables>(solve_queues(v, s));
  return storage;
}

QueueTables solve_queues(const Variant& v, const RunSettings& s) {
  const model::CompiledModel& m = v.model;
  const std::size_t Q = m.queues.size(), S = m.segments.size();
  QueueTables out;
  out.population = queue_population(s);
  out.periods = s.periods;
  out.queue.assign(Q, std::vector<QueuePeriod>(static_cast<std::size_t>(std::max(0, s.periods))));
  if (Q == 0) return out;

  // The routing model the analytics solve: at a queue with patience the
  // friction probability is 1 − (1 − f)·P(D_ok + W <= A), and the patience
  // itself is folded into it (visits depend only on routing).
  model::CompiledModel routed = m;
  analytics::AnalyzeOptions opt;
  opt.sensitivities = false;
  opt.removal = false;
  opt.timeout_work_limit = 0;
  opt.recovery = v.recovery;
  bool feedback = false;
  for (const auto& q : m.queues)
    for (const auto& seg : m.segments) feedback = feedback || seg.tp[q.touchpoint].has_patience;

  const auto visits = [&](const std::vector<Wait>& waits) {
    std::vector<std::vector<double>> out_v(S, std::vector<double>(Q, 0.0));
    for (std::size_t si = 0; si < S; ++si) {
      for (std::size_t qi = 0; qi < Q; ++qi) {
        const model::CompiledTouchpoint& t = m.segments[si].tp[m.queues[qi].touchpoint];
        model::CompiledTouchpoint& r = routed.segments[si].tp[m.queues[qi].touchpoint];
        if (!t.has_patience) continue;
        r.has_patience = false;
        r.friction = 1 - (1 - t.friction) * keep_with_wait(t.dur_ok, t.patience, waits[qi].c, waits[qi].m);
      }
      if (!(m.segments[si].share > 0)) continue;
      analytics::WalkExpectations w = analytics::analyze_segment(routed, si, opt);
      for (std::size_t qi = 0; qi < Q; ++qi) {
        double x = w.visits[m.queues[qi].touchpoint];
        if (!std::isfinite(x) && opt.recovery) {
          // A recovery the chain cannot follow (satisfaction_below): the load
          // is that of the journey without the program.
          analytics::AnalyzeOptions plain = opt;
          plain.recovery.reset();
          x = analytics::analyze_segment(routed, si, plain).visits[m.queues[qi].touchpoint];
        }
        out_v[si][qi] = x;
      }
    }
    return out_v;
  };

  // Without patience at a queue the visits do not depend on the wait: one solve.
  std::vector<std::vector<double>> fixed_vis;
  if (!feedback) fixed_vis = visits(std::vector<Wait>(Q));

  // alive[s]: P(alive at the start of period t), the sBG survival
  // B(α, β+t)/B(α, β) = Π_{k<t} (β+k)/(α+β+k) (without the sensitivity term).
  std::vector<double> weight(S), prev_weight, alive(S, 1.0);
  for (int t = 0; t < s.periods; ++t) {
    const auto period = static_cast<std::size_t>(t);
    for (std::size_t si = 0; si < S; ++si) {
      const auto& seg = m.segments[si];
      if (t > 0 && seg.churns) alive[si] *= (seg.beta + (t - 1)) / (seg.alpha + seg.beta + (t - 1));
      weight[si] = seg.share * alive[si] * seg.engage_mean();
    }
    if (t > 0 && weight == prev_weight) {  // the same population walks: the same solution
      for (std::size_t qi = 0; qi < Q; ++qi) out.queue[qi][period] = out.queue[qi][period - 1];
      continue;
    }
    prev_weight = weight;
    std::vector<Wait> waits(Q);
    // x: the arrivals that reach a server (those who do not give up while
    // still waiting, W > A, take no service): the load the servers see.
    std::vector<double> lambda(Q, 0.0), served(Q, 1.0), x(Q, 0.0), next_x(Q, 0.0);
    std::vector<std::vector<double>> vis;
    int evaluations = 0;
    // The served load every queue would see with the current waits.
    const auto evaluate = [&] {
      ++evaluations;
      vis = feedback ? visits(waits) : fixed_vis;
      for (std::size_t qi = 0; qi < Q; ++qi) {
        const auto& q = m.queues[qi];
        double n = 0, reach = 0;
        for (std::size_t si = 0; si < S; ++si) {
          const model::CompiledTouchpoint& tp = m.segments[si].tp[q.touchpoint];
          const double w = weight[si] * vis[si][qi];
          n += w;
          reach += tp.has_patience ? w * keep_with_wait(DurationSampler{}, tp.patience, waits[qi].c, waits[qi].m) : w;
        }
        lambda[qi] = out.population * n;
        served[qi] = n > 0 ? reach / n : 1.0;
        next_x[qi] = lambda[qi] * served[qi];
      }
    };
    evaluate();
    x = next_x;
    for (std::size_t qi = 0; qi < Q; ++qi) waits[qi] = queue_wait(m.queues[qi], x[qi]);
    if (feedback) {
      // Gauss–Seidel over the queues; for each, the root of h(x) = g(x) − x
      // on [0, x_sat] by TOMS 748 (deterministic, bracketing: h(0) >= 0, and
      // at saturation everyone who waits gives up, so h(x_sat) < 0 unless the
      // queue is overloaded even then). One queue: one sweep is exact.
      for (int sweep = 0;; ++sweep) {
        const std::vector<double> before = x;
        for (std::size_t qi = 0; qi < Q; ++qi) {
          const auto& q = m.queues[qi];
          if (!(q.service.mean > 0)) continue;  // no service time: no wait, nothing feeds back
          const double hi = q.servers * q.period_length / q.service.mean;
          const auto h = [&](double xi) {
            waits[qi] = queue_wait(q, xi);
            evaluate();
            return next_x[qi] - xi;
          };
          const double h_lo = h(0.0);
          const double h_hi = h(hi);
          if (h_hi >= 0) {
            x[qi] = hi;  // overloaded even when every waiting customer gives up: reported below
          } else if (h_lo <= 0) {
            x[qi] = 0.0;
          } else {
            std::uintmax_t max_iter = 200;
            const auto r = boost::math::tools::toms748_solve(h, 0.0, hi, h_lo, h_hi,
                                                             boost::math::tools::eps_tolerance<double>(48), max_iter);
            x[qi] = 0.5 * (r.first + r.second);
          }
          waits[qi] = queue_wait(q, x[qi]);
        }
        evaluate();
        bool done = Q == 1;
        if (!done) {
          done = true;
          for (std::size_t qi = 0; qi < Q; ++qi)
            done = done && std::fabs(x[qi] - before[qi]) <= 1e-10 * std::max({x[qi], before[qi], 1e-300});
        }
        if (done) break;
        if (sweep >= kMaxSweeps)
          throw core::RuntimeError(fmt::format(
              "queues in period {}: the loads did not settle in {} sweeps (patience feeding back)", t + 1, kMaxSweeps));
      }
    }
    const int it = evaluations - 1;
    for (std::size_t qi = 0; qi < Q; ++qi) {
      const auto& q = m.queues[qi];
      const std::string& id = m.touchpoint_ids[q.touchpoint];
      QueuePeriod& r = out.queue[qi][period];
      r.arrivals = lambda[qi];
      r.served = served[qi];
      r.offered_load = x[qi] * q.service.mean / q.period_length;
      r.utilisation = r.offered_load / q.servers;
      r.iterations = it + 1;  // = evaluations
      if (!(r.utilisation < 1)) {
        core::Diagnostics d;
        d.error(q.loc, q.path,
                fmt::format("queue '{}' is overloaded in period {}: utilisation {:.4g} >= 1 ({:.6g} arrivals served "
                            "× mean service {:.6g} / period_length {:.6g} = {:.6g} Erlangs for {} server{}); add "
                            "servers, shorten the service or lengthen the period",
                            id, t + 1, r.utilisation, x[qi], q.service.mean, q.period_length, r.offered_load, q.servers,
                            q.servers == 1 ? "" : "s"));
        throw core::InputError(std::move(d));
      }
      const Wait w = queue_wait(q, x[qi]);
      r.p_wait = w.c;
      r.wait_if_waiting = w.c > 0 ? w.m : 0.0;
      r.mean_wait = w.c * r.wait_if_waiting;
      // Abandonment: the visit-weighted share that gives up (D + W > A) over
      // both branches of the friction draw.
      double gave_up = 0, total = 0;
      for (std::size_t si = 0; si < S; ++si) {
        const model::CompiledTouchpoint& tp = m.segments[si].tp[q.touchpoint];
        const double n = weight[si] * vis[si][qi];
        total += n;
        if (!tp.has_patience || !(n > 0)) continue;
        const double keep_ok = keep_with_wait(tp.dur_ok, tp.patience, w.c, w.m);
        const double keep_fr = keep_with_wait(tp.dur_fr, tp.patience, w.c, w.m);
        gave_up += n * ((1 - tp.friction) * (1 - keep_ok) + tp.friction * (1 - keep_fr));
      }
      r.abandonment = total > 0 ? gave_up / total : 0.0;
      // Sensitivities (routing and served share held fixed): one more
      // server at the same load; one more arrival adds r served arrivals.
      if (q.service.mean > 0) {
        r.d_wait_d_servers = mean_of(queue_wait(q, x[qi], q.servers + 1)) - r.mean_wait;
        r.d_wait_d_arrivals = r.served * d_wait_d_load(q, x[qi]);
      }
    }
  }
  return out;
}

std::vector<std::vector<analytics::QueueWait>> analytics_queue_waits(const model::CompiledModel& m,
                                                                     const QueueTables& q) {
  std::vector<std::vector<analytics::QueueWait>> out(m.segments.size());
  const auto P = static_cast<std::size_t>(std::max(0, q.periods));
  for (std::size_t si = 0; si < m.segments.size(); ++si) {
    const auto& seg = m.segments[si];
    std::vector<double> weight(P);
    double alive = 1, total = 0;
    for (std::size_t t = 0; t < P; ++t) {
      if (t > 0 && seg.churns) alive *= (seg.beta + (t - 1)) / (seg.alpha + seg.beta + (t - 1));
      weight[t] = alive;
      total += alive;
    }
    for (auto& w : weight) w = total > 0 ? w / total : 0.0;
    for (std::size_t qi = 0; qi < q.queue.size() && qi < m.queues.size(); ++qi) {
      analytics::QueueWait w;
      w.touchpoint = m.queues[qi].touchpoint;
      w.weight = weight;
      for (std::size_t t = 0; t < P; ++t) {
        w.p_wait.push_back(q.queue[qi][t].p_wait);
        w.wait_if_waiting.push_back(q.queue[qi][t].wait_if_waiting);
      }
      out[si].push_back(std::move(w));
    }
  }
  return out;
}

io::Table queue_table(const model::CompiledModel& m, const QueueTables& q) {
  io::Table t;
  std::vector<std::string> id;
  std::vector<std::int64_t> period, servers;
  std::vector<double> arrivals, served, load, util, p_wait, mean_wait, wait_if, aband, d_servers, d_arrivals;
  for (std::size_t qi = 0; qi < q.queue.size(); ++qi) {
    for (std::size_t p = 0; p < q.queue[qi].size(); ++p) {
      const QueuePeriod& r = q.queue[qi][p];
      id.push_back(m.touchpoint_ids[m.queues[qi].touchpoint]);
      period.push_back(static_cast<std::int64_t>(p + 1));
      servers.push_back(m.queues[qi].servers);
      arrivals.push_back(r.arrivals);
      served.push_back(r.served);
      load.push_back(r.offered_load);
      util.push_back(r.utilisation);
      p_wait.push_back(r.p_wait);
      mean_wait.push_back(r.mean_wait);
      wait_if.push_back(r.wait_if_waiting);
      aband.push_back(r.abandonment);
      d_servers.push_back(r.d_wait_d_servers);
      d_arrivals.push_back(r.d_wait_d_arrivals);
    }
  }
  t.add_column("touchpoint", std::move(id));
  t.add_column("period", std::move(period));
  t.add_column("servers", std::move(servers));
  t.add_column("arrivals", std::move(arrivals));
  t.add_column("served_share", std::move(served));
  t.add_column("offered_load", std::move(load));
  t.add_column("utilisation", std::move(util));
  t.add_column("p_wait", std::move(p_wait));
  t.add_column("mean_wait", std::move(mean_wait));
  t.add_column("mean_wait_if_waiting", std::move(wait_if));
  t.add_column("abandonment_share", std::move(aband));
  t.add_column("d_mean_wait_d_servers", std::move(d_servers));
  t.add_column("d_mean_wait_d_arrivals", std::move(d_arrivals));
  return t;
}

}  // namespace cxsim::engine
