// cxsim report RESULTS.h5: one self-contained HTML page (or a Markdown
// summary) from a results file. Reads only the file; never re-simulates.
#include <iostream>
#include <memory>

#include "commands.h"
#include "cxsim/report/report.h"

namespace cxsim::cli {

namespace {

struct ReportOptions {
  std::string file;
  std::string output;
  std::string format = "html";
  bool quiet = false;
};

int run_report(const ReportOptions& o) {
  report::ReportOptions r;
  r.input = o.file;
  r.output = o.output;
  r.format = report::parse_format(o.format);
  const auto written = report::write_report(r);
  if (!o.quiet) std::cout << "report: " << written.string() << '\n';
  return 0;
}

}  // namespace

void setup_report(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  auto* sub =
      app.add_subcommand("report", "Write a self-contained HTML report (or Markdown summary) of a results file");
  sub->add_option("file", o->file, "Results file (.h5) written by cxsim run, or a check file written by cxsim check -o")
      ->required();
  sub->add_option("-o,--output", o->output, "Report file (default: next to the results file, .html or .md)");
  sub->add_option("--format", o->format, "html (one page, no external requests) or md (Markdown summary)")
      ->check(CLI::IsMember({"html", "md"}));
  sub->add_flag("-q,--quiet", o->quiet, "Do not print the path written");
  sub->callback([o, &ctx] { ctx.action = [o] { return run_report(*o); }; });
}

}  // namespace cxsim::cli
