#pragma once
// A progress bar on stderr, shown only when stderr is a terminal and the user
// did not ask for --quiet. Redraws at most ~10 times a second.
#include <chrono>
#include <cstdint>
#include <string>

namespace cxsim::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();
  void update(std::uint64_t done, std::uint64_t total);
  void finish();
  static bool stderr_is_terminal();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace cxsim::cli
