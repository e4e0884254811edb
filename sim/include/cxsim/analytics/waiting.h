#pragma once
// Exact per-visit laws of waiting and patience (MODEL.md section 11;
// docs/methods/analytics.md, "Waiting and patience"): the one-visit
// expectations the absorbing chain folds in for a touchpoint with `waiting`
// or `patience`. D is the visit's duration, A its patience, both compiled
// duration distributions (model::DurationSampler) of any family.
#include <cstddef>
#include <vector>

#include "cxsim/model/compiled_model.h"

namespace cxsim::analytics {

// P(X > x) of a compiled duration.
double duration_survival(const model::DurationSampler& d, double x);

// The u-quantile of a compiled duration, u in (0, 1) (also the queue
// solver's integrals over a visit's duration, engine/queue.cpp).
double duration_quantile(const model::DurationSampler& d, double u);

// E[(X − t)+] of one duration (closed form for every family).
double expected_excess(const model::DurationSampler& d, double t);

// E[(min(D, A) − t)+] = ∫_t^∞ P(D > x)·P(A > x) dx: closed form when either is
// fixed, both are exponential, or one is exponential and the other gamma;
// Boost.Math tanh_sinh quadrature over D's quantiles otherwise.
// With t = 0 this is E[min(D, A)], the expected duration of a visit with patience.
double expected_excess_of_min(const model::DurationSampler& d, const model::DurationSampler& a, double t);

// P(D <= A): the probability that a visit does not give up. Closed form when
// either is fixed, when A is exponential and D is not lognormal (the Laplace
// transform of D), or when D is exponential and A is not lognormal;
// quadrature otherwise.
double prob_within_patience(const model::DurationSampler& d, const model::DurationSampler& a);

// P(D <= A and D <= x): the visit stays ok-routed and lasts at most x (a
// `wait_above: x` recovery trigger; quadrature unless D is fixed).
double prob_within_patience_below(const model::DurationSampler& d, const model::DurationSampler& a, double x);

// The same two quantities by quadrature whatever the families (the unit
// tests check the closed forms against them).
double expected_excess_of_min_quadrature(const model::DurationSampler& d, const model::DurationSampler& a, double t);
double prob_within_patience_quadrature(const model::DurationSampler& d, const model::DurationSampler& a);

// What one visit to a timed touchpoint contributes, independent of its base
// friction f (so that friction changes need no new integrals). "Branch" is the
// Bernoulli(f) draw: ok with probability 1 − f, friction with probability f.
struct VisitLaw {
  bool patience = false;
  bool waiting = false;
  double keep = 1.0;     // P(D_ok <= A): an ok draw stays ok
  double time_ok = 0.0;  // E[min(D_ok, A)] (E[D_ok] without patience)
  double time_fr = 0.0;  // E[min(D_fr, A)]
  double pen_ok = 0.0;   // c·E[(min(D_ok, A) − t)+] (0 without waiting)
  double pen_fr = 0.0;   // c·E[(min(D_fr, A) − t)+]
  // The visit's probability of being ok / friction: (1 − f)·keep and
  // 1 − (1 − f)·keep (exactly 1 − f and f without patience).
  double p_ok(double f) const { return patience ? (1 - f) * keep : 1 - f; }
  double p_fr(double f) const { return patience ? 1 - (1 - f) * keep : f; }
  // E[the visit's waiting penalty] and E[its duration].
  double penalty(double f) const { return (1 - f) * pen_ok + f * pen_fr; }
  double time(double f) const { return (1 - f) * time_ok + f * time_fr; }
};

VisitLaw visit_law(const model::CompiledTouchpoint& t);

// The wait W before a visit to a queue (docs/methods/queues.md, "In the exact
// analytics"): a mixture over the run's periods t with weights weight[t] (the
// segment's share of its walks that fall in period t, summing to 1); in
// period t, W is 0 with probability 1 − p_wait[t] and exponential with mean
// wait_if_waiting[t] otherwise (engine/queue.h).
struct QueueWait {
  std::size_t touchpoint = 0;
  std::vector<double> weight, p_wait, wait_if_waiting;
  double mean() const;  // E[W] = Σ_t weight[t]·p_wait[t]·wait_if_waiting[t]
  bool operator==(const QueueWait& o) const = default;
};

// E[(D + E − t)+] with E ~ Exponential(mean m) independent of D: for D = d,
// d − t + m when d >= t, else m·e^{−(t − d)/m}; so E[(D − t)+] + m·P(D >= t) +
// m·E[e^{−(t − D)/m}; D < t], the last term by quadrature over D's quantiles
// (closed form for a fixed D).
double expected_excess_with_wait(const model::DurationSampler& d, double t, double m);

// Patience with a queue's wait (docs/methods/queues.md, "Patience with a
// queue in the exact analytics"): D, E and A independent, E ~ Exponential
// with mean m (m = +inf: a saturated queue, where whoever waits gives up).
//
// J_A(m, y) = ∫_y^∞ e^{−(x−y)/m}·P(A > x) dx = m·P(y + E <= A): closed form for
// a fixed, exponential or gamma A, tanh_sinh quadrature over A's quantiles
// for a lognormal A.
double shifted_patience_integral(const model::DurationSampler& a, double m, double y);

// P(D + E <= A): the visit that waited does not give up. Closed form when D
// is fixed (J_A(m, d)/m), when A is exponential with mean α (P(D <= A)·α/(α + m),
// memorylessness) or when D is exponential with mean μ ≠ m and A is not
// lognormal (D + E is hypoexponential: 1 − (μ·L_A(1/μ) − m·L_A(1/m))/(μ − m),
// L_A the Laplace transform of A); else quadrature over D's quantiles of
// J_A(m, D)/m.
double prob_within_patience_with_wait(const model::DurationSampler& d, const model::DurationSampler& a, double m);

// E[(min(D + E, A) − t)+] (t = 0: E[min(D + E, A)], the visit's expected
// duration). Given D = d, with y = max(t, d):
//     G(d) = E[(A − t)+] − E[(A − y)+] + e^{−(y−d)/m}·J_A(m, y),
// closed form for a fixed D (and a non-lognormal A), or an exponential A and
// t = 0 (α·(1 − P(D + E <= A))); else quadrature over D's quantiles of G.
double expected_excess_of_min_with_wait(const model::DurationSampler& d, const model::DurationSampler& a, double t,
                                        double m);

// The same two by quadrature whatever the families (the unit tests check the
// closed forms against them).
double prob_within_patience_with_wait_quadrature(const model::DurationSampler& d, const model::DurationSampler& a,
                                                 double m);
double expected_excess_of_min_with_wait_quadrature(const model::DurationSampler& d, const model::DurationSampler& a,
                                                   double t, double m);

// The law of a visit after the queue's wait `wait` (null: no queue): the
// durations are D + W and, with patience, the visit gives up when D + W > A
// and lasts min(D + W, A) (the engine's order, engine/simulate.cpp); the
// waiting penalty is c·E[(min(D + W, A) − t)+] (c·E[(D + W − t)+] without
// patience). W's law is the mixture over the periods (QueueWait): every
// expectation is the mixture of the one with W = 0 and those with W
// exponential. Exact for a walk's visit when `wait` holds one period (or
// without patience, where the routing does not depend on the wait); over
// several periods the analytics mix the chains of the periods instead
// (absorbing_chain.cpp).
VisitLaw visit_law(const model::CompiledTouchpoint& t, const QueueWait* wait);

// visit_law(t, wait).keep alone (the chain's rows need nothing else).
double visit_keep(const model::CompiledTouchpoint& t, const QueueWait* wait);

}  // namespace cxsim::analytics
