#include "cxsim/calibrate/journey_writer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "cxsim/core/strings.h"
#include "cxsim/model/duration_family.h"
#include "cxsim/model/journey_spec.h"

namespace cxsim::calibrate {

namespace {

const std::set<std::string>& yaml_keywords() {
  static const std::set<std::string> k = {"null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf"};
  return k;
}

// Text the journey loader accepts in an id or channel (core::TextRule::id),
// decoded as strictly as the loader does (core::decode_utf8: overlong forms,
// surrogates and truncated sequences are ill-formed): ASCII control
// characters become spaces, every other unfit code point or ill-formed byte
// '?'.
std::string clean_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
      ++i;
      continue;
    }
    const std::size_t start = i;
    const auto cp = core::decode_utf8(s, i);
    const std::string_view bytes(s.data() + start, i - start);
    if (cp && !core::text_problem(bytes, core::TextRule::id)) out.append(bytes);
    else out.push_back('?');
  }
  return out;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : clean_utf8(s)) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string comment_name(const std::string& s) {
  std::string c = clean_utf8(s);
  if (c.size() > 200) c = c.substr(0, 197) + "...";
  return quote(c);
}

std::string num(double x) {
  if (x == 0) return "0";
  return fmt::format("{:.6g}", x);
}

std::string count(double x) {
  if (x == std::floor(x) && std::fabs(x) < 1e15) return fmt::format("{}", static_cast<long long>(x));
  return fmt::format("{:.6g}", x);
}

double parse(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string dist_comment(const DurationFit& f) {
  std::string c = fmt::format("{} gaps", count(f.n + f.zeros));
  if (std::isfinite(f.ln_aic)) {
    c += fmt::format("; AIC lognormal {:.1f}, exponential {:.1f}", f.ln_aic, f.exp_aic);
    if (std::isfinite(f.gamma_aic)) c += fmt::format(", gamma {:.1f}", f.gamma_aic);
    c += fmt::format(" -> {}", f.family);
  }
  if (!f.note.empty()) c += "; " + f.note;
  return c;
}

// A duration: with --distributions each parameter with a standard error as
// `{estimate, sd}` (a Gamma with that mean and sd; a lognormal's p90 is the
// drawn median plus a Gamma gap whose sd sqrt(se_p90^2 - se_median^2) keeps
// the p90's sd the fit's, docs/methods/calibration.md), else as duration_yaml.
std::string duration_text(const DurationFit& f, bool distributions) {
  const auto& fam = model::duration_family(f.spec.kind);
  if (!distributions || fam.bare) return model::duration_yaml(f.spec);
  const auto values = fam.yaml_params(f.spec);
  std::string inner;
  bool any = false;
  for (std::size_t i = 0; i < fam.params.size(); ++i) {
    double sd = i == 0 ? f.se_a : f.se_b;
    if (i == 1 && f.spec.kind == model::DurationSpec::Kind::lognormal) {
      sd = std::sqrt(std::max(0.0, f.se_b * f.se_b - f.se_a * f.se_a));
      // A draw must stay inside the model's limits (the mean of a lognormal
      // at most 1e12 time units), and a small drawn median with a positive
      // gap has a huge sigma: the p90 is uncertain only when the median's
      // coefficient of variation is at most 0.2 and the median at a tenth
      // with the p90 10 sd high still passes; else only the median is (the
      // p90 then moves with it, its shape kept).
      model::DurationSpec far = f.spec;
      far.a = f.spec.a / 10;
      far.b = f.spec.b + 10 * std::hypot(f.se_a, sd);
      if (!(f.se_a <= 0.2 * f.spec.a) || !model::duration_problems(far).empty()) sd = 0;
    }
    if (i == 0 && f.spec.kind == model::DurationSpec::Kind::lognormal) {
      // The median alone scales the mean: 10 sd high must still pass.
      model::DurationSpec far = f.spec;
      const double k = 1 + 10 * f.se_a / f.spec.a;
      far.a *= k;
      far.b *= k;
      if (!model::duration_problems(far).empty()) sd = 0;
    }
    inner += (i == 0 ? "" : ", ") + fam.params[i] + ": ";
    if (sd > 0 && std::isfinite(sd) && parse(values[i]) > 0) {
      inner += fmt::format("{{estimate: {}, sd: {}}}", values[i], num(sd));
      any = true;
    } else {
      inner += values[i];
    }
  }
  if (!any) return model::duration_yaml(f.spec);
  return fmt::format("{{{}: {{{}}}}}", fam.name, inner);
}

// The comment of a duration: with --distributions, why it has none.
std::string duration_comment(const DurationFit& f, bool distributions, bool override_) {
  std::string c = dist_comment(f);
  if (!distributions) return c;
  if (override_) return c + "; no distribution (a segment override's duration takes none)";
  if (duration_text(f, true) == model::duration_yaml(f.spec)) c += "; no distribution (no standard error)";
  return c;
}

std::string ci(const Interval& i) { return fmt::format("[{:.4g}, {:.4g}]", i.lo, i.hi); }

void write_map(std::string& out, const FittedMap& m, const std::string& indent, const std::string& what) {
  std::vector<double> p;
  for (const auto& t : m.targets) p.push_back(t.prob);
  const auto text = format_probabilities(p);
  for (std::size_t i = 0; i < m.targets.size(); ++i) {
    const auto& t = m.targets[i];
    out += fmt::format("{}{}: {}  # {} of {} {}, 95% CrI {}\n", indent, t.id, text[i], count(t.count), count(m.total),
                       what, ci(t.ci));
  }
}

// --distributions: a map of two or more targets as `dirichlet: {target:
// posterior count}` (count + prior; the loader's estimate is count / sum),
// else as probabilities.
void write_map_or_dirichlet(std::string& out, const FittedMap& m, const std::string& indent, const std::string& what,
                            bool distributions) {
  bool counts = distributions && m.targets.size() >= 2;
  for (const auto& t : m.targets) counts = counts && std::isfinite(t.alpha) && t.alpha >= 0;
  if (!counts) return write_map(out, m, indent, what);
  out += indent + "dirichlet:  # posterior counts: observed + prior\n";
  for (const auto& t : m.targets)
    out += fmt::format("{}  {}: {}  # {} of {} {}, 95% CrI {}\n", indent, t.id, fmt::format("{}", t.alpha),
                       count(t.count), count(m.total), what, ci(t.ci));
}

// --distributions: an identified coefficient with a standard error as
// `{estimate, sd}` (an effort only when its estimate is > 0: it is drawn
// from a Gamma), else the plain number `plain`.
std::string uncertain_number(const Coefficient& c, const std::string& plain, bool distributions, bool positive) {
  if (!distributions || !c.identified || !(c.se > 0) || !std::isfinite(c.se) || !std::isfinite(c.estimate) ||
      (positive && !(c.estimate > 0)))
    return plain;
  return fmt::format("{{estimate: {}, sd: {}}}", plain, num(c.se));
}

// --distributions: a value in (0, 1) with a standard error as the Beta with
// that mean and sd (moments: a + b = m(1 - m)/sd^2 - 1), `estimate` the text
// written without it (so the estimate's bits are the same); else the text.
std::string beta_by_moments(const std::string& text, double se, bool distributions) {
  const double v = parse(text);
  if (!distributions || !(se > 0) || !std::isfinite(se) || !(v > 0 && v < 1) || !(se * se < v * (1 - v))) return text;
  const double n = v * (1 - v) / (se * se) - 1;
  return fmt::format("{{estimate: {}, beta: [{}, {}]}}", text, v * n, (1 - v) * n);
}

std::string coef(const Coefficient& c) {
  if (!c.identified) return "n/a";
  if (!c.label.empty()) return fmt::format("{:.3g} (se {:.2g}, {})", c.estimate, c.se, c.label);
  return fmt::format("{:.3g} (se {:.2g})", c.estimate, c.se);
}

}  // namespace

std::string sanitize_id(const std::string& name) {
  std::string id;
  bool underscore = false;
  for (unsigned char c : name) {
    if (std::isalnum(c) && c < 0x80) {
      id.push_back(static_cast<char>(std::tolower(c)));
      underscore = false;
    } else if (!underscore && !id.empty()) {
      id.push_back('_');
      underscore = true;
    }
  }
  // Ids are YAML keys, which may be at most 1,024 characters long (a longer
  // implicit key does not load); names from the data can be any length (the
  // original stays in the comments), so ids keep their first 64 characters.
  if (id.size() > kMaxIdLength) id.resize(kMaxIdLength);
  while (!id.empty() && id.back() == '_') id.pop_back();
  if (id.empty()) id.push_back('x');
  const auto& res = model::reserved_ids();
  if (std::find(res.begin(), res.end(), id) != res.end() || yaml_keywords().count(id)) id.push_back('_');
  return id;
}

std::string IdMaker::make(const std::string& name) {
  const std::string base = sanitize_id(name);
  std::string id = base;
  for (int k = 2; used_.count(id); ++k) id = fmt::format("{}_{}", base, k);
  used_.insert(id);
  return id;
}

std::vector<std::string> format_probabilities(const std::vector<double>& p) {
  std::vector<std::string> out(p.size());
  if (p.empty()) return out;
  std::size_t imax = 0;
  for (std::size_t i = 1; i < p.size(); ++i)
    if (p[i] > p[imax]) imax = i;
  double others = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i == imax) continue;
    out[i] = p[i] == 0 ? "0" : fmt::format("{}", p[i]);  // shortest text that reads back as p[i]
    others += parse(out[i]);
  }
  const double rest = std::max(0.0, 1.0 - others);
  out[imax] = rest == 0 ? "0" : fmt::format("{}", rest);
  return out;
}

std::string write_yaml(const FittedModel& m) {
  std::string o;
  for (const auto& h : m.header) o += "# " + clean_utf8(h) + "\n";
  o += fmt::format("journey: {}\n", m.name);  // an id (sanitize_id): needs no quotes
  o += fmt::format("time_unit: {}\n", m.time_unit);
  o += fmt::format("max_steps: {}\n\n", m.max_steps);
  o += "start:\n";
  write_map_or_dirichlet(o, m.start, "  ", "journeys", m.distributions);
  o += "\ntouchpoints:\n";
  for (const auto& t : m.touchpoints) {
    o += fmt::format("  {}:  # {}: {} visits\n", t.id, comment_name(t.name), count(t.visits));
    o += fmt::format("    channel: {}\n", quote(t.channel));
    if (t.has_status) {
      if (m.distributions) {
        // The Jeffreys posterior of beta_posterior: its mean is the estimate.
        o += fmt::format("    friction: {{estimate: {}, beta: [{}, {}]}}  # {} of {} visits, 95% CrI {}\n",
                         num(t.friction.mean), fmt::format("{}", t.friction_visits + kBetaPrior),
                         fmt::format("{}", t.visits - t.friction_visits + kBetaPrior), count(t.friction_visits),
                         count(t.visits), ci(t.friction.interval));
      } else {
        o += fmt::format("    friction: {}  # {} of {} visits, 95% CrI {}\n", num(t.friction.mean),
                         count(t.friction_visits), count(t.visits), ci(t.friction.interval));
      }
    }
    if (t.has_sat) {
      o += fmt::format(
          "    satisfaction: {{ok: {}, friction: {}}}  # ordered logit: ok {}, friction {}\n",
          uncertain_number(t.sat_ok, num(t.sat_ok.identified ? t.sat_ok.estimate : 0.0), m.distributions, false),
          uncertain_number(t.sat_fr, num(t.sat_fr.identified ? t.sat_fr.estimate : 0.0), m.distributions, false),
          coef(t.sat_ok), coef(t.sat_fr));
    }
    if (t.has_eff) {
      o += fmt::format("    effort: {{ok: {}, friction: {}}}  # from CES: ok {}, friction {}\n",
                       uncertain_number(t.eff_ok, num(t.eff_ok.identified ? std::max(0.0, t.eff_ok.estimate) : 0.0),
                                        m.distributions, true),
                       uncertain_number(t.eff_fr, num(t.eff_fr.identified ? std::max(0.0, t.eff_fr.estimate) : 0.0),
                                        m.distributions, true),
                       coef(t.eff_ok), coef(t.eff_fr));
    }
    if (t.dur_split) {
      o += "    duration:\n";
      o += fmt::format("      ok: {}  # {}\n", duration_text(t.dur_ok, m.distributions),
                       duration_comment(t.dur_ok, m.distributions, false));
      o += fmt::format("      friction: {}  # {}\n", duration_text(t.dur_fr, m.distributions),
                       duration_comment(t.dur_fr, m.distributions, false));
    } else {
      o += fmt::format("    duration: {}  # {}\n", duration_text(t.dur_ok, m.distributions),
                       duration_comment(t.dur_ok, m.distributions, false));
    }
    o += "    next:\n";
    if (t.split) {
      o += "      ok:\n";
      write_map_or_dirichlet(o, t.ok, "        ", "ok visits", m.distributions);
      o += "      friction:\n";
      write_map_or_dirichlet(o, t.fr, "        ", "friction visits", m.distributions);
    } else {
      write_map_or_dirichlet(o, t.ok, "      ", "visits", m.distributions);
    }
  }
  o += "\noutcomes:\n";
  for (const auto& oc : m.outcomes) {
    o += fmt::format("  {}: {{kind: {}", oc.id, quote(oc.kind));
    if (oc.value != 0) o += fmt::format(", value: {}", num(oc.value));
    o += fmt::format("}}  # {}: {} journeys\n", comment_name(oc.name), count(oc.count));
  }
  if (m.has_switch) {
    o += fmt::format("\nchannel_switch: {{satisfaction: {}, effort: {}}}  # satisfaction {}, effort {}\n",
                     num(m.switch_sat.identified ? m.switch_sat.estimate : 0.0),
                     num(m.switch_eff.identified ? std::max(0.0, m.switch_eff.estimate) : 0.0), coef(m.switch_sat),
                     coef(m.switch_eff));
  }
  if (!m.segments.empty()) {
    o += "\nsegments:\n";
    std::vector<double> shares;
    for (const auto& s : m.segments) shares.push_back(s.share);
    const auto st = format_probabilities(shares);
    // --distributions: the shares as one Dirichlet over every segment's
    // customers, when every share is one of the event log's (the loader needs
    // a count on every segment or on none).
    bool share_counts = m.distributions;
    for (const auto& s : m.segments)
      share_counts = share_counts && s.share_from_events && s.customers >= 0 && std::isfinite(s.customers);
    for (std::size_t i = 0; i < m.segments.size(); ++i) {
      const auto& s = m.segments[i];
      o += fmt::format("  {}:  # {}: {} customers\n", s.id, comment_name(s.name), count(s.customers));
      if (share_counts)
        // The Dirichlet over the shares whose mean is the customers' shares
        // (docs/methods/uncertainty.md): each segment's count of customers.
        o += fmt::format("    share: {{dirichlet: {}}}  # {} of the event log's customers, se {:.3g}\n",
                         fmt::format("{}", s.customers), st[i], s.share_se);
      else if (s.share_from_events)
        o += fmt::format("    share: {}  # of the event log's customers, se {:.3g}\n", st[i], s.share_se);
      else o += fmt::format("    share: {}\n", st[i]);
      o += fmt::format("    satisfaction0: {{mean: 0, sd: {}}}\n", num(s.s0_sd));
      if (s.has_engagement) {
        o += fmt::format(
            "    engagement: {{alpha: {:.6g}, beta: {:.6g}}}  # BG/BB MLE (walk probability), se {:.3g} and {:.3g}\n",
            s.eng_alpha, s.eng_beta, s.eng_se_alpha, s.eng_se_beta);
      }
      if (s.has_retention) {
        // --distributions: the fit's covariance of (alpha, beta) when it is
        // positive definite (the loader refuses any other).
        const double va = s.se_alpha * s.se_alpha, vb = s.se_beta * s.se_beta, c = s.cov_alpha_beta;
        const double la = std::log1p(va / (s.alpha * s.alpha)), lb = std::log1p(vb / (s.beta * s.beta)),
                     lc = std::log1p(c / (s.alpha * s.beta));
        const bool with_cov = m.distributions && s.has_cov && va > 0 && vb > 0 && va * vb - c * c > 0 &&
                              std::isfinite(va) && std::isfinite(vb) && la * lb - lc * lc > 0;
        const std::string cov =
            with_cov ? fmt::format(", covariance: [[{}, {}], [{}, {}]]", va, c, c, vb) : std::string();
        o += fmt::format("    retention: {{alpha: {:.6g}, beta: {:.6g}{}}}  # {} MLE, se {:.3g} and {:.3g}\n", s.alpha,
                         s.beta, cov, s.retention_model == "sBG" ? "sBG" : s.retention_model + " dropout", s.se_alpha,
                         s.se_beta);
      } else if (!s.note.empty()) {
        o += fmt::format("    # no retention fitted: {}\n", clean_utf8(s.note));
      }
      if (!s.overrides.empty() || s.has_start) {
        o += "    overrides:\n";
        auto test = [](const char* what, const SegmentTest& t) {
          return fmt::format("equal {} over the segments rejected: G2 {:.4g}, df {}, p {:.3g}", what, t.g2, count(t.df),
                             t.p_value);
        };
        if (s.has_start) {
          o += fmt::format("      start:  # {}\n", test("start maps", s.start_test));
          write_map_or_dirichlet(o, s.start, "        ", "journeys", m.distributions);
        }
        for (const auto& ov : s.overrides) {
          // --distributions: the Jeffreys posterior of the segment's own visits, as the pooled friction.
          const std::string fr = m.distributions
                                     ? fmt::format("{{estimate: {}, beta: [{}, {}]}}", num(ov.friction.mean),
                                                   fmt::format("{}", ov.friction_visits + kBetaPrior),
                                                   fmt::format("{}", ov.visits - ov.friction_visits + kBetaPrior))
                                     : num(ov.friction.mean);
          if (!ov.has_next && !ov.has_duration && !ov.has_sat && !ov.has_eff) {  // friction alone: one line
            o += fmt::format(
                "      {}: {{friction: {}}}  # {} of {} visits, 95% CrI {}; equal friction over the "
                "segments rejected: G2 {:.4g}, p {:.3g}\n",
                ov.touchpoint, fr, count(ov.friction_visits), count(ov.visits), ci(ov.friction.interval), ov.g2,
                ov.p_value);
            continue;
          }
          o += fmt::format("      {}:\n", ov.touchpoint);
          if (ov.has_friction)
            o += fmt::format(
                "        friction: {}  # {} of {} visits, 95% CrI {}; equal friction over the segments rejected: G2 "
                "{:.4g}, p {:.3g}\n",
                fr, count(ov.friction_visits), count(ov.visits), ci(ov.friction.interval), ov.g2, ov.p_value);
          if (ov.has_sat)
            o += fmt::format(
                "        satisfaction: {{ok: {}, friction: {}}}  # this segment's NPS ordered logit: ok {}, friction "
                "{}; "
                "{}\n",
                num(ov.sat_ok.identified ? ov.sat_ok.estimate : 0.0),
                num(ov.sat_fr.identified ? ov.sat_fr.estimate : 0.0), coef(ov.sat_ok), coef(ov.sat_fr),
                test("satisfaction deltas (likelihood ratio)", ov.sat_test));
          if (ov.has_eff)
            o += fmt::format(
                "        effort: {{ok: {}, friction: {}}}  # this segment's CES ordered logit: ok {}, friction {}; "
                "{}\n",
                num(ov.eff_ok.identified ? std::max(0.0, ov.eff_ok.estimate) : 0.0),
                num(ov.eff_fr.identified ? std::max(0.0, ov.eff_fr.estimate) : 0.0), coef(ov.eff_ok), coef(ov.eff_fr),
                test("effort deltas (likelihood ratio)", ov.eff_test));
          if (ov.has_duration) {
            if (ov.dur_split) {
              o += fmt::format("        duration:  # {}\n", test("log-duration means", ov.dur_test));
              o += fmt::format("          ok: {}  # {}\n", model::duration_yaml(ov.dur_ok.spec),
                               duration_comment(ov.dur_ok, m.distributions, true));
              o += fmt::format("          friction: {}  # {}\n", model::duration_yaml(ov.dur_fr.spec),
                               duration_comment(ov.dur_fr, m.distributions, true));
            } else {
              o += fmt::format("        duration: {}  # {}; {}\n", model::duration_yaml(ov.dur_ok.spec),
                               duration_comment(ov.dur_ok, m.distributions, true),
                               test("log-duration means", ov.dur_test));
            }
          }
          if (ov.has_next) {
            o += fmt::format("        next:  # {}\n", test("next maps", ov.next_test));
            if (ov.next_split) {
              o += "          ok:\n";
              write_map_or_dirichlet(o, ov.next_ok, "            ", "ok visits", m.distributions);
              o += "          friction:\n";
              write_map_or_dirichlet(o, ov.next_fr, "            ", "friction visits", m.distributions);
            } else {
              write_map_or_dirichlet(o, ov.next_ok, "          ", "visits", m.distributions);
            }
          }
        }
      }
    }
  }
  if (m.has_survey) {
    o += "\nsurvey:\n";
    if (m.dyn.present) {
      const auto& e = m.dyn.extremity;
      const std::string rate = num(std::min(1.0, std::max(1e-6, m.response_rate)));
      const std::string ext = m.distributions && e.estimated && e.se > 0 && std::isfinite(e.se)
                                  ? fmt::format("{{estimate: {}, sd: {}}}", num(e.value), num(e.se))
                                  : num(e.value);
      o += fmt::format("  response: {{rate: {}, extremity: {}}}  # joint fit: rate se {:.3g}; extremity {}\n",
                       beta_by_moments(rate, m.dyn.response_se, m.distributions), ext, m.dyn.response_se,
                       e.estimated ? fmt::format("se {:.3g}", e.se)
                                   : "default: not identified by the data (" + clean_utf8(e.note) + ")" +
                                         (m.distributions ? ", no distribution" : ""));
    } else {
      o += fmt::format("  response: {{rate: {}, extremity: 0}}  # respondents per journey{}\n",
                       num(std::min(1.0, std::max(1e-6, m.response_rate))),
                       m.distributions ? "; no distribution (no joint fit: no standard error)" : "");
    }
    auto scale = [&](const char* key, const FittedScale& s, bool with_scale) {
      if (!s.present) return;
      const auto b = format_probabilities(s.baseline);
      std::string list;
      for (std::size_t i = 0; i < b.size(); ++i) list += (i ? ", " : "") + b[i];
      if (with_scale) {
        o += fmt::format("  {}: {{scale: {}, baseline: [{}], slope: 1}}  # {} respondents\n", key, s.scale, list,
                         count(s.respondents));
      } else {
        o += fmt::format("  {}:  # {} respondents; baseline = P(score) at satisfaction 0\n", key, count(s.respondents));
        o += fmt::format("    baseline: [{}]\n    slope: 1\n", list);
      }
    };
    scale("nps", m.nps, false);
    scale("csat", m.csat, true);
    scale("ces", m.ces, true);
  }
  if (m.dyn.present) {
    auto line = [&](const char* key, const FittedDynamic& d, bool unit_interval) {
      std::string value = num(d.value);
      if (m.distributions && d.estimated && d.se > 0 && std::isfinite(d.se)) {
        if (!unit_interval) {
          value = fmt::format("{{estimate: {}, sd: {}}}", value, num(d.se));
        } else if (d.value > 0 && d.value < 1 && d.se * d.se < d.value * (1 - d.value)) {
          // The Beta with the estimate's mean and sd (moments): a + b = m(1 - m)/sd^2 - 1.
          const double n = d.value * (1 - d.value) / (d.se * d.se) - 1;
          value = fmt::format("{{estimate: {}, beta: [{}, {}]}}", value, d.value * n, (1 - d.value) * n);
        }
      }
      o += fmt::format("  {}: {}  # {}\n", key, value,
                       d.estimated ? fmt::format("joint fit, se {:.3g}", d.se)
                                   : "default: not identified by the data (" + clean_utf8(d.note) + ")");
    };
    o += "\nretention:\n";
    line("sensitivity", m.dyn.sensitivity, false);
    line("carryover", m.dyn.carryover, true);
  }
  if (m.periods) o += fmt::format("\npopulation:\n  periods: {}\n", *m.periods);
  return o;
}

}  // namespace cxsim::calibrate
