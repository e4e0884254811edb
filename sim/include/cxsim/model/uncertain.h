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

// `friction: {estimate: p, beta: [a, b]}` (estimate optional: the Beta's mean).
// Returns the estimate and appends the parameter to spec.uncertain.
std::optional<double> parse_beta_friction(NodeReader& r, const YAML::Node& node, const std::string& path,
                                          const std::string& touchpoint, JourneySpec& spec);

// `{dirichlet: {target: count, ...}}`: the estimate is count / sum (file order).
// `target` says which map it is (start, or a touchpoint's ok/friction branch).
std::optional<TransitionMap> parse_dirichlet_map(NodeReader& r, const YAML::Node& node, const std::string& path,
                                                 UncertainParam::Kind kind, const std::string& touchpoint,
                                                 JourneySpec& spec);

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

// The customer-stream seed of draw `draw`: independent inner Monte Carlo per
// draw (docs/methods/uncertainty.md), the same for every variant of the draw.
std::uint64_t draw_customer_seed(std::uint64_t seed, std::uint64_t draw);

}  // namespace cxsim::model
