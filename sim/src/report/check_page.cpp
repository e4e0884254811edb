// `cxsim report CHECK.h5`: the table of a `cxsim check` file (filetype
// cxsim-check, docs/check-format.md) as one self-contained HTML page or a
// Markdown summary. Reads only the file.
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/table.h"
#include "cxsim/report/report.h"
#include "cxsim/report/svg.h"
#include "html_page.h"

namespace cxsim::report {

namespace {

using html::h;
using html::kStyle;

std::string text_attr(const io::File& f, std::string_view name) {
  if (f.has_attribute(name) && f.attribute_type(name) == io::AttributeType::string) return f.attribute_string(name);
  return {};
}
std::optional<std::int64_t> int_attr(const io::File& f, std::string_view name) {
  if (f.has_attribute(name) && f.attribute_type(name) == io::AttributeType::int64) return f.attribute_int64(name);
  return std::nullopt;
}
std::optional<double> num_attr(const io::File& f, std::string_view name) {
  if (f.has_attribute(name) && f.attribute_type(name) == io::AttributeType::float64) return f.attribute_double(name);
  return std::nullopt;
}

std::string num(double x, bool nps) {
  if (!std::isfinite(x)) return "–";
  return nps ? fmt::format("{:.2f}", x) : fmt::format("{:.4f}", x);
}

}  // namespace

bool is_check_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  try {
    const io::File f = io::File::open(path);
    return text_attr(f, "filetype") == "cxsim-check";
  } catch (const core::Error&) {
    return false;
  }
}

std::string render_check(const std::filesystem::path& path, Format format) {
  const io::File f = io::File::open(path);
  const auto major = int_attr(f, "format_version_major");
  if (!major || *major != 1)
    throw core::InputError(fmt::format("{}: check format {} is not supported by this cxsim (reads 1.x)", path.string(),
                                       text_attr(f, "format_version")));
  const io::Table t = io::read_table(f, "check/rows");
  const io::Table w = io::read_table(f, "check/warnings");
  const auto& metric = t.get_string("metric");
  const auto& key = t.get_string("key");
  const auto& result = t.get_string("result");
  const auto& z = t.get_double("z");
  const char* cols[6] = {"observed", "observed_lo", "observed_hi", "simulated", "simulated_lo", "simulated_hi"};
  std::vector<const std::vector<double>*> c;
  for (const char* n : cols) c.push_back(&t.get_double(n));
  const bool pass = int_attr(f, "pass").value_or(0) == 1;
  const std::string verdict = fmt::format(
      "{}: {} of {} tested rows fail (Bonferroni |z| > {:.2f}, family-wise alpha {})", pass ? "PASS" : "FAIL",
      int_attr(f, "rows_failed").value_or(0), int_attr(f, "rows_tested").value_or(0),
      num_attr(f, "threshold_z").value_or(NAN), num_attr(f, "alpha").value_or(NAN));
  const std::string inputs = fmt::format(
      "model {} · events {}{}{}{} · {} observed customers, {} simulated, {} periods", text_attr(f, "model"),
      text_attr(f, "events"), text_attr(f, "surveys").empty() ? "" : " · surveys " + text_attr(f, "surveys"),
      text_attr(f, "lifetimes").empty() ? "" : " · lifetimes " + text_attr(f, "lifetimes"),
      text_attr(f, "cohorts").empty() ? "" : " · cohorts " + text_attr(f, "cohorts"),
      int_attr(f, "customers_observed").value_or(0), int_attr(f, "customers_simulated").value_or(0),
      int_attr(f, "periods").value_or(0));
  std::string out;
  if (format == Format::md) {
    out += "# cxsim check\n\n" + markdown_cell(inputs) + "\n\n**" + verdict + "**\n\n";
    out += "| metric | key | observed [95% CI] | simulated [95% CI] | z | result |\n|---|---|---|---|---|---|\n";
    for (std::size_t i = 0; i < t.rows(); ++i) {
      const bool n = metric[i] == "nps";
      out += fmt::format("| {} | {} | {} [{}, {}] | {} [{}, {}] | {} | {} |\n", markdown_cell(metric[i]),
                         markdown_cell(key[i]), num((*c[0])[i], n), num((*c[1])[i], n), num((*c[2])[i], n),
                         num((*c[3])[i], n), num((*c[4])[i], n), num((*c[5])[i], n),
                         std::isfinite(z[i]) ? fmt::format("{:.2f}", z[i]) : "–", result[i]);
    }
    if (w.rows()) {
      out += "\n## Warnings\n\n";
      for (const auto& m : w.get_string("message")) out += "- " + markdown_cell(m) + "\n";
    }
    return out;
  }
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
      "img-src data:\">";
  out += "<meta name=\"generator\" content=\"cxsim " + h(text_attr(f, "tool_version")) + "\">";
  out += "<title>cxsim check</title><style>" + std::string(kStyle) + "</style></head><body><main>";
  out += "<header><h1>Model check</h1><p>" + h(inputs) + "</p></header>";
  out += "<section><h2>" + h(verdict) + "</h2>";
  out +=
      "<table><thead><tr><th>metric</th><th>key</th><th>observed [95% CI]</th><th>simulated [95% CI]</th>"
      "<th>z</th><th>result</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const bool n = metric[i] == "nps";
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{} [{}, {}]</td><td>{} [{}, {}]</td><td>{}</td><td>{}</td></tr>",
                       h(metric[i]), h(key[i]), num((*c[0])[i], n), num((*c[1])[i], n), num((*c[2])[i], n),
                       num((*c[3])[i], n), num((*c[4])[i], n), num((*c[5])[i], n),
                       std::isfinite(z[i]) ? fmt::format("{:.2f}", z[i]) : "–",
                       result[i] == "fail" ? "<strong>FAIL</strong>" : h(result[i]));
  }
  out += "</tbody></table></section>";
  if (w.rows()) {
    out += "<section><h2>Warnings</h2><ul>";
    for (const auto& m : w.get_string("message")) out += "<li>" + h(m) + "</li>";
    out += "</ul></section>";
  }
  out += "</main></body></html>\n";
  return out;
}

}  // namespace cxsim::report
