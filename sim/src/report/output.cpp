// Output paths and atomic writing (no dependency beyond core).
#include <fstream>
#include <system_error>

#include <fmt/format.h>
#include <unistd.h>

#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"
#include "cxsim/report/report.h"

namespace cxsim::report {

Format parse_format(std::string_view name) {
  if (name == "html") return Format::html;
  if (name == "md") return Format::md;
  throw core::InputError(fmt::format("unknown report format '{}' (use html or md)", name));
}

std::filesystem::path default_output(const std::filesystem::path& results, Format format) {
  std::filesystem::path out = results;
  out.replace_extension(format == Format::html ? ".html" : ".md");
  return out;
}

void write_text_atomically(const std::filesystem::path& path, std::string_view text) {
  core::write_text_atomically(path, text);
}

}  // namespace cxsim::report
