#pragma once
// Exact per-visit laws of waiting and patience (MODEL.md section 11;
// docs/methods/analytics.md, "Waiting and patience"): the one-visit
// expectations the absorbing chain folds in for a touchpoint with `waiting`
// or `patience`. D is the visit's duration, A its patience, both compiled
// duration distributions (model::DurationSampler) of any family.
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

}  // namespace cxsim::analytics
