// Output paths and atomic writing (no dependency beyond core).
#include <fstream>
#include <system_error>

#include <fmt/format.h>
#include <unistd.h>

#include "cxsim/core/errors.h"
#include "cxsim/report/report.h"

namespace cxsim::report {

Format parse_format(std::string_view name) {
  if (name == "html") return Format::html;
  if (name == "md" || name == "markdown") return Format::md;
  throw core::InputError(fmt::format("unknown report format '{}' (use html or md)", name));
}

std::filesystem::path default_output(const std::filesystem::path& results, Format format) {
  std::filesystem::path out = results;
  out.replace_extension(format == Format::html ? ".html" : ".md");
  return out;
}

void write_text_atomically(const std::filesystem::path& path, std::string_view text) {
  namespace fs = std::filesystem;
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw core::InputError(fmt::format("{}: the output directory '{}' does not exist", path.string(), dir.string()));
  static int counter = 0;
  const fs::path tmp = dir / fmt::format(".{}.tmp-{}-{}", path.filename().string(), ::getpid(), counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw core::RuntimeError(fmt::format("{}: cannot create a temporary file to write", tmp.string()));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      throw core::RuntimeError(fmt::format("{}: writing failed (disk full?)", tmp.string()));
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw core::RuntimeError(fmt::format("{}: cannot rename the finished report into place: {}", path.string(),
                                         ec.message()));
  }
}

}  // namespace cxsim::report
