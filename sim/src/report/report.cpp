#include "cxsim/report/report.h"

#include <system_error>

#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"

namespace cxsim::report {

std::filesystem::path write_report(const ReportOptions& o) {
  if (is_check_file(o.input)) {
    const std::filesystem::path out = o.output.empty() ? default_output(o.input, o.format) : o.output;
    core::check_output_path(out, {o.input});
    write_text_atomically(out, render_check(o.input, o.format));
    return out;
  }
  ResultsData data = read_results(o.input);
  const std::filesystem::path out = o.output.empty() ? default_output(o.input, o.format) : o.output;
  // The output rules (folder created, only a regular file replaced, never
  // the results file it reads): core/atomic_output.h.
  core::check_output_path(out, {o.input});
  if (o.format == Format::html) attach_journey_graph(data);
  write_text_atomically(out, o.format == Format::html ? render_html(data) : render_markdown(data));
  return out;
}

}  // namespace cxsim::report
