#pragma once
// One setup_<name>() per subcommand, each in cmd_<name>.cpp. A setup adds its
// subcommand and options to the app and, when the subcommand is chosen, sets
// `ctx.action` to the function main() runs (inside its error mapping).
#include <atomic>
#include <charconv>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <CLI/CLI.hpp>

namespace cxsim::cli {

struct Context {
  std::string command_line;     // as typed, for provenance
  std::function<int()> action;  // returns the exit code for success paths
  // Set by main(): non-zero once SIGINT/SIGTERM/SIGHUP arrived (the signal
  // number). Commands that poll it stop cleanly and throw core::Interrupted.
  const std::atomic<int>* stop = nullptr;
  // Kept until main() returns: an MPI session (app/mpi_run.h) is finalised
  // only after main() printed the error, so that mpirun, which ends the job
  // once a rank exits non-zero, cannot stop rank 0 before its message.
  std::shared_ptr<void> session;
};

// The largest --seed: results files and fit reports store the seed as a
// signed 64-bit attribute, so larger seeds would read back negative.
inline constexpr std::uint64_t kMaxSeed = std::numeric_limits<std::int64_t>::max();

// Adds an option for a whole number in [lo, hi], read from its text with
// std::from_chars: CLI11 converts "-5" into an unsigned target by wrapping
// (2^64 - 5) and saturates "2^64" or "1e23"; here anything but plain decimal
// digits within the range is a parse error (exit 2) naming the option, the
// range and the text. T is an unsigned integer type or an optional of one.
template <class T>
CLI::Option* add_whole_number(CLI::App* sub, const std::string& name, T& target, const std::string& description,
                              std::uint64_t lo, std::uint64_t hi) {
  const std::string shown_name = name.substr(name.rfind(',') == std::string::npos ? 0 : name.rfind(',') + 1);
  auto* opt = sub->add_option_function<std::string>(
      name,
      [&target, lo, hi, shown_name](const std::string& text) {
        std::uint64_t v = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, v);
        if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi)
          throw CLI::ValidationError(shown_name, "expected a whole number from " + std::to_string(lo) + " to " +
                                                     std::to_string(hi) + ", got '" + text + "'");
        target = static_cast<std::remove_reference_t<decltype(*&target)>>(v);
      },
      description);
  return opt->type_name("UINT");
}

void setup_validate(CLI::App& app, Context& ctx);
void setup_analyze(CLI::App& app, Context& ctx);
void setup_run(CLI::App& app, Context& ctx);
void setup_merge(CLI::App& app, Context& ctx);
void setup_inspect(CLI::App& app, Context& ctx);
void setup_report(CLI::App& app, Context& ctx);
void setup_calibrate(CLI::App& app, Context& ctx);
void setup_check(CLI::App& app, Context& ctx);

// The first argument that names no subcommand or no option of its subcommand,
// as a message with a did-you-mean (or the list of subcommands); empty when
// every one is known. Run after the setups, before parsing (usage.cpp).
std::string unknown_argument(CLI::App& app, int argc, const char* const* argv);

}  // namespace cxsim::cli
