#include "cxsim/model/uncertain.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "cxsim/core/strings.h"
#include "cxsim/model/duration_family.h"
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
  if ((kind == UncertainParam::Kind::effort_gamma || kind == UncertainParam::Kind::duration_gamma) && !(*e > 0)) {
    r.error(node["estimate"], path + ".estimate",
            fmt::format("an uncertain {} needs an estimate > 0, got {} (it is drawn from a Gamma with this mean "
                        "and sd, so it is never negative)",
                        kind == UncertainParam::Kind::effort_gamma ? "effort" : "duration parameter", num(*e)));
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

std::optional<BetaCounts> parse_beta_counts(NodeReader& r, const YAML::Node& node, const std::string& path) {
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
  return BetaCounts{a, b, estimate};
}

std::optional<double> parse_beta_param(NodeReader& r, const YAML::Node& node, const std::string& path,
                                       UncertainParam::Kind kind, const std::string& touchpoint, JourneySpec& spec) {
  const auto c = parse_beta_counts(r, node, path);
  if (!c) return std::nullopt;
  r.locations().set(path, r.loc(node));
  UncertainParam u;
  u.kind = kind;
  u.touchpoint = touchpoint;
  u.counts = {c->a, c->b};
  u.path = path;
  spec.uncertain.push_back(std::move(u));
  return c->estimate;
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

// A segment override's fields (u.segment non-empty), else null.
OverrideSpec* segment_override(JourneySpec& s, const UncertainParam& u) {
  if (u.segment.empty() || u.touchpoint.empty()) return nullptr;
  for (auto& seg : s.segments)
    if (seg.id == u.segment)
      for (auto& [id, o] : seg.overrides)
        if (id == u.touchpoint) return &o;
  return nullptr;
}
const OverrideSpec* segment_override(const JourneySpec& s, const UncertainParam& u) {
  return segment_override(const_cast<JourneySpec&>(s), u);
}

// The map a Dirichlet parameter sets: start, a touchpoint's next branch, or
// (u.segment) a segment override's next branch.
const TransitionMap* map_of(const JourneySpec& s, const UncertainParam& u) {
  const TouchpointSpec* tp = u.touchpoint.empty() ? nullptr : s.find_touchpoint(u.touchpoint);
  const NextSpec* next = tp ? &tp->next : nullptr;
  if (!u.segment.empty()) {
    const OverrideSpec* o = segment_override(s, u);
    next = o && o->next ? &*o->next : nullptr;
  }
  if (u.kind == UncertainParam::Kind::start_dirichlet && !u.segment.empty()) {
    for (const auto& seg : s.segments)
      if (seg.id == u.segment) return seg.start ? &*seg.start : nullptr;
    return nullptr;
  }
  switch (u.kind) {
    case UncertainParam::Kind::start_dirichlet: return &s.start;
    case UncertainParam::Kind::next_ok_dirichlet: return next ? &next->ok : nullptr;
    case UncertainParam::Kind::next_friction_dirichlet: return next ? &next->friction : nullptr;
    default: return nullptr;
  }
}

void draw_dirichlet(rng::Stream& g, const std::vector<double>& counts, TransitionMap& map) {
  double sum = 0;
  std::vector<double> x(counts.size(), 0.0);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0) x[i] = rng::gamma(g, counts[i], 1.0);
    sum += x[i];
  }
  for (std::size_t i = 0; i < counts.size() && i < map.size(); ++i) map[i].second = x[i] / sum;
}

ScaleSpec* survey_scale(SurveySpec& s, const std::string& name) {
  return name == "nps" ? &s.nps : name == "csat" ? &s.csat : name == "ces" ? &s.ces : nullptr;
}
const ScaleSpec* survey_scale(const SurveySpec& s, const std::string& name) {
  return survey_scale(const_cast<SurveySpec&>(s), name);
}

// Duration parameter `u.param` of the branch(es) of tp to x. A lognormal's
// median moves its p90 by the same factor (its shape sigma is kept); its p90 is
// the (drawn) median plus a Gamma gap (docs/methods/uncertainty.md).
void set_duration(TouchpointSpec& tp, const UncertainParam& u, double x) {
  const auto one = [&](DurationSpec& d) {
    if (d.kind == DurationSpec::Kind::lognormal && u.param == 0) {
      if (d.a > 0) d.b *= x / d.a;
      d.a = x;
    } else if (d.kind == DurationSpec::Kind::lognormal && u.param == 1) {
      d.b = d.a + x;
    } else {
      duration_param(d, static_cast<std::size_t>(u.param)) = x;
    }
  };
  if (u.branch != UncertainParam::Branch::friction) one(tp.duration.ok);
  if (u.branch != UncertainParam::Branch::ok) one(tp.duration.friction);
}

}  // namespace

std::optional<double> parse_duration_param(NodeReader& r, const YAML::Node& node, const std::string& path,
                                           const DurationSpec& d, int param, UncertainParam::Branch branch,
                                           const std::string& touchpoint, JourneySpec& spec) {
  // An uncertain duration parameter is positive: drawn from a Gamma (as an effort).
  auto e = parse_normal_delta(r, node, path, UncertainParam::Kind::duration_gamma, branch, touchpoint, spec);
  if (!e) return std::nullopt;
  UncertainParam& u = spec.uncertain.back();
  u.param = param;
  // A lognormal's p90 is drawn as the median plus a gap (p90 - median): the
  // Gamma's mean is that gap, which validate() checks is > 0.
  if (d.kind == DurationSpec::Kind::lognormal && param == 1) u.counts[0] = *e - d.a;
  if (!(u.counts[0] > 0)) {
    r.error(node["estimate"], path + ".estimate",
            fmt::format("an uncertain lognormal p90 needs an estimate above the median {}, got {}", num(d.a), num(*e)));
    spec.uncertain.pop_back();
    return std::nullopt;
  }
  return e;
}

std::optional<std::vector<double>> parse_dirichlet_list(NodeReader& r, const YAML::Node& node, const std::string& path,
                                                        const std::string& scale, JourneySpec& spec) {
  r.check_keys(node, path, {"dirichlet"});
  const std::string dp = path + ".dirichlet";
  auto counts = r.number_list(node["dirichlet"], dp);
  if (!counts) return std::nullopt;
  double sum = 0;
  for (double c : *counts) {
    if (!(c >= 0) || !std::isfinite(c)) {
      r.error(node["dirichlet"], dp, fmt::format("a Dirichlet count must be finite and >= 0, got {}", num(c)));
      return std::nullopt;
    }
    sum += c;
  }
  if (!(sum > 0)) {
    r.error(node["dirichlet"], dp, "every count is 0; at least one must be > 0");
    return std::nullopt;
  }
  r.locations().set(path, r.loc(node));
  std::vector<double> out = *counts;
  for (double& x : out) x /= sum;
  UncertainParam u;
  u.kind = UncertainParam::Kind::survey_baseline_dirichlet;
  u.scale = scale;
  u.counts = *counts;
  u.path = path;
  spec.uncertain.push_back(std::move(u));
  return out;
}

JourneySpec draw_parameters(const JourneySpec& spec, std::uint64_t seed, std::uint64_t draw) {
  JourneySpec out = spec;
  for (std::size_t k = 0; k < spec.uncertain.size(); ++k) {
    const UncertainParam& u = spec.uncertain[k];
    rng::Stream g(seed, rng::Purpose::replication, draw, 0, static_cast<std::uint32_t>(k));
    TouchpointSpec* tp = u.touchpoint.empty() ? nullptr : out.find_touchpoint(u.touchpoint);
    OverrideSpec* ov = segment_override(out, u);
    switch (u.kind) {
      case UncertainParam::Kind::friction_beta: {
        const double x = rng::beta(g, u.counts[0], u.counts[1]);
        if (!u.segment.empty()) {
          if (ov) ov->friction = x;
        } else if (tp) {
          tp->friction = x;
        }
        break;
      }
      case UncertainParam::Kind::start_dirichlet:
      case UncertainParam::Kind::next_ok_dirichlet:
      case UncertainParam::Kind::next_friction_dirichlet:
        if (TransitionMap* m = const_cast<TransitionMap*>(map_of(out, u))) draw_dirichlet(g, u.counts, *m);
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
      case UncertainParam::Kind::duration_gamma: {
        const double m = u.counts[0], sd = u.counts[1];
        const double x = rng::gamma(g, (m / sd) * (m / sd), sd * sd / m);
        if (tp) set_duration(*tp, u, x);
        break;
      }
      case UncertainParam::Kind::response_rate_beta:
        out.survey.response_rate = rng::beta(g, u.counts[0], u.counts[1]);
        break;
      case UncertainParam::Kind::response_extremity_normal:
        out.survey.response_extremity = u.counts[0] + u.counts[1] * rng::standard_normal(g);
        break;
      case UncertainParam::Kind::survey_slope_normal:
        if (ScaleSpec* sc = survey_scale(out.survey, u.scale))
          sc->slope = u.counts[0] + u.counts[1] * rng::standard_normal(g);
        break;
      case UncertainParam::Kind::survey_baseline_dirichlet: {
        double sum = 0;
        std::vector<double> x(u.counts.size(), 0.0);
        for (std::size_t i = 0; i < u.counts.size(); ++i) {
          if (u.counts[i] > 0) x[i] = rng::gamma(g, u.counts[i], 1.0);
          sum += x[i];
        }
        for (double& y : x) y /= sum;
        if (ScaleSpec* sc = survey_scale(out.survey, u.scale)) sc->baseline = std::move(x);
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
      case UncertainParam::Kind::effort_gamma:
      case UncertainParam::Kind::duration_gamma:
      case UncertainParam::Kind::response_rate_beta:
      case UncertainParam::Kind::response_extremity_normal:
      case UncertainParam::Kind::survey_slope_normal: out.push_back(u.path); break;
      case UncertainParam::Kind::survey_baseline_dirichlet: {
        // One input per score: NPS scores 0..10, CSAT and CES 1..scale.
        const int first = u.scale == "nps" ? 0 : 1;
        for (std::size_t i = 0; i < u.counts.size(); ++i)
          out.push_back(u.path + "." + std::to_string(static_cast<int>(i) + first));
        break;
      }
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
      case UncertainParam::Kind::friction_beta: {
        const OverrideSpec* ov = segment_override(drawn, u);
        out.push_back(!u.segment.empty() ? (ov && ov->friction ? *ov->friction : nan) : tp ? tp->friction : nan);
        break;
      }
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
      case UncertainParam::Kind::duration_gamma: {
        const DurationSpec* d = !tp                                            ? nullptr
                                : u.branch == UncertainParam::Branch::friction ? &tp->duration.friction
                                                                               : &tp->duration.ok;
        out.push_back(d ? duration_param(*const_cast<DurationSpec*>(d), static_cast<std::size_t>(u.param)) : nan);
        break;
      }
      case UncertainParam::Kind::response_rate_beta: out.push_back(drawn.survey.response_rate); break;
      case UncertainParam::Kind::response_extremity_normal: out.push_back(drawn.survey.response_extremity); break;
      case UncertainParam::Kind::survey_slope_normal: {
        const ScaleSpec* sc = survey_scale(drawn.survey, u.scale);
        out.push_back(sc ? sc->slope : nan);
        break;
      }
      case UncertainParam::Kind::survey_baseline_dirichlet: {
        const ScaleSpec* sc = survey_scale(drawn.survey, u.scale);
        for (std::size_t i = 0; i < u.counts.size(); ++i)
          out.push_back(sc && i < sc->baseline.size() ? sc->baseline[i] : nan);
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

std::vector<std::string> describe_uncertain(const JourneySpec& spec) {
  std::vector<std::string> out;
  const auto counts = [](const std::vector<double>& c) {
    std::string t;
    for (std::size_t i = 0; i < c.size(); ++i) t += (i ? ", " : "") + num(c[i]);
    return t;
  };
  for (const auto& u : spec.uncertain) {
    std::string d;
    switch (u.kind) {
      case UncertainParam::Kind::friction_beta:
      case UncertainParam::Kind::carryover_beta:
      case UncertainParam::Kind::response_rate_beta:
        d = fmt::format("Beta({}, {}) (mean {})", num(u.counts[0]), num(u.counts[1]),
                        num(u.counts[0] / (u.counts[0] + u.counts[1])));
        break;
      case UncertainParam::Kind::start_dirichlet:
      case UncertainParam::Kind::next_ok_dirichlet:
      case UncertainParam::Kind::next_friction_dirichlet:
      case UncertainParam::Kind::segment_share_dirichlet:
      case UncertainParam::Kind::survey_baseline_dirichlet:
        d = fmt::format("Dirichlet({}) over {} {}", counts(u.counts), u.counts.size(),
                        u.kind == UncertainParam::Kind::segment_share_dirichlet     ? "segment shares"
                        : u.kind == UncertainParam::Kind::survey_baseline_dirichlet ? "scores"
                                                                                    : "targets");
        break;
      case UncertainParam::Kind::satisfaction_normal:
      case UncertainParam::Kind::sensitivity_normal:
      case UncertainParam::Kind::response_extremity_normal:
      case UncertainParam::Kind::survey_slope_normal:
        d = fmt::format("Normal(mean {}, sd {})", num(u.counts[0]), num(u.counts[1]));
        break;
      case UncertainParam::Kind::effort_gamma:
        d = fmt::format("Gamma(mean {}, sd {})", num(u.counts[0]), num(u.counts[1]));
        break;
      case UncertainParam::Kind::duration_gamma: {
        const TouchpointSpec* tp = spec.find_touchpoint(u.touchpoint);
        const bool gap = tp && u.param == 1 && tp->duration.ok.kind == DurationSpec::Kind::lognormal &&
                         u.branch != UncertainParam::Branch::friction;
        const bool gap_fr = tp && u.param == 1 && tp->duration.friction.kind == DurationSpec::Kind::lognormal &&
                            u.branch == UncertainParam::Branch::friction;
        d = gap || gap_fr ? fmt::format("median + Gamma(mean {}, sd {})", num(u.counts[0]), num(u.counts[1]))
                          : fmt::format("Gamma(mean {}, sd {})", num(u.counts[0]), num(u.counts[1]));
        break;
      }
      case UncertainParam::Kind::retention_lognormal:
        d = fmt::format("log-normal (alpha, beta) with mean ({}, {}) and covariance [[{}, {}], [{}, {}]]",
                        num(u.counts[0]), num(u.counts[1]), num(u.cov[0][0]), num(u.cov[0][1]), num(u.cov[1][0]),
                        num(u.cov[1][1]));
        break;
    }
    out.push_back(u.path + ": " + d);
  }
  return out;
}

std::uint64_t draw_customer_seed(std::uint64_t seed, std::uint64_t draw) {
  rng::Stream g(seed, rng::Purpose::replication, draw, 1, 0);
  return g.next_u64();
}

}  // namespace cxsim::model
