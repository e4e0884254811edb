#pragma once
// Duration families (docs/journey-format.md, "Durations"), each described
// once: its name and parameter keys in the file, the checks on its
// parameters (with their messages), its mean, the sampler parameters it
// compiles to and how it is written back as YAML. The journey parser, the
// validator, compile(), the analytics (through DurationSampler::mean), the
// scenario changes, calibration's fit and its journey writer all read this
// table; the engine draws from the compiled sampler (engine/simulate.cpp).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cxsim/model/journey_spec.h"

namespace cxsim::model {

// The largest duration parameter (and mean) a journey may give, in its time
// unit (docs/journey-format.md, "Durations"): far beyond any journey, and
// small enough that every sample, a walk's total time over max_steps steps
// and the sums over all customers stay finite.
inline constexpr double kMaxDuration = 1e12;

// A parameter that breaks a family's rule: reported under `<path>.<param>`.
struct DurationProblem {
  std::string param;
  std::string message;
};

// What a family compiles to (DurationSampler::p1, p2; see compiled_model.h).
struct SamplerParams {
  double p1 = 0.0;
  double p2 = 0.0;
};

struct DurationFamily {
  DurationSpec::Kind kind;
  std::string name;                 // the key in the file: {lognormal: {median, p90}}
  std::vector<std::string> params;  // parameter keys: DurationSpec::a, then b
  // Written {name: x} (one bare number; its parameter can also be named
  // `name`) rather than {name: {param: x, ...}}.
  bool bare = false;
  void (*check)(const DurationSpec& d, std::vector<DurationProblem>& out);
  double (*mean)(const DurationSpec& d);  // in the journey's time unit
  SamplerParams (*sampler)(const DurationSpec& d);
  // The parameters as written by the journey writer (one string each).
  std::vector<std::string> (*yaml_params)(const DurationSpec& d);
};

// Every family, in the order DurationSpec::Kind declares them.
const std::vector<DurationFamily>& duration_families();
const DurationFamily& duration_family(DurationSpec::Kind kind);
const DurationFamily* find_duration_family(std::string_view name);
std::vector<std::string> duration_family_names();

// DurationSpec::a (i = 0) or b (i = 1).
double& duration_param(DurationSpec& d, std::size_t i);
// Index of parameter `name` of d's family (for a bare family also its own
// name), or -1.
int duration_param_index(const DurationSpec& d, std::string_view name);
// The names duration_param_index accepts for d's family.
std::vector<std::string> duration_param_names(const DurationSpec& d);

// The family's checks on d.
std::vector<DurationProblem> duration_problems(const DurationSpec& d);
// Mean of a duration distribution, in the journey's time unit.
double duration_mean(const DurationSpec& d);
SamplerParams duration_sampler_params(const DurationSpec& d);
// "{lognormal: {median: 2, p90: 6}}", as the journey writer writes it.
std::string duration_yaml(const DurationSpec& d);
// "a distribution: {fixed: x}, {exponential: {mean}}, ... or {gamma: {mean, sd}}"
std::string duration_forms();

}  // namespace cxsim::model
