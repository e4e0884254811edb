#include "cxsim/model/digraph.h"

#include <algorithm>
#include <stdexcept>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/strong_components.hpp>

namespace cxsim::model {

namespace {
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

// Marks every vertex a breadth-first search from `sources` discovers.
template <class G>
std::vector<bool> discovered(const G& g, std::size_t n, const std::vector<std::size_t>& sources) {
  std::vector<boost::default_color_type> color(n, boost::white_color);
  auto cmap = boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, g));
  boost::queue<typename boost::graph_traits<G>::vertex_descriptor> buffer;
  for (auto s : sources) {
    if (s >= n) throw std::out_of_range("Digraph: source out of range");
    if (color[s] != boost::white_color) continue;
    boost::breadth_first_visit(g, boost::vertex(s, g), buffer, boost::default_bfs_visitor(), cmap);
  }
  std::vector<bool> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = color[i] != boost::white_color;
  return out;
}
}  // namespace

struct Digraph::Impl {
  Graph g;
  explicit Impl(std::size_t n) : g(n) {}
};

Digraph::Digraph(std::size_t n) : impl_(std::make_unique<Impl>(n)) {}
Digraph::~Digraph() = default;
Digraph::Digraph(Digraph&&) noexcept = default;
Digraph& Digraph::operator=(Digraph&&) noexcept = default;

std::size_t Digraph::size() const { return boost::num_vertices(impl_->g); }

void Digraph::add_edge(std::size_t from, std::size_t to) {
  if (from >= size() || to >= size()) throw std::out_of_range("Digraph::add_edge: node out of range");
  boost::add_edge(from, to, impl_->g);
}

std::vector<bool> Digraph::reachable_from(const std::vector<std::size_t>& sources) const {
  return discovered(impl_->g, size(), sources);
}

std::vector<bool> Digraph::reaching(const std::vector<bool>& targets) const {
  if (targets.size() != size()) throw std::invalid_argument("Digraph::reaching: one flag per node");
  std::vector<std::size_t> sources;
  for (std::size_t v = 0; v < targets.size(); ++v)
    if (targets[v]) sources.push_back(v);
  return discovered(boost::make_reverse_graph(impl_->g), size(), sources);
}

std::vector<std::vector<std::size_t>> Digraph::closed_classes(const std::vector<bool>& terminal) const {
  if (terminal.size() != size()) throw std::invalid_argument("Digraph::closed_classes: one flag per node");
  const Graph& g = impl_->g;
  const std::size_t n = size();
  std::vector<int> comp(n);
  const int ncomp =
      boost::strong_components(g, boost::make_iterator_property_map(comp.begin(), boost::get(boost::vertex_index, g)));
  std::vector<bool> open(ncomp, false);
  for (std::size_t v = 0; v < n; ++v)
    if (terminal[v]) open[comp[v]] = true;
  for (auto [e, end] = boost::edges(g); e != end; ++e)
    if (comp[boost::source(*e, g)] != comp[boost::target(*e, g)]) open[comp[boost::source(*e, g)]] = true;
  std::vector<std::vector<std::size_t>> members(ncomp);
  for (std::size_t v = 0; v < n; ++v)
    if (!open[comp[v]]) members[comp[v]].push_back(v);
  // In Boost's component order (deterministic for a given graph).
  std::vector<std::vector<std::size_t>> out;
  for (auto& m : members)
    if (!m.empty()) out.push_back(std::move(m));
  return out;
}

}  // namespace cxsim::model
