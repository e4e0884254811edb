// Fuzz harness: the results-file readers. The input is written to a scratch
// .h5 file, then read the two ways the CLI reads results: the walk of
// `cxsim inspect` (root attributes, variants in order, their summaries,
// comparisons, analytics) through the io layer, and `cxsim report` (
// report::read_results, the journey graph from the stored journey text, the
// HTML page and the Markdown summary, rendered in memory). A broken file must
// be refused with a core::Error (exit 2, or 1 for a runtime failure); any
// other exception, a crash or a sanitizer report is a finding.
#include <cstdint>
#include <string>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "cxsim/report/report.h"
#include "cxsim/report/results_data.h"
#include "fuzz_support.h"

namespace {

using namespace cxsim;

// The reads `cxsim inspect` makes (sim/cli/cmd_inspect.cpp), without printing.
void inspect_walk(const std::string& path) {
  io::File f = io::File::open(path);
  for (const char* a : {"filetype", "format_version", "tool_version", "journey", "created_utc", "command_line"})
    if (f.has_attribute(a)) (void)f.attribute_string(a);
  for (const char* a : {"format_version_major", "customers", "periods", "seed"})
    if (f.has_attribute(a)) (void)f.attribute_int64(a);
  if (f.is_group("analytics"))
    for (const auto& v : f.open_group("analytics").list()) {
      if (!f.is_group("analytics/" + v)) continue;
      (void)io::read_table(f.open_group("analytics/" + v), "summary");
    }
  if (f.is_group("variants")) {
    for (const auto& v : f.open_group("variants").list()) {
      io::Group g = f.open_group("variants/" + v);
      for (const char* a : {"order", "timeout_walks", "walks", "max_steps"})
        if (g.has_attribute(a)) (void)g.attribute_int64(a);
      if (g.has_attribute("description")) (void)g.attribute_string("description");
      (void)io::read_table(g, "summary");
    }
  }
  if (f.is_group("comparisons")) {
    io::Group c = f.open_group("comparisons");
    for (const auto& name : c.list()) (void)io::read_table(c, name);
  }
}

void report_read(const std::string& path) {
  report::ResultsData d = report::read_results(path);
  report::attach_journey_graph(d);
  (void)report::render_html(d);
  (void)report::render_markdown(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = fuzz::write_scratch("input.h5", fuzz::as_text(data, size)).string();
  try {
    inspect_walk(file);
  } catch (const core::Error&) {
  }
  try {
    report_read(file);
  } catch (const core::Error&) {
  }
  return 0;
}
