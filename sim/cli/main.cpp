// cxsim command-line entry point. Parses the subcommand and maps typed errors
// to exit codes: this is the only place that does (0 ok, 1 runtime failure,
// 2 bad input).
#include <signal.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/version.h"

namespace {

// The one piece of global mutable state in cxsim, and the accepted exception
// to that rule (docs/devguide/style.md): a signal handler can reach nothing
// else. It holds the number of the first SIGINT/SIGTERM/SIGHUP; `run` polls
// it at every chunk boundary and before committing its outputs, `calibrate`
// every few thousand event rows, between its stages and before committing. A lock-free
// atomic, so reading and writing it is async-signal-safe.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  // A second signal while stopping: give up at once with the default action
  // (temporaries left behind are removed by the next run to the same output).
  if (g_stop_signal.exchange(sig) != 0) {
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }
}

// Only for commands that poll the flag: the others keep the default action
// (an immediate stop) so that Ctrl-C always works. A signal ignored when
// cxsim started (nohup, a background job of a script) stays ignored.
void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    ::sigaction(sig, &sa, nullptr);
  }
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cxsim;
  cli::Context ctx;
  ctx.stop = &g_stop_signal;
  for (int i = 0; i < argc; ++i) {
    if (i) ctx.command_line += ' ';
    ctx.command_line += argv[i];
  }
  CLI::App app{"cxsim: simulate customer journeys and answer what-if questions about customer experience", "cxsim"};
  app.set_version_flag("--version", std::string("cxsim ") + core::tool_version);
  app.require_subcommand(1);
  cli::setup_validate(app, ctx);
  cli::setup_analyze(app, ctx);
  cli::setup_run(app, ctx);
  cli::setup_inspect(app, ctx);
  cli::setup_report(app, ctx);
  cli::setup_calibrate(app, ctx);
  cli::setup_check(app, ctx);
  cli::setup_merge(app, ctx);

  if (argc == 1) {  // bare `cxsim`: the overview, a success (nothing was asked, nothing failed)
    std::cout << app.help();
    return 0;
  }
  if (const std::string bad = cli::unknown_argument(app, argc, argv); !bad.empty()) {
    std::cerr << "cxsim: error: " << bad << '\n';
    return static_cast<int>(core::ExitCode::bad_input);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help / the parse error
    return code == 0 ? 0 : static_cast<int>(core::ExitCode::bad_input);
  }
  if (!ctx.action) return 0;
  if (app.got_subcommand("run") || app.got_subcommand("calibrate")) install_stop_handlers();
  try {
    return ctx.action();
  } catch (const core::Interrupted& e) {
    std::cerr << "cxsim: stopped by " << signal_name(e.signal())
              << ": no output written (temporary files removed, existing files unchanged)\n";
    return static_cast<int>(e.exit_code());
  } catch (const core::InputError& e) {
    if (!e.diagnostics().empty()) std::cerr << e.diagnostics().format();
    else std::cerr << "cxsim: error: " << e.what() << '\n';
    return static_cast<int>(e.exit_code());
  } catch (const core::Error& e) {
    std::cerr << "cxsim: error: " << e.what() << '\n';
    return static_cast<int>(e.exit_code());
  } catch (const std::bad_alloc&) {
    std::cerr << "cxsim: error: out of memory\n";
    return static_cast<int>(core::ExitCode::runtime_failure);
  } catch (const std::exception& e) {
    std::cerr << "cxsim: internal error: " << e.what() << '\n';
    return static_cast<int>(core::ExitCode::runtime_failure);
  }
}
