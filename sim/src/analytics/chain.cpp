// Chain construction: a segment's walk as an absorbing chain over its
// touchpoints, with the ok/friction draw folded in; reachability and traps go
// through model::Digraph. docs/methods/analytics.md.
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "chain.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/model/digraph.h"

namespace cxsim::analytics::detail {

// P(k -> node) with the ok/friction draw folded in, merged by node.
std::vector<Edge> folded_row(const CompiledModel& m, const CompiledTouchpoint& t, const QueueWait* wait) {
  std::vector<Edge> row;
  auto add = [&row](std::uint32_t node, double p) {
    for (auto& e : row)
      if (e.node == node) {
        e.p += p;
        return;
      }
    row.push_back({node, p});
  };
  if (!split(t)) {
    for_each_entry(m, t.next_ok, add);
  } else {
    // With patience the branches are (1 − f)·keep and 1 − (1 − f)·keep (waiting.h).
    const double f = t.friction;
    const double keep = visit_keep(t, wait);
    const double p_ok = t.has_patience ? (1 - f) * keep : 1 - f, p_fr = t.has_patience ? 1 - (1 - f) * keep : f;
    for_each_entry(m, t.next_ok, [&](std::uint32_t n, double p) { add(n, p_ok * p); });
    for_each_entry(m, t.next_fr, [&](std::uint32_t n, double p) { add(n, p_fr * p); });
  }
  return row;
}

// d/df of the folded row: P_fr − P_ok, merged by node (empty when not split).
std::vector<Edge> delta_row(const CompiledModel& m, const CompiledTouchpoint& t, const QueueWait* wait) {
  std::vector<Edge> row;
  if (!split(t)) return row;
  auto add = [&row](std::uint32_t node, double p) {
    for (auto& e : row)
      if (e.node == node) {
        e.p += p;
        return;
      }
    row.push_back({node, p});
  };
  for_each_entry(m, t.next_ok, [&](std::uint32_t n, double p) { add(n, -p); });
  for_each_entry(m, t.next_fr, [&](std::uint32_t n, double p) { add(n, p); });
  // With patience d(p_fr)/df = keep.
  if (t.has_patience) {
    const double keep = visit_keep(t, wait);
    for (auto& e : row) e.p *= keep;
  }
  return row;
}

namespace {

// Touchpoints reachable from start; `effective` follows only edges of positive
// probability, otherwise both branches' maps whatever the friction.
std::vector<bool> reach_from_start(const CompiledModel& m, const model::Categorical& start,
                                   const std::vector<std::vector<Edge>>& rows,
                                   const std::vector<std::vector<std::uint32_t>>& union_adj, bool effective,
                                   std::uint32_t extra_source) {
  const std::size_t T = m.num_touchpoints();
  model::Digraph g(T);
  for (std::size_t k = 0; k < T; ++k) {
    if (effective) {
      for (const auto& e : rows[k])
        if (e.p > 0 && e.node < T) g.add_edge(k, e.node);
    } else {
      for (auto n : union_adj[k])
        if (n < T) g.add_edge(k, n);
    }
  }
  std::vector<std::size_t> sources;
  for_each_entry(m, start, [&](std::uint32_t n, double p) {
    if (p > 0 && n < T) sources.push_back(n);
  });
  if (extra_source < T) sources.push_back(extra_source);
  return g.reachable_from(sources);
}

// Touchpoints of `in` that cannot reach an outcome through edges of positive
// probability (staying within `in`): a trap, which makes I−Q singular.
std::vector<std::size_t> traps(const CompiledModel& m, const std::vector<std::vector<Edge>>& rows,
                               const std::vector<bool>& in) {
  const std::size_t T = m.num_touchpoints();
  model::Digraph g(T + 1);  // node T stands for every outcome
  for (std::size_t k = 0; k < T; ++k) {
    if (!in[k]) continue;
    for (const auto& e : rows[k])
      if (e.p > 0) g.add_edge(k, e.node >= T ? T : e.node);
  }
  std::vector<bool> outcome(T + 1, false);
  outcome[T] = true;
  const auto good = g.reaching(outcome);
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < T; ++k)
    if (in[k] && !good[k]) out.push_back(k);
  return out;
}

}  // namespace

Chain build_chain(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, std::uint32_t extra_source) {
  const auto& seg = m.segments[s];
  Chain c;
  c.T = m.num_touchpoints();
  c.O = m.num_outcomes();
  if (seg.tp.size() != c.T)
    throw core::RuntimeError(
        fmt::format("analytics: segment '{}' has {} touchpoints, the model {}", seg.id, seg.tp.size(), c.T));
  std::vector<std::vector<Edge>> rows(c.T);
  std::vector<std::vector<std::uint32_t>> union_adj(c.T);
  for (std::size_t k = 0; k < c.T; ++k) {
    const auto& t = seg.tp[k];
    if (!(t.friction >= 0 && t.friction <= 1))
      throw core::RuntimeError(fmt::format("analytics: segment '{}': friction of '{}' is {}, not in [0,1]", seg.id,
                                           m.touchpoint_ids[k], t.friction));
    rows[k] = folded_row(m, t, queue_wait_at(opt, s, k));
    for_each_entry(m, t.next_ok, [&](std::uint32_t n, double) { union_adj[k].push_back(n); });
    if (split(t)) for_each_entry(m, t.next_fr, [&](std::uint32_t n, double) { union_adj[k].push_back(n); });
  }
  const auto eff = reach_from_start(m, seg.entry(m.start), rows, union_adj, true, extra_source);
  if (auto tr = traps(m, rows, eff); !tr.empty()) {
    std::vector<std::string> names;
    for (auto k : tr) names.push_back(m.touchpoint_ids[k]);
    throw core::RuntimeError(fmt::format(
        "analytics: segment '{}': touchpoint{} {} reachable from start but no outcome can be reached from {} "
        "(a trap: I−Q is singular and the walk never ends)",
        seg.id, names.size() == 1 ? "" : "s", core::quoted_list(names) + (names.size() == 1 ? " is" : " are"),
        names.size() == 1 ? "it" : "them"));
  }
  c.reachable = reach_from_start(m, seg.entry(m.start), rows, union_adj, false, extra_source);
  if (!traps(m, rows, c.reachable).empty()) {
    // Some touchpoint behind a branch of probability 0 (friction 0 or 1) is a
    // trap: keep to what the walk can reach; derivatives that would open that
    // branch are undefined (NaN).
    c.reachable = eff;
    c.full = false;
  }
  c.local.assign(c.T, -1);
  for (std::size_t k = 0; k < c.T; ++k)
    if (c.reachable[k]) {
      c.local[k] = static_cast<int>(c.tp.size());
      c.tp.push_back(k);
    }
  c.n = c.tp.size();
  c.q.resize(c.n);
  c.r.resize(c.n);
  for (std::size_t i = 0; i < c.n; ++i) {
    for (const auto& e : rows[c.tp[i]]) {
      if (e.node >= c.T) {
        c.r[i].push_back({static_cast<std::uint32_t>(e.node - c.T), e.p});
      } else if (c.local[e.node] >= 0) {
        c.q[i].push_back({static_cast<std::uint32_t>(c.local[e.node]), e.p});
      }
      // else: a target outside S, only possible with probability 0 (c.full false)
    }
  }
  c.pi.assign(c.n, 0.0);
  c.direct.assign(c.O, 0.0);
  for_each_entry(m, seg.entry(m.start), [&](std::uint32_t n, double p) {
    if (n < c.T) c.pi[c.local[n]] += p;
    else if (n - c.T < c.O) c.direct[n - c.T] += p;
  });
  return c;
}

}  // namespace cxsim::analytics::detail
