// The counts of a fit, kept in the fitted YAML's `calibration:` block
// (calibration_block, appended by write_model), and read back by
// `--prior-model FILE` (add_prior_model, after the journey source): the
// earlier fit's training counts are added to the new data's, so that the
// Dirichlet and Beta posteriors of the update are those of one fit on all the
// data (docs/calibration.md, "Updating a fit"; docs/methods/calibration.md).
//
// The block (format 1), every number at full precision (it reads back as the
// same double), names as found in the data:
//
//   calibration:
//     format: 1
//     prior: 0.5              # --prior of the fit (information only)
//     status: true            # the log had a status column
//     journeys: 1434          # training journeys
//     censored: 0
//     touchpoints:            # [name, journeys started, visits, friction visits]
//     outcomes:               # [name, journeys]
//     transitions:            # [source, friction 0|1, t (touchpoint) | o (outcome), target, count]
//     durations:              # [touchpoint, friction 0|1, n, zeros, sum, mean_log, m2_log, min, max] (seconds)
//     channels:               # [touchpoint, channel, visits]
//     lengths:                # [events per journey, journeys]
//     deltas:                 # [touchpoint, s (satisfaction) | e (effort), friction 0|1, estimate, se]
//     channel_switch:         # [s | e, estimate, se]
//     retention:              # [segment, customers, churned[t], censored[t]] (sBG counts; when fitted)
//
// Sources and targets are 0-based indices into `touchpoints` and `outcomes`.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "cxsim/core/diagnostics.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/model/yaml_source.h"
#include "stages.h"

namespace cxsim::calibrate::stages {

namespace {

constexpr int kBlockFormat = 1;

std::string full(double x) { return x == 0 ? "0" : fmt::format("{}", x); }

bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) return false;
    for (int k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) >> 6) != 0x2) return false;
    i += static_cast<std::size_t>(len);
  }
  return true;
}

// A YAML scalar that reads back as `s`: double-quoted (control characters
// escaped), or {hex: "..."} when `s` is not valid UTF-8.
std::string name_text(const std::string& s) {
  if (!valid_utf8(s)) {
    std::string h;
    for (unsigned char c : s) h += fmt::format("{:02x}", c);
    return fmt::format("{{hex: \"{}\"}}", h);
  }
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') out += '\\', out += ch;
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += ch;
  }
  return out + "\"";
}

[[noreturn]] void fail(const std::string& file, const YAML::Node& at, const std::string& key, const std::string& msg) {
  core::Diagnostics d;
  const YAML::Mark m = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
  d.error({file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0}, key, msg);
  throw core::InputError(std::move(d));
}

struct Reader {
  const std::string& file;

  YAML::Node seq(const YAML::Node& parent, const char* key, const std::string& path) const {
    const YAML::Node n = parent[key];
    if (!n || n.IsNull()) return YAML::Node(YAML::NodeType::Sequence);  // an empty list is written as nothing
    if (!n.IsSequence()) fail(file, n, path + "." + key, "expected a list");
    return n;
  }
  YAML::Node row(const YAML::Node& r, std::size_t size, const std::string& path) const {
    if (!r.IsSequence() || r.size() != size) fail(file, r, path, fmt::format("expected a list of {} items", size));
    return r;
  }
  double number(const YAML::Node& n, const std::string& path, bool nonnegative = true) const {
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v) || (nonnegative && v < 0))
      fail(file, n, path, nonnegative ? "expected a finite number >= 0" : "expected a finite number");
    return v;
  }
  std::size_t index(const YAML::Node& n, std::size_t size, const std::string& path) const {
    const double v = number(n, path);
    if (v != std::floor(v) || v >= static_cast<double>(size))
      fail(file, n, path, fmt::format("expected an index 0..{}", size == 0 ? 0 : size - 1));
    return static_cast<std::size_t>(v);
  }
  std::string name(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) return n.Scalar();
    if (n.IsMap() && n["hex"] && n["hex"].IsScalar()) {
      const std::string& h = n["hex"].Scalar();
      std::string out;
      for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
        unsigned v = 0;
        if (std::sscanf(h.substr(i, 2).c_str(), "%2x", &v) != 1) fail(file, n, path, "expected hex digits");
        out.push_back(static_cast<char>(v));
      }
      return out;
    }
    fail(file, n, path, "expected a name (a string or {hex: \"...\"})");
  }
};

}  // namespace

std::string calibration_block(const State& s) {
  const Aggregate& a = s.train;
  std::string o =
      "\n# The counts of this fit (training journeys): cxsim calibrate --prior-model FILE adds new data to them\n"
      "# (docs/calibration.md, \"Updating a fit\"). Names are as in the data; indices are 0-based.\n"
      "calibration:\n";
  o += fmt::format("  format: {}\n  prior: {}\n  status: {}\n  journeys: {}\n  censored: {}\n", kBlockFormat,
                   full(s.o.prior), s.has_status ? "true" : "false", full(a.journeys), full(a.censored));
  std::vector<int> tp_at(a.visits.size(), -1), oc_at(a.outcome_count.size(), -1);
  o += "  touchpoints:  # [name, journeys started, visits, friction visits]\n";
  int n = 0;
  for (std::size_t k = 0; k < a.visits.size(); ++k) {
    if (!(a.visits[k] > 0)) continue;
    tp_at[k] = n++;
    o += fmt::format("    - [{}, {}, {}, {}]\n", name_text(s.tp_names.name(static_cast<std::uint32_t>(k))),
                     full(a.start[k]), full(a.visits[k]), full(a.fr_visits[k]));
  }
  o += "  outcomes:  # [name, journeys]\n";
  n = 0;
  for (std::size_t k = 0; k < a.outcome_count.size(); ++k) {
    if (!(a.outcome_count[k] > 0)) continue;
    oc_at[k] = n++;
    o += fmt::format("    - [{}, {}]\n", name_text(s.oc_names.name(static_cast<std::uint32_t>(k))),
                     full(a.outcome_count[k]));
  }
  // Sorted, so that the same counts always give the same text.
  std::vector<std::pair<std::uint64_t, double>> trans(a.trans.begin(), a.trans.end());
  std::sort(trans.begin(), trans.end());
  o += "  transitions:  # [source, friction 0|1, t (touchpoint) or o (outcome), target, count]\n";
  for (const auto& [key, w] : trans) {
    const auto src = static_cast<std::size_t>(key >> 34);
    const bool fr = (key >> 33) & 1, is_oc = (key >> 32) & 1;
    const auto tgt = static_cast<std::size_t>(key & 0xFFFFFFFFu);
    const int t = is_oc ? oc_at[tgt] : tp_at[tgt];
    if (tp_at[src] < 0 || t < 0 || !(w > 0)) continue;
    o += fmt::format("    - [{}, {}, {}, {}, {}]\n", tp_at[src], fr ? 1 : 0, is_oc ? "o" : "t", t, full(w));
  }
  o += "  durations:  # [touchpoint, friction 0|1, n, zeros, sum, mean_log, m2_log, min, max] (seconds)\n";
  for (std::size_t k = 0; k < a.visits.size(); ++k)
    for (int fr = 0; fr < 2; ++fr) {
      const DurationStats& d = a.dur[fr][k];
      if (tp_at[k] < 0 || d.total() == 0) continue;
      o += fmt::format("    - [{}, {}, {}, {}, {}, {}, {}, {}, {}]\n", tp_at[k], fr, full(d.n), full(d.zeros),
                       full(d.sum), full(d.mean_log), full(d.m2_log), full(d.min), full(d.max));
    }
  std::vector<std::pair<std::uint64_t, double>> chans(a.channel_counts.begin(), a.channel_counts.end());
  std::sort(chans.begin(), chans.end());
  o += "  channels:  # [touchpoint, channel, visits]\n";
  for (const auto& [key, w] : chans) {
    const auto tp = static_cast<std::size_t>(key >> 32);
    const auto ch = static_cast<std::size_t>(key & 0xFFFFFFFFu);
    if (tp >= tp_at.size() || tp_at[tp] < 0 || ch >= s.channel_names.size() || !(w > 0)) continue;
    o += fmt::format("    - [{}, {}, {}]\n", tp_at[tp], name_text(s.channel_names[ch]), full(w));
  }
  o += "  lengths:  # [events per journey, journeys]\n";
  for (const auto& [len, w] : a.lengths) o += fmt::format("    - [{}, {}]\n", len, full(w));
  // The fitted deltas' normal approximations (estimate, se), the prior of
  // the survey part of an update (combine_prior_deltas).
  auto usable = [](const Coefficient& c) {
    return c.identified && std::isfinite(c.estimate) && std::isfinite(c.se) && c.se > 0;
  };
  std::string deltas;
  for (std::size_t k = 0; k < a.visits.size() && k < s.tp_index.size(); ++k) {
    if (tp_at[k] < 0 || s.tp_index[k] < 0) continue;
    const FittedTouchpoint& t = s.m.touchpoints[static_cast<std::size_t>(s.tp_index[k])];
    const std::pair<bool, const Coefficient*> cs[4] = {
        {t.has_sat, &t.sat_ok}, {t.has_sat, &t.sat_fr}, {t.has_eff, &t.eff_ok}, {t.has_eff, &t.eff_fr}};
    for (int i = 0; i < 4; ++i)
      if (cs[i].first && usable(*cs[i].second))
        deltas += fmt::format("    - [{}, {}, {}, {}, {}]\n", tp_at[k], i < 2 ? "s" : "e", i % 2,
                              full(cs[i].second->estimate), full(cs[i].second->se));
  }
  if (!deltas.empty())
    o += "  deltas:  # [touchpoint, s (satisfaction) or e (effort), friction 0|1, estimate, se]\n" + deltas;
  if (s.m.has_switch) {
    std::string sw;
    if (usable(s.m.switch_sat))
      sw += fmt::format("    - [s, {}, {}]\n", full(s.m.switch_sat.estimate), full(s.m.switch_sat.se));
    if (usable(s.m.switch_eff))
      sw += fmt::format("    - [e, {}, {}]\n", full(s.m.switch_eff.estimate), full(s.m.switch_eff.se));
    if (!sw.empty()) o += "  channel_switch:  # [s (satisfaction) or e (effort), estimate, se]\n" + sw;
  }
  if (!s.retention_counts.empty()) {
    o += "  retention:  # [segment, customers, churned at the end of period t = 0.., censored after t periods]\n";
    auto list = [](const std::vector<double>& v) {
      std::string l;
      for (std::size_t i = 0; i < v.size(); ++i) l += (i ? ", " : "") + full(v[i]);
      return "[" + l + "]";
    };
    for (const auto& g : s.retention_counts)
      o += fmt::format("    - [{}, {}, {}, {}]\n", name_text(g.name), full(g.customers), list(g.counts.churned),
                       list(g.counts.censored));
  }
  return o;
}

void add_prior_model(State& s) {
  const std::string& file = s.o.prior_model;
  // Read as a journey file is (model/yaml_source.h): the same size, node and
  // depth limits, errors at file:line:column.
  core::Diagnostics diags;
  const model::YamlDocument doc = model::YamlDocument::load_file(file, diags);
  if (!doc.ok() || diags.has_errors()) throw core::InputError(std::move(diags));
  const YAML::Node root = doc.root;
  const Reader r{file};
  const YAML::Node cal = root.IsMap() ? root["calibration"] : YAML::Node();
  if (!cal || !cal.IsMap())
    fail(file, root, "calibration",
         "no calibration: block (the counts of a fit): --prior-model takes a journey written by cxsim calibrate, "
         "with its calibration: block as written");
  if (!cal["format"] || r.number(cal["format"], "calibration.format") != kBlockFormat)
    fail(file, cal["format"], "calibration.format", fmt::format("expected format {}", kBlockFormat));
  Aggregate& a = s.train;

  // Touchpoints and outcomes, by name.
  std::vector<std::uint32_t> tp, oc;
  std::vector<std::string> only_prior, common;
  std::set<std::uint32_t> data_tps;
  for (std::uint32_t k = 0; k < a.visits.size(); ++k)
    if (a.visits[k] > 0) data_tps.insert(k);
  struct TpRow {
    double start, visits, fr;
  };
  std::vector<TpRow> tp_rows;
  {
    const YAML::Node l = r.seq(cal, "touchpoints", "calibration");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string p = fmt::format("calibration.touchpoints[{}]", i);
      const YAML::Node row = r.row(l[i], 4, p);
      const std::string name = r.name(row[0], p + "[0]");
      const std::uint32_t k = s.tp_names.intern(name);
      (data_tps.count(k) ? common : only_prior).push_back(name);
      tp.push_back(k);
      tp_rows.push_back({r.number(row[1], p + "[1]"), r.number(row[2], p + "[2]"), r.number(row[3], p + "[3]")});
    }
  }
  if (tp.empty()) fail(file, cal, "calibration.touchpoints", "no touchpoints: nothing to add up");
  if (common.empty() && !data_tps.empty())
    fail(file, cal["touchpoints"], "calibration.touchpoints",
         fmt::format("no touchpoint in common with the new data (the prior model has {}, the data {}): is it a fit "
                     "of another journey?",
                     core::quoted_list({only_prior.begin(), only_prior.begin() + std::min<long>(5, only_prior.size())}),
                     core::quoted_list({s.tp_names.name(*data_tps.begin())})));
  if (cal["status"]) {
    bool st = false;
    if (!YAML::convert<bool>::decode(cal["status"], st))
      fail(file, cal["status"], "calibration.status", "expected true or false");
    if (st != s.has_status)
      fail(file, cal["status"], "calibration.status",
           fmt::format("the prior model was fitted {} a status column, the new data {} one: friction counts cannot "
                       "be added up",
                       st ? "with" : "without", s.has_status ? "has" : "has not"));
  }
  a.ensure_tp(s.tp_names.size());
  std::vector<std::string> only_data;
  for (auto k : data_tps)
    if (std::find(tp.begin(), tp.end(), k) == tp.end()) only_data.push_back(s.tp_names.name(k));
  auto some = [](const std::vector<std::string>& v) {
    std::vector<std::string> shown(v.begin(), v.begin() + static_cast<long>(std::min<std::size_t>(5, v.size())));
    if (v.size() > 5) shown.push_back(fmt::format("{} more", v.size() - 5));
    return core::quoted_list(shown);
  };
  if (!only_prior.empty())
    s.warn(
        fmt::format("--prior-model: {} touchpoint(s) of the prior model are not in the new data ({}): they keep "
                    "their earlier counts",
                    only_prior.size(), some(only_prior)));
  if (!only_data.empty())
    s.warn(
        fmt::format("--prior-model: {} touchpoint(s) of the new data are not in the prior model ({}): they are "
                    "fitted on the new data alone",
                    only_data.size(), some(only_data)));
  for (std::size_t i = 0; i < tp.size(); ++i) {
    a.start[tp[i]] += tp_rows[i].start;
    a.visits[tp[i]] += tp_rows[i].visits;
    a.fr_visits[tp[i]] += tp_rows[i].fr;
  }
  {
    const YAML::Node l = r.seq(cal, "outcomes", "calibration");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string p = fmt::format("calibration.outcomes[{}]", i);
      const YAML::Node row = r.row(l[i], 2, p);
      const std::uint32_t k = s.oc_names.intern(r.name(row[0], p + "[0]"));
      a.ensure_oc(k + 1);
      a.outcome_count[k] += r.number(row[1], p + "[1]");
      oc.push_back(k);
    }
  }
  {
    const YAML::Node l = r.seq(cal, "transitions", "calibration");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string p = fmt::format("calibration.transitions[{}]", i);
      const YAML::Node row = r.row(l[i], 5, p);
      const std::size_t src = r.index(row[0], tp.size(), p + "[0]");
      const std::size_t fr = r.index(row[1], 2, p + "[1]");
      const std::string kind = row[2].IsScalar() ? row[2].Scalar() : "";
      if (kind != "t" && kind != "o") fail(file, row[2], p + "[2]", "expected t (touchpoint) or o (outcome)");
      const bool is_oc = kind == "o";
      const std::size_t tgt = r.index(row[3], is_oc ? oc.size() : tp.size(), p + "[3]");
      a.trans[tkey(tp[src], fr == 1, is_oc, is_oc ? oc[tgt] : tp[tgt])] += r.number(row[4], p + "[4]");
    }
  }
  {
    const YAML::Node l = r.seq(cal, "durations", "calibration");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string p = fmt::format("calibration.durations[{}]", i);
      const YAML::Node row = r.row(l[i], 9, p);
      const std::size_t k = r.index(row[0], tp.size(), p + "[0]");
      const std::size_t fr = r.index(row[1], 2, p + "[1]");
      DurationStats d;
      d.n = r.number(row[2], p + "[2]");
      d.zeros = r.number(row[3], p + "[3]");
      d.sum = r.number(row[4], p + "[4]");
      d.mean_log = r.number(row[5], p + "[5]", false);
      d.m2_log = r.number(row[6], p + "[6]");
      d.min = r.number(row[7], p + "[7]");
      d.max = r.number(row[8], p + "[8]");
      a.dur[fr][tp[k]].merge(d);
    }
  }
  {
    const YAML::Node l = r.seq(cal, "channels", "calibration");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string p = fmt::format("calibration.channels[{}]", i);
      const YAML::Node row = r.row(l[i], 3, p);
      const std::size_t k = r.index(row[0], tp.size(), p + "[0]");
      const std::string ch = r.name(row[1], p + "[1]");
      auto it = std::find(s.channel_names.begin(), s.channel_names.end(), ch);
      const auto c = static_cast<std::uint64_t>(it - s.channel_names.begin());
      if (it == s.channel_names.end()) s.channel_names.push_back(ch);
      a.channel_counts[(static_cast<std::uint64_t>(tp[k]) << 32) | c] += r.number(row[2], p + "[2]");
    }
  }
  {
    const YAML::Node l = r.seq(cal, "lengths", "calibration");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string p = fmt::format("calibration.lengths[{}]", i);
      const YAML::Node row = r.row(l[i], 2, p);
      a.lengths[static_cast<long>(r.number(row[0], p + "[0]"))] += r.number(row[1], p + "[1]");
    }
  }
  {
    const YAML::Node l = r.seq(cal, "retention", "calibration");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string p = fmt::format("calibration.retention[{}]", i);
      const YAML::Node row = r.row(l[i], 4, p);
      SegmentSurvival g;
      g.name = r.name(row[0], p + "[0]");
      g.customers = r.number(row[1], p + "[1]");
      for (int c = 2; c < 4; ++c) {
        const std::string pc = fmt::format("{}[{}]", p, c);
        if (!row[c].IsSequence()) fail(file, row[c], pc, "expected a list of counts");
        if (row[c].size() > 65536) fail(file, row[c], pc, "more than 65536 periods");
        auto& v = c == 2 ? g.counts.churned : g.counts.censored;
        for (std::size_t t = 0; t < row[c].size(); ++t) v.push_back(r.number(row[c][t], fmt::format("{}[{}]", pc, t)));
      }
      g.counts.churned.resize(std::max(g.counts.churned.size(), g.counts.censored.size()), 0.0);
      g.counts.censored.resize(g.counts.churned.size(), 0.0);
      s.prior_retention.push_back(std::move(g));
    }
  }
  {
    auto field = [&](const YAML::Node& n, const std::string& p) {
      const std::string f = n.IsScalar() ? n.Scalar() : "";
      if (f != "s" && f != "e") fail(file, n, p, "expected s (satisfaction) or e (effort)");
      return f == "e";
    };
    auto se_of = [&](const YAML::Node& n, const std::string& p) {
      const double v = r.number(n, p);
      if (!(v > 0)) fail(file, n, p, "expected a standard error > 0");
      return v;
    };
    const YAML::Node l = r.seq(cal, "deltas", "calibration");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string p = fmt::format("calibration.deltas[{}]", i);
      const YAML::Node row = r.row(l[i], 5, p);
      State::PriorDelta d;
      d.tp = tp[r.index(row[0], tp.size(), p + "[0]")];
      d.effort = field(row[1], p + "[1]");
      d.friction = r.index(row[2], 2, p + "[2]") == 1;
      d.estimate = r.number(row[3], p + "[3]", false);
      d.se = se_of(row[4], p + "[4]");
      s.prior_deltas.push_back(d);
    }
    const YAML::Node w = r.seq(cal, "channel_switch", "calibration");
    for (std::size_t i = 0; i < w.size(); ++i) {
      const std::string p = fmt::format("calibration.channel_switch[{}]", i);
      const YAML::Node row = r.row(w[i], 3, p);
      State::PriorDelta d;
      d.tp = kSwitchColumn;
      d.effort = field(row[0], p + "[0]");
      d.estimate = r.number(row[1], p + "[1]", false);
      d.se = se_of(row[2], p + "[2]");
      s.prior_deltas.push_back(d);
    }
  }
  if (cal["journeys"]) a.journeys += r.number(cal["journeys"], "calibration.journeys");
  if (cal["censored"]) a.censored += r.number(cal["censored"], "calibration.censored");
  s.hold.ensure_tp(s.tp_names.size());
  s.res.summary +=
      fmt::format("prior model: {}: {} touchpoints ({} in the new data), {} journeys added\n", file, tp.size(),
                  common.size(), cal["journeys"] ? r.number(cal["journeys"], "calibration.journeys") : 0.0);
  s.dqa("prior_model", "touchpoints", static_cast<double>(tp.size()));
  s.dqa("prior_model", "touchpoints_in_new_data", static_cast<double>(common.size()));
}

void combine_prior_deltas(State& s) {
  if (s.prior_deltas.empty()) return;
  if (!s.m.has_survey) {
    s.warn(fmt::format(
        "--prior-model: the prior model's {} satisfaction/effort deltas are not used: the new data has no --surveys, "
        "so the fitted model has no survey part",
        s.prior_deltas.size()));
    return;
  }
  // Normal approximations combine (docs/methods/calibration.md, "Updating a
  // fit"): precision-weighted mean, precisions add.
  std::size_t combined = 0, from_prior = 0, unused = 0;
  for (const auto& d : s.prior_deltas) {
    Coefficient* c = nullptr;
    bool has = false;
    if (d.tp == kSwitchColumn) {
      has = s.m.has_switch;
      c = d.effort ? &s.m.switch_eff : &s.m.switch_sat;
    } else if (d.tp < s.tp_index.size() && s.tp_index[d.tp] >= 0) {
      FittedTouchpoint& t = s.m.touchpoints[static_cast<std::size_t>(s.tp_index[d.tp])];
      has = d.effort ? t.has_eff : t.has_sat;
      c = d.effort ? (d.friction ? &t.eff_fr : &t.eff_ok) : (d.friction ? &t.sat_fr : &t.sat_ok);
    }
    if (!c || !has) {
      ++unused;
      continue;
    }
    const std::string tag = "with --prior-model";
    if (!c->identified) {
      *c = Coefficient{d.estimate, d.se, true, "from --prior-model (not identified by the new data)"};
      ++from_prior;
    } else if (std::isfinite(c->se) && c->se > 0 && std::isfinite(c->estimate)) {
      const double w0 = 1 / (d.se * d.se), w1 = 1 / (c->se * c->se);
      c->estimate = (w0 * d.estimate + w1 * c->estimate) / (w0 + w1);
      c->se = 1 / std::sqrt(w0 + w1);
      c->label = c->label.empty() ? "combined " + tag : c->label + ", combined " + tag;
      ++combined;
    } else {
      ++unused;  // an estimate without a standard error: kept as fitted
    }
  }
  s.res.summary += fmt::format(
      "prior model: survey deltas: {} combined with the new fit's (precision-weighted), {} taken from the prior (not "
      "identified by the new data), {} not used\n",
      combined, from_prior, unused);
  s.dqa("prior_model", "deltas_combined", static_cast<double>(combined));
  s.dqa("prior_model", "deltas_from_prior", static_cast<double>(from_prior));
  if (unused)
    s.warn(
        fmt::format("--prior-model: {} of the prior model's satisfaction/effort deltas are not used (their "
                    "touchpoint or scale has no survey fit in the new data, or the new estimate has no standard "
                    "error)",
                    unused));
}

}  // namespace cxsim::calibrate::stages
