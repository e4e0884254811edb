// Survey fit of calibrate(): ordered logits of NPS, CSAT and CES on the
// journeys' visit counts, the satisfaction deltas and baselines of the
// fitted model and the key drivers (their report tables: writer.cpp)
// (docs/methods/calibration.md, section 5).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <unordered_map>

#include <Eigen/Dense>
#include <boost/math/special_functions/gamma.hpp>
#include <fmt/format.h>

#include "cxsim/calibrate/csv.h"
#include "cxsim/calibrate/durations.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/calibrate/journey_writer.h"
#include "cxsim/calibrate/ordered_logit.h"
#include "cxsim/calibrate/posterior.h"
#include "cxsim/calibrate/sbg.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/core/version.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"
#include "stages.h"

namespace cxsim::calibrate::stages {

namespace {

double nps_of(const std::vector<double>& p) {
  double prom = 0, det = 0;
  for (int c = 0; c <= 10; ++c) {
    if (c >= 9) prom += p[static_cast<std::size_t>(c)];
    if (c <= 6) det += p[static_cast<std::size_t>(c)];
  }
  return 100 * (prom - det);
}

}  // namespace

void fit_surveys(State& s) {
  const CalibrateOptions& o = s.o;
  std::string& sum = s.res.summary;
  Eigen::MatrixXd X;
  s.P = 2 * s.T + 1;  // ok/friction per touchpoint + switches
  const std::size_t P = s.P;
  s.attenuation = std::sqrt(1.0 + kAttenuationC2 * o.satisfaction0_sd * o.satisfaction0_sd);
  const double attenuation = s.attenuation;
  auto dense = [&](const Covariates& c, auto&& row) { stages::dense(c, P, row); };
  if (s.sv) {
    for (std::size_t i = 0; i < s.respondents.size(); ++i)
      (s.respondents[i].holdout ? s.hold_resp : s.train_resp).push_back(i);
    double matched_keys = 0;
    if (s.sv->by_journey) {
      matched_keys = static_cast<double>(s.respondents.size());
    } else {
      for (auto& [c, p] : s.pending) matched_keys += static_cast<double>(s.sv->answers.at(c).size());
    }
    const double answers_total = static_cast<double>(s.sv->rows - s.sv->bad_rows);
    sum += fmt::format(
        "surveys: {}: {} answers ({}{}{}), {} joined to journeys by {} (column '{}'); {} used for "
        "fitting\n",
        o.surveys, answers_total, "nps", s.sv->has_csat ? ", csat" : "", s.sv->has_ces ? ", ces" : "", matched_keys,
        s.sv->by_journey ? "journey_id" : "customer_id (that customer's last journey)", s.sv->join_column,
        s.train_resp.size());
    if (answers_total > matched_keys)
      s.warn(fmt::format("{} survey answers match no journey of the event log and are ignored",
                         answers_total - matched_keys));
    s.dqa("surveys", "rows", static_cast<double>(s.sv->rows));
    s.dqa("surveys", "answers_joined", matched_keys);
    s.dqa("surveys", "answers_used_for_fitting", static_cast<double>(s.train_resp.size()));
    if (s.sv->has_segment) {
      s.dqa("surveys", "segments", static_cast<double>(s.sv->segments.size()));
      s.dqa("surveys", "segment_mismatches", static_cast<double>(s.survey_segment_mismatches));
      if (s.survey_segment_mismatches)
        s.warn(
            fmt::format("{} joined survey answers name another segment than their {} in the event log (or the log "
                        "has none); the event log's segment is used",
                        s.survey_segment_mismatches, s.sv->by_journey ? "journey" : "customer"));
    }
    s.bad_rows("surveys", s.sv->bad_rows, s.sv->bad_by_reason, s.sv->bad_examples);
    X.resize(static_cast<Eigen::Index>(s.train_resp.size()), static_cast<Eigen::Index>(P));
    for (std::size_t r = 0; r < s.train_resp.size(); ++r)
      dense(s.respondents[s.train_resp[r]].x, X.row(static_cast<Eigen::Index>(r)));
    auto fit_scale = [&](int Answer::*field, int categories, int offset, Eigen::MatrixXd& Xs) {
      std::vector<int> y;
      std::vector<Eigen::Index> rows;
      for (std::size_t r = 0; r < s.train_resp.size(); ++r) {
        const int v = s.respondents[s.train_resp[r]].a.*field;
        if (v < 0) continue;
        y.push_back(v - offset);
        rows.push_back(static_cast<Eigen::Index>(r));
      }
      Xs.resize(static_cast<Eigen::Index>(rows.size()), X.cols());
      for (std::size_t i = 0; i < rows.size(); ++i) Xs.row(static_cast<Eigen::Index>(i)) = X.row(rows[i]);
      return fit_ordered_logit(y, Xs, categories);
    };
    Eigen::MatrixXd Xn, Xc, Xe;
    s.nps_fit = fit_scale(&Answer::nps, 11, 0, Xn);
    if (s.sv->has_csat) s.csat_fit = fit_scale(&Answer::csat, o.csat_scale, 1, Xc);
    if (s.sv->has_ces) s.ces_fit = fit_scale(&Answer::ces, o.ces_scale, 1, Xe);
    if (!s.nps_fit.converged) s.warn("NPS ordered logit: " + s.nps_fit.note);
    if (s.sv->has_csat && !s.csat_fit.converged && !s.csat_fit.note.empty())
      s.warn("CSAT ordered logit: " + s.csat_fit.note);
    if (s.sv->has_ces && !s.ces_fit.converged && !s.ces_fit.note.empty())
      s.warn("CES ordered logit: " + s.ces_fit.note);

    // Column names for messages: tp.ok, tp.friction, channel_switch.
    auto column_name = [&](std::size_t col) {
      if (col == P - 1) return std::string("channel_switch");
      const std::size_t k = col / 2;
      return (k < s.tp_id.size() ? s.tp_id[k] : fmt::format("column {}", col)) + (col % 2 ? ".friction" : ".ok");
    };
    // Separation and collinearity, named (docs/methods/calibration.md, section 5).
    auto robustness = [&](const OrderedLogitFit& f, const char* scale) {
      if (f.regularised) {
        std::vector<std::string> names;
        for (std::size_t c = 0; c < f.separated.size(); ++c)
          if (f.separated[c]) names.push_back(column_name(c));
        s.warn(fmt::format(
            "{} ordered logit: (quasi-)separation{}{}: the maximum-likelihood estimate is unbounded, so every "
            "coefficient of this scale is the regularised (penalised, N(0, 2.5^2) per standardised coefficient) "
            "estimate, labelled 'regularised' in the YAML and the fit report",
            scale, names.empty() ? "" : " at ", core::quoted_list(names)));
      }
      for (const auto& g : f.collinear) {
        std::vector<std::string> names;
        for (auto c : g.columns) names.push_back(column_name(c));
        s.warn(
            fmt::format("{} ordered logit: collinear visit counts {}{}: the data identify only their combination; "
                        "written as the minimum-norm split ({})",
                        scale, core::quoted_list(names), g.with_constant ? " (with the constant)" : "",
                        g.columns.size() == 1 ? "0, the cut-points absorb it"
                                              : "the smallest coefficients that fit; identical columns get equal "
                                                "shares"));
      }
    };
    robustness(s.nps_fit, "NPS");
    if (s.sv->has_csat) robustness(s.csat_fit, "CSAT");
    if (s.sv->has_ces) robustness(s.ces_fit, "CES");
    auto coefficient = [&](const OrderedLogitFit& f, std::size_t col, double sign, const std::string&) {
      Coefficient c;
      if (col < f.beta.size() && !f.dropped[col] && std::isfinite(f.beta[col])) {
        c.identified = true;
        c.estimate = sign * f.beta[col] * attenuation;
        c.se = f.beta_se[col] * attenuation;
        if (f.regularised) c.label = "regularised";
        if (f.group_of[col] >= 0) {
          const auto& g = f.collinear[static_cast<std::size_t>(f.group_of[col])];
          std::vector<std::string> others;
          for (auto o2 : g.columns)
            if (o2 != col) others.push_back(column_name(o2));
          std::string l = "collinear";
          for (std::size_t i = 0; i < others.size(); ++i) l += (i ? ", " : " with ") + others[i];
          if (g.with_constant) l += others.empty() ? " with the constant" : " and the constant";
          l += ": minimum-norm split";
          c.label = c.label.empty() ? l : c.label + ", " + l;
        }
      }
      return c;
    };
    const bool nps_ok = !s.nps_fit.observed.empty() && s.nps_fit.observed.size() >= 2;
    for (auto k : s.order) {
      auto& t = s.m.touchpoints[static_cast<std::size_t>(s.tp_index[k])];
      if (nps_ok) {
        t.has_sat = true;
        t.sat_ok = coefficient(s.nps_fit, 2 * k, 1.0, "NPS " + s.tp_id[k] + ".ok");
        t.sat_fr = coefficient(s.nps_fit, 2 * k + 1, 1.0, "NPS " + s.tp_id[k] + ".friction");
        if (!s.has_status) t.sat_fr = t.sat_ok;
      }
      if (s.sv->has_ces && s.ces_fit.observed.size() >= 2) {
        t.has_eff = true;
        t.eff_ok = coefficient(s.ces_fit, 2 * k, -1.0, "CES " + s.tp_id[k] + ".ok");
        t.eff_fr = coefficient(s.ces_fit, 2 * k + 1, -1.0, "CES " + s.tp_id[k] + ".friction");
        if (!s.has_status) t.eff_fr = t.eff_ok;
      }
    }
    if (s.has_channel && nps_ok) {
      s.m.has_switch = true;
      s.m.switch_sat = coefficient(s.nps_fit, P - 1, 1.0, "NPS channel_switch");
      if (s.sv->has_ces && s.ces_fit.observed.size() >= 2)
        s.m.switch_eff = coefficient(s.ces_fit, P - 1, -1.0, "CES channel_switch");
    }
    s.m.has_survey = true;
    s.m.response_rate = s.train.journeys > 0 ? static_cast<double>(s.train_resp.size()) / s.train.journeys : 1.0;
    auto baseline = [&](const OrderedLogitFit& f, FittedScale& fs, int scale, double respondents_n) {
      if (f.observed.size() < 2) {
        if (f.observed.size() == 1) {
          fs.present = true;
          fs.scale = scale;
          fs.baseline.assign(static_cast<std::size_t>(scale), 0.0);
          fs.baseline[static_cast<std::size_t>(f.observed[0])] = 1.0;
          fs.respondents = respondents_n;
        }
        return;
      }
      fs.present = true;
      fs.scale = scale;
      fs.respondents = respondents_n;
      // Corrected cut-points when --satisfaction0-sd is given.
      OrderedLogitFit g = f;
      for (double& c : g.cut) c *= attenuation;
      fs.baseline = g.baseline();
    };
    baseline(s.nps_fit, s.m.nps, 11, static_cast<double>(Xn.rows()));
    if (s.sv->has_csat) baseline(s.csat_fit, s.m.csat, o.csat_scale, static_cast<double>(Xc.rows()));
    if (s.sv->has_ces) baseline(s.ces_fit, s.m.ces, o.ces_scale, static_cast<double>(Xe.rows()));
    if (o.satisfaction0_sd > 0) {
      FittedSegment seg;
      seg.id = "all";
      seg.name = "all";
      seg.share = 1;
      seg.s0_sd = o.satisfaction0_sd;
      s.m.segments.push_back(seg);
    }

    s.respondents_nps = static_cast<double>(Xn.rows());
    s.respondents_csat = static_cast<double>(Xc.rows());
    s.respondents_ces = static_cast<double>(Xe.rows());

    // Key drivers: NPS cost of friction.
    if (nps_ok && s.has_status) {
      s.has_key_drivers = true;
      using Row = KeyDriver;
      std::vector<Row>& rows = s.key_drivers;
      // Predicted NPS of the training respondents, as fitted and with tp k's
      // friction visits turned ok.
      const Eigen::Index nn = Xn.rows();
      auto mean_nps = [&](const Eigen::MatrixXd& Xm) {
        double total = 0;
        for (Eigen::Index i = 0; i < nn; ++i) total += nps_of(s.nps_fit.probabilities(Xm.row(i).transpose()));
        return nn > 0 ? total / static_cast<double>(nn) : kNaN;
      };
      const double base = mean_nps(Xn);
      for (auto k : s.order) {
        const std::size_t ca = 2 * k, cb = 2 * k + 1;
        if (s.nps_fit.dropped[ca] || s.nps_fit.dropped[cb] || s.train.fr_visits[k] <= 0) continue;
        Row r;
        r.id = s.tp_id[k];
        r.a = s.nps_fit.beta[ca];
        r.b = s.nps_fit.beta[cb];
        r.d = r.b - r.a;
        // Covariance indices: cut-points first, then kept columns in order.
        Eigen::Index ia = -1, ib = -1, pos = static_cast<Eigen::Index>(s.nps_fit.cut.size());
        for (std::size_t c = 0; c < s.nps_fit.dropped.size(); ++c) {
          if (s.nps_fit.dropped[c]) continue;
          if (c == ca) ia = pos;
          if (c == cb) ib = pos;
          ++pos;
        }
        r.dse =
            std::sqrt(s.nps_fit.covariance(ia, ia) + s.nps_fit.covariance(ib, ib) - 2 * s.nps_fit.covariance(ia, ib));
        r.fv = s.train.fr_visits[k] / s.train.journeys;
        r.cost = r.d * r.fv;
        Eigen::MatrixXd Xm = Xn;
        Xm.col(static_cast<Eigen::Index>(ca)) += Xm.col(static_cast<Eigen::Index>(cb));
        Xm.col(static_cast<Eigen::Index>(cb)).setZero();
        r.nps = mean_nps(Xm) - base;
        rows.push_back(r);
      }
      // Ranked and printed after the what-ifs are simulated (key_drivers.cpp).
    }
  }
}

// The per-segment delta tests fit ordered logits with (touchpoint columns x
// segments) columns; beyond this many they are skipped (warned).
constexpr Eigen::Index kMaxSegmentDeltaColumns = 400;

void fit_segment_deltas(State& s) {
  // Per scale (NPS: satisfaction, CES: effort) and touchpoint k, over the
  // training respondents whose journey has a segment: H0 one delta pair
  // (ok, friction) at k for every segment, H1 one pair per segment; both
  // with a level shift per segment (segment dummies: the segments may
  // differ in S0's mean, which the cut-points absorb) and every other
  // touchpoint's deltas pooled. G2 = 2 (loglik1 - loglik0), df = the
  // difference in identified parameters (docs/methods/calibration.md,
  // section 10).
  if (!s.sv || s.m.segments.size() < 2 || !s.has_segment_col) return;
  const std::size_t P = s.P;
  std::map<std::string, int> seg_of;
  for (std::size_t g = 0; g < s.m.segments.size(); ++g) seg_of[s.m.segments[g].name] = static_cast<int>(g);
  const int G = static_cast<int>(s.m.segments.size());
  auto& rep = s.res.report;
  auto& tt = rep.table("calibration/segments/deltas",
                       "likelihood-ratio tests of equal satisfaction (NPS) and effort (CES) deltas over the segments, "
                       "per touchpoint (segment level shifts in both models)");
  tt.str("scale").str("touchpoint").integer("respondents").num("g2").integer("df").num("p_value").integer("overridden");
  auto& et = rep.table("calibration/segments/delta_overrides",
                       "per-segment satisfaction and effort deltas written where equal deltas were rejected "
                       "(calibration/segments/deltas)");
  et.str("segment").str("touchpoint").str("parameter").num("estimate").num("se");
  std::size_t overridden[2] = {0, 0}, not_tested = 0;
  struct Scale {
    int Answer::*field;
    int categories, offset;
    double sign, factor;
    const char* name;
    const OrderedLogitFit* pooled;
  };
  std::vector<Scale> scales = {{&Answer::nps, 11, 0, 1.0, s.attenuation, "nps", &s.nps_fit}};
  // Effort has no latent part: no attenuation (section 9).
  if (s.sv->has_ces) scales.push_back({&Answer::ces, s.o.ces_scale, 1, -1.0, 1.0, "ces", &s.ces_fit});
  for (std::size_t si = 0; si < scales.size(); ++si) {
    const Scale& sc = scales[si];
    if (sc.pooled->observed.size() < 2) continue;
    std::vector<int> y, seg;
    std::vector<const Covariates*> xs;
    for (auto r : s.train_resp) {
      const Respondent& rs = s.respondents[r];
      const int v = rs.a.*(sc.field);
      const auto it = seg_of.find(rs.segment);
      if (v < 0 || it == seg_of.end()) continue;
      y.push_back(v - sc.offset);
      seg.push_back(it->second);
      xs.push_back(&rs.x);
    }
    const auto n = static_cast<Eigen::Index>(y.size());
    // H1: every touchpoint column split into one copy per segment (column
    // c * G + g), the channel switch pooled, a level shift per segment.
    const auto PT = static_cast<Eigen::Index>(P) - 1;  // touchpoint columns
    const Eigen::Index sw = PT * G, cols = PT * G + 1 + (G - 1);
    if (cols > kMaxSegmentDeltaColumns) {
      s.warn(
          fmt::format("{}: per-segment delta tests skipped: {} touchpoint columns x {} segments is more than {} "
                      "columns; the pooled deltas stand",
                      sc.name, PT, G, kMaxSegmentDeltaColumns));
      continue;
    }
    Eigen::MatrixXd X1 = Eigen::MatrixXd::Zero(n, cols);
    Eigen::RowVectorXd row(static_cast<Eigen::Index>(P));
    for (Eigen::Index i = 0; i < n; ++i) {
      const int g = seg[static_cast<std::size_t>(i)];
      stages::dense(*xs[static_cast<std::size_t>(i)], P, row);
      for (Eigen::Index c = 0; c < PT; ++c) X1(i, c * G + g) = row(c);
      X1(i, sw) = row(PT);
      if (g > 0) X1(i, sw + g) = 1;
    }
    const OrderedLogitFit f1 = fit_ordered_logit(y, X1, sc.categories);
    if (!f1.converged || f1.regularised) {
      ++not_tested;
      continue;
    }
    for (auto k : s.order) {
      const Eigen::Index ca = 2 * static_cast<Eigen::Index>(k), cb = ca + 1;
      // H0 for k: its copies summed back into copy 0 (one pair for all).
      Eigen::MatrixXd X0 = X1;
      double visits = 0;
      for (Eigen::Index c : {ca, cb}) {
        for (int g = 1; g < G; ++g) {
          X0.col(c * G) += X0.col(c * G + g);
          X0.col(c * G + g).setZero();
        }
        visits += X0.col(c * G).sum();
      }
      if (!(visits > 0)) continue;
      const OrderedLogitFit f0 = fit_ordered_logit(y, X0, sc.categories);
      tt.add("scale", std::string(sc.name));
      tt.add("touchpoint", s.tp_id[k]);
      tt.add("respondents", static_cast<double>(n));
      if (!f0.converged || f0.regularised) {
        ++not_tested;
        tt.add("g2", kNaN);
        tt.add("df", 0.0);
        tt.add("p_value", kNaN);
        tt.add("overridden", 0.0);
        continue;
      }
      SegmentTest t;
      t.g2 = std::max(0.0, 2 * (f1.loglik - f0.loglik));
      t.df = f1.parameters - f0.parameters;
      if (t.df > 0) t.p_value = boost::math::gamma_q(0.5 * t.df, 0.5 * t.g2);
      const bool reject = t.df > 0 && t.p_value < kSegmentTestLevel;
      tt.add("g2", t.g2);
      tt.add("df", t.df);
      tt.add("p_value", t.df > 0 ? t.p_value : kNaN);
      tt.add("overridden", reject ? 1.0 : 0.0);
      if (!reject) continue;
      ++overridden[si];
      const FittedTouchpoint& tp = s.m.touchpoints[static_cast<std::size_t>(s.tp_index[k])];
      for (int g = 0; g < G; ++g) {
        const auto c_ok = static_cast<std::size_t>(ca * G + g), c_fr = static_cast<std::size_t>(cb * G + g);
        if (f1.dropped[c_ok] && f1.dropped[c_fr]) continue;  // the segment never visited k: the pooled deltas stand
        auto coefficient = [&](std::size_t c, const Coefficient& pooled) {
          if (f1.dropped[c] || !std::isfinite(f1.beta[c])) return pooled;
          Coefficient out{sc.sign * f1.beta[c] * sc.factor, f1.beta_se[c] * sc.factor, true, ""};
          if (f1.group_of[c] >= 0) out.label = "collinear: minimum-norm split";
          return out;
        };
        FittedSegment& fs = s.m.segments[static_cast<std::size_t>(g)];
        FittedOverride* ov = nullptr;
        for (auto& o : fs.overrides)
          if (o.touchpoint == tp.id) ov = &o;
        if (!ov) {
          fs.overrides.emplace_back();
          ov = &fs.overrides.back();
          ov->touchpoint = tp.id;
        }
        const char* what = si == 0 ? "satisfaction" : "effort";
        for (auto [term, c] : {std::pair<const char*, std::size_t>{"ok", c_ok}, {"friction", c_fr}}) {
          if (f1.dropped[c] || (!s.has_status && c == c_fr)) continue;
          et.add("segment", fs.id);
          et.add("touchpoint", tp.id);
          et.add("parameter", fmt::format("{}.{}", what, term));
          et.add("estimate", sc.sign * f1.beta[c] * sc.factor);
          et.add("se", f1.beta_se[c] * sc.factor);
        }
        if (si == 0) {
          ov->has_sat = true;
          ov->sat_ok = coefficient(c_ok, tp.sat_ok);
          ov->sat_fr = s.has_status ? coefficient(c_fr, tp.sat_fr) : ov->sat_ok;
          ov->sat_test = t;
        } else {
          ov->has_eff = true;
          ov->eff_ok = coefficient(c_ok, tp.eff_ok);
          ov->eff_fr = s.has_status ? coefficient(c_fr, tp.eff_fr) : ov->eff_ok;
          ov->eff_test = t;
        }
      }
    }
  }
  s.res.summary += fmt::format(
      "  satisfaction-delta overrides at {} touchpoint(s), effort-delta overrides at {} (likelihood-ratio tests of "
      "equal deltas, p < {})\n",
      overridden[0], overridden[1], kSegmentTestLevel);
  if (not_tested)
    s.warn(
        fmt::format("{} per-segment delta test(s) not done (an ordered logit did not converge or was regularised: "
                    "separation); the pooled deltas stand there",
                    not_tested));
}

}  // namespace cxsim::calibrate::stages
