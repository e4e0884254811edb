// Warnings and notes (timeouts, touchpoints left out of the ranking) and
// section 10, provenance.
#include "html_page.h"

namespace cxsim::report::html {

// 6. Friction ranking ---------------------------------------------------------

std::string Page::ranking_notes() const {
  std::string out;
  for (const auto& n : d_.ranking->notes) out += "<p class=\"help\"><b>Not ranked:</b> " + h(n) + "</p>";
  return out;
}

std::string Page::timeout_warning() const {
  const auto timeout = timeout_share(d_.baseline());
  if (!timeout) return {};
  return fmt::format(
      "<p class=\"warn\">Warning: {}% of walks hit the step limit and ended in <code>timeout</code> "
      "(see the journey's <code>max_steps</code>).</p>",
      h(plus_minus(timeout->estimate, timeout->se, 100)));
}

// 10. Provenance ------------------------------------------------------------------

std::string Page::provenance() {
  const Provenance& p = d_.provenance;
  std::string out = "<dl class=\"prov\">";
  for (const auto& it : provenance_items(d_))
    out += fmt::format("<dt>{}</dt><dd>{}</dd>", h(it.label), it.code ? "<code>" + h(it.text) + "</code>" : h(it.text));
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
