// Non-contractual retention (repeat_fit.h): the BG/BB and BG/NBD
// likelihoods and their maximum-likelihood fits, then the calibrate() stage
// that reads `--repeat FILE.csv` and fits them per segment (fit_repeat;
// docs/methods/calibration.md, "Non-contractual retention"; the report
// table: writer.cpp).
#include "cxsim/calibrate/repeat_fit.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include <Eigen/Dense>
#include <boost/math/special_functions/gamma.hpp>
#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "stages.h"

namespace cxsim::calibrate {

namespace {

constexpr double kZ95 = 1.959963984540054;

inline double lgam(double x) { return boost::math::lgamma(x); }
inline double lbeta(double a, double b) { return lgam(a) + lgam(b) - lgam(a + b); }

// log(exp(a) + exp(b)), a or b may be -inf.
inline double log_add(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

double bgbb_row(const RepeatSummary& s, double a, double b, double g, double d, double lb_ab, double lb_gd) {
  const double x = s.x, tx = s.t_x, n = s.n;
  double ll = lbeta(a + x, b + n - x) - lb_ab + lbeta(g, d + n) - lb_gd;
  const long long tail = static_cast<long long>(n - tx);
  for (long long i = 0; i < tail; ++i) {
    const double di = static_cast<double>(i);
    ll = log_add(ll, lbeta(a + x, b + tx - x + di) - lb_ab + lbeta(g + 1, d + tx + di) - lb_gd);
  }
  return ll;
}

double bgnbd_row(const RepeatSummary& s, double r, double alpha, double a, double b, double lb_ab) {
  const double x = s.x, tx = s.t_x, T = s.n;
  const double base = lgam(r + x) - lgam(r) + r * std::log(alpha) + lbeta(a, b + x) - lb_ab;
  double tail = -(r + x) * std::log(alpha + T);
  if (x > 0) tail = log_add(tail, std::log(a) - std::log(b + x - 1) - (r + x) * std::log(alpha + tx));
  return base + tail;
}

using Objective = std::function<double(const Eigen::Vector4d&)>;  // log parameters -> loglik

Eigen::Vector4d gradient(const Objective& f, const Eigen::Vector4d& u, double h) {
  Eigen::Vector4d g;
  for (int i = 0; i < 4; ++i) {
    Eigen::Vector4d up = u, dn = u;
    up(i) += h;
    dn(i) -= h;
    g(i) = (f(up) - f(dn)) / (2 * h);
  }
  return g;
}

Eigen::Matrix4d hessian(const Objective& f, const Eigen::Vector4d& u, double h) {
  Eigen::Matrix4d H;
  const double f0 = f(u);
  for (int i = 0; i < 4; ++i) {
    Eigen::Vector4d up = u, dn = u;
    up(i) += h;
    dn(i) -= h;
    H(i, i) = (f(up) - 2 * f0 + f(dn)) / (h * h);
    for (int j = 0; j < i; ++j) {
      Eigen::Vector4d pp = u, pm = u, mp = u, mm = u;
      pp(i) += h, pp(j) += h;
      pm(i) += h, pm(j) -= h;
      mp(i) -= h, mp(j) += h;
      mm(i) -= h, mm(j) -= h;
      H(i, j) = H(j, i) = (f(pp) - f(pm) - f(mp) + f(mm)) / (4 * h * h);
    }
  }
  return H;
}

// Maximises ll over the log parameters from u = 0 (all parameters 1): BFGS
// with a backtracking (Armijo) line search on -ll / W, then Newton steps
// with the numerical Hessian to polish; the observed information at the end.
RepeatFit maximise(const Objective& ll, double W, const char* model, const std::vector<std::string>& names,
                   int max_iterations) {
  RepeatFit fit;
  fit.model = model;
  fit.customers = W;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto F = [&](const Eigen::Vector4d& u) {
    if (u.cwiseAbs().maxCoeff() > 30) return std::numeric_limits<double>::infinity();
    const double v = -ll(u) / W;
    return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
  };
  const Objective Fobj = F;
  constexpr double kGradStep = 1e-5, kHessStep = 1e-4;
  Eigen::Vector4d u = Eigen::Vector4d::Zero();
  double f = F(u);
  Eigen::Vector4d g = gradient(Fobj, u, kGradStep);
  Eigen::Matrix4d Hinv = Eigen::Matrix4d::Identity();
  int it = 0;
  for (; it < max_iterations; ++it) {
    if (g.cwiseAbs().maxCoeff() < 1e-8) break;
    Eigen::Vector4d p = -Hinv * g;
    if (!(g.dot(p) < 0)) {
      Hinv.setIdentity();
      p = -g;
    }
    double t = 1.0, fn = f;
    Eigen::Vector4d un = u;
    bool ok = false;
    for (int h = 0; h < 60; ++h, t *= 0.5) {
      un = u + t * p;
      fn = F(un);
      if (fn <= f + 1e-4 * t * g.dot(p)) {
        ok = true;
        break;
      }
    }
    if (!ok) break;
    const Eigen::Vector4d gn = gradient(Fobj, un, kGradStep);
    const Eigen::Vector4d s = un - u, y = gn - g;
    const double sy = s.dot(y);
    if (sy > 1e-14) {
      const double rho = 1.0 / sy;
      const Eigen::Matrix4d I = Eigen::Matrix4d::Identity();
      Hinv = (I - rho * s * y.transpose()) * Hinv * (I - rho * y * s.transpose()) + rho * s * s.transpose();
    }
    const double gain = f - fn;
    u = un;
    f = fn;
    g = gn;
    if (s.cwiseAbs().maxCoeff() < 1e-12 && gain < 1e-16) break;
  }
  // Newton polish: the quasi-Newton end point is within a few 1e-6 of the
  // optimum; two Newton steps with the numerical Hessian settle it.
  for (int k = 0; k < 3; ++k) {
    const Eigen::Matrix4d H = hessian(Fobj, u, kHessStep);
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix4d> es(H);
    if (!(es.eigenvalues().minCoeff() > 0)) break;
    const Eigen::Vector4d un = u - H.ldlt().solve(g);
    const double fn = F(un);
    if (!(fn <= f + 1e-15 * std::fabs(f))) break;
    u = un;
    f = fn;
    g = gradient(Fobj, u, kGradStep);
  }
  fit.iterations = it;
  fit.loglik = -f * W;
  // Converged: a stationary point (gradient of the per-customer -ll below
  // 1e-6) that is a strict maximum (information positive definite).
  const Eigen::Matrix4d info = W * hessian(Fobj, u, kHessStep);  // of -ll in the log parameters
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix4d> es(info);
  const bool pd = es.eigenvalues().minCoeff() > 0;
  fit.converged = g.cwiseAbs().maxCoeff() < 1e-6 && pd;
  if (u.cwiseAbs().maxCoeff() > 25) {
    fit.converged = false;
    fit.note = "a parameter diverges (the MLE is on the boundary: the data show no heterogeneity or no dropout)";
  } else if (!pd) {
    fit.note = "the observed information is not positive definite: the parameters are not identified by the data";
  } else if (!fit.converged) {
    fit.note = "did not converge";
  }
  const Eigen::Matrix4d cov = pd ? Eigen::Matrix4d(info.inverse()) : Eigen::Matrix4d::Constant(nan);
  for (int i = 0; i < 4; ++i) {
    RepeatParameter p;
    p.name = names[static_cast<std::size_t>(i)];
    p.value = std::exp(u(i));
    const double sl = cov(i, i) > 0 ? std::sqrt(cov(i, i)) : nan;
    p.se = p.value * sl;
    p.lo = p.value * std::exp(-kZ95 * sl);
    p.hi = p.value * std::exp(kZ95 * sl);
    fit.params.push_back(p);
  }
  return fit;
}

double total_weight(const std::vector<RepeatSummary>& d) {
  double w = 0;
  for (const auto& s : d) w += s.weight;
  return w;
}

double repeaters(const std::vector<RepeatSummary>& d) {
  double w = 0;
  for (const auto& s : d)
    if (s.x > 0) w += s.weight;
  return w;
}

RepeatFit not_fitted(const char* model, const std::vector<std::string>& names, double W, std::string note) {
  RepeatFit f;
  f.model = model;
  f.customers = W;
  f.note = std::move(note);
  f.loglik = std::numeric_limits<double>::quiet_NaN();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& n : names) f.params.push_back({n, nan, nan, nan, nan});
  return f;
}

}  // namespace

double bgbb_loglik(const std::vector<RepeatSummary>& d, double alpha, double beta, double gamma, double delta) {
  const double lb_ab = lbeta(alpha, beta), lb_gd = lbeta(gamma, delta);
  double ll = 0;
  for (const auto& s : d)
    if (s.weight > 0) ll += s.weight * bgbb_row(s, alpha, beta, gamma, delta, lb_ab, lb_gd);
  return ll;
}

double bgnbd_loglik(const std::vector<RepeatSummary>& d, double r, double alpha, double a, double b) {
  const double lb_ab = lbeta(a, b);
  double ll = 0;
  for (const auto& s : d)
    if (s.weight > 0) ll += s.weight * bgnbd_row(s, r, alpha, a, b, lb_ab);
  return ll;
}

RepeatFit fit_bgbb(const std::vector<RepeatSummary>& d, int max_iterations) {
  const std::vector<std::string> names = {"alpha", "beta", "gamma", "delta"};
  const double W = total_weight(d);
  if (!(W > 0)) return not_fitted("bgbb", names, W, "no customers");
  if (!(repeaters(d) > 0)) return not_fitted("bgbb", names, W, "nobody transacted: the model is not identified");
  double nmax = 0;
  for (const auto& s : d) nmax = std::max(nmax, s.n);
  if (nmax < 2)
    return not_fitted("bgbb", names, W, "one opportunity only: dropout and transaction are not separable (need >= 2)");
  const Objective ll = [&d](const Eigen::Vector4d& u) {
    return bgbb_loglik(d, std::exp(u(0)), std::exp(u(1)), std::exp(u(2)), std::exp(u(3)));
  };
  return maximise(ll, W, "bgbb", names, max_iterations);
}

RepeatFit fit_bgnbd(const std::vector<RepeatSummary>& d, int max_iterations) {
  const std::vector<std::string> names = {"r", "alpha", "a", "b"};
  const double W = total_weight(d);
  if (!(W > 0)) return not_fitted("bgnbd", names, W, "no customers");
  if (!(repeaters(d) > 0)) return not_fitted("bgnbd", names, W, "nobody made a repeat purchase: not identified");
  const Objective ll = [&d](const Eigen::Vector4d& u) {
    return bgnbd_loglik(d, std::exp(u(0)), std::exp(u(1)), std::exp(u(2)), std::exp(u(3)));
  };
  return maximise(ll, W, "bgnbd", names, max_iterations);
}

}  // namespace cxsim::calibrate

// ------------------------------------------------------------ the stage

namespace cxsim::calibrate::stages {

namespace {

// The most opportunities of a BG/BB summary: a journey simulates at most
// this many periods (journey_loader.cpp), and the likelihood sums over them.
constexpr double kMaxOpportunities = 65535;

// The columns of a --repeat file: name -> header aliases (compared after
// lower-casing and trimming; `T` is 't').
enum RepeatColumn { kFrequency, kRecency, kPeriods, kAge, kWeights, kSegment, kCustomer, kPeriod, kRepeatColumns };
const char* const kRepeatNames[kRepeatColumns] = {"frequency", "recency", "periods",     "T",
                                                  "weights",   "segment", "customer_id", "period"};
const std::vector<std::string>& repeat_aliases(int c) {
  static const std::vector<std::vector<std::string>> a = {
      {"frequency", "x", "repeat_transactions", "repeats"},
      {"recency", "t_x", "tx"},
      {"periods", "n", "opportunities", "n_periods"},
      {"t", "age", "t_cal"},
      {"weights", "weight", "count", "customers", "n_customers"},
      {"segment", "cohort", "group"},
      {"customer_id", "customer", "customerid", "client_id", "user_id", "id"},
      {"period", "year", "month", "week"},
  };
  return a[static_cast<std::size_t>(c)];
}

std::string lower_trim(std::string_view s) {
  std::string out(trim(s));
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// A bad row of a --repeat file: "file:line:col: error: column 'x': ..." (the
// column of the field's first character, counted on the record as split:
// exact for unquoted fields), or counted with --on-bad-row skip.
struct RepeatRows {
  const std::string& file;
  bool skip;
  BadRowSink sink;
  RepeatRows(const std::string& f, bool s) : file(f), skip(s), sink(f, s) {}
  void bad(std::uint64_t line, const std::vector<std::string>& fields, int col, const std::string& column,
           const std::string& reason, const std::string& message) {
    if (skip) return sink.bad(line, column, reason, message);
    int c = 1;
    for (int j = 0; j < col && j < static_cast<int>(fields.size()); ++j)
      c += static_cast<int>(fields[static_cast<std::size_t>(j)].size()) + 1;
    core::Diagnostics d;
    d.error({file, static_cast<int>(line), c}, column, message + " (use --on-bad-row skip to skip such rows)");
    throw core::InputError(std::move(d));
  }
};

struct RepeatInput {
  bool bgbb = false, bgnbd = false;
  // By segment: summaries with the same (x, t_x, n) merged (their weights add).
  std::map<std::string, std::map<std::tuple<double, double, double>, double>> bgbb_rows, bgnbd_rows;
  std::map<std::string, double> customers;
  RowCounts counts;
  bool from_transactions = false;
  long long last_period = 0;         // transactions: the end of observation (the file's largest period)
  double without_opportunity = 0;    // transactions: customers first seen in the last period (left out)
  double repeat_in_same_period = 0;  // transactions: rows in a period the customer already transacted in
};

// Per-customer transactions (customer_id, period[, segment]): one row per
// transaction, aggregated by period into BG/BB summaries. A customer's first
// period is the acquisition (not counted); the opportunities are the
// periods after it up to the file's largest period P: n = P - first, x the
// later periods with a transaction (several in one period count once), t_x
// the last of them - first.
void read_transactions(RepeatInput& in, CsvReader& csv, std::vector<std::string>& f, const int* idx, RepeatRows& rows) {
  struct Customer {
    std::vector<long long> periods;
    std::string segment;
  };
  std::unordered_map<std::string, Customer> by;
  const std::size_t nf = f.size();
  long long P = std::numeric_limits<long long>::min();
  while (csv.next(f)) {
    ++in.counts.rows;
    const std::uint64_t line = csv.record_line();
    if (!rows.sink.field_count_ok(line, f.size(), nf)) continue;
    const std::string_view id = trim(f[static_cast<std::size_t>(idx[kCustomer])]);
    if (id.empty()) {
      rows.bad(line, f, idx[kCustomer], "customer_id", "empty id", "empty customer id");
      continue;
    }
    const std::string_view ptxt = f[static_cast<std::size_t>(idx[kPeriod])];
    auto t = parse_integer(ptxt);
    if (!t || *t < 0) {
      rows.bad(line, f, idx[kPeriod], "period", "period not an integer >= 0",
               fmt::format("'{}' is not a period (an integer >= 0)", shorten(ptxt)));
      continue;
    }
    auto& c = by[std::string(id)];
    if (c.periods.empty() && idx[kSegment] >= 0)
      c.segment = std::string(trim(f[static_cast<std::size_t>(idx[kSegment])]));
    c.periods.push_back(*t);
    P = std::max(P, *t);
  }
  in.last_period = P;
  for (auto& [id, c] : by) {
    std::sort(c.periods.begin(), c.periods.end());
    const auto end = std::unique(c.periods.begin(), c.periods.end());
    in.repeat_in_same_period += static_cast<double>(c.periods.end() - end);
    c.periods.erase(end, c.periods.end());
    const long long first = c.periods.front();
    if (P - first > static_cast<long long>(kMaxOpportunities)) {
      throw_file_error(rows.file, 0,
                       fmt::format("customer '{}': {} periods after the first exceed {} (the most periods a journey "
                                   "can simulate)",
                                   shorten(id), P - first, kMaxOpportunities));
    }
    if (first == P) {
      in.without_opportunity += 1;
      continue;
    }
    const double x = static_cast<double>(c.periods.size() - 1);
    const double tx = x > 0 ? static_cast<double>(c.periods.back() - first) : 0.0;
    const std::string seg = c.segment.empty() ? "all" : c.segment;
    in.bgbb_rows[seg][{x, tx, static_cast<double>(P - first)}] += 1;
    in.customers[seg] += 1;
  }
}

RepeatInput read_repeat(const CalibrateOptions& o, const CsvOptions& csvo) {
  RepeatInput in;
  CsvReader csv(o.repeat, csvo);
  std::vector<std::string> f;
  csv.read_header(f, "frequency,recency,periods (BG/BB) or frequency,recency,T (BG/NBD)[,weights][,segment]");
  int idx[kRepeatColumns];
  for (int c = 0; c < kRepeatColumns; ++c) {
    idx[c] = -1;
    for (const auto& alias : repeat_aliases(c)) {
      for (std::size_t j = 0; j < f.size() && idx[c] < 0; ++j)
        if (lower_trim(f[j]) == alias) idx[c] = static_cast<int>(j);
      if (idx[c] >= 0) break;
    }
  }
  const auto missing = [&](const std::string& what) {
    throw_file_error(o.repeat, 1,
                     fmt::format("missing column {} (columns: {}; expected frequency, recency and periods for BG/BB "
                                 "or frequency, recency and T for BG/NBD, optional weights and segment)",
                                 what, core::quoted_list(f)));
  };
  if (idx[kFrequency] < 0 && idx[kCustomer] >= 0 && idx[kPeriod] >= 0) {
    // Per-customer transactions, aggregated by period (BG/BB).
    in.bgbb = true;
    in.from_transactions = true;
    RepeatRows rows(o.repeat, o.skip_bad_rows);
    read_transactions(in, csv, f, idx, rows);
    if (in.customers.empty())
      throw_file_error(o.repeat, 0,
                       "no customers with an opportunity: every customer's first transaction is in the last period");
    in.counts.take(rows.sink);
    return in;
  }
  if (idx[kFrequency] < 0) missing("'frequency' (or, for transactions, 'customer_id' and 'period')");
  if (idx[kRecency] < 0) missing("'recency'");
  if (idx[kPeriods] < 0 && idx[kAge] < 0) missing("'periods' (BG/BB) or 'T' (BG/NBD)");
  in.bgbb = idx[kPeriods] >= 0;
  in.bgnbd = idx[kAge] >= 0;
  RepeatRows rows(o.repeat, o.skip_bad_rows);
  const std::size_t nf = f.size();
  while (csv.next(f)) {
    ++in.counts.rows;
    const std::uint64_t line = csv.record_line();
    if (!rows.sink.field_count_ok(line, f.size(), nf)) continue;
    const auto field = [&](int c) -> std::string_view { return f[static_cast<std::size_t>(idx[c])]; };
    // Parses column c as a number >= 0 (integral when `whole`).
    const auto number = [&](int c, bool whole, const char* what) -> std::optional<double> {
      auto v = parse_number(field(c));
      if (!v || *v < 0 || (whole && *v != std::floor(*v))) {
        rows.bad(line, f, idx[c], kRepeatNames[c], fmt::format("{} not {}", kRepeatNames[c], what),
                 fmt::format("'{}' is not {}", shorten(field(c)), what));
        return std::nullopt;
      }
      return v;
    };
    const bool whole_recency = in.bgbb;  // BG/BB: opportunities are counted
    auto x = number(kFrequency, true, "a whole number >= 0");
    if (!x) continue;
    auto tx = number(kRecency, whole_recency, whole_recency ? "a whole number >= 0" : "a number >= 0");
    if (!tx) continue;
    std::optional<double> n, T;
    if (in.bgbb) {
      n = number(kPeriods, true, "a whole number >= 1");
      if (!n) continue;
      if (*n < 1 || *n > kMaxOpportunities) {
        rows.bad(line, f, idx[kPeriods], "periods", "periods out of range",
                 fmt::format("periods {} is outside 1..{} (the most periods a journey can simulate)", *n,
                             kMaxOpportunities));
        continue;
      }
    }
    if (in.bgnbd) {
      T = number(kAge, false, "a number > 0");
      if (!T) continue;
      if (!(*T > 0)) {
        rows.bad(line, f, idx[kAge], "T", "T not > 0", "T 0: a customer is observed for a time T > 0");
        continue;
      }
    }
    double w = 1;
    if (idx[kWeights] >= 0) {
      auto v = number(kWeights, false, "a number >= 0");
      if (!v) continue;
      w = *v;
    }
    // Consistency: no transaction -> recency 0; x transactions at distinct
    // opportunities up to t_x <= n (BG/BB); t_x <= T (BG/NBD).
    if (*x == 0 && *tx != 0) {
      rows.bad(line, f, idx[kRecency], "recency", "recency > 0 without transactions",
               fmt::format("recency {} with frequency 0: recency is the time of the last repeat transaction (0 when "
                           "there is none), not the time since it",
                           *tx));
      continue;
    }
    if (*x > 0 && !(*tx > 0)) {
      rows.bad(line, f, idx[kRecency], "recency", "recency 0 with transactions",
               fmt::format("recency 0 with frequency {}: the last repeat transaction's time must be > 0", *x));
      continue;
    }
    if (in.bgbb && (*tx > *n || *x > *tx)) {
      rows.bad(line, f, idx[kRecency], "recency", "recency outside frequency..periods",
               fmt::format("recency {} is outside frequency..periods ({}..{}): x transactions take x distinct "
                           "opportunities, the last at recency",
                           *tx, *x, *n));
      continue;
    }
    if (in.bgnbd && *tx > *T) {
      rows.bad(
          line, f, idx[kRecency], "recency", "recency > T",
          fmt::format("recency {} is more than T {} (the last purchase falls within the observation time)", *tx, *T));
      continue;
    }
    std::string seg = idx[kSegment] >= 0 ? std::string(trim(field(kSegment))) : "all";
    if (seg.empty()) seg = "all";
    if (in.bgbb) in.bgbb_rows[seg][{*x, *tx, *n}] += w;
    if (in.bgnbd) in.bgnbd_rows[seg][{*x, *tx, *T}] += w;
    in.customers[seg] += w;
  }
  if (in.customers.empty()) throw_file_error(o.repeat, 0, "no customers: the file has a header but no usable rows");
  in.counts.take(rows.sink);
  return in;
}

std::vector<RepeatSummary> summaries(const std::map<std::tuple<double, double, double>, double>& m) {
  std::vector<RepeatSummary> d;
  d.reserve(m.size());
  for (const auto& [k, w] : m) d.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), w});
  return d;
}

std::string params_text(const RepeatFit& f) {
  std::string t;
  for (const auto& p : f.params)
    t += fmt::format("{}{} = {:.4g} ({:.4g}..{:.4g})", t.empty() ? "" : ", ", p.name, p.value, p.lo, p.hi);
  return t;
}

}  // namespace

void fit_repeat(State& s) {
  const CalibrateOptions& o = s.o;
  if (o.repeat.empty()) return;
  std::string& sum = s.res.summary;
  RepeatInput in = read_repeat(o, s.csvo);
  s.has_repeat = true;
  s.dqa("repeat", "rows", static_cast<double>(in.counts.rows));
  s.dqa("repeat", "segments", static_cast<double>(in.customers.size()));
  sum += fmt::format("non-contractual retention: {} ({}):\n", o.repeat,
                     in.bgbb && in.bgnbd ? "BG/BB over periods and BG/NBD over T"
                     : in.bgbb           ? "BG/BB, discrete opportunities"
                                         : "BG/NBD, continuous time");
  s.bad_rows("repeat", in.counts.bad_rows, in.counts.bad_by_reason, in.counts.bad_examples);
  if (in.from_transactions) {
    sum += fmt::format(
        "  transactions aggregated by period: opportunities are the periods after each customer's first, up to "
        "period {}\n",
        in.last_period);
    s.dqa("repeat", "customers_first_seen_in_last_period", in.without_opportunity);
    s.dqa("repeat", "transactions_in_an_already_counted_period", in.repeat_in_same_period);
    if (in.without_opportunity > 0)
      sum += fmt::format("  {} customers first seen in period {} have no opportunity yet: left out\n",
                         in.without_opportunity, in.last_period);
  }
  if (s.has_retention)
    s.warn("--repeat: the BG/BB fit replaces the sBG retention of the prior model's counts in the segments");
  double total = 0;
  for (const auto& [g, n] : in.customers) total += n;
  std::vector<FittedSegment> fs;
  IdMaker seg_ids;
  int horizon = 0;
  for (const auto& [name, n] : in.customers) {
    FittedSegment seg;
    seg.name = name;
    seg.id = seg_ids.make(name);
    seg.customers = n;
    seg.share = total > 0 ? n / total : 1.0;
    seg.s0_sd = o.satisfaction0_sd;
    if (in.bgbb) {
      const auto d = summaries(in.bgbb_rows[name]);
      for (const auto& r : d) horizon = std::max(horizon, static_cast<int>(r.n));
      const RepeatFit f = fit_bgbb(d);
      s.repeat.push_back({seg.id, n, f});
      if (f.converged) {
        seg.has_engagement = true;
        seg.eng_alpha = f.value(0);
        seg.eng_beta = f.value(1);
        seg.eng_se_alpha = f.params[0].se;
        seg.eng_se_beta = f.params[1].se;
        seg.has_retention = true;
        seg.retention_model = "BG/BB";
        seg.alpha = f.value(2);
        seg.beta = f.value(3);
        seg.se_alpha = f.params[2].se;
        seg.se_beta = f.params[3].se;
        sum += fmt::format("  {:<12} {} customers: BG/BB {}; loglik {:.1f}\n", seg.id, n, params_text(f), f.loglik);
      } else {
        seg.note = "BG/BB not fitted: " + f.note;
        sum += fmt::format("  {:<12} {} customers: BG/BB not fitted ({})\n", seg.id, n, f.note);
        s.warn(fmt::format("segment '{}': BG/BB not fitted: {}", seg.id, f.note));
      }
    }
    if (in.bgnbd) {
      const RepeatFit f = fit_bgnbd(summaries(in.bgnbd_rows[name]));
      s.repeat.push_back({seg.id, n, f});
      if (f.converged)
        sum += fmt::format("  {:<12} {} customers: BG/NBD {}; loglik {:.1f}\n", seg.id, n, params_text(f), f.loglik);
      else sum += fmt::format("  {:<12} {} customers: BG/NBD not fitted ({})\n", seg.id, n, f.note);
    }
    fs.push_back(std::move(seg));
  }
  if (in.bgnbd)
    sum += "  (BG/NBD is continuous-time: it is in the fit report for comparison and not written to the journey)\n";
  if (in.bgbb) {
    s.m.segments = fs;
    s.m.periods = std::max(1, horizon);
  }
}

}  // namespace cxsim::calibrate::stages
