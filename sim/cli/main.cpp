// cxsim command-line entry point. Parses the subcommand and maps typed errors
// to exit codes: this is the only place that does (0 ok, 1 runtime failure,
// 2 bad input).
#include <cstdio>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/version.h"

int main(int argc, char** argv) {
  using namespace cxsim;
  cli::Context ctx;
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
  try {
    return ctx.action();
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
