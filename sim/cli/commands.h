#pragma once
// One setup_<name>() per subcommand, each in cmd_<name>.cpp. A setup adds its
// subcommand and options to the app and, when the subcommand is chosen, sets
// `ctx.action` to the function main() runs (inside its error mapping).
#include <atomic>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace cxsim::cli {

struct Context {
  std::string command_line;     // as typed, for provenance
  std::function<int()> action;  // returns the exit code for success paths
  // Set by main(): non-zero once SIGINT/SIGTERM/SIGHUP arrived (the signal
  // number). Commands that poll it stop cleanly and throw core::Interrupted.
  const std::atomic<int>* stop = nullptr;
};

void setup_validate(CLI::App& app, Context& ctx);
void setup_analyze(CLI::App& app, Context& ctx);
void setup_run(CLI::App& app, Context& ctx);
void setup_inspect(CLI::App& app, Context& ctx);
void setup_report(CLI::App& app, Context& ctx);
void setup_calibrate(CLI::App& app, Context& ctx);

// The first argument that names no subcommand or no option of its subcommand,
// as a message with a did-you-mean (or the list of subcommands); empty when
// every one is known. Run after the setups, before parsing (usage.cpp).
std::string unknown_argument(CLI::App& app, int argc, const char* const* argv);

}  // namespace cxsim::cli
