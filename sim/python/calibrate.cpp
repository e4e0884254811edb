// cxsim.calibrate: event logs (CSV, XES), aggregated paths, surveys, cohorts,
// lifetimes or repeat-purchase summaries to a fitted journey, as `cxsim
// calibrate` (sim/cli/cmd_calibrate.cpp): the same options and library call,
// so the same inputs give the same YAML text. The fit report comes back as
// tables (the CLI's --report writes the same tables to HDF5).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"

namespace cxsim::python {

namespace {

std::string opt(const std::optional<std::string>& s) { return s ? *s : std::string(); }

py::object report_table(const calibrate::ReportTable& t, bool dataframes) {
  py::dict cols;
  const py::object np_array = py::module_::import("numpy").attr("array");
  for (const auto& c : t.columns) {
    if (c.is_string) {
      cols[py::str(c.name)] = np_array(py::cast(c.strings), py::arg("dtype") = "object");
    } else if (c.is_integer) {
      py::array_t<std::int64_t> a(static_cast<py::ssize_t>(c.numbers.size()));
      for (std::size_t i = 0; i < c.numbers.size(); ++i) a.mutable_data()[i] = static_cast<std::int64_t>(c.numbers[i]);
      cols[py::str(c.name)] = a;
    } else {
      py::array_t<double> a(static_cast<py::ssize_t>(c.numbers.size()));
      std::copy(c.numbers.begin(), c.numbers.end(), a.mutable_data());
      cols[py::str(c.name)] = a;
    }
  }
  if (!dataframes) return cols;
  return py::module_::import("pandas").attr("DataFrame")(cols);
}

}  // namespace

void register_calibrate(py::module_& m) {
  m.def(
      "calibrate",
      [](std::optional<std::string> events, std::optional<std::string> paths, std::optional<std::string> surveys,
         std::optional<std::string> cohorts, std::optional<std::string> lifetimes, std::optional<std::string> repeat,
         std::optional<std::string> prior_model, std::optional<std::string> output, std::vector<std::string> map,
         bool skip_bad_rows, bool dedupe, const std::string& lifecycle, const std::string& time_format,
         const std::string& timezone, double holdout, double prior, unsigned long long seed,
         const std::string& separator, const std::string& time_unit, const std::string& durations,
         const std::string& name, double satisfaction0_sd, int csat_scale, int ces_scale,
         std::map<std::string, std::string> outcome_kinds, std::map<std::string, double> outcome_values,
         bool distributions, bool dataframes) {
        calibrate::CalibrateOptions o;
        o.events = opt(events);
        o.paths = opt(paths);
        o.surveys = opt(surveys);
        o.cohorts = opt(cohorts);
        o.lifetimes = opt(lifetimes);
        o.repeat = opt(repeat);
        o.prior_model = opt(prior_model);
        o.map = std::move(map);
        o.skip_bad_rows = skip_bad_rows;
        o.keep_duplicates = !dedupe;
        o.lifecycle = lifecycle;
        o.time_format = time_format;
        o.timezone = timezone;
        o.holdout = holdout;
        o.prior = prior;
        o.seed = seed;
        o.separator = separator;
        o.time_unit = time_unit;
        o.durations = durations;
        o.name = name;
        o.satisfaction0_sd = satisfaction0_sd;
        o.csat_scale = csat_scale;
        o.ces_scale = ces_scale;
        o.distributions = distributions;  // --distributions (for run's uncertainty draws)
        o.outcome_kinds = std::move(outcome_kinds);
        o.command_line = "cxsim.calibrate(...)";
        for (const auto& [k, v] : outcome_values) {
          if (!(v >= 0))
            throw core::InputError(fmt::format("outcome_values['{}']: expected a number >= 0, got {}", k, v));
          o.outcome_values[k] = v;
        }
        if (lifecycle != "complete" && lifecycle != "start" && lifecycle != "pair")
          throw core::InputError(fmt::format("lifecycle: expected complete, start or pair, got '{}'", lifecycle));
        if (!(holdout >= 0 && holdout <= 0.95))
          throw core::InputError(fmt::format("holdout: expected 0 to 0.95, got {}", holdout));
        if (!(prior >= 0 && prior <= 1e6))
          throw core::InputError(fmt::format("prior: expected 0 to 1e6, got {}", prior));
        for (const std::string* f :
             {&o.events, &o.paths, &o.surveys, &o.cohorts, &o.lifetimes, &o.repeat, &o.prior_model}) {
          std::error_code ec;
          if (!f->empty() && !std::filesystem::exists(*f, ec))
            throw core::InputError(fmt::format("{}: no such file", *f));
        }
        const std::string out = opt(output);
        if (!out.empty()) {
          const std::filesystem::path inputs[] = {o.events,    o.paths,  o.surveys,    o.cohorts,
                                                  o.lifetimes, o.repeat, o.prior_model};
          core::check_output_path(out, inputs);
        }
        const calibrate::CalibrationResult r = interruptible([&](const std::atomic<int>* stop) {
          calibrate::CalibrateOptions oo = o;
          oo.stop = stop;
          calibrate::CalibrationResult res = calibrate::calibrate(oo);
          model::load_journey_text(res.yaml, out.empty() ? "<calibrated journey>" : out);
          if (!out.empty()) {
            core::AtomicOutputFile yaml_out(out);
            yaml_out.stream().write(res.yaml.data(), static_cast<std::streamsize>(res.yaml.size()));
            yaml_out.stream().flush();
            if (!yaml_out.stream()) throw core::RuntimeError(fmt::format("{}: write failed", out));
            yaml_out.commit();
          }
          return res;
        });
        py::dict d, report, attrs;
        d["yaml"] = r.yaml;
        d["summary"] = r.summary;
        d["warnings"] = r.warnings;
        d["holdout_pass"] = r.holdout_pass;
        d["output"] = out.empty() ? py::object(py::none()) : py::object(py::str(out));
        for (const auto& a : r.report.attributes) {
          if (a.is_string) attrs[py::str(a.name)] = a.text;
          else if (a.is_integer) attrs[py::str(a.name)] = a.integer;
          else attrs[py::str(a.name)] = a.number;
        }
        report["@attrs"] = attrs;
        for (const auto& t : r.report.tables) report[py::str(t.path)] = report_table(t, dataframes);
        d["report"] = report;
        return d;
      },
      py::kw_only(), py::arg("events") = py::none(), py::arg("paths") = py::none(), py::arg("surveys") = py::none(),
      py::arg("cohorts") = py::none(), py::arg("lifetimes") = py::none(), py::arg("repeat") = py::none(),
      py::arg("prior_model") = py::none(), py::arg("output") = py::none(), py::arg("map") = std::vector<std::string>{},
      py::arg("skip_bad_rows") = false, py::arg("dedupe") = false, py::arg("lifecycle") = "complete",
      py::arg("time_format") = "", py::arg("timezone") = "", py::arg("holdout") = 0.0, py::arg("prior") = 0.5,
      py::arg("seed") = 1, py::arg("separator") = "auto", py::arg("time_unit") = "minutes",
      py::arg("durations") = "aic", py::arg("name") = "", py::arg("satisfaction0_sd") = 0.0, py::arg("csat_scale") = 5,
      py::arg("ces_scale") = 7, py::arg("outcome_kinds") = std::map<std::string, std::string>{},
      py::arg("outcome_values") = std::map<std::string, double>{}, py::arg("distributions") = false,
      py::arg("dataframes") = true,
      "Fits a journey to data as `cxsim calibrate` (docs/calibration.md); every argument is the flag of the same "
      "name (events=--events, repeat=--repeat, dedupe=--dedupe, skip_bad_rows=--on-bad-row skip, map=[--map "
      "items], outcome_kinds/outcome_values as dicts). Returns a dict: yaml (the fitted journey's text, the same "
      "as the command writes), summary (the text the command prints), warnings, holdout_pass, output, report "
      "(the fit report's tables by path, as DataFrames or dicts of numpy arrays, and '@attrs'). With output= "
      "the YAML is also written (atomically). Raises cxsim.InputError for bad data (with the file and line), "
      "KeyboardInterrupt on Ctrl-C. The GIL is released while fitting.");
}

}  // namespace cxsim::python
