#include "cxsim/model/uncertain.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "cxsim/core/strings.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"

namespace cxsim::model {

namespace {
std::string num(double x) { return fmt::format("{:.6g}", x); }
}  // namespace

bool is_beta_form(const YAML::Node& node) { return node.IsMap() && (node["beta"] || node["estimate"]); }

bool is_dirichlet_form(const YAML::Node& node) {
  return node.IsMap() && node.size() == 1 && node["dirichlet"] && node["dirichlet"].IsMap();
}

bool is_normal_form(const YAML::Node& node) {
  return node.IsMap() && !node["beta"] && !node["ok"] && !node["friction"] && (node["sd"] || node["estimate"]);
}

std::optional<double> parse_normal_delta(NodeReader& r, const YAML::Node& node, const std::string& path,
                                         UncertainParam::Kind kind, UncertainParam::Branch branch,
                                         const std::string& touchpoint, JourneySpec& spec) {
  r.check_keys(node, path, {"estimate", "sd"});
  r.require_keys(node, path, {"estimate", "sd"});
  if (!node["estimate"] || !node["sd"]) return std::nullopt;
  auto e = r.number(node["estimate"], path + ".estimate");
  auto sd = r.number(node["sd"], path + ".sd");
  if (!e || !sd) return std::nullopt;
  if (!(*sd > 0) || !std::isfinite(*sd)) {
    r.error(
        node["sd"], path + ".sd",
        fmt::format("an sd must be finite and > 0, got {} (a value without uncertainty is a plain number)", num(*sd)));
    return std::nullopt;
  }
  if (kind == UncertainParam::Kind::effort_gamma && !(*e > 0)) {
    r.error(node["estimate"], path + ".estimate",
            fmt::format("an uncertain effort needs an estimate > 0, got {} (it is drawn from a Gamma with this mean "
                        "and sd, so it is never negative)",
                        num(*e)));
    return std::nullopt;
  }
  r.locations().set(path, r.loc(node));
  UncertainParam u;
  u.kind = kind;
  u.branch = branch;
  u.touchpoint = touchpoint;
  u.counts = {*e, *sd};
  u.path = path;
  spec.uncertain.push_back(std::move(u));
  return *e;
}

std::optional<double> parse_beta_friction(NodeReader& r, const YAML::Node& node, const std::string& path,
                                          const std::string& touchpoint, JourneySpec& spec) {
  return parse_beta_param(r, node, path, UncertainParam::Kind::friction_beta, touchpoint, spec);
}

std::optional<double> parse_beta_param(NodeReader& r, const YAML::Node& node, const std::string& path,
                                       UncertainParam::Kind kind, const std::string& touchpoint, JourneySpec& spec) {
  r.check_keys(node, path, {"estimate", "beta"});
  r.require_keys(node, path, {"beta"});
  if (!node["beta"]) return std::nullopt;
  const std::string bp = path + ".beta";
  auto ab = r.number_list(node["beta"], bp);
  if (!ab) return std::nullopt;
  if (ab->size() != 2) {
    r.error(node["beta"], bp, fmt::format("expected two counts [a, b] of a Beta(a, b), got {} numbers", ab->size()));
    return std::nullopt;
  }
  const double a = (*ab)[0], b = (*ab)[1];
  if (!(a > 0) || !(b > 0) || !std::isfinite(a) || !std::isfinite(b)) {
    r.error(node["beta"], bp, fmt::format("Beta counts must be finite and > 0, got [{}, {}]", num(a), num(b)));
    return std::nullopt;
  }
  const double mean = a / (a + b);
  const double sd = std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
  double estimate = mean;
  if (node["estimate"]) {
    auto e = r.number(node["estimate"], path + ".estimate");
    if (!e) return std::nullopt;
    estimate = *e;
    if (std::fabs(mean - estimate) > kBetaEstimateToleranceSd * sd) {
      r.error(node["estimate"], path + ".estimate",
              fmt::format("the estimate {} is not the mean {} of Beta({}, {}) within one standard deviation ({}); "
                          "give counts whose mean a/(a+b) is the estimate",
                          num(estimate), num(mean), num(a), num(b), num(sd)));
      return std::nullopt;
    }
  }
  r.locations().set(path, r.loc(node));
  UncertainParam u;
  u.kind = kind;
  u.touchpoint = touchpoint;
  u.counts = {a, b};
  u.path = path;
  spec.uncertain.push_back(std::move(u));
  return estimate;
}

std::optional<TransitionMap> parse_dirichlet_map(NodeReader& r, const YAML::Node& node, const std::string& path,
                                                 UncertainParam::Kind kind, const std::string& touchpoint,
                                                 JourneySpec& spec) {
  const YAML::Node& m = node["dirichlet"];
  const std::string dp = path + ".dirichlet";
  if (!r.expect_map(m, dp, "a mapping {target: count, ...} (Dirichlet counts)")) return std::nullopt;
  auto entries = r.number_map(m, dp, path, [&](const YAML::Node& value, const std::string& kp, double v) {
    if (v >= 0 && std::isfinite(v)) return true;
    r.error(value, kp, fmt::format("a Dirichlet count must be finite and >= 0, got {}", num(v)));
    return false;
  });
  if (!entries) return std::nullopt;
  if (entries->empty()) {
    r.error(m, dp, "is empty; expected at least one {target: count}");
    return std::nullopt;
  }
  TransitionMap out;
  std::vector<double> counts;
  double sum = 0;
  for (auto& e : *entries) {
    counts.push_back(e.value);
    sum += e.value;
    out.emplace_back(std::move(e.key), e.value);
  }
  if (!(sum > 0)) {
    r.error(m, dp, "every count is 0; at least one must be > 0");
    return std::nullopt;
  }
  for (auto& [target, p] : out) p /= sum;
  UncertainParam u;
  u.kind = kind;
  u.touchpoint = touchpoint;
  u.counts = std::move(counts);
  u.path = path;
  spec.uncertain.push_back(std::move(u));
  return out;
}

bool is_dirichlet_share(const YAML::Node& node) { return node.IsMap() && node["dirichlet"]; }

std::optional<double> parse_dirichlet_share(NodeReader& r, const YAML::Node& node, const std::string& path) {
  r.check_keys(node, path, {"dirichlet"});
  auto v = r.number(node["dirichlet"], path + ".dirichlet");
  if (!v) return std::nullopt;
  if (!(*v >= 0) || !std::isfinite(*v)) {
    r.error(node["dirichlet"], path + ".dirichlet",
            fmt::format("a Dirichlet count must be finite and >= 0, got {}", num(*v)));
    return std::nullopt;
  }
  r.locations().set(path, r.loc(node));
  return v;
}

void set_dirichlet_shares(NodeReader& r, const std::vector<YAML::Node>& share_nodes,
                          const std::vector<std::optional<double>>& share_counts, JourneySpec& spec) {
  std::size_t first = share_counts.size();
  for (std::size_t i = 0; i < share_counts.size(); ++i)
    if (share_counts[i] && first == share_counts.size()) first = i;
  if (first == share_counts.size() || share_counts.size() != spec.segments.size()) return;
  bool ok = true;
  double sum = 0;
  std::vector<double> counts;
  for (std::size_t i = 0; i < share_counts.size(); ++i) {
    const std::string path = "segments." + spec.segments[i].id + ".share";
    if (!share_counts[i]) {
      // An invalid count was reported already; a plain share is the mix-up.
      if (share_nodes[i].IsDefined() && !share_nodes[i].IsNull() && !is_dirichlet_share(share_nodes[i]))
        r.error(share_nodes[i], path,
                fmt::format("expected {{dirichlet: count}} as segment '{}' has: a Dirichlet over the segment shares "
                            "needs a count for every segment",
                            spec.segments[first].id));
      ok = false;
      continue;
    }
    counts.push_back(*share_counts[i]);
    sum += *share_counts[i];
  }
  if (!ok) return;
  if (!(sum > 0)) {
    r.error(share_nodes[first], "segments", "every segment's Dirichlet count is 0; at least one must be > 0");
    return;
  }
  for (std::size_t i = 0; i < counts.size(); ++i) spec.segments[i].share = counts[i] / sum;
  UncertainParam u;
  u.kind = UncertainParam::Kind::segment_share_dirichlet;
  u.counts = std::move(counts);
  u.path = "segments";
  spec.uncertain.push_back(std::move(u));
}

namespace {

// The covariance of (log alpha, log beta) of the log-normal with the given
// mean and covariance (docs/methods/uncertainty.md).
void log_covariance(const double mu[2], const double cov[2][2], double s[2][2]) {
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) s[i][j] = std::log1p(cov[i][j] / (mu[i] * mu[j]));
}

}  // namespace

void parse_retention_covariance(NodeReader& r, const YAML::Node& node, const std::string& path,
                                const std::string& segment, const RetentionParams& estimate, JourneySpec& spec) {
  const std::string form = "[[var_alpha, cov], [cov, var_beta]]";
  if (!node.IsSequence() || node.size() != 2 || !node[0].IsSequence() || !node[1].IsSequence() || node[0].size() != 2 ||
      node[1].size() != 2) {
    r.error(node, path, fmt::format("expected a 2x2 covariance of (alpha, beta), {}", form));
    return;
  }
  double c[2][2];
  for (int i = 0; i < 2; ++i) {
    auto row = r.number_list(node[i], fmt::format("{}[{}]", path, i));
    if (!row) return;
    c[i][0] = (*row)[0];
    c[i][1] = (*row)[1];
  }
  for (const auto& row : c)
    for (double x : row)
      if (!std::isfinite(x)) {
        r.error(node, path, "covariance entries must be finite");
        return;
      }
  if (std::fabs(c[0][1] - c[1][0]) > 1e-12 * std::max(std::fabs(c[0][1]), std::fabs(c[1][0]))) {
    r.error(node, path, fmt::format("the covariance is not symmetric ({} vs {})", num(c[0][1]), num(c[1][0])));
    return;
  }
  const double det = c[0][0] * c[1][1] - c[0][1] * c[1][0];
  if (!(c[0][0] > 0) || !(c[1][1] > 0) || !(det > 0)) {
    r.error(node, path,
            fmt::format("the covariance is not positive definite (variances {} and {}, determinant {}); "
                        "a covariance needs positive variances and |cov| < sd_alpha * sd_beta",
                        num(c[0][0]), num(c[1][1]), num(det)));
    return;
  }
  if (!(estimate.alpha > 0) || !(estimate.beta > 0)) return;  // validate() reports the estimate
  const double mu[2] = {estimate.alpha, estimate.beta};
  double s[2][2];
  log_covariance(mu, c, s);
  if (!(s[0][0] * s[1][1] - s[0][1] * s[1][0] > 0)) {
    r.error(node, path,
            "the log-normal with this mean and covariance is degenerate (its log-scale covariance is not positive "
            "definite: the correlation is too close to -1 for these means)");
    return;
  }
  r.locations().set(path, r.loc(node));
  UncertainParam u;
  u.kind = UncertainParam::Kind::retention_lognormal;
  u.segment = segment;
  u.counts = {estimate.alpha, estimate.beta};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) u.cov[i][j] = c[i][j];
  u.path = path;
  spec.uncertain.push_back(std::move(u));
}

namespace {

void draw_dirichlet(rng::Stream& g, const std::vector<double>& counts, TransitionMap& map) {
  double sum = 0;
  std::vector<double> x(counts.size(), 0.0);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0) x[i] = rng::gamma(g, counts[i], 1.0);
    sum += x[i];
  }
  for (std::size_t i = 0; i < counts.size() && i < map.size(); ++i) map[i].second = x[i] / sum;
}

}  // namespace

JourneySpec draw_parameters(const JourneySpec& spec, std::uint64_t seed, std::uint64_t draw) {
  JourneySpec out = spec;
  for (std::size_t k = 0; k < spec.uncertain.size(); ++k) {
    const UncertainParam& u = spec.uncertain[k];
    rng::Stream g(seed, rng::Purpose::replication, draw, 0, static_cast<std::uint32_t>(k));
    TouchpointSpec* tp = u.touchpoint.empty() ? nullptr : out.find_touchpoint(u.touchpoint);
    switch (u.kind) {
      case UncertainParam::Kind::friction_beta:
        if (tp) tp->friction = rng::beta(g, u.counts[0], u.counts[1]);
        break;
      case UncertainParam::Kind::start_dirichlet: draw_dirichlet(g, u.counts, out.start); break;
      case UncertainParam::Kind::next_ok_dirichlet:
        if (tp) draw_dirichlet(g, u.counts, tp->next.ok);
        break;
      case UncertainParam::Kind::next_friction_dirichlet:
        if (tp) draw_dirichlet(g, u.counts, tp->next.friction);
        break;
      case UncertainParam::Kind::satisfaction_normal:
      case UncertainParam::Kind::effort_gamma: {
        const double m = u.counts[0], sd = u.counts[1];
        const double x = u.kind == UncertainParam::Kind::satisfaction_normal
                             ? m + sd * rng::standard_normal(g)
                             : rng::gamma(g, (m / sd) * (m / sd), sd * sd / m);
        if (!tp) break;
        OkFriction<double>& d = u.kind == UncertainParam::Kind::satisfaction_normal ? tp->satisfaction : tp->effort;
        if (u.branch != UncertainParam::Branch::friction) d.ok = x;
        if (u.branch != UncertainParam::Branch::ok) d.friction = x;
        break;
      }
      case UncertainParam::Kind::sensitivity_normal:
        out.retention.sensitivity = u.counts[0] + u.counts[1] * rng::standard_normal(g);
        break;
      case UncertainParam::Kind::carryover_beta:
        out.retention.carryover = rng::beta(g, u.counts[0], u.counts[1]);
        break;
      case UncertainParam::Kind::segment_share_dirichlet: {
        double sum = 0;
        std::vector<double> x(u.counts.size(), 0.0);
        for (std::size_t i = 0; i < u.counts.size(); ++i) {
          if (u.counts[i] > 0) x[i] = rng::gamma(g, u.counts[i], 1.0);
          sum += x[i];
        }
        for (std::size_t i = 0; i < x.size() && i < out.segments.size(); ++i) out.segments[i].share = x[i] / sum;
        break;
      }
      case UncertainParam::Kind::retention_lognormal: {
        const double mu[2] = {u.counts[0], u.counts[1]};
        double s[2][2];
        log_covariance(mu, u.cov, s);
        // Cholesky of s, then x = exp(m + L z) with m = log(mu) - diag(s)/2.
        const double l00 = std::sqrt(s[0][0]);
        const double l10 = s[1][0] / l00;
        const double l11 = std::sqrt(s[1][1] - l10 * l10);
        const double z0 = rng::standard_normal(g);
        const double z1 = rng::standard_normal(g);
        RetentionParams p;
        p.alpha = std::exp(std::log(mu[0]) - 0.5 * s[0][0] + l00 * z0);
        p.beta = std::exp(std::log(mu[1]) - 0.5 * s[1][1] + l10 * z0 + l11 * z1);
        if (u.segment.empty()) {
          out.retention.default_params = p;
        } else {
          for (auto& seg : out.segments)
            if (seg.id == u.segment) seg.retention = p;
        }
        break;
      }
    }
  }
  return out;
}

namespace {

const TransitionMap* map_of(const JourneySpec& s, const UncertainParam& u) {
  const TouchpointSpec* tp = u.touchpoint.empty() ? nullptr : s.find_touchpoint(u.touchpoint);
  switch (u.kind) {
    case UncertainParam::Kind::start_dirichlet: return &s.start;
    case UncertainParam::Kind::next_ok_dirichlet: return tp ? &tp->next.ok : nullptr;
    case UncertainParam::Kind::next_friction_dirichlet: return tp ? &tp->next.friction : nullptr;
    default: return nullptr;
  }
}

std::string retention_path(const std::string& path) {
  const std::string suffix = ".covariance";
  return path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0
             ? path.substr(0, path.size() - suffix.size())
             : path;
}

}  // namespace

std::vector<std::string> uncertain_input_names(const JourneySpec& spec) {
  std::vector<std::string> out;
  for (const auto& u : spec.uncertain) {
    switch (u.kind) {
      case UncertainParam::Kind::friction_beta:
      case UncertainParam::Kind::sensitivity_normal:
      case UncertainParam::Kind::carryover_beta: out.push_back(u.path); break;
      case UncertainParam::Kind::start_dirichlet:
      case UncertainParam::Kind::next_ok_dirichlet:
      case UncertainParam::Kind::next_friction_dirichlet: {
        const TransitionMap* m = map_of(spec, u);
        for (std::size_t i = 0; i < u.counts.size(); ++i)
          out.push_back(u.path + "." + (m && i < m->size() ? (*m)[i].first : std::to_string(i)));
        break;
      }
      case UncertainParam::Kind::satisfaction_normal:
      case UncertainParam::Kind::effort_gamma: out.push_back(u.path); break;
      case UncertainParam::Kind::segment_share_dirichlet:
        for (std::size_t i = 0; i < u.counts.size(); ++i)
          out.push_back(i < spec.segments.size() ? "segments." + spec.segments[i].id + ".share" : std::to_string(i));
        break;
      case UncertainParam::Kind::retention_lognormal:
        out.push_back(retention_path(u.path) + ".alpha");
        out.push_back(retention_path(u.path) + ".beta");
        break;
    }
  }
  return out;
}

std::vector<double> uncertain_input_values(const JourneySpec& spec, const JourneySpec& drawn) {
  std::vector<double> out;
  const double nan = std::nan("");
  for (const auto& u : spec.uncertain) {
    const TouchpointSpec* tp = u.touchpoint.empty() ? nullptr : drawn.find_touchpoint(u.touchpoint);
    switch (u.kind) {
      case UncertainParam::Kind::friction_beta: out.push_back(tp ? tp->friction : nan); break;
      case UncertainParam::Kind::sensitivity_normal: out.push_back(drawn.retention.sensitivity); break;
      case UncertainParam::Kind::carryover_beta: out.push_back(drawn.retention.carryover); break;
      case UncertainParam::Kind::segment_share_dirichlet:
        for (std::size_t i = 0; i < u.counts.size(); ++i)
          out.push_back(i < drawn.segments.size() ? drawn.segments[i].share : nan);
        break;
      case UncertainParam::Kind::start_dirichlet:
      case UncertainParam::Kind::next_ok_dirichlet:
      case UncertainParam::Kind::next_friction_dirichlet: {
        const TransitionMap* m = map_of(drawn, u);
        for (std::size_t i = 0; i < u.counts.size(); ++i) out.push_back(m && i < m->size() ? (*m)[i].second : nan);
        break;
      }
      case UncertainParam::Kind::satisfaction_normal:
      case UncertainParam::Kind::effort_gamma: {
        const OkFriction<double>* d = !tp                                                   ? nullptr
                                      : u.kind == UncertainParam::Kind::satisfaction_normal ? &tp->satisfaction
                                                                                            : &tp->effort;
        out.push_back(!d ? nan : u.branch == UncertainParam::Branch::friction ? d->friction : d->ok);
        break;
      }
      case UncertainParam::Kind::retention_lognormal: {
        std::optional<RetentionParams> p = drawn.retention.default_params;
        if (!u.segment.empty())
          for (const auto& seg : drawn.segments)
            if (seg.id == u.segment) p = seg.retention;
        out.push_back(p ? p->alpha : nan);
        out.push_back(p ? p->beta : nan);
        break;
      }
    }
  }
  return out;
}

std::uint64_t draw_customer_seed(std::uint64_t seed, std::uint64_t draw) {
  rng::Stream g(seed, rng::Purpose::replication, draw, 1, 0);
  return g.next_u64();
}

}  // namespace cxsim::model
