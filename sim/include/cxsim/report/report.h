#pragma once
// `cxsim report`: a results file in, one self-contained HTML page (or a
// Markdown summary) out. The page makes no network request: styles are
// inline, charts are inline SVG drawn by svg.h, there are no scripts, fonts
// or external images, and a Content-Security-Policy forbids loading any.
#include <filesystem>
#include <string>
#include <string_view>

#include "cxsim/report/results_data.h"

namespace cxsim::report {

enum class Format { html, md };

// "html" / "md" (the names `cxsim report --format` takes); throws core::InputError otherwise.
Format parse_format(std::string_view name);

// The report next to the results file: same stem, .html or .md.
std::filesystem::path default_output(const std::filesystem::path& results, Format format);

// The whole page / summary from data already read.
std::string render_html(const ResultsData& data);
std::string render_markdown(const ResultsData& data);
// Markdown table cell text: '|' escaped, line breaks as spaces; and a path
// with each " > " (the step separator) as " → ". Both linear in the length.
std::string markdown_cell(std::string_view s);
std::string markdown_path(std::string_view path);

// Writes `text` to `path` atomically: into a temporary file in the same
// directory, renamed onto `path` when complete (a failure leaves no partial
// file under `path`). Throws core::InputError when the directory does not
// exist, core::RuntimeError when writing fails.
void write_text_atomically(const std::filesystem::path& path, std::string_view text);

// A `cxsim check` file (filetype cxsim-check, docs/check-format.md)? Its page
// is its table (check_page.cpp): write_report renders either kind of file.
bool is_check_file(const std::filesystem::path& path);
std::string render_check(const std::filesystem::path& path, Format format);

struct ReportOptions {
  std::filesystem::path input;
  std::filesystem::path output;  // empty: default_output(input, format)
  Format format = Format::html;
};

// Reads the results file (and the journey graph from its journey text),
// renders and writes the report; returns the path written.
std::filesystem::path write_report(const ReportOptions& options);

}  // namespace cxsim::report
