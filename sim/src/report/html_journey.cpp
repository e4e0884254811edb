// Sections 5 and 8: the journey map and the reference book of paths.
#include "html_page.h"

#include <cmath>

#include "cxsim/report/journey_map.h"

namespace cxsim::report::html {

// 5. Journey map -------------------------------------------------------------

std::string Page::journey_map() {
  if (!d_.graph) return {};
  const JourneyGraph& g = *d_.graph;
  const VariantData& b = d_.baseline();
  const io::Table* tp = b.touchpoints ? &*b.touchpoints : nullptr;
  const io::Table* oc = b.outcomes ? &*b.outcomes : nullptr;
  const std::string svg = journey_map_svg(g, tp, oc, next_id());
  const MapFlows flows = journey_flows(g, tp);
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i = 0; i < g.start.size(); ++i)
    rows.push_back({{"start", ""},
                    {h(g.nodes[g.start[i].first].id), ""},
                    {h(format_fixed(flows.start[i], 3)), "num"},
                    {h(format_fixed(g.start[i].second, 3)), "num"},
                    {"", "num"}});
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    const auto& e = g.edges[i];
    rows.push_back({{h(g.nodes[e.from].id), ""},
                    {h(g.nodes[e.to].id), ""},
                    {h(format_fixed(flows.edge[i], 3)), "num"},
                    {h(format_fixed(e.p_ok, 3)), "num"},
                    {h(format_fixed(e.p_fr, 3)), "num"}});
  }
  std::string out =
      "<p class=\"help\">The journey as a graph (" + h(d_.variants.size() > 1 ? "baseline " : "") +
      "model and results). Customers enter at <b>start</b> and move left to right through the " +
      std::string(layout_journey(g).by_stage ? "stages" : "steps") +
      "; arcs below the nodes go back to an earlier stage, loops above a node repeat it. Edge width is "
      "proportional to the flow (customers per walk taking that edge: visits × the transition probability, "
      "ok and friction visits weighted by the measured friction rate). Touchpoints are coloured by their measured "
      "friction rate (darker = more friction); each shows its channel, visits per walk and friction rate ± 95%. "
      "Outcomes show their share of walks. Hover an edge or node for details.</p>";
  out += figure(svg, "",
                table_html({"From", "To", "Flow per walk", "P after ok", "P after friction"},
                           {false, false, true, true, true}, rows),
                "map");
  return out;
}

// 8. Reference book ------------------------------------------------------------

std::string Page::path_tables(const VariantData& v) {
  if (!v.paths || v.paths->rows() == 0) return {};
  const io::Table& t = *v.paths;
  const auto kinds = column_suffixes(t, "share_");
  std::string out;
  struct Book {
    const char* key;
    const char* title;
    const char* help;
  };
  static const Book books[] = {
      {"frequent", "Most frequent paths", "The touchpoint sequences walked most often."},
      {"favourable", "Most favourable paths", "Highest mean NPS among paths with enough walks."},
      {"unfavourable", "Most unfavourable paths", "Lowest mean NPS among paths with enough walks."}};
  for (const auto& bk : books) {
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      if (table_string(t, "book", r) != bk.key) continue;
      const double share = table_number(t, "share", r);
      const double count = table_number(t, "count", r);
      const double err = table_number(t, "count_error", r);
      const double walks = share > 0 ? count / share : std::nan("");
      const double se = binomial_se(share, walks);
      std::string ends;
      for (const auto& k : kinds) {
        const double x = table_number(t, "share_" + k, r);
        if (!(x > 0.0005)) continue;
        if (!ends.empty()) ends += "<br>";
        // (fmt::format, not " " + ...: GCC 12 warns falsely, -Wrestrict, on that concatenation here.)
        ends +=
            h(k) + (x >= 1 ? std::string(" (all)") : fmt::format(" {}%", h(plus_minus(x, binomial_se(x, count), 100))));
      }
      std::string share_s = h(plus_minus(share, se, 100)) + "%";
      if (std::isfinite(err) && err > 0)
        share_s += fmt::format(
            "<br><small title=\"heavy-hitters sketch: the count may be over-stated by up to "
            "this many walks\">count may be over by ≤ {:.0f}</small>",
            err);
      const double rank = table_number(t, "rank", r);
      rows.push_back({{rank_text(rank), "num"},
                      {path_html(table_string(t, "path", r)), ""},
                      {share_s, "num"},
                      {est_cell(table_estimate(t, r, "nps")), "num"},
                      {ends, "num"}});
    }
    if (rows.empty()) continue;
    out += fmt::format("<h3>{}</h3><p class=\"help\">{}</p>", bk.title, bk.help);
    out += table_html({"#", "Path", "Share of walks ± 95%", "Mean NPS ± 95% [CI]", "Ends in (± 95%)"},
                      {true, false, true, true, true}, rows);
  }
  return out;
}

std::string Page::reference_book() {
  const std::string out = every_variant([this](const VariantData& v) { return path_tables(v); }, "Reference book");
  if (out.empty()) return {};
  return "<p class=\"help\">Paths are touchpoint sequences of one walk, counted with a bounded-memory heavy-hitters "
         "sketch. Shares and outcome shares use 95% binomial intervals with walks as the unit; mean NPS is over "
         "every walk on the path (true scores), with its 95% CI.</p>" +
         out;
}

}  // namespace cxsim::report::html
