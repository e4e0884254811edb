// Holdout stage of calibrate(): the fitted model's exact outcome and
// path-length distributions, and the total-variation check against held-out
// journeys with its noise threshold (docs/methods/calibration.md, section 7).
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"
#include "stages.h"

namespace cxsim::calibrate::stages {

namespace {

// Noise replicates per threshold, and the family-wise false-fail rate of
// one holdout check: a correct model fails some measure in at most 1% of
// seeds (docs/methods/calibration.md, section 7).
constexpr std::uint32_t kNoiseReplicates = 2000;
constexpr double kFamilyAlpha = 0.01;

// The (1 - kFamilyAlpha/m) quantile of TV(multinomial(n, p)/n, p) over
// kNoiseReplicates draws: what sampling noise alone gives, Bonferroni-
// corrected for the m measures of one check. Replicate r of measure `measure`
// draws from the Philox stream (seed, Purpose::holdout, customer = measure,
// period 2, step = r); the multinomial is a chain of exact binomials.
double tv_noise_quantile(const std::vector<double>& p, double n, std::uint64_t seed, std::uint64_t measure,
                         std::size_t measures) {
  const auto N = static_cast<std::int64_t>(std::max(1.0, std::round(n)));
  std::vector<double> tv;
  tv.reserve(kNoiseReplicates);
  std::vector<double> q(p.size());
  for (std::uint32_t r = 0; r < kNoiseReplicates; ++r) {
    rng::Stream stream(seed, rng::Purpose::holdout, measure, 2, r);
    std::int64_t left = N;
    double rest = 1.0;
    std::fill(q.begin(), q.end(), 0.0);
    for (std::size_t i = 0; i < p.size() && left > 0; ++i) {
      const double pi = rest > 0 ? std::clamp(p[i] / rest, 0.0, 1.0) : 0.0;
      const std::int64_t k = i + 1 == p.size() ? left : rng::binomial(stream, left, pi);
      q[i] = static_cast<double>(k) / static_cast<double>(N);
      left -= k;
      rest -= p[i];
    }
    tv.push_back(total_variation(p, q));
  }
  std::sort(tv.begin(), tv.end());
  // The smallest replicate with at least (1 - alpha/m) of them at or below it.
  const double level = 1.0 - kFamilyAlpha / static_cast<double>(std::max<std::size_t>(1, measures));
  const auto idx = static_cast<std::size_t>(std::ceil(level * kNoiseReplicates - 1e-9)) - 1;
  return tv[std::min<std::size_t>(idx, tv.size() - 1)];
}

}  // namespace

// TV distance between two distributions on the same bins.
double total_variation(const std::vector<double>& p, const std::vector<double>& q) {
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i) s += std::fabs(p[i] - q[i]);
  return 0.5 * s;
}

// Exact outcome and path-length distributions of one walk of the fitted model
// (default segment; the absorbing chain with friction folded in), truncated
// at max_steps like the engine.
ChainResult exact_chain(const model::JourneySpec& spec) {
  const auto tps = spec.touchpoint_ids();
  const auto ocs = spec.outcome_ids();
  std::unordered_map<std::string, std::size_t> ti, oi;
  for (std::size_t i = 0; i < tps.size(); ++i) ti[tps[i]] = i;
  for (std::size_t i = 0; i < ocs.size(); ++i) oi[ocs[i]] = i;
  struct Arc {
    std::size_t target;
    bool outcome;
    double p;
  };
  std::vector<std::vector<Arc>> arcs(tps.size());
  for (std::size_t k = 0; k < spec.touchpoints.size(); ++k) {
    const auto& t = spec.touchpoints[k];
    auto add = [&](const model::TransitionMap& m, double w) {
      for (const auto& [id, p] : m) {
        if (ti.count(id)) arcs[k].push_back({ti[id], false, w * p});
        else arcs[k].push_back({oi.at(id), true, w * p});
      }
    };
    if (t.next.split) {
      add(t.next.ok, 1 - t.friction);
      add(t.next.friction, t.friction);
    } else {
      add(t.next.ok, 1.0);
    }
  }
  ChainResult r;
  r.outcome.assign(ocs.size(), 0.0);
  r.length.assign(static_cast<std::size_t>(spec.max_steps) + 1, 0.0);
  std::vector<double> v(tps.size(), 0.0), w(tps.size());
  for (const auto& [id, p] : spec.start) v[ti.at(id)] += p;
  for (int n = 1; n <= spec.max_steps; ++n) {
    std::fill(w.begin(), w.end(), 0.0);
    double absorbed = 0, mass = 0;
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (v[k] == 0) continue;
      for (const auto& a : arcs[k]) {
        const double m = v[k] * a.p;
        if (a.outcome) {
          r.outcome[a.target] += m;
          absorbed += m;
        } else {
          w[a.target] += m;
        }
      }
    }
    r.length[static_cast<std::size_t>(n)] = absorbed;
    v.swap(w);
    for (double x : v) mass += x;
    if (mass < 1e-13) break;
    if (n == spec.max_steps) r.timeout = mass;
  }
  return r;
}

Measure compare(const std::string& name, std::vector<std::string> bins, std::vector<double> obs_counts,
                std::vector<double> model_p, double n_train, std::uint64_t seed, std::uint64_t measure,
                std::size_t measures) {
  Measure m;
  m.name = name;
  m.bins = std::move(bins);
  double n = 0;
  for (double c : obs_counts) n += c;
  m.n_holdout = n;
  m.n_train = n_train;
  m.observed = obs_counts;
  for (double& c : m.observed) c = n > 0 ? c / n : 0;
  double ps = 0;
  for (double p : model_p) ps += p;
  for (double& p : model_p) p = ps > 0 ? p / ps : 0;
  m.model = model_p;
  if (n <= 0) return m;
  m.tv = total_variation(m.observed, m.model);
  const double n_eff = n_train > 0 ? n * n_train / (n + n_train) : n;
  m.threshold = std::max(0.01, tv_noise_quantile(m.model, n_eff, seed, measure, measures));
  m.pass = m.tv <= m.threshold;
  return m;
}

void check_holdout(State& s) {
  const CalibrateOptions& o = s.o;
  std::string& sum = s.res.summary;
  const std::size_t P = s.P;
  const model::LoadedJourney& lj = *s.lj;
  auto dense = [&](const Covariates& c, auto&& row) { stages::dense(c, P, row); };
  if (o.holdout > 0) {
    s.has_holdout = true;
    std::vector<Measure>& measures = s.measures;
    if (s.hold.journeys <= 0) {
      s.warn("--holdout: no journey fell into the holdout; nothing to compare");
    } else {
      const ChainResult cr = exact_chain(lj.spec);
      const bool nps_measure = s.sv && s.nps_fit.observed.size() >= 2 && !s.hold_resp.empty();
      const std::size_t n_measures = nps_measure ? 3 : 2;
      // Outcomes: the fitted ones, then timeout/censored, then any other.
      std::vector<std::string> bins;
      std::vector<double> obs, mod;
      std::unordered_map<std::string, std::size_t> spec_oc;
      const auto spec_ocs = lj.spec.outcome_ids();
      for (std::size_t i = 0; i < spec_ocs.size(); ++i) {
        spec_oc[spec_ocs[i]] = i;
        bins.push_back(spec_ocs[i]);
        obs.push_back(0);
        mod.push_back(cr.outcome[i]);
      }
      bins.push_back("timeout");
      obs.push_back(s.hold.censored);
      mod.push_back(cr.timeout);
      double other = 0;
      for (std::uint32_t k = 0; k < s.hold.outcome_count.size(); ++k) {
        if (s.hold.outcome_count[k] <= 0) continue;
        if (k < s.oc_id.size() && !s.oc_id[k].empty()) obs[spec_oc.at(s.oc_id[k])] += s.hold.outcome_count[k];
        else other += s.hold.outcome_count[k];
      }
      bins.push_back("(not in the model)");
      obs.push_back(other);
      mod.push_back(0);
      measures.push_back(compare("outcome_shares", bins, obs, mod, s.train.journeys, o.seed, 0, n_measures));
      // Path lengths 1..K and a tail bin.
      long K = 1;
      for (const auto& [len, w] : s.hold.lengths) K = std::max(K, len);
      K = std::min<long>(K, 50);
      bins.clear();
      obs.assign(static_cast<std::size_t>(K) + 1, 0.0);
      mod.assign(static_cast<std::size_t>(K) + 1, 0.0);
      for (long n = 1; n <= K; ++n) bins.push_back(fmt::format("{}", n));
      bins.push_back(fmt::format(">{}", K));
      for (const auto& [len, w] : s.hold.lengths) obs[static_cast<std::size_t>(std::min(len, K + 1) - 1)] += w;
      double tail = cr.timeout;
      for (std::size_t n = 1; n < cr.length.size(); ++n) {
        if (static_cast<long>(n) <= K) mod[n - 1] += cr.length[n];
        else tail += cr.length[n];
      }
      mod[static_cast<std::size_t>(K)] = tail;
      measures.push_back(compare("path_length", bins, obs, mod, s.train.journeys, o.seed, 1, n_measures));
      // NPS distribution of held-out respondents vs the fit's prediction for them.
      if (nps_measure) {
        std::vector<double> o11(11, 0.0), m11(11, 0.0);
        Eigen::RowVectorXd row(static_cast<Eigen::Index>(P));
        for (auto i : s.hold_resp) {
          o11[static_cast<std::size_t>(s.respondents[i].a.nps)] += 1;
          dense(s.respondents[i].x, row);
          const auto p = s.nps_fit.probabilities(row.transpose());
          for (int c = 0; c < 11; ++c) m11[static_cast<std::size_t>(c)] += p[static_cast<std::size_t>(c)];
        }
        std::vector<std::string> nb;
        for (int c = 0; c <= 10; ++c) nb.push_back(fmt::format("{}", c));
        measures.push_back(
            compare("nps_distribution", nb, o11, m11, static_cast<double>(s.train_resp.size()), o.seed, 2, n_measures));
      }
      sum +=
          fmt::format("holdout: {} journeys ({:.0f}%) vs the fitted model (total variation; pass when <= threshold):\n",
                      s.hold.journeys, 100 * o.holdout);
      for (const auto& me : measures) {
        sum += fmt::format("  {:<18} TV {:.4f}  threshold {:.4f}  {}\n", me.name, me.tv, me.threshold,
                           me.pass ? "PASS" : "FAIL");
        if (!me.pass) s.res.holdout_pass = false;
      }
    }
  }
}

}  // namespace cxsim::calibrate::stages
