#pragma once
// The wording of the range rules the loaders and validators enforce, one
// helper per rule, so a rule reads the same wherever it is checked
// ("effort must be >= 0, got -2", "probability 1.5 is outside [0, 1]").
// `what` names the quantity; an empty `what` gives the bare rule ("must be
// >= 1, got 0"), for messages placed under a key path that already names it.
#include <string>
#include <string_view>

namespace cxsim::model {

// A number as messages show it: whole numbers as written, other values with
// core::fmt_number (short but exact enough).
class Shown {
 public:
  Shown(double x);     // NOLINT(google-explicit-constructor): implicit by design
  Shown(long long x);  // NOLINT(google-explicit-constructor)
  Shown(int x);        // NOLINT(google-explicit-constructor)
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// "<what> must be >= <bound>, got <got>"
std::string must_be_at_least(std::string_view what, Shown bound, Shown got);
// "<what> must be > <bound>, got <got>"
std::string must_be_greater(std::string_view what, Shown bound, Shown got);
// "<what> must be between <lo> and <hi>, got <got>"
std::string must_be_between(std::string_view what, Shown lo, Shown hi, Shown got);
// "<what> must be in [0, 1], got <got>" ("(0, 1]" when zero is excluded)
std::string must_be_in_unit_interval(std::string_view what, Shown got, bool zero_excluded = false);
// "<what> <got> is outside [0, 1]" (a probability or share as a value)
std::string outside_unit_interval(std::string_view what, Shown got);
// "<what> must be a finite number, got <got>" (NaN or an infinity, e.g. after
// chained scenario changes)
std::string must_be_finite(std::string_view what, Shown got);
// "expected a number, got <description>" (description: model::describe of the node)
std::string expected_number(std::string_view description);

}  // namespace cxsim::model
