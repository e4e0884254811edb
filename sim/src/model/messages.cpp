#include "cxsim/model/messages.h"

#include <fmt/format.h>

#include "cxsim/core/strings.h"

namespace cxsim::model {

Shown::Shown(double x) : s_(core::fmt_number(x)) {}
Shown::Shown(long long x) : s_(fmt::format("{}", x)) {}
Shown::Shown(int x) : s_(fmt::format("{}", x)) {}

namespace {
// "<what> " or nothing.
std::string subject(std::string_view what) { return what.empty() ? std::string() : std::string(what) + " "; }
}  // namespace

std::string must_be_at_least(std::string_view what, Shown bound, Shown got) {
  return fmt::format("{}must be >= {}, got {}", subject(what), bound.str(), got.str());
}

std::string must_be_greater(std::string_view what, Shown bound, Shown got) {
  return fmt::format("{}must be > {}, got {}", subject(what), bound.str(), got.str());
}

std::string must_be_between(std::string_view what, Shown lo, Shown hi, Shown got) {
  return fmt::format("{}must be between {} and {}, got {}", subject(what), lo.str(), hi.str(), got.str());
}

std::string must_be_in_unit_interval(std::string_view what, Shown got, bool zero_excluded) {
  return fmt::format("{}must be in {}0, 1], got {}", subject(what), zero_excluded ? "(" : "[", got.str());
}

std::string outside_unit_interval(std::string_view what, Shown got) {
  return fmt::format("{}{} is outside [0, 1]", subject(what), got.str());
}

std::string must_be_finite(std::string_view what, Shown got) {
  return fmt::format("{}must be a finite number, got {}", subject(what), got.str());
}

std::string expected_number(std::string_view description) {
  return fmt::format("expected a number, got {}", description);
}

}  // namespace cxsim::model
