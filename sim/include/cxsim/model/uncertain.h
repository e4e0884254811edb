#pragma once
// Parameters with uncertainty (MODEL.md section 14; docs/journey-format.md,
// "Uncertainty"; maths in docs/methods/uncertainty.md). The loader reads the
// distribution next to each estimate into JourneySpec::uncertain; a run without
// --uncertainty uses the estimates only (the same bits as the point-estimate
// twin file). draw_parameters() gives the spec of one parameter draw.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cxsim/model/journey_spec.h"
#include "cxsim/model/yaml_source.h"

namespace cxsim::model {

// Largest allowed |Beta mean - estimate|, in standard deviations of the Beta
// (an estimate may be the MLE while the counts are a posterior's).
inline constexpr double kBetaEstimateToleranceSd = 1.0;

// The node is one of the uncertainty forms ({estimate, beta}, {dirichlet}, ...).
bool is_beta_form(const YAML::Node& node);
bool is_dirichlet_form(const YAML::Node& node);

// `{estimate: x, sd: s}` (both required): a satisfaction or effort delta.
bool is_normal_form(const YAML::Node& node);

// retention.sensitivity (kind sensitivity_normal: Normal(x, s), branch both,
// touchpoint empty), a touchpoint's satisfaction (kind satisfaction_normal: Normal(x, s)) or
// effort (kind effort_gamma: Gamma with mean x > 0 and sd s, shape (x/s)^2)
// delta `{estimate: x, sd: s}` of `branch` (both: the one-number form, one draw
// for ok and friction). s finite and > 0. Returns the estimate and appends the
// parameter to spec.uncertain.
std::optional<double> parse_normal_delta(NodeReader& r, const YAML::Node& node, const std::string& path,
                                         UncertainParam::Kind kind, UncertainParam::Branch branch,
                                         const std::string& touchpoint, JourneySpec& spec);

// `friction: {estimate: p, beta: [a, b]}` (estimate optional: the Beta's mean).
// Returns the estimate and appends the parameter to spec.uncertain.
std::optional<double> parse_beta_friction(NodeReader& r, const YAML::Node& node, const std::string& path,
                                          const std::string& touchpoint, JourneySpec& spec);
// The `{estimate: p, beta: [a, b]}` form alone (estimate optional: the Beta's
// mean; it must be within kBetaEstimateToleranceSd of it), checked at the
// key's location: for a probability outside the journey (a scenario's
// recovery reach/success). Nothing is appended anywhere.
struct BetaCounts {
  double a = 0, b = 0, estimate = 0;
};
std::optional<BetaCounts> parse_beta_counts(NodeReader& r, const YAML::Node& node, const std::string& path);
// The same form for any probability-like parameter of `kind` (friction_beta,
// carryover_beta); `touchpoint` empty for a journey-wide one.
std::optional<double> parse_beta_param(NodeReader& r, const YAML::Node& node, const std::string& path,
                                       UncertainParam::Kind kind, const std::string& touchpoint, JourneySpec& spec);

// `{dirichlet: {target: count, ...}}`: the estimate is count / sum (file order).
// `target` says which map it is (start, or a touchpoint's ok/friction branch).
std::optional<TransitionMap> parse_dirichlet_map(NodeReader& r, const YAML::Node& node, const std::string& path,
                                                 UncertainParam::Kind kind, const std::string& touchpoint,
                                                 JourneySpec& spec);

// A segment's `share: {dirichlet: count}`: its count of a Dirichlet over
// every segment's share (count finite and >= 0).
bool is_dirichlet_share(const YAML::Node& node);
std::optional<double> parse_dirichlet_share(NodeReader& r, const YAML::Node& node, const std::string& path);
// After every segment is read (share_counts[i]: segment i's count, if it has
// one; share_nodes[i] its `share` node): when any segment has a count, every
// one must, and then the shares are count / sum (the Dirichlet's mean) and one
// uncertain parameter (segment_share_dirichlet) is appended.
void set_dirichlet_shares(NodeReader& r, const std::vector<YAML::Node>& share_nodes,
                          const std::vector<std::optional<double>>& share_counts, JourneySpec& spec);

// A touchpoint's duration parameter `param` of `d` (its family as parsed so
// far) written `{estimate: x, sd: s}`: drawn from a Gamma with mean x and sd s
// (kind duration_gamma), x > 0; a lognormal's p90 is drawn as the median plus a
// Gamma gap with mean x - median and sd s. Returns the estimate.
std::optional<double> parse_duration_param(NodeReader& r, const YAML::Node& node, const std::string& path,
                                           const DurationSpec& d, int param, UncertainParam::Branch branch,
                                           const std::string& touchpoint, JourneySpec& spec);

// A survey baseline `{dirichlet: [c_1, ..., c_k]}` of `scale` (nps, csat,
// ces): the estimate is counts / sum (kind survey_baseline_dirichlet).
std::optional<std::vector<double>> parse_dirichlet_list(NodeReader& r, const YAML::Node& node, const std::string& path,
                                                        const std::string& scale, JourneySpec& spec);

// `covariance: [[var_a, cov], [cov, var_b]]` next to a retention's alpha/beta
// (segment id, or empty for the top-level retention). Checks symmetry and
// positive definiteness at the key's location.
void parse_retention_covariance(NodeReader& r, const YAML::Node& node, const std::string& path,
                                const std::string& segment, const RetentionParams& estimate, JourneySpec& spec);

// The spec of parameter draw `draw` (0-based): every uncertain parameter drawn
// from its distribution, a pure function of (seed, draw, the parameter's index
// in spec.uncertain) with the rng purpose `replication` (10).
JourneySpec draw_parameters(const JourneySpec& spec, std::uint64_t seed, std::uint64_t draw);

// The scalar inputs of the uncertain parameters, in spec.uncertain order (the
// inputs of the sensitivity table, docs/methods/uncertainty.md): a friction is
// one input (its key path), a Dirichlet one per target (`<path>.<target>`: the
// target's probability), a retention two (`<path>.alpha`, `<path>.beta`, the
// path without `.covariance`).
std::vector<std::string> uncertain_input_names(const JourneySpec& spec);
// Their values in `drawn` (a draw_parameters result of `spec`), in the same order.
std::vector<double> uncertain_input_values(const JourneySpec& spec, const JourneySpec& drawn);

// One line per uncertain parameter, in spec.uncertain order, for `cxsim
// validate`: "<key path>: <distribution>", e.g. "pay.friction: Beta(40, 160)
// (mean 0.2)".
std::vector<std::string> describe_uncertain(const JourneySpec& spec);

// The customer-stream seed of draw `draw`: independent inner Monte Carlo per
// draw (docs/methods/uncertainty.md), the same for every variant of the draw.
std::uint64_t draw_customer_seed(std::uint64_t seed, std::uint64_t draw);

}  // namespace cxsim::model
