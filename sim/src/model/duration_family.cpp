#include "cxsim/model/duration_family.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/model/messages.h"

namespace cxsim::model {

namespace {

using K = DurationSpec::Kind;

constexpr double kZ90 = 1.2815515655446004;  // standard normal 0.9 quantile

// Numbers as the journey writer writes them: 6 significant digits (0 as "0")
// or 8 where the fit's precision matters.
std::string short_number(double x) { return x == 0 ? std::string("0") : fmt::format("{:.6g}", x); }
std::string long_number(double x) { return fmt::format("{:.8g}", x); }
double parse_number(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

double lognormal_sigma(const DurationSpec& d) { return std::log(d.b / d.a) / kZ90; }

// The cap every family applies to its parameters and its mean (NaN fails it
// too); true when x passed.
bool within_cap(double x, const std::string& param, std::string_view what, std::vector<DurationProblem>& out) {
  if (!std::isfinite(x)) {
    out.push_back({param, must_be_finite(what, x)});
    return false;
  }
  if (x > kMaxDuration) {
    out.push_back({param, fmt::format("{} must be at most {} (time units), got {}", what, Shown(kMaxDuration).str(),
                                      Shown(x).str())});
    return false;
  }
  return true;
}

// Shared by the families whose first parameter is the mean (or the value) itself.
double mean_is_first(const DurationSpec& d) { return d.a; }
SamplerParams sampler_is_first(const DurationSpec& d) { return SamplerParams{d.a, 0.0}; }
std::vector<std::string> write_first_short(const DurationSpec& d) { return {short_number(d.a)}; }

std::vector<DurationFamily> make_families() {
  std::vector<DurationFamily> f;
  f.push_back({
      .kind = K::fixed,
      .name = "fixed",
      .params = {"value"},
      .bare = true,
      .check =
          [](const DurationSpec& d, std::vector<DurationProblem>& out) {
            if (d.a < 0) out.push_back({"fixed", must_be_at_least("a duration", 0, d.a)});
            else within_cap(d.a, "fixed", "a duration", out);
          },
      .mean = mean_is_first,
      .sampler = sampler_is_first,
      .yaml_params = write_first_short,
  });
  f.push_back({
      .kind = K::exponential,
      .name = "exponential",
      .params = {"mean"},
      .check =
          [](const DurationSpec& d, std::vector<DurationProblem>& out) {
            if (!(d.a > 0)) out.push_back({"mean", must_be_greater("exponential mean", 0, d.a)});
            else within_cap(d.a, "mean", "exponential mean", out);
          },
      .mean = mean_is_first,
      .sampler = sampler_is_first,
      .yaml_params = write_first_short,
  });
  f.push_back({
      .kind = K::lognormal,
      .name = "lognormal",
      .params = {"median", "p90"},
      .check =
          [](const DurationSpec& d, std::vector<DurationProblem>& out) {
            if (!(d.a > 0)) out.push_back({"median", must_be_greater("lognormal median", 0, d.a)});
            else if (!(d.b > d.a))
              out.push_back({"p90", fmt::format("lognormal p90 ({}) must be greater than the median ({})",
                                                Shown(d.b).str(), Shown(d.a).str())});
            else if (within_cap(d.a, "median", "lognormal median", out) &&
                     within_cap(d.b, "p90", "lognormal p90", out)) {
              // A p90 far above a tiny median gives a huge sigma: the mean
              // (and the samples) overflow although both parameters are small.
              const double sigma = lognormal_sigma(d);
              const double mean = d.a * std::exp(0.5 * sigma * sigma);
              if (!(mean <= kMaxDuration))
                out.push_back({"p90", fmt::format("lognormal median {} and p90 {} give a mean of {}; the mean must be "
                                                  "at most {} (time units): bring p90 closer to the median",
                                                  Shown(d.a).str(), Shown(d.b).str(), Shown(mean).str(),
                                                  Shown(kMaxDuration).str())});
            }
          },
      .mean =
          [](const DurationSpec& d) {
            const double sigma = lognormal_sigma(d);
            return d.a * std::exp(0.5 * sigma * sigma);
          },
      .sampler =
          [](const DurationSpec& d) {
            return SamplerParams{std::log(d.a), lognormal_sigma(d)};
          },
      .yaml_params =
          [](const DurationSpec& d) {
            // Rounding must keep p90 above the median (the file has to validate).
            std::string m = long_number(d.a), q = long_number(d.b);
            if (!(parse_number(q) > parse_number(m)))
              q = fmt::format("{:.17g}", std::nextafter(parse_number(m), INFINITY) * (1 + 1e-12));
            return std::vector<std::string>{m, q};
          },
  });
  f.push_back({
      .kind = K::gamma,
      .name = "gamma",
      .params = {"mean", "sd"},
      .check =
          [](const DurationSpec& d, std::vector<DurationProblem>& out) {
            if (!(d.a > 0)) out.push_back({"mean", must_be_greater("gamma mean", 0, d.a)});
            if (!(d.b > 0))
              out.push_back({"sd", must_be_greater("gamma sd", 0, d.b) + " (use {fixed: x} for a constant)"});
            if (!(d.a > 0 && d.b > 0)) return;
            if (!within_cap(d.a, "mean", "gamma mean", out) || !within_cap(d.b, "sd", "gamma sd", out)) return;
            // The sampler's shape (mean/sd)^2 and scale sd^2/mean must be
            // usable numbers: a tiny sd overflows the shape, a tiny mean
            // under a large sd the scale (and the samples).
            const double shape = (d.a / d.b) * (d.a / d.b), scale = d.b * d.b / d.a;
            if (!(std::isfinite(shape) && scale > 0))
              out.push_back({"sd", fmt::format("gamma sd {} is too small for the mean {}: the shape (mean/sd)^2 "
                                               "overflows (use {{fixed: x}} for a constant)",
                                               Shown(d.b).str(), Shown(d.a).str())});
            else if (!(shape > 0 && scale <= kMaxDuration * kMaxDuration))
              out.push_back({"sd", fmt::format("gamma sd {} is too large for the mean {}: the scale sd^2/mean must "
                                               "be at most {}, got {}",
                                               Shown(d.b).str(), Shown(d.a).str(),
                                               Shown(kMaxDuration * kMaxDuration).str(), Shown(scale).str())});
          },
      .mean = mean_is_first,
      // shape (mean/sd)^2, scale sd^2/mean
      .sampler =
          [](const DurationSpec& d) {
            return SamplerParams{(d.a / d.b) * (d.a / d.b), d.b * d.b / d.a};
          },
      .yaml_params =
          [](const DurationSpec& d) {
            return std::vector<std::string>{long_number(d.a), long_number(d.b)};
          },
  });
  return f;
}

// "a, b or c"
std::string or_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

}  // namespace

const std::vector<DurationFamily>& duration_families() {
  static const std::vector<DurationFamily> families = make_families();
  return families;
}

const DurationFamily& duration_family(DurationSpec::Kind kind) {
  const auto& f = duration_families();
  const auto i = static_cast<std::size_t>(kind);
  if (i >= f.size() || f[i].kind != kind) throw core::RuntimeError("internal: unknown duration family");
  return f[i];
}

const DurationFamily* find_duration_family(std::string_view name) {
  for (const auto& f : duration_families())
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> duration_family_names() {
  std::vector<std::string> v;
  for (const auto& f : duration_families()) v.push_back(f.name);
  return v;
}

double& duration_param(DurationSpec& d, std::size_t i) { return i == 0 ? d.a : d.b; }

int duration_param_index(const DurationSpec& d, std::string_view name) {
  const auto& f = duration_family(d.kind);
  for (std::size_t i = 0; i < f.params.size(); ++i)
    if (f.params[i] == name) return static_cast<int>(i);
  if (f.bare && name == f.name) return 0;
  return -1;
}

std::vector<std::string> duration_param_names(const DurationSpec& d) {
  const auto& f = duration_family(d.kind);
  auto names = f.params;
  if (f.bare) names.push_back(f.name);
  return names;
}

std::vector<DurationProblem> duration_problems(const DurationSpec& d) {
  std::vector<DurationProblem> out;
  duration_family(d.kind).check(d, out);
  return out;
}

double duration_mean(const DurationSpec& d) { return duration_family(d.kind).mean(d); }

SamplerParams duration_sampler_params(const DurationSpec& d) { return duration_family(d.kind).sampler(d); }

std::string duration_yaml(const DurationSpec& d) {
  const auto& f = duration_family(d.kind);
  const auto values = f.yaml_params(d);
  if (f.bare) return fmt::format("{{{}: {}}}", f.name, values.front());
  std::string inner;
  for (std::size_t i = 0; i < f.params.size(); ++i)
    inner += fmt::format("{}{}: {}", i == 0 ? "" : ", ", f.params[i], values[i]);
  return fmt::format("{{{}: {{{}}}}}", f.name, inner);
}

std::string duration_forms() {
  std::vector<std::string> forms;
  for (const auto& f : duration_families()) {
    if (f.bare) {
      forms.push_back(fmt::format("{{{}: x}}", f.name));
      continue;
    }
    std::string keys;
    for (std::size_t i = 0; i < f.params.size(); ++i) keys += (i == 0 ? "" : ", ") + f.params[i];
    forms.push_back(fmt::format("{{{}: {{{}}}}}", f.name, keys));
  }
  return "a distribution: " + or_list(forms);
}

}  // namespace cxsim::model
