// Writer of calibrate(): the YAML of the fitted model (header comments,
// journey_writer.cpp's write_yaml), loaded back as the engine would load it
// (write_model, before the holdout check that needs it), and the fit report
// tables (write_report, last).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <unordered_map>

#include <Eigen/Dense>
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

void write_model(State& s) {
  const CalibrateOptions& o = s.o;
  Report& rep = s.res.report;
  std::string& sum = s.res.summary;
  s.m.header.push_back(fmt::format("Fitted by cxsim calibrate {} from {}", core::tool_version, s.input_desc));
  if (!o.command_line.empty()) s.m.header.push_back("command: " + o.command_line);
  if (s.retention_only) {
    s.m.header.push_back("Retention only (no event log): the journey is a placeholder (one touchpoint 'customer', one");
    s.m.header.push_back("outcome 'end'); the fit is in segments: and population:, to use as is or to copy into a");
    s.m.header.push_back("journey (docs/calibration.md, \"Retention alone\").");
  } else {
    s.m.header.push_back(
        fmt::format("Counts, 95% credible intervals (Dirichlet/Beta posteriors, prior {} per observed target{}) and",
                    core::fmt_number(o.prior), o.prior == 0 ? ": maximum-likelihood transitions" : ""));
    s.m.header.push_back("standard errors are in the comments; see docs/methods/calibration.md.");
    if (o.holdout > 0)
      s.m.header.push_back(fmt::format("Fitted on {} training journeys ({:.0f}% held out journey by journey, seed {}).",
                                       s.train.journeys, 100 * o.holdout, o.seed));
  }
  s.m.distributions = o.distributions;
  // The joint fit replaces a segment's sBG (alpha, beta) and their standard
  // errors but not their covariance: keep the sBG's correlation (the same
  // lifetimes) on the joint fit's standard errors, so the written covariance
  // has the written se's (docs/calibration.md, "Uncertainty of the fit").
  for (auto& seg : s.m.segments) {
    if (!seg.has_cov) continue;
    for (const auto& r : s.retention)
      if (r.id == seg.id && r.fit.se_alpha > 0 && r.fit.se_beta > 0 &&
          (seg.alpha != r.fit.alpha || seg.beta != r.fit.beta || seg.se_alpha != r.fit.se_alpha ||
           seg.se_beta != r.fit.se_beta))
        seg.cov_alpha_beta = r.fit.cov_alpha_beta / (r.fit.se_alpha * r.fit.se_beta) * seg.se_alpha * seg.se_beta;
  }
  if (o.distributions)
    s.m.header.push_back(
        "--distributions: parameters carry their fitted distributions (run --uncertainty N draws from them).");
  s.m.header.push_back("Ids are sanitized from the data's names (originals in comments).");
  s.res.yaml = write_yaml(s.m);
  const std::string model_only = s.res.yaml;
  if (!s.retention_only) s.res.yaml += calibration_block(s);
  s.lj = [&] {
    try {
      return model::load_journey_text(s.res.yaml, s.m.name + ".yaml");
    } catch (const core::InputError& e) {
      // The counts may push a large model over the input limits (4 MiB, a
      // million YAML nodes): then the model is written without them.
      if (s.res.yaml != model_only) {
        try {
          auto lj = model::load_journey_text(model_only, s.m.name + ".yaml");
          s.res.yaml = model_only;
          s.warn(
              "the calibration: block (the counts for --prior-model) would make the journey exceed the input limits "
              "of a journey file: it was left out, so this fit cannot be updated with --prior-model");
          return lj;
        } catch (const core::InputError&) {
        }
      }
      throw core::RuntimeError(std::string("internal: the fitted journey does not load:\n") + e.what() + "\n" +
                               s.res.yaml);
    }
  }();
  rep.journey_yaml = s.res.yaml;
  sum += fmt::format("model: {} touchpoints, {} outcomes, {} start entries, max_steps {}\n", s.m.touchpoints.size(),
                     s.m.outcomes.size(), s.m.start.targets.size(), s.m.max_steps);
}

// The fit report tables (docs/calibration.md, "The fit report"), in their
// order in the file, from what the stages left in the State. The data-quality
// table comes first: calibrate() opens it and the sources fill it.
static void write_journey_tables(State& s) {
  Report& rep = s.res.report;
  const auto& train = s.train;
  const auto& m = s.m;
  const bool has_status = s.has_status;
  auto& t_tp = rep.table("calibration/touchpoints", "per touchpoint: visits, friction (Beta posterior), channel");
  t_tp.str("id")
      .str("name")
      .str("channel")
      .num("visits")
      .num("friction_visits")
      .num("friction")
      .num("friction_ci_low")
      .num("friction_ci_high")
      .num("exits")
      .num("journeys_started");
  auto& t_tr = rep.table("calibration/transitions",
                         fmt::format("next-map counts and Dirichlet posterior (prior {} per observed target): mean, "
                                     "95% CrI",
                                     core::fmt_number(s.o.prior)));
  t_tr.str("source")
      .str("status")
      .str("target")
      .num("count")
      .num("total")
      .num("probability")
      .num("ci_low")
      .num("ci_high");
  auto& t_du = rep.table("calibration/durations", "duration fits per touchpoint and status (time unit of the journey)");
  t_du.str("touchpoint")
      .str("status")
      .str("family")
      .integer("gaps")
      .integer("zero_gaps")
      .num("lognormal_median")
      .num("lognormal_p90")
      .num("lognormal_aic")
      .num("exponential_mean")
      .num("exponential_aic")
      .num("gamma_mean")
      .num("gamma_sd")
      .num("gamma_aic");
  auto add_tr = [&](const std::string& src, const std::string& status, const FittedMap& fm) {
    for (const auto& t : fm.targets) {
      t_tr.add("source", src);
      t_tr.add("status", status);
      t_tr.add("target", t.id);
      t_tr.add("count", t.count);
      t_tr.add("total", fm.total);
      t_tr.add("probability", t.prob);
      t_tr.add("ci_low", t.ci.lo);
      t_tr.add("ci_high", t.ci.hi);
    }
  };
  auto add_du = [&](const std::string& tp, const std::string& status, const DurationFit& d) {
    t_du.add("touchpoint", tp);
    t_du.add("status", status);
    t_du.add("family", d.family);
    t_du.add("gaps", d.n + d.zeros);
    t_du.add("zero_gaps", d.zeros);
    t_du.add("lognormal_median", d.ln_median);
    t_du.add("lognormal_p90", d.ln_p90);
    t_du.add("lognormal_aic", d.ln_aic);
    t_du.add("exponential_mean", d.exp_mean);
    t_du.add("exponential_aic", d.exp_aic);
    t_du.add("gamma_mean", d.gamma_mean);
    t_du.add("gamma_sd", d.gamma_sd);
    t_du.add("gamma_aic", d.gamma_aic);
  };
  add_tr("start", "", m.start);
  for (const auto& t : m.touchpoints) {
    if (t.split) {
      add_tr(t.id, "ok", t.ok);
      add_tr(t.id, "friction", t.fr);
    } else {
      add_tr(t.id, has_status ? "any" : "", t.ok);
    }
    if (t.dur_split) {
      add_du(t.id, "ok", t.dur_ok);
      add_du(t.id, "friction", t.dur_fr);
    } else {
      add_du(t.id, "any", t.dur_ok);
    }
  }
  auto& t_oc = rep.table("calibration/outcomes", "outcomes reached by training journeys");
  t_oc.str("id").str("name").str("kind").num("journeys").num("share").num("value");
  for (std::size_t i = 0; i < s.data_outcomes; ++i) {
    const auto& oc = m.outcomes[i];
    t_oc.add("id", oc.id);
    t_oc.add("name", oc.name);
    t_oc.add("kind", oc.kind);
    t_oc.add("journeys", oc.count);
    t_oc.add("share", oc.count / train.journeys);
    t_oc.add("value", oc.value);
  }
  for (std::size_t i = 0; i < m.touchpoints.size(); ++i) {
    const auto& t = m.touchpoints[i];
    t_tp.add("id", t.id);
    t_tp.add("name", t.name);
    t_tp.add("channel", t.channel);
    t_tp.add("visits", t.visits);
    t_tp.add("friction_visits", t.friction_visits);
    t_tp.add("friction", t.has_status ? t.friction.mean : kNaN);
    t_tp.add("friction_ci_low", t.has_status ? t.friction.interval.lo : kNaN);
    t_tp.add("friction_ci_high", t.has_status ? t.friction.interval.hi : kNaN);
    t_tp.add("exits", s.exits[i]);
    t_tp.add("journeys_started", s.started[i]);
  }
}

static void write_other_tables(State& s) {
  Report& rep = s.res.report;
  const auto& order = s.order;
  const auto& tp_id = s.tp_id;
  const bool has_status = s.has_status, has_channel = s.has_channel;
  const std::size_t P = s.P;
  const double attenuation = s.attenuation;

  // ---- survey fit
  if (s.sv) {
    const auto& sv = s.sv;
    const auto& nps_fit = s.nps_fit;
    const auto& csat_fit = s.csat_fit;
    const auto& ces_fit = s.ces_fit;
    auto coef_table = [&](const std::string& name, const OrderedLogitFit& f, double sign, const char* what,
                          double n_resp) {
      auto& t = rep.table("calibration/survey/" + name + "/coefficients",
                          fmt::format("ordered logit of {} on per-journey visit counts: {} (estimate, se from the "
                                      "observed information, Wald 95% CI)",
                                      name, what));
      t.str("parameter")
          .str("touchpoint")
          .str("term")
          .num("estimate")
          .num("se")
          .num("ci_low")
          .num("ci_high")
          .num("corrected")
          .integer("regularised")
          .integer("separated")
          .str("collinear_with");
      // `corrected`: times sqrt(1 + c^2 sd^2) for --satisfaction0-sd (= estimate without it).
      // `regularised`: a penalised estimate (separation); `separated`: this
      // column triggered it; `collinear_with`: the other members of its
      // collinear group ("constant" too), minimum-norm split.
      auto col_name = [&](std::size_t col) {
        if (col == P - 1) return std::string("channel_switch");
        return fmt::format("{}.{}", tp_id[col / 2], col % 2 ? "friction" : "ok");
      };
      auto row = [&](const std::string& p, const std::string& tp, const std::string& term, double e, double se,
                     std::size_t col) {
        t.add("parameter", p);
        t.add("touchpoint", tp);
        t.add("term", term);
        t.add("estimate", e);
        t.add("se", se);
        t.add("ci_low", e - kZ95 * se);
        t.add("ci_high", e + kZ95 * se);
        t.add("corrected", e * attenuation);
        const bool is_col = col < f.group_of.size();
        t.add("regularised", f.regularised && (!is_col || !f.dropped[col]) ? 1.0 : 0.0);
        t.add("separated", is_col && f.separated[col] ? 1.0 : 0.0);
        std::string with;
        if (is_col && f.group_of[col] >= 0) {
          const auto& g = f.collinear[static_cast<std::size_t>(f.group_of[col])];
          std::vector<std::string> names;
          for (auto o : g.columns)
            if (o != col) names.push_back(col_name(o));
          if (g.with_constant) names.emplace_back("constant");
          for (const auto& n : names) {
            if (!with.empty()) with.push_back(',');
            with.append(n);
          }
        }
        t.add("collinear_with", with);
      };
      constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);
      for (std::size_t c = 0; c < f.cut.size(); ++c)
        row(fmt::format("cut_{}_{}", f.observed[c], f.observed[c + 1]), "", "cut-point", f.cut[c], f.cut_se[c],
            kNoColumn);
      for (auto k : order) {
        for (int fr = 0; fr < 2; ++fr) {
          if (fr && !has_status) continue;
          const std::size_t col = 2 * k + static_cast<std::size_t>(fr);
          const bool idf = col < f.dropped.size() && !f.dropped[col];
          row(fmt::format("{}.{}", tp_id[k], fr ? "friction" : "ok"), tp_id[k], fr ? "friction" : "ok",
              idf ? sign * f.beta[col] : kNaN, idf ? f.beta_se[col] : kNaN, col);
        }
      }
      if (has_channel) {
        const bool idf = P - 1 < f.dropped.size() && !f.dropped[P - 1];
        row("channel_switch", "", "switch", idf ? sign * f.beta[P - 1] : kNaN, idf ? f.beta_se[P - 1] : kNaN, P - 1);
      }
      auto& st = rep.table("calibration/survey/" + name + "/fit", "fit statistics");
      st.integer("respondents")
          .num("loglik")
          .num("loglik_null")
          .integer("iterations")
          .integer("converged")
          .integer("parameters")
          .integer("regularised")
          .num("prior_sd");
      st.add("respondents", n_resp);
      st.add("loglik", f.loglik);
      st.add("loglik_null", f.loglik_null);
      st.add("iterations", f.iterations);
      st.add("converged", f.converged ? 1.0 : 0.0);
      st.add("parameters", static_cast<double>(f.parameters));
      st.add("regularised", f.regularised ? 1.0 : 0.0);
      // Prior sd per coefficient on the standardised scale (NaN: plain ML).
      st.add("prior_sd", f.regularised ? kOrderedLogitPriorSd : kNaN);
    };
    coef_table("nps", nps_fit, 1.0, "satisfaction deltas (ok, friction), channel switch and cut-points",
               s.respondents_nps);
    if (sv->has_csat)
      coef_table("csat", csat_fit, 1.0, "satisfaction deltas as seen by CSAT (a check of the NPS fit)",
                 s.respondents_csat);
    if (sv->has_ces)
      coef_table("ces", ces_fit, -1.0, "effort per visit (minus the CES coefficients, CES slope fixed to 1)",
                 s.respondents_ces);
  }
  if (s.has_key_drivers) {
    auto& kd = rep.table("calibration/survey/key_drivers",
                         "touchpoints ranked by the simulated delta NPS (true) of the fitted model with the "
                         "touchpoint's friction set to 0 (same engine, population and seed as cxsim run on the fitted "
                         "YAML, common random numbers), beside the survey-fit prediction (nps_points) and the "
                         "satisfaction cost (b - a) x friction visits per journey");
    kd.integer("rank")
        .str("touchpoint")
        .num("a_ok")
        .num("b_friction")
        .num("b_minus_a")
        .num("b_minus_a_se")
        .num("friction_visits_per_journey")
        .num("satisfaction_cost_per_journey")
        .num("nps_points")
        .num("nps_delta_simulated")
        .num("nps_delta_simulated_se");
    for (std::size_t i = 0; i < s.key_drivers.size(); ++i) {
      const auto& r = s.key_drivers[i];
      kd.add("rank", static_cast<double>(i + 1));
      kd.add("touchpoint", r.id);
      kd.add("a_ok", r.a);
      kd.add("b_friction", r.b);
      kd.add("b_minus_a", r.d);
      kd.add("b_minus_a_se", r.dse);
      kd.add("friction_visits_per_journey", r.fv);
      kd.add("satisfaction_cost_per_journey", r.cost);
      kd.add("nps_points", r.nps);
      kd.add("nps_delta_simulated", r.sim_nps);
      kd.add("nps_delta_simulated_se", r.sim_nps_se);
    }
  }

  // ---- retention fit
  if (s.has_retention) {
    auto& rt = rep.table("calibration/retention",
                         "sBG maximum likelihood per segment: alpha, beta, se (observed information), 95% CI (log "
                         "scale)");
    rt.str("segment")
        .num("customers")
        .integer("horizon")
        .num("alpha")
        .num("alpha_se")
        .num("alpha_ci_low")
        .num("alpha_ci_high")
        .num("beta")
        .num("beta_se")
        .num("beta_ci_low")
        .num("beta_ci_high")
        .num("loglik")
        .integer("converged")
        .num("mean_churn");
    for (const auto& r : s.retention) {
      rt.add("segment", r.id);
      rt.add("customers", r.customers);
      rt.add("horizon", r.fit.horizon);
      rt.add("alpha", r.fit.alpha);
      rt.add("alpha_se", r.fit.se_alpha);
      rt.add("alpha_ci_low", r.fit.alpha_lo);
      rt.add("alpha_ci_high", r.fit.alpha_hi);
      rt.add("beta", r.fit.beta);
      rt.add("beta_se", r.fit.se_beta);
      rt.add("beta_ci_low", r.fit.beta_lo);
      rt.add("beta_ci_high", r.fit.beta_hi);
      rt.add("loglik", r.fit.loglik);
      rt.add("converged", r.fit.converged ? 1.0 : 0.0);
      rt.add("mean_churn", r.fit.alpha / (r.fit.alpha + r.fit.beta));
    }
  }

  // ---- non-contractual retention (--repeat): one row per parameter
  if (s.has_repeat) {
    auto& rp = rep.table("calibration/repeat",
                         "BG/BB and BG/NBD maximum likelihood per segment: estimate, se (observed information, "
                         "numerical Hessian), 95% CI (log scale), log-likelihood");
    rp.str("segment")
        .str("model")
        .num("customers")
        .str("parameter")
        .num("estimate")
        .num("se")
        .num("ci_low")
        .num("ci_high")
        .num("loglik")
        .integer("converged")
        .integer("iterations");
    for (const auto& r : s.repeat)
      for (const auto& p : r.fit.params) {
        rp.add("segment", r.id);
        rp.add("model", r.fit.model);
        rp.add("customers", r.customers);
        rp.add("parameter", p.name);
        rp.add("estimate", p.value);
        rp.add("se", p.se);
        rp.add("ci_low", p.lo);
        rp.add("ci_high", p.hi);
        rp.add("loglik", r.fit.loglik);
        rp.add("converged", r.fit.converged ? 1.0 : 0.0);
        rp.add("iterations", r.fit.iterations);
      }
  }

  // ---- holdout
  if (s.has_holdout) {
    auto& fit_t = rep.table("fit/holdout",
                            "held-out journeys vs the fitted model: total-variation distance, threshold (max(0.01, "
                            "the 1 - 0.01/m quantile of sampling noise, m measures)), pass");
    fit_t.str("measure").num("tv_distance").num("threshold").integer("pass").num("n_holdout").num("n_train");
    for (const auto& me : s.measures) {
      fit_t.add("measure", me.name);
      fit_t.add("tv_distance", me.tv);
      fit_t.add("threshold", me.threshold);
      fit_t.add("pass", me.pass ? 1.0 : 0.0);
      fit_t.add("n_holdout", me.n_holdout);
      fit_t.add("n_train", me.n_train);
      auto& d = rep.table("fit/" + me.name, "observed (holdout) and model shares per bin");
      d.str("bin").num("observed").num("model");
      for (std::size_t i = 0; i < me.bins.size(); ++i) {
        d.add("bin", me.bins[i]);
        d.add("observed", me.observed[i]);
        d.add("model", me.model[i]);
      }
    }
  }
}

void write_report(State& s) {
  if (!s.retention_only) write_journey_tables(s);  // none for retention alone
  write_other_tables(s);
}

}  // namespace cxsim::calibrate::stages
