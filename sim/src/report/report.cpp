#include "cxsim/report/report.h"

#include <system_error>

#include "cxsim/core/errors.h"

namespace cxsim::report {

std::filesystem::path write_report(const ReportOptions& o) {
  ResultsData data = read_results(o.input);
  const std::filesystem::path out = o.output.empty() ? default_output(o.input, o.format) : o.output;
  std::error_code ec;
  if (std::filesystem::equivalent(out, o.input, ec))
    throw core::InputError(out.string() + ": the report would overwrite the results file it reads");
  if (o.format == Format::html) attach_journey_graph(data);
  write_text_atomically(out, o.format == Format::html ? render_html(data) : render_markdown(data));
  return out;
}

}  // namespace cxsim::report
