// cxsim validate FILE...: check journey (and scenario) files and report every
// problem at once.
#include <algorithm>
#include <iostream>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/json.h"
#include "cxsim/engine/queue.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/uncertain.h"
#include "cxsim/scenario/scenario_loader.h"

namespace cxsim::cli {

namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  bool json = false;
  bool quiet = false;
};

void write_diag_json(core::JsonWriter& j, const core::Diagnostic& d) {
  j.begin_object();
  j.key("severity").value(d.severity == core::Severity::error ? "error" : "warning");
  j.key("file").value(d.loc.file);
  j.key("line").value(d.loc.line);
  j.key("column").value(d.loc.column);
  j.key("key_path").value(d.key_path);
  j.key("message").value(d.message);
  j.key("suggestion").value(d.suggestion);
  j.key("text").value(d.format());
  j.end_object();
}

void write_diagnostics_json(core::JsonWriter& j, const core::Diagnostics& diags) {
  j.key("errors").value(diags.error_count());
  j.key("warnings").value(diags.warning_count());
  j.key("diagnostics").begin_array();
  for (const auto& d : diags.items()) write_diag_json(j, d);
  j.end_array();
}

// "2 errors, 1 warning"
std::string counts(const core::Diagnostics& diags) {
  return fmt::format("{} error{}, {} warning{}", diags.error_count(), diags.error_count() == 1 ? "" : "s",
                     diags.warning_count(), diags.warning_count() == 1 ? "" : "s");
}

// Queues (capacity): the utilisation of every queue in every period with the
// file's own population (customers, periods, customer_base; the defaults of
// `run` otherwise), so an overloaded queue is reported here, at its line
// (docs/methods/queues.md). `run -n/--periods` can still change the load.
// The uncertain parameters (docs/journey-format.md, "Uncertainty"): the
// journey's, then each variant's recovery reach/success.
std::vector<std::string> uncertain_lines(const model::JourneySpec& journey,
                                         const std::vector<scenario::VariantSpec>* variants = nullptr) {
  std::vector<std::string> lines = model::describe_uncertain(journey);
  if (variants != nullptr)
    for (const auto& v : *variants)
      if (v.recovery)
        for (auto& l : scenario::describe_recovery_uncertain(*v.recovery)) lines.push_back(std::move(l));
  return lines;
}

void print_uncertain(const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  std::cout << fmt::format(
      "  {} uncertain parameter{} (drawn by run/analyze --uncertainty N; a run without it uses "
      "the estimates):\n",
      lines.size(), lines.size() == 1 ? "" : "s");
  for (const auto& l : lines) std::cout << "    " << l << '\n';
}

void uncertain_json(core::JsonWriter& j, const std::vector<std::string>& lines) {
  j.key("uncertain_parameters").begin_array();
  for (const auto& l : lines) j.value(l);
  j.end_array();
}

void check_queues(const model::JourneySpec& spec, core::Diagnostics& diags) {
  if (diags.has_errors() ||
      std::none_of(spec.touchpoints.begin(), spec.touchpoints.end(), [](const auto& t) { return t.capacity; }))
    return;
  engine::Variant v{"baseline", "", model::compile(spec), std::nullopt};
  engine::RunSettings s;
  s.customers = static_cast<std::uint64_t>(spec.population.customers.value_or(10000));
  s.periods = spec.population.periods.value_or(1);
  s.customer_base = spec.population.customer_base.value_or(0.0);
  try {
    engine::solve_queues(v, s);
  } catch (const core::InputError& e) {
    for (const auto& d : e.diagnostics().items()) diags.error(d.loc, d.key_path, d.message, d.suggestion);
  } catch (const core::RuntimeError& e) {
    diags.error(spec.locations.find(""), "", e.what());
  }
}

int run_validate(const ValidateOptions& o) {
  bool all_ok = true;
  core::JsonWriter j;
  j.begin_array();
  for (const auto& f : o.files) {
    core::Diagnostics diags;
    // Read and parse once (a pipe or FIFO has one reading), then check it as a scenario or a journey.
    const model::YamlDocument doc = model::YamlDocument::load_file(f, diags);
    if (scenario::is_scenario(doc)) {
      const auto ls = scenario::check_scenario_document(doc, diags);
      const bool ok = !diags.has_errors();
      all_ok = all_ok && ok;
      if (o.json) {
        j.begin_object();
        j.key("file").value(f);
        j.key("type").value("scenario");
        j.key("valid").value(ok);
        if (ok) {
          j.key("scenario").value(ls.scenario.name);
          j.key("journey").value(ls.scenario.journey_path);
          j.key("variants").value(ls.scenario.variants.size());
          j.key("sweeps").value(ls.scenario.sweeps.size());
          j.key("rank_frictions").value(ls.scenario.rank.present);
          uncertain_json(j, uncertain_lines(ls.journey, &ls.scenario.variants));
        }
        write_diagnostics_json(j, diags);
        j.end_object();
        continue;
      }
      std::cerr << diags.format();
      if (ok && !o.quiet) {
        std::cout << fmt::format(
            "{}: valid scenario '{}' on journey {}: {} variant{}, {} sweep{}, friction ranking {}, "
            "{} warning{}\n",
            f, ls.scenario.name, ls.scenario.journey_path, ls.scenario.variants.size(),
            ls.scenario.variants.size() == 1 ? "" : "s", ls.scenario.sweeps.size(),
            ls.scenario.sweeps.size() == 1 ? "" : "s", ls.scenario.rank.present ? "on" : "off", diags.warning_count(),
            diags.warning_count() == 1 ? "" : "s");
        print_uncertain(uncertain_lines(ls.journey, &ls.scenario.variants));
      } else if (!ok) {
        std::cerr << fmt::format("{}: invalid: {}\n", f, counts(diags));
      }
      continue;
    }
    model::JourneySpec spec = model::check_journey_document(doc, diags);
    check_queues(spec, diags);
    const bool ok = !diags.has_errors();
    all_ok = all_ok && ok;
    std::set<std::string> channels, kinds;
    for (const auto& t : spec.touchpoints) channels.insert(t.channel);
    for (const auto& oc : spec.outcomes) kinds.insert(oc.kind);
    if (o.json) {
      j.begin_object();
      j.key("file").value(f);
      j.key("type").value("journey");
      j.key("valid").value(ok);
      if (ok) {
        j.key("journey").value(spec.name);
        j.key("touchpoints").value(spec.touchpoints.size());
        j.key("outcomes").value(spec.outcomes.size());
        j.key("channels").value(channels.size());
        j.key("segments").value(spec.segments.size());
        uncertain_json(j, uncertain_lines(spec));
      }
      write_diagnostics_json(j, diags);
      j.end_object();
      continue;
    }
    std::cerr << diags.format();
    if (ok) {
      if (!o.quiet) {
        std::cout << fmt::format(
            "{}: valid journey '{}': {} touchpoints, {} outcomes ({} kinds), {} channels, "
            "{} segment{}, {} warning{}\n",
            f, spec.name, spec.touchpoints.size(), spec.outcomes.size(), kinds.size(), channels.size(),
            spec.segments.size(), spec.segments.size() == 1 ? "" : "s", diags.warning_count(),
            diags.warning_count() == 1 ? "" : "s");
        print_uncertain(uncertain_lines(spec));
      }
    } else {
      std::cerr << fmt::format("{}: invalid: {}\n", f, counts(diags));
    }
  }
  j.end_array();
  if (o.json) std::cout << j.str() << '\n';
  return all_ok ? 0 : static_cast<int>(core::ExitCode::bad_input);
}

}  // namespace

void setup_validate(CLI::App& app, Context& ctx) {
  auto opt = std::make_shared<ValidateOptions>();
  auto* sub = app.add_subcommand("validate", "Check journey and scenario files; report every problem at once");
  sub->add_option("files", opt->files, "Journey or scenario YAML files")->required();
  sub->add_flag("--json", opt->json, "Machine-readable output on stdout");
  sub->add_flag("-q,--quiet", opt->quiet, "Print only problems");
  sub->callback([opt, &ctx] { ctx.action = [opt] { return run_validate(*opt); }; });
}

}  // namespace cxsim::cli
