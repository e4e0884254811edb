// The shared reachability / trap graph (model/digraph): forward and reverse
// reachability and closed classes on small graphs whose answers are known.
#include "cxsim/model/digraph.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace cxsim::model {
namespace {

std::vector<bool> flags(std::size_t n, std::initializer_list<std::size_t> on) {
  std::vector<bool> f(n, false);
  for (auto v : on) f[v] = true;
  return f;
}

TEST(Digraph, ReachableFromFollowsEdgesOnly) {
  Digraph g(5);
  g.add_edge(0, 1);
  g.add_edge(1, 2);
  g.add_edge(3, 4);  // not reachable from 0
  EXPECT_EQ(g.reachable_from({0}), flags(5, {0, 1, 2}));
  EXPECT_EQ(g.reachable_from({0, 3}), flags(5, {0, 1, 2, 3, 4}));
  EXPECT_EQ(g.reachable_from({}), flags(5, {}));
}

TEST(Digraph, ReachingWalksEdgesBackwards) {
  Digraph g(5);
  g.add_edge(0, 1);
  g.add_edge(1, 4);
  g.add_edge(2, 3);
  g.add_edge(3, 2);  // 2 <-> 3 never reaches 4
  EXPECT_EQ(g.reaching(flags(5, {4})), flags(5, {0, 1, 4}));
}

TEST(Digraph, ClosedClassesAreTrapsWithoutTerminals) {
  // 0 -> 1 -> {2 <-> 3} (closed), 1 -> 4 (terminal), 5 alone (closed, no edge).
  Digraph g(6);
  g.add_edge(0, 1);
  g.add_edge(1, 2);
  g.add_edge(2, 3);
  g.add_edge(3, 2);
  g.add_edge(1, 4);
  auto classes = g.closed_classes(flags(6, {4}));
  std::sort(classes.begin(), classes.end());
  ASSERT_EQ(classes.size(), 2u);
  EXPECT_EQ(classes[0], (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(classes[1], (std::vector<std::size_t>{5}));
}

TEST(Digraph, SelfLoopIsATrapUnlessTerminal) {
  Digraph g(2);
  g.add_edge(0, 0);
  g.add_edge(1, 1);
  const auto classes = g.closed_classes(flags(2, {1}));
  ASSERT_EQ(classes.size(), 1u);
  EXPECT_EQ(classes[0], (std::vector<std::size_t>{0}));
}

TEST(Digraph, OutOfRangeIsRefused) {
  Digraph g(2);
  EXPECT_THROW(g.add_edge(0, 2), std::out_of_range);
  EXPECT_THROW(g.reachable_from({7}), std::out_of_range);
  EXPECT_THROW(g.reaching({true}), std::invalid_argument);
}

}  // namespace
}  // namespace cxsim::model
