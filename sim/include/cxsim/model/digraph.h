#pragma once
// The one reachability / trap implementation (Boost.Graph), shared by the
// journey validator, the exact analytics and calibration. Nodes are 0..n-1;
// callers decide what a node is (touchpoint, outcome, a virtual start) and
// which edges count (e.g. only those of positive probability).
#include <cstddef>
#include <memory>
#include <vector>

namespace cxsim::model {

class Digraph {
 public:
  explicit Digraph(std::size_t n);
  ~Digraph();
  Digraph(Digraph&&) noexcept;
  Digraph& operator=(Digraph&&) noexcept;

  std::size_t size() const;
  void add_edge(std::size_t from, std::size_t to);

  // Nodes reachable from any of `sources` (the sources included).
  std::vector<bool> reachable_from(const std::vector<std::size_t>& sources) const;

  // Nodes from which some node with targets[v] == true can be reached (the
  // targets included): a breadth-first search over the reversed edges.
  std::vector<bool> reaching(const std::vector<bool>& targets) const;

  // Closed classes: strongly connected components that no edge leaves and
  // that hold no node with terminal[v] == true, each as its sorted members.
  // A walk that enters one never reaches a terminal node: a trap.
  std::vector<std::vector<std::size_t>> closed_classes(const std::vector<bool>& terminal) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxsim::model
