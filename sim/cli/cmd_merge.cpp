// cxsim merge PART... -o FILE: join the partial files of `cxsim run --chunks`
// into the results file of the whole run (app/partial_run.h).
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/app/partial_run.h"
#include "progress.h"

namespace cxsim::cli {

namespace {

struct MergeOptions {
  std::vector<std::string> parts;
  std::string output;
  bool quiet = false;
};

int run_merge(const MergeOptions& o, const Context& ctx) {
  std::vector<std::filesystem::path> parts(o.parts.begin(), o.parts.end());
  ProgressBar bar("merging", !o.quiet);
  engine::RunHooks hooks;
  hooks.progress = [&](std::uint64_t d, std::uint64_t t) { bar.update(d, t); };
  hooks.stop = ctx.stop;
  const app::MergeOutcome m = app::merge_parts(parts, o.output, ctx.command_line, hooks);
  bar.finish();
  if (!o.quiet)
    std::cout << fmt::format("merged {} part{} ({} chunks, {} customers): {}\n", m.parts, m.parts == 1 ? "" : "s",
                             m.chunks, m.customers, m.output.string());
  return 0;
}

}  // namespace

void setup_merge(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<MergeOptions>();
  auto* sub = app.add_subcommand(
      "merge", "Join the partial files of `cxsim run --chunks` into the results file of the whole run");
  sub->add_option("parts", o->parts, "Partial files (any order; together every chunk exactly once)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", o->output, "Results file to write")->required();
  sub->add_flag("-q,--quiet", o->quiet, "No progress bar, no summary line");
  sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_merge(*o, ctx); }; });
}

}  // namespace cxsim::cli
