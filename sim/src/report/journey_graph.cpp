// The journey graph from the journey text stored in a results file. The
// only part of the report that needs the model area (the YAML loader).
#include <map>

#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/report/journey_map.h"
#include "cxsim/report/results_data.h"

namespace cxsim::report {

JourneyGraph journey_graph_from_yaml(const std::string& yaml, const std::string& display_name) {
  const model::JourneySpec spec = model::load_journey_text(yaml, display_name).spec;
  JourneyGraph g;
  g.name = spec.name;
  std::map<std::string, std::size_t> index;
  for (const auto& t : spec.touchpoints) {
    index[t.id] = g.nodes.size();
    g.nodes.push_back({t.id, false, t.channel, t.stage, t.friction, ""});
  }
  for (const auto& o : spec.outcomes) {
    index[o.id] = g.nodes.size();
    g.nodes.push_back({o.id, true, "", "", 0.0, o.kind});
  }
  for (std::size_t k = 0; k < spec.touchpoints.size(); ++k) {
    const auto& next = spec.touchpoints[k].next;
    // One edge per target: its probability after an ok and after a friction visit.
    std::map<std::size_t, JourneyEdge> edges;
    std::vector<std::size_t> order;
    auto edge = [&](std::size_t to) -> JourneyEdge& {
      auto [it, fresh] = edges.try_emplace(to, JourneyEdge{k, to, 0.0, 0.0});
      if (fresh) order.push_back(to);
      return it->second;
    };
    for (const auto& [target, p] : next.ok) {
      JourneyEdge& e = edge(index.at(target));
      e.p_ok += p;
      if (!next.split) e.p_fr += p;
    }
    if (next.split)
      for (const auto& [target, p] : next.friction) edge(index.at(target)).p_fr += p;
    for (std::size_t to : order) g.edges.push_back(edges.at(to));
  }
  for (const auto& [target, p] : spec.start) g.start.emplace_back(index.at(target), p);
  return g;
}

void attach_journey_graph(ResultsData& data) {
  data.graph.reset();
  if (data.provenance.journey_yaml.empty()) return;
  try {
    const std::string name = data.provenance.journey_path.empty() ? "journey" : data.provenance.journey_path;
    data.graph = journey_graph_from_yaml(data.provenance.journey_yaml, name);
  } catch (const core::Error&) {
    // A journey this build cannot load (a newer format): no map.
  }
}

}  // namespace cxsim::report
