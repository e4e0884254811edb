#pragma once
// The journey map: the journey graph laid out left to right, edge widths
// proportional to the simulated flow, touchpoints coloured by their
// friction rate, outcomes as terminal nodes.
//
// The graph itself comes from the journey text stored in the results file
// (journey_graph_from_yaml, in journey_graph.cpp, which needs the model
// area); layout and drawing only need the plain JourneyGraph below, so they
// are tested on hand-made graphs.
#include <cstddef>
#include <string>
#include <vector>

#include "cxsim/io/table.h"

namespace cxsim::report {

struct JourneyNode {
  std::string id;
  bool outcome = false;
  std::string channel;  // touchpoints
  std::string stage;    // touchpoints; may be empty
  double friction = 0;  // touchpoints: the model's friction (fallback when no results)
  std::string kind;     // outcomes
};

// One directed edge between nodes; p_ok / p_fr: the probability of taking it
// after an ok / a friction visit (equal when the file has one `next` map).
struct JourneyEdge {
  std::size_t from = 0, to = 0;
  double p_ok = 0, p_fr = 0;
};

struct JourneyGraph {
  std::string name;
  std::vector<JourneyNode> nodes;                     // touchpoints first, in file order, then outcomes
  std::vector<JourneyEdge> edges;                     // touchpoint -> node
  std::vector<std::pair<std::size_t, double>> start;  // entry touchpoint, probability
};

// Parses the journey text (as stored in /model/journey_yaml) with the model
// loader. Throws core::InputError when the text does not load.
JourneyGraph journey_graph_from_yaml(const std::string& yaml, const std::string& display_name);

// Node positions: a column per node (the start marker sits left of column
// 0) and a row within the column, plus the columns' labels.
struct MapLayout {
  std::vector<int> column;  // per node, >= 0; outcomes in the last column
  std::vector<double> row;  // per node: offset from the column's middle, in rows (negative = above)
  std::vector<std::string> column_labels;
  int columns = 0;
  bool by_stage = false;
};

// Touchpoints in stage columns (stages in order of first appearance) when
// every touchpoint has a stage, otherwise in layers by longest path from the
// start (back edges of a depth-first search ignored); outcomes in a last
// column. Rows are ordered by the barycentre of their neighbours to limit
// crossings.
MapLayout layout_journey(const JourneyGraph& g);

// Flow along each edge, per walk: visits_per_walk(from) × [(1 − f̂)·p_ok +
// f̂·p_fr] with f̂ the measured friction rate, from the touchpoints table
// (model friction and 0 visits when a touchpoint is missing there). Start
// edges carry their probability. Returned per g.edges, then per g.start.
struct MapFlows {
  std::vector<double> edge;
  std::vector<double> start;
};
MapFlows journey_flows(const JourneyGraph& g, const io::Table* touchpoints);

// The map as an <svg>. touchpoints / outcomes: the variant's tables (may be
// null): visits, friction rate and outcome shares are written on the nodes.
std::string journey_map_svg(const JourneyGraph& g, const io::Table* touchpoints, const io::Table* outcomes,
                            const std::string& id);

}  // namespace cxsim::report
