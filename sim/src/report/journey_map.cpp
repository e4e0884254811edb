#include "cxsim/report/journey_map.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "cxsim/report/format.h"
#include "cxsim/report/results_data.h"
#include "cxsim/report/svg.h"

namespace cxsim::report {

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

// Longest-path layers over the graph with the back edges of a depth-first
// search from the entries removed (so cycles do not stretch the layout).
std::vector<int> longest_path_layers(const JourneyGraph& g) {
  const std::size_t n = g.nodes.size();
  std::vector<std::vector<std::size_t>> out(n);
  for (const auto& e : g.edges)
    if (!g.nodes[e.to].outcome && e.to != e.from) out[e.from].push_back(e.to);
  // Iterative DFS marking back edges (to a node still on the stack).
  enum { unseen, active, done };
  std::vector<int> state(n, unseen);
  std::vector<std::vector<std::size_t>> dag(n);
  auto dfs = [&](std::size_t root) {
    if (state[root] != unseen) return;
    std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};
    state[root] = active;
    while (!stack.empty()) {
      auto& [v, i] = stack.back();
      if (i < out[v].size()) {
        const std::size_t w = out[v][i++];
        if (state[w] == active) continue;  // back edge: ignored
        dag[v].push_back(w);
        if (state[w] == unseen) {
          state[w] = active;
          stack.emplace_back(w, 0);
        }
      } else {
        state[v] = done;
        stack.pop_back();
      }
    }
  };
  for (const auto& [t, p] : g.start) dfs(t);
  for (std::size_t v = 0; v < n; ++v)
    if (!g.nodes[v].outcome) dfs(v);
  // Longest path by Kahn's order on the DAG.
  std::vector<int> indeg(n, 0), layer(n, 0);
  for (std::size_t v = 0; v < n; ++v)
    for (std::size_t w : dag[v]) ++indeg[w];
  std::vector<std::size_t> queue;
  for (std::size_t v = 0; v < n; ++v)
    if (!g.nodes[v].outcome && indeg[v] == 0) queue.push_back(v);
  for (std::size_t q = 0; q < queue.size(); ++q) {
    const std::size_t v = queue[q];
    for (std::size_t w : dag[v]) {
      layer[w] = std::max(layer[w], layer[v] + 1);
      if (--indeg[w] == 0) queue.push_back(w);
    }
  }
  return layer;
}

}  // namespace

MapLayout layout_journey(const JourneyGraph& g) {
  const std::size_t n = g.nodes.size();
  MapLayout l;
  l.column.assign(n, 0);
  l.row.assign(n, 0);
  bool all_staged = true, any_tp = false;
  for (const auto& node : g.nodes)
    if (!node.outcome) {
      any_tp = true;
      all_staged = all_staged && !node.stage.empty();
    }
  l.by_stage = any_tp && all_staged;
  if (l.by_stage) {
    std::map<std::string, int> stage_col;
    for (std::size_t v = 0; v < n; ++v) {
      if (g.nodes[v].outcome) continue;
      auto [it, fresh] = stage_col.try_emplace(g.nodes[v].stage, static_cast<int>(l.column_labels.size()));
      if (fresh) l.column_labels.push_back(g.nodes[v].stage);
      l.column[v] = it->second;
    }
  } else {
    const auto layer = longest_path_layers(g);
    int max_layer = -1;
    for (std::size_t v = 0; v < n; ++v)
      if (!g.nodes[v].outcome) {
        l.column[v] = layer[v];
        max_layer = std::max(max_layer, layer[v]);
      }
    for (int c = 0; c <= max_layer; ++c) l.column_labels.push_back(fmt::format("step {}", c + 1));
  }
  const int outcome_col = static_cast<int>(l.column_labels.size());
  l.column_labels.push_back("outcomes");
  for (std::size_t v = 0; v < n; ++v)
    if (g.nodes[v].outcome) l.column[v] = outcome_col;
  l.columns = outcome_col + 1;

  // Members of each column in file order, then barycentre sweeps.
  std::vector<std::vector<std::size_t>> cols(static_cast<std::size_t>(l.columns));
  for (std::size_t v = 0; v < n; ++v) cols[static_cast<std::size_t>(l.column[v])].push_back(v);
  std::vector<double> pos(n, 0);
  auto place = [&] {
    for (const auto& c : cols)
      for (std::size_t i = 0; i < c.size(); ++i)
        pos[c[i]] = static_cast<double>(i) - (static_cast<double>(c.size()) - 1) / 2;
  };
  place();
  // Undirected neighbour weights; the start node sits at position 0.
  std::vector<std::vector<std::pair<std::size_t, double>>> nb(n);
  for (const auto& e : g.edges) {
    if (e.from == e.to) continue;
    const double w = (e.p_ok + e.p_fr) / 2 + 1e-6;
    nb[e.from].emplace_back(e.to, w);
    nb[e.to].emplace_back(e.from, w);
  }
  std::vector<double> start_w(n, 0);
  for (const auto& [t, p] : g.start) start_w[t] += p;
  for (int sweep = 0; sweep < 8; ++sweep) {
    const bool forward = sweep % 2 == 0;
    for (int ci = 0; ci < l.columns; ++ci) {
      auto& c = cols[static_cast<std::size_t>(forward ? ci : l.columns - 1 - ci)];
      std::vector<double> bary(n, 0);
      for (std::size_t v : c) {
        double sw = start_w[v], s = 0;  // start contributes position 0
        for (const auto& [u, w] : nb[v]) {
          if (l.column[u] == l.column[v]) continue;
          s += w * pos[u];
          sw += w;
        }
        bary[v] = sw > 0 ? s / sw : pos[v];
      }
      std::stable_sort(c.begin(), c.end(), [&](std::size_t a, std::size_t b) { return bary[a] < bary[b]; });
      place();
    }
  }
  for (std::size_t v = 0; v < n; ++v) l.row[v] = pos[v];
  return l;
}

MapFlows journey_flows(const JourneyGraph& g, const io::Table* tp) {
  MapFlows f;
  std::vector<double> visits(g.nodes.size(), 0), fr(g.nodes.size(), 0);
  for (std::size_t v = 0; v < g.nodes.size(); ++v) {
    fr[v] = g.nodes[v].friction;
    if (!tp || g.nodes[v].outcome) continue;
    const std::size_t r = find_row(*tp, "touchpoint", g.nodes[v].id);
    if (r == npos) continue;
    const double vis = table_number(*tp, "visits_per_walk", r);
    const double rate = table_number(*tp, "friction_rate", r);
    visits[v] = std::isfinite(vis) ? vis : 0;
    if (std::isfinite(rate)) fr[v] = rate;
  }
  for (const auto& e : g.edges) f.edge.push_back(visits[e.from] * ((1 - fr[e.from]) * e.p_ok + fr[e.from] * e.p_fr));
  for (const auto& s : g.start) f.start.push_back(s.second);
  return f;
}

std::string journey_map_svg(const JourneyGraph& g, const io::Table* tp, const io::Table* oc, const std::string& id) {
  const MapLayout l = layout_journey(g);
  const MapFlows flows = journey_flows(g, tp);
  const std::size_t n = g.nodes.size();

  // Geometry.
  const double start_w = 78, col_w = 172, node_w = 134, node_h = 56, out_h = 44, row_h = 84;
  const double header = 40, pad = 14;
  double min_row = 0, max_row = 0;
  for (std::size_t v = 0; v < n; ++v) {
    min_row = std::min(min_row, l.row[v]);
    max_row = std::max(max_row, l.row[v]);
  }
  const double top = header + 30;  // room for self-loops above the top row
  const double plot_h = (max_row - min_row) * row_h + node_h;
  const double legend_y = top + plot_h + 56;
  const double width = pad + start_w + col_w * l.columns;
  const double height = legend_y + 46;
  auto cx = [&](std::size_t v) { return pad + start_w + col_w * l.column[v] + col_w / 2; };
  auto cy = [&](std::size_t v) { return top + (l.row[v] - min_row) * row_h + node_h / 2; };
  auto half_h = [&](std::size_t v) { return (g.nodes[v].outcome ? out_h : node_h) / 2; };
  const double start_x = pad + 18, start_y = top + ((0 - min_row) * row_h) + node_h / 2;

  // Per-node results.
  std::vector<EstimateRow> visits(n), fric(n), share(n);
  double max_rate = 0.25;
  for (std::size_t v = 0; v < n; ++v) {
    if (!g.nodes[v].outcome && tp) {
      const std::size_t r = find_row(*tp, "touchpoint", g.nodes[v].id);
      if (r != npos) {
        visits[v] = table_estimate(*tp, r, "visits_per_walk");
        fric[v] = table_estimate(*tp, r, "friction_rate");
      }
    } else if (g.nodes[v].outcome && oc) {
      const std::size_t r = find_row(*oc, "outcome", g.nodes[v].id);
      if (r != npos) share[v] = table_estimate(*oc, r, "share");
    }
    const double f = fric[v].found ? fric[v].estimate : g.nodes[v].friction;
    if (!g.nodes[v].outcome && std::isfinite(f)) max_rate = std::max(max_rate, f);
  }
  // Colour domain: 0 .. a round number at or above the largest rate.
  const auto ticks = nice_ticks(0, max_rate, 5);
  const double colour_max = ticks.back();

  double max_flow = 0;
  for (double x : flows.edge) max_flow = std::max(max_flow, x);
  for (double x : flows.start) max_flow = std::max(max_flow, x);
  if (max_flow <= 0) max_flow = 1;
  auto stroke = [&](double flow) { return std::max(1.0, 18.0 * flow / max_flow); };

  // A y at which an edge of half-width `hw` crosses column `c` clear of its
  // nodes: `y` itself when it is clear, else the nearest gap between two of
  // the column's nodes, above the first or below the last.
  std::vector<std::vector<std::pair<double, double>>> blocked(static_cast<std::size_t>(l.columns));
  for (std::size_t v = 0; v < n; ++v)
    blocked[static_cast<std::size_t>(l.column[v])].emplace_back(cy(v) - half_h(v), cy(v) + half_h(v));
  for (auto& b : blocked) std::sort(b.begin(), b.end());
  auto free_y = [&](int c, double y, double hw) {
    const auto& b = blocked[static_cast<std::size_t>(c)];
    const double m = 4 + hw;
    bool clear = true;
    for (const auto& [lo, hi] : b) clear = clear && (y < lo - m || y > hi + m);
    if (clear || b.empty()) return y;
    std::vector<double> candidates{b.front().first - m - 4, b.back().second + m + 4};
    for (std::size_t i = 0; i + 1 < b.size(); ++i) candidates.push_back((b[i].second + b[i + 1].first) / 2);
    double best = candidates.front();
    for (double cand : candidates)
      if (std::fabs(cand - y) < std::fabs(best - y)) best = cand;
    return best;
  };

  const std::string title = "Journey map" + (g.name.empty() ? std::string() : ": " + g.name);
  std::string desc = fmt::format(
      "{} touchpoints in {} columns ({}), {} outcomes. Edge width is proportional to the customers per walk taking "
      "the edge; touchpoint colour shows the friction rate.",
      n - std::count_if(g.nodes.begin(), g.nodes.end(), [](const auto& x) { return x.outcome; }), l.columns - 1,
      l.by_stage ? "by stage" : "by steps from the start",
      std::count_if(g.nodes.begin(), g.nodes.end(), [](const auto& x) { return x.outcome; }));
  Svg svg(width, height, id, title, desc);

  // Column headers.
  svg.text(start_x, header - 10, "start", "middle", "class=\"col-label\"");
  for (int c = 0; c < l.columns; ++c) {
    const double x = pad + start_w + col_w * c + col_w / 2;
    svg.text(x, header - 10, l.column_labels[static_cast<std::size_t>(c)], "middle", "class=\"col-label\"");
    svg.line(x - col_w / 2 + 8, header - 2, x + col_w / 2 - 8, header - 2, "class=\"col-rule\"");
  }

  // Edges beneath nodes. Arrowheads are drawn as triangles (no markers, so
  // the page needs no url() references).
  auto arrow = [&](double x, double y, double dx, double dy) {
    const double len = std::hypot(dx, dy);
    if (len <= 0) return;
    dx /= len;
    dy /= len;
    const double s = 8, w = 4.5;
    const double bx = x - dx * s, by = y - dy * s;
    svg.path(fmt::format("M{},{}L{},{}L{},{}Z", coord(x), coord(y), coord(bx - dy * w), coord(by + dx * w),
                         coord(bx + dy * w), coord(by - dx * w)),
             "class=\"arrow\"");
  };
  auto edge_tip = [&](const std::string& from, const std::string& to, double flow, double p_ok, double p_fr) {
    return fmt::format("{} → {}: {} per walk (p after ok {}, after friction {})", from, to, format_fixed(flow, 3),
                       format_fixed(p_ok, 2), format_fixed(p_fr, 2));
  };

  for (std::size_t i = 0; i < g.start.size(); ++i) {
    const std::size_t t = g.start[i].first;
    const double x1 = start_x + 10, y1 = start_y, x2 = cx(t) - node_w / 2 - 2, y2 = cy(t);
    const double dx = (x2 - x1) / 2;
    svg.begin_group("class=\"edge\"",
                    fmt::format("start → {}: {} of walks", g.nodes[t].id, format_fixed(100 * flows.start[i], 1) + "%"));
    std::string d;
    if (l.column[t] == 0) {
      d = fmt::format("M{},{}C{},{} {},{} {},{}", coord(x1), coord(y1), coord(x1 + dx), coord(y1), coord(x2 - dx),
                      coord(y2), coord(x2 - 6), coord(y2));
    } else {
      // An entry beyond the first column runs in a lane above (or below) every
      // node rather than behind them.
      const double lane = y2 <= y1 ? top - 16 : top + plot_h + 16;
      const double xa = pad + start_w - 8, xb = x2 - 30;
      d = fmt::format("M{},{}C{},{} {},{} {},{}L{},{}C{},{} {},{} {},{}", coord(x1), coord(y1), coord(xa), coord(y1),
                      coord(x1 + 10), coord(lane), coord(xa + 20), coord(lane), coord(xb - 20), coord(lane),
                      coord(xb + 14), coord(lane), coord(xb - 4), coord(y2), coord(x2 - 6), coord(y2));
    }
    svg.path(d, fmt::format("stroke-width=\"{}\"", coord(stroke(flows.start[i]))));
    arrow(x2, y2, 1, 0);
    svg.end_group();
  }
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    const auto& e = g.edges[i];
    const double w = stroke(flows.edge[i]);
    const std::string extra = fmt::format("stroke-width=\"{}\"", coord(w));
    svg.begin_group("class=\"edge\"", edge_tip(g.nodes[e.from].id, g.nodes[e.to].id, flows.edge[i], e.p_ok, e.p_fr));
    const double sx = cx(e.from), sy = cy(e.from), tx = cx(e.to), ty = cy(e.to);
    const int cf = l.column[e.from], ct = l.column[e.to];
    if (e.from == e.to) {
      const double y0 = sy - half_h(e.from);
      // A loop above the node, within the gap to the row above.
      svg.path(fmt::format("M{},{}C{},{} {},{} {},{}", coord(sx - 12), coord(y0), coord(sx - 30), coord(y0 - 24),
                           coord(sx + 30), coord(y0 - 24), coord(sx + 14), coord(y0 - 6)),
               extra);
      arrow(sx + 12, y0 - 1, -0.4, 1);
    } else if (ct > cf) {
      const double x1 = sx + node_w / 2, x2 = tx - node_w / 2 - 2;
      // Across every column in between the edge runs through a gap between
      // that column's nodes (the one nearest its straight course), never
      // through a box: each flow is seen along its own edge.
      std::vector<std::pair<double, double>> pts{{x1, sy}};
      for (int c = cf + 1; c < ct; ++c) {
        const double colx = pad + start_w + col_w * c + col_w / 2;
        const double xl = colx - node_w / 2 - 6, xr = colx + node_w / 2 + 6;
        const auto [px, py] = pts.back();
        const double y_line = py + (ty - py) * (xl - px) / (x2 - px);
        const double y = free_y(c, y_line, w / 2);
        pts.emplace_back(xl, y);
        pts.emplace_back(xr, y);
      }
      pts.emplace_back(x2 - 6, ty);
      std::string d = fmt::format("M{},{}", coord(pts[0].first), coord(pts[0].second));
      for (std::size_t k = 1; k < pts.size(); ++k) {
        const auto [ax, ay] = pts[k - 1];
        const auto [bx, by] = pts[k];
        if (k % 2 == 0 && k + 1 < pts.size()) {  // straight through a column's gap
          d += fmt::format("L{},{}", coord(bx), coord(by));
          continue;
        }
        const double dx = (bx - ax) / 2;
        d += fmt::format("C{},{} {},{} {},{}", coord(ax + dx), coord(ay), coord(bx - dx), coord(by), coord(bx),
                         coord(by));
      }
      svg.path(d, extra);
      arrow(x2, ty, 1, 0);
    } else if (ct == cf) {
      // Same column: an arc on the right-hand side.
      const double x = sx + node_w / 2;
      const double bulge = 30 + 8 * std::fabs(l.row[e.to] - l.row[e.from]);
      const double y1 = sy + (ty > sy ? 8 : -8), y2 = ty + (ty > sy ? -8 : 8);
      svg.path(fmt::format("M{},{}C{},{} {},{} {},{}", coord(x), coord(y1), coord(x + bulge), coord(y1),
                           coord(x + bulge), coord(y2), coord(x + 6), coord(y2)),
               extra);
      arrow(x + 1, y2, -1, 0);
    } else {
      // Backwards: leave from the bottom, arc below, enter from the bottom.
      const double y1 = sy + half_h(e.from), y2 = ty + half_h(e.to) + 2;
      const double depth = std::max(y1, y2) + 26 + 0.06 * std::fabs(sx - tx);
      svg.path(fmt::format("M{},{}C{},{} {},{} {},{}", coord(sx - 10), coord(y1), coord(sx - 10), coord(depth),
                           coord(tx + 10), coord(depth), coord(tx + 10), coord(y2 + 6)),
               extra + " class=\"back\"");
      arrow(tx + 10, y2, 0, -1);
    }
    svg.end_group();
  }

  // Start node.
  svg.circle(start_x, start_y, 10, "class=\"start\"");

  // Nodes.
  auto clip = [](const std::string& s, std::size_t max) {
    std::size_t cps = 0;
    for (unsigned char c : s)
      if ((c & 0xC0) != 0x80) ++cps;
    if (cps <= max) return s;
    std::string out;
    std::size_t k = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++k > max - 1) break;
      out += s[i];
    }
    return out + "…";
  };
  for (std::size_t v = 0; v < n; ++v) {
    const auto& node = g.nodes[v];
    const double x = cx(v) - node_w / 2, y = cy(v) - half_h(v);
    if (node.outcome) {
      std::string tip = fmt::format("outcome {} (kind {})", node.id, node.kind);
      std::string line2 = node.kind;
      if (share[v].found) {
        tip += ": " + plus_minus(share[v].estimate, share[v].se, 100) + "% of walks";
        line2 += " · " + value_only(share[v].estimate, share[v].se, 100) + "%";
      }
      svg.begin_group("class=\"node outcome\"", tip);
      svg.rect(x, y, node_w, out_h, "rx=\"20\"");
      svg.text(cx(v), y + 18, clip(node.id, 18), "middle", "class=\"node-id\"");
      svg.text(cx(v), y + 33, clip(line2, 22), "middle", "class=\"node-sub\"");
      svg.end_group();
      continue;
    }
    const double f = fric[v].found ? fric[v].estimate : node.friction;
    const double t = colour_max > 0 ? f / colour_max : 0;
    const std::string fill = sequential_colour(t);
    const bool dark = t > 0.62;
    std::string tip = fmt::format("{} ({}{}{})", node.id, node.channel, node.stage.empty() ? "" : ", ", node.stage);
    if (visits[v].found) tip += "; visits per walk " + plus_minus(visits[v].estimate, visits[v].se);
    if (fric[v].found) tip += "; friction rate " + plus_minus(fric[v].estimate, fric[v].se, 100) + "%";
    else tip += fmt::format("; friction (model) {}%", format_fixed(100 * node.friction, 1));
    svg.begin_group("class=\"node\"", tip);
    svg.rect(x, y, node_w, node_h, fmt::format("rx=\"6\" fill=\"{}\"", fill));
    const std::string tc = dark ? " fill=\"#fff\"" : "";
    svg.text(cx(v), y + 17, clip(node.id, 18), "middle", "class=\"node-id\"" + tc);
    std::string l2 = node.channel;
    if (visits[v].found) l2 += " · " + value_only(visits[v].estimate, visits[v].se) + "/walk";
    svg.text(cx(v), y + 33, clip(l2, 24), "middle", "class=\"node-sub\"" + tc);
    const std::string l3 = fric[v].found ? "friction " + plus_minus(fric[v].estimate, fric[v].se, 100) + "%"
                                         : "friction " + format_fixed(100 * node.friction, 1) + "% (model)";
    svg.text(cx(v), y + 48, clip(l3, 26), "middle", "class=\"node-sub\"" + tc);
    svg.end_group();
  }

  // Legend: friction colours and the flow scale.
  double lx = pad;
  svg.text(lx, legend_y, "Friction rate:", "start", "class=\"legend\"");
  lx += 92;
  const int tdec = ticks.size() > 1 ? tick_decimals(100 * (ticks[1] - ticks[0])) : 0;
  for (double tk : ticks) {
    svg.rect(lx, legend_y - 11, 34, 14,
             fmt::format("fill=\"{}\" stroke=\"#888\" stroke-width=\"0.5\"", sequential_colour(tk / colour_max)));
    svg.text(lx + 17, legend_y + 16, format_fixed(100 * tk, tdec) + "%", "middle", "class=\"tick\"");
    lx += 38;
  }
  lx += 30;
  svg.text(lx, legend_y, "Edge width:", "start", "class=\"legend\"");
  lx += 78;
  for (double share_of_max : {0.25, 0.5, 1.0}) {
    const double fl = max_flow * share_of_max;
    svg.line(lx, legend_y - 4, lx + 36, legend_y - 4,
             fmt::format("class=\"edge-sample\" stroke-width=\"{}\"", coord(stroke(fl))));
    svg.text(lx + 18, legend_y + 18, format_fixed(fl, 2) + "/walk", "middle", "class=\"tick\"");
    lx += 76;
  }
  return svg.str();
}

}  // namespace cxsim::report
