// Notes (touchpoints left out of the ranking) and section 10, provenance.
#include "html_page.h"

namespace cxsim::report::html {

// 6. Friction ranking ---------------------------------------------------------

std::string Page::ranking_notes() const {
  std::string out;
  for (const auto& n : d_.ranking->notes) out += "<p class=\"help\"><b>Not ranked:</b> " + h(n) + "</p>";
  return out;
}

// 10. Provenance ------------------------------------------------------------------

std::string Page::provenance() {
  const Provenance& p = d_.provenance;
  std::string out = "<dl class=\"prov\">";
  auto row = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) out += fmt::format("<dt>{}</dt><dd>{}</dd>", h(k), v);
  };
  row("Results file", "<code>" + h(d_.source) + "</code>");
  row("Journey", h(p.journey));
  row("Tool version", h(p.tool_version.empty() ? "" : "cxsim " + p.tool_version));
  row("Results format", h(p.format_version));
  row("Created (UTC)", h(p.created_utc));
  row("Seed", p.seed ? std::to_string(*p.seed) : "");
  row("Customers", p.customers ? std::to_string(*p.customers) : "");
  row("Periods", p.periods ? std::to_string(*p.periods) : "");
  row("Discount rate", p.discount_rate ? h(plain_number(*p.discount_rate)) : "");
  row("Time unit", h(p.time_unit));
  row("Variants", [&] {
    std::string s;
    for (const auto& v : d_.variants) s += (s.empty() ? "" : ", ") + h(v.name);
    return s;
  }());
  row("Command line", p.command_line.empty() ? "" : "<code>" + h(p.command_line) + "</code>");
  row("Journey file", p.journey_path.empty() ? "" : "<code>" + h(p.journey_path) + "</code>");
  row("Scenario file", p.scenario_path.empty() ? "" : "<code>" + h(p.scenario_path) + "</code>");
  out += "</dl>";
  if (!p.scenario_yaml.empty())
    out += details("Scenario YAML" + (p.scenario_path.empty() ? std::string() : " (" + p.scenario_path + ")"),
                   "<pre>" + h(p.scenario_yaml) + "</pre>");
  if (!p.journey_yaml.empty())
    out += details("Journey YAML" + (p.journey_path.empty() ? std::string() : " (" + p.journey_path + ")"),
                   "<pre>" + h(p.journey_yaml) + "</pre>");
  return out;
}

}  // namespace cxsim::report::html
