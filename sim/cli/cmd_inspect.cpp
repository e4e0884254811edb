// cxsim inspect FILE.h5: print a results file's provenance and headline tables.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/app/portfolio.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/json.h"
#include "cxsim/core/version.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/open_results.h"
#include "print.h"

namespace cxsim::cli {

namespace {

// "money in EUR, totals: the segment's part of a base of 250000" for the per-segment header.
std::string money_units(const io::File& f) {
  const std::string cur = f.has_attribute("currency") ? f.attribute_string("currency") : std::string();
  return fmt::format("money in {}, discounted; totals: the segment's part of a customer base of {:g}",
                     cur.empty() ? std::string("units") : cur,
                     f.has_attribute("customer_base") ? f.attribute_double("customer_base")
                                                      : static_cast<double>(f.attribute_int64("customers")));
}

struct InspectOptions {
  std::string file;
  bool json = false;
};

int run_inspect_file(const InspectOptions& o, const io::File& f, const std::string& filetype) {
  if (filetype == "cxsim-analytics") {
    // Written by `cxsim analyze -o`: exact values, no sampling error.
    const std::vector<std::string> names =
        f.is_group("analytics") ? f.open_group("analytics").list() : std::vector<std::string>{};
    if (o.json) {
      core::JsonWriter j;
      j.begin_object();
      j.key("file").value(o.file);
      j.key("filetype").value(filetype);
      j.key("analytics").begin_object();
      for (const auto& v : names) {
        j.key(v);
        write_table_json(j, io::read_table(f.open_group("analytics/" + v), "summary"));
      }
      j.end_object();
      j.end_object();
      std::cout << j.str() << '\n';
      return 0;
    }
    std::cout << fmt::format("{}: cxsim {} exact analytics (format {}; absorbing chain; no sampling error)\n", o.file,
                             f.attribute_string("tool_version"), f.attribute_string("format_version"));
    for (const auto& v : names) {
      const io::Table t = io::read_table(f.open_group("analytics/" + v), "summary");
      std::cout << fmt::format("\n{}\n", v);
      const auto& m = t.get_string("metric");
      const auto& e = t.get_double("estimate");
      // `exact` = 0: the chain has no exact value (a recovery program
      // triggered by satisfaction); `pooled`: over every walk of the run.
      const bool has_exact = t.has_column("exact"), has_pooled = t.has_column("pooled");
      if (has_pooled) std::cout << fmt::format("  {:<28} {:>14} {:>14}\n", "metric", "one walk", "pooled");
      for (std::size_t i = 0; i < t.rows(); ++i) {
        const bool exact = !has_exact || t.get_int64("exact")[i] != 0;
        std::string line =
            exact ? fmt::format("  {:<28} {:>14.6g}", m[i], e[i]) : fmt::format("  {:<28} {:>14}", m[i], "not exact");
        if (has_pooled) {
          const double x = t.get_double("pooled")[i];
          line += std::isnan(x) ? fmt::format(" {:>14}", "-") : fmt::format(" {:>14.6g}", x);
        }
        std::cout << line << '\n';
      }
    }
    return 0;
  }
  std::vector<std::string> variants;
  if (f.is_group("variants")) variants = f.open_group("variants").list();
  // Keep the run order (baseline first).
  std::sort(variants.begin(), variants.end(), [&](const std::string& a, const std::string& b) {
    return f.open_group("variants/" + a).attribute_int64("order") <
           f.open_group("variants/" + b).attribute_int64("order");
  });
  // Walks that hit max_steps (outcome `timeout`): warned on stderr, listed in
  // --json. From the variant's attributes, or for files written before they
  // existed from the summary's share_timeout.
  std::vector<double> timeouts(variants.size(), 0.0);
  std::vector<std::string> warnings;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    io::Group g = f.open_group("variants/" + variants[i]);
    double walks = std::nan(""), share = std::nan("");
    long long max_steps = -1;
    if (g.has_attribute("timeout_walks")) {
      timeouts[i] = static_cast<double>(g.attribute_int64("timeout_walks"));
      walks = static_cast<double>(g.attribute_int64("walks"));
      max_steps = g.attribute_int64("max_steps");
    } else {
      const io::Table t = io::read_table(g, "summary");
      const auto& m = t.get_string("metric");
      for (std::size_t r = 0; r < t.rows(); ++r)
        if (m[r] == "share_timeout") share = t.get_double("estimate")[r];
      if (share > 0) {
        timeouts[i] = std::nan("");
        warnings.push_back(
            fmt::format("warning: variant '{}': {:.3g}% of walks hit the step limit and ended in "
                        "'timeout' (raise the journey's max_steps)",
                        variants[i], 100 * share));
      }
      continue;
    }
    const std::string w = timeout_warning(variants[i], timeouts[i], walks, max_steps);
    if (!w.empty()) warnings.push_back(w.substr(0, w.size() - 1));
  }
  for (const auto& w : warnings) std::cerr << w << '\n';
  if (o.json) {
    core::JsonWriter j;
    j.begin_object();
    j.key("file").value(o.file);
    j.key("variants").begin_object();
    for (const auto& v : variants) {
      j.key(v);
      write_table_json(j, io::read_table(f.open_group("variants/" + v), "summary"));
    }
    j.end_object();
    j.key("comparisons").begin_object();
    if (f.is_group("comparisons")) {
      for (const auto& name : f.open_group("comparisons").list()) {
        j.key(name);
        write_table_json(j, io::read_table(f.open_group("comparisons"), name));
      }
    }
    j.end_object();
    if (f.is_group("uncertainty")) {
      io::Group u = f.open_group("uncertainty");
      j.key("uncertainty").begin_object();
      j.key("draws").value(static_cast<long long>(u.attribute_int64("draws")));
      // What the two intervals cover, in words (as the text output and the report say it).
      j.key("intervals").begin_object();
      j.key("mc").value(
          "mc_low/mc_high: the customer noise of the point-estimate run only; it shrinks with more customers and says "
          "nothing about whether the journey's numbers are right");
      j.key("total").value(
          "total_low/total_high: what we do not know about the journey's parameters (their distributions in the "
          "journey file) plus that noise; the headline interval");
      j.end_object();
      if (u.has_attribute("description")) j.key("description").value(u.attribute_string("description"));
      for (const char* part : {"variants", "comparisons"}) {
        if (!u.is_group(part)) continue;
        j.key(part).begin_object();
        for (const auto& name : u.open_group(part).list()) {
          j.key(name);
          write_table_json(j, io::read_table(u.open_group(part), name));
        }
        j.end_object();
      }
      if (u.is_group("sensitivity")) {
        j.key("sensitivity").begin_object();
        for (const char* part : {"variants", "comparisons"}) {
          if (!u.is_group(std::string("sensitivity/") + part)) continue;
          io::Group g = u.open_group(std::string("sensitivity/") + part);
          j.key(part).begin_object();
          for (const auto& name : g.list()) {
            j.key(name);
            write_table_json(j, io::read_table(g, name));
          }
          j.end_object();
        }
        j.end_object();
      }
      if (u.exists("best")) {
        j.key("best");
        write_table_json(j, io::read_table(u, "best"));
      }
      j.end_object();
    }
    if (f.is_group("money")) {  // format 1.3
      j.key("money").begin_object();
      j.key("currency").value(f.has_attribute("currency") ? f.attribute_string("currency") : std::string());
      for (const auto& name : f.open_group("money").list()) {
        j.key(name);
        write_table_json(j, io::read_table(f.open_group("money/" + name), "summary"));
      }
      j.end_object();
    }
    if (f.is_group("segments")) {  // per segment (docs/results-format.md "/segments")
      j.key("segments").begin_object();
      for (const auto& v : variants) {
        if (!f.is_group("segments/" + v)) continue;
        io::Group g = f.open_group("segments/" + v);
        j.key(v).begin_object();
        for (const char* part : {"summary", "comparison", "money", "periods", "touchpoints", "outcomes"}) {
          if (!g.exists(part)) continue;
          j.key(part);
          write_table_json(j, io::read_table(g, part));
        }
        j.end_object();
      }
      j.end_object();
    }
    if (f.is_group("portfolio")) {
      j.key("portfolio");
      app::portfolio_json(app::read_portfolio(f.open_group("portfolio")), j);
    }
    j.key("timeout_walks").begin_object();
    for (std::size_t i = 0; i < variants.size(); ++i) j.key(variants[i]).value(timeouts[i]);  // null: unknown count
    j.end_object();
    j.key("warnings").begin_array();
    for (const auto& w : warnings) j.value(w);
    j.end_array();
    j.end_object();
    std::cout << j.str() << '\n';
    return 0;
  }
  std::cout << fmt::format("{}: cxsim {} results (format {}), journey '{}'\n", o.file,
                           f.attribute_string("tool_version"), f.attribute_string("format_version"),
                           f.has_attribute("journey") ? f.attribute_string("journey") : std::string("?"));
  std::cout << fmt::format("  customers {}, periods {}, seed {}, created {}\n", f.attribute_int64("customers"),
                           f.attribute_int64("periods"), f.attribute_int64("seed"), f.attribute_string("created_utc"));
  std::cout << fmt::format("  command: {}\n", f.attribute_string("command_line"));
  for (const auto& v : variants) {
    io::Group g = f.open_group("variants/" + v);
    std::cout << fmt::format("\nvariant '{}'{}\n", v,
                             g.has_attribute("description") && !g.attribute_string("description").empty()
                                 ? ": " + g.attribute_string("description")
                                 : std::string());
    std::cout << format_summary(io::read_table(g, "summary"));
    if (f.is_group("segments/" + v)) {  // per segment (docs/results-format.md "/segments")
      io::Group sg = f.open_group("segments/" + v);
      std::string seg;
      if (sg.exists("money")) seg += format_segment_money(io::read_table(sg, "money"), false);
      if (sg.exists("periods")) seg += format_segment_periods(io::read_table(sg, "periods"));
      if (sg.exists("touchpoints")) seg += format_segment_touchpoints(io::read_table(sg, "touchpoints"), 8);
      if (!seg.empty())
        std::cout << fmt::format("\n  per segment ({}; customers by their own segment; ± 95%: simulation noise only)\n",
                                 money_units(f))
                  << seg;
    }
  }
  if (f.is_group("comparisons")) {
    io::Group c = f.open_group("comparisons");
    for (const auto& v : variants) {
      if (!c.exists(v)) continue;
      std::cout << fmt::format("\n{} vs baseline (paired by customer; * = 95% CI excludes 0)\n", v);
      std::cout << format_comparison(io::read_table(c, v));
      if (f.is_group("money/" + v)) {  // format 1.3
        io::Group mg = f.open_group("money/" + v);
        const io::Table mt = io::read_table(mg, "summary");
        const std::string cur = f.has_attribute("currency") ? f.attribute_string("currency") : std::string();
        std::cout << fmt::format("\n  money ({}; totals over a customer base of {:g}; discounted)\n",
                                 cur.empty() ? std::string("units") : cur,
                                 f.has_attribute("customer_base") ? f.attribute_double("customer_base") : 0.0)
                  << format_money(mt, static_cast<int>(f.attribute_int64("periods")));
      }
      if (f.is_group("segments/" + v) && f.open_group("segments/" + v).exists("comparison")) {
        io::Group sg = f.open_group("segments/" + v);
        std::cout << "\n  per segment (customers grouped by their baseline segment; paired; * = 95% CI excludes 0; "
                     "± 95%: simulation noise only)\n"
                  << format_segment_comparison(io::read_table(sg, "comparison"));
        if (sg.exists("money")) std::cout << format_segment_money(io::read_table(sg, "money"), true);
      }
    }
  }
  if (f.is_group("portfolio")) std::cout << "\n" << app::portfolio_text(app::read_portfolio(f.open_group("portfolio")));
  if (f.is_group("uncertainty")) {
    io::Group u = f.open_group("uncertainty");
    const auto draws = u.attribute_int64("draws");
    if (draws == 0) {
      std::cout << "\nuncertainty: the journey has no parameter with uncertainty; the total interval is the Monte "
                   "Carlo one\n";
    } else {
      std::cout << "\n"
                << uncertainty_words(static_cast<std::uint64_t>(draws),
                                     static_cast<std::uint64_t>(f.attribute_int64("customers")));
      for (const char* part : {"variants", "comparisons"}) {
        if (!u.is_group(part)) continue;
        io::Group g = u.open_group(part);
        for (const auto& v : variants) {
          if (!g.exists(v)) continue;
          std::cout << fmt::format("\n{}{}\n", v, std::string(part) == "comparisons" ? " vs baseline (delta)" : "");
          std::cout << format_uncertainty(io::read_table(g, v));
        }
      }
      if (u.is_group("sensitivity")) {
        std::cout << "\nsensitivity: " << sensitivity_words();
        for (const char* part : {"variants", "comparisons"}) {
          if (!u.is_group(std::string("sensitivity/") + part)) continue;
          io::Group g = u.open_group(std::string("sensitivity/") + part);
          // A scenario: the deltas; a journey: its metrics.
          if (std::string(part) == "variants" && u.is_group("comparisons")) continue;
          for (const auto& v : variants) {
            if (!g.exists(v)) continue;
            std::cout << fmt::format("\n{}{}\n", v, std::string(part) == "comparisons" ? " vs baseline (delta)" : "");
            std::cout << format_sensitivity(io::read_table(g, v));
          }
        }
      }
      if (u.exists("best"))
        std::cout << "\n" << best_words(static_cast<std::uint64_t>(draws)) << format_best(io::read_table(u, "best"));
    }
  }
  return 0;
}

int run_inspect(const InspectOptions& o) {
  // Every check of the file (type, integrity, version, links) is
  // open_results'; anything malformed found while reading is bad input too.
  const io::OpenedResults r = io::open_results(o.file, {"cxsim-results", "cxsim-analytics"});
  return io::reading_results(o.file, [&] { return run_inspect_file(o, r.file, r.filetype); });
}

}  // namespace

void setup_inspect(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<InspectOptions>();
  auto* sub = app.add_subcommand("inspect", "Print a results file's provenance and headline tables with CIs");
  sub->add_option("file", o->file, "Results file (.h5)")->required()->check(CLI::ExistingFile);
  sub->add_flag("--json", o->json, "Machine-readable output");
  sub->callback([o, &ctx] { ctx.action = [o] { return run_inspect(*o); }; });
}

}  // namespace cxsim::cli
