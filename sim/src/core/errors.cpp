#include "cxsim/core/errors.h"

#include <fmt/format.h>

namespace cxsim::core {

namespace {
std::string summarize(const Diagnostics& d) {
  std::string s = d.format();
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}
}  // namespace

InputError::InputError(Diagnostics diags) : Error(summarize(diags)), diags_(std::move(diags)) {}

Interrupted::Interrupted(int signal) : Error(fmt::format("stopped by signal {}", signal)), signal_(signal) {}

}  // namespace cxsim::core
