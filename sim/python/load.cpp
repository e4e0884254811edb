// cxsim.load_journey, cxsim.load_scenario, cxsim.validate: reading and
// checking input files as `cxsim validate` does.
#include <memory>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include "bindings.h"
#include "cxsim/core/diagnostics.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/yaml_source.h"
#include "cxsim/scenario/scenario_loader.h"

namespace cxsim::python {

namespace {

// What validate() found in one file.
struct Validation {
  std::string file;
  std::string type;  // "journey" or "scenario"
  std::vector<core::Diagnostic> diagnostics;
  bool valid() const {
    for (const auto& d : diagnostics)
      if (d.severity == core::Severity::error) return false;
    return true;
  }
  std::vector<core::Diagnostic> of(core::Severity s) const {
    std::vector<core::Diagnostic> out;
    for (const auto& d : diagnostics)
      if (d.severity == s) out.push_back(d);
    return out;
  }
};

Validation validate_file(const std::string& path) {
  Validation v;
  v.file = path;
  core::Diagnostics diags;
  {
    py::gil_scoped_release release;
    const model::YamlDocument doc = model::YamlDocument::load_file(path, diags);
    if (scenario::is_scenario(doc)) {
      v.type = "scenario";
      scenario::check_scenario_document(doc, diags);
    } else {
      v.type = "journey";
      model::check_journey_document(doc, diags);
    }
  }
  diags.sort_and_dedupe();
  v.diagnostics = diags.items();
  return v;
}

std::vector<std::string> ids(const std::vector<model::TouchpointSpec>& v) {
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.id);
  return out;
}

}  // namespace

void register_load(py::module_& m) {
  using model::JourneySpec;
  using model::LoadedJourney;
  py::class_<LoadedJourney, std::shared_ptr<LoadedJourney>>(
      m, "Journey", "A journey file that loaded and validated (cxsim.load_journey).")
      .def_property_readonly(
          "name", [](const LoadedJourney& j) { return j.spec.name; }, "the journey's name")
      .def_property_readonly(
          "path", [](const LoadedJourney& j) { return j.spec.source_path; }, "the file, as given")
      .def_property_readonly(
          "yaml", [](const LoadedJourney& j) { return j.spec.source_text; }, "the file's text")
      .def_property_readonly(
          "time_unit", [](const LoadedJourney& j) { return j.spec.time_unit; }, "unit of every duration")
      .def_property_readonly(
          "touchpoints", [](const LoadedJourney& j) { return ids(j.spec.touchpoints); }, "touchpoint ids, in order")
      .def_property_readonly(
          "channels",
          [](const LoadedJourney& j) {
            std::vector<std::string> out;
            for (const auto& t : j.spec.touchpoints) out.push_back(t.channel);
            return out;
          },
          "each touchpoint's channel (same order as touchpoints)")
      .def_property_readonly(
          "outcomes",
          [](const LoadedJourney& j) {
            py::list out;
            for (const auto& o : j.spec.outcomes) {
              py::dict d;
              d["id"] = o.id;
              d["kind"] = o.kind;
              d["value"] = o.value;
              out.append(d);
            }
            return out;
          },
          "outcomes as dicts {id, kind, value}, in order")
      .def_property_readonly(
          "segments",
          [](const LoadedJourney& j) {
            py::dict out;
            for (const auto& s : j.spec.segments) out[py::str(s.id)] = s.share;
            return out;
          },
          "segment id -> share")
      .def_property_readonly(
          "warnings", [](const LoadedJourney& j) { return j.diagnostics.items(); }, "list of Diagnostic")
      .def("__repr__", [](const LoadedJourney& j) {
        return "<cxsim.Journey '" + j.spec.name + "' from " + j.spec.source_path + ": " +
               std::to_string(j.spec.touchpoints.size()) + " touchpoints, " + std::to_string(j.spec.outcomes.size()) +
               " outcomes>";
      });

  using scenario::LoadedScenario;
  py::class_<LoadedScenario, std::shared_ptr<LoadedScenario>>(
      m, "Scenario", "A scenario file that loaded and validated, with its journey (cxsim.load_scenario).")
      .def_property_readonly(
          "name", [](const LoadedScenario& s) { return s.scenario.name; }, "the scenario's name")
      .def_property_readonly(
          "path", [](const LoadedScenario& s) { return s.scenario.source_path; }, "the file, as given")
      .def_property_readonly(
          "yaml", [](const LoadedScenario& s) { return s.scenario.source_text; }, "the file's text")
      .def_property_readonly(
          "journey_path", [](const LoadedScenario& s) { return s.scenario.journey_path; },
          "the journey file, resolved against the scenario's folder")
      .def_property_readonly(
          "journey_name", [](const LoadedScenario& s) { return s.journey.name; }, "the baseline journey's name")
      .def_property_readonly(
          "variants",
          [](const LoadedScenario& s) {
            std::vector<std::string> out;
            for (const auto& v : s.scenario.variants) out.push_back(v.name);
            return out;
          },
          "variant names, in order (the baseline is not listed)")
      .def_property_readonly(
          "sweeps",
          [](const LoadedScenario& s) {
            py::dict out;
            for (const auto& w : s.scenario.sweeps) out[py::str(w.name)] = w.values;
            return out;
          },
          "sweep name -> values")
      .def_property_readonly(
          "rank_frictions", [](const LoadedScenario& s) { return s.scenario.rank.present; },
          "whether the scenario asks for the friction ranking")
      .def_property_readonly(
          "warnings", [](const LoadedScenario& s) { return s.diagnostics.items(); }, "list of Diagnostic")
      .def("__repr__", [](const LoadedScenario& s) {
        return "<cxsim.Scenario '" + s.scenario.name + "' from " + s.scenario.source_path + " on " +
               s.scenario.journey_path + ": " + std::to_string(s.scenario.variants.size()) + " variants>";
      });

  m.def(
      "load_journey",
      [](const std::string& path) {
        std::shared_ptr<LoadedJourney> out;
        {
          py::gil_scoped_release release;
          out = std::make_shared<LoadedJourney>(model::load_journey(path));
        }
        return out;
      },
      py::arg("path"),
      "Loads and validates a journey file. Raises cxsim.InputError (with .diagnostics, .file, .line, .column, "
      ".key_path, .message) when it is invalid; warnings are in the result's .warnings.");
  m.def(
      "load_scenario",
      [](const std::string& path) {
        std::shared_ptr<LoadedScenario> out;
        {
          py::gil_scoped_release release;
          out = std::make_shared<LoadedScenario>(scenario::load_scenario(path));
        }
        return out;
      },
      py::arg("path"),
      "Loads and validates a scenario file and its journey. Raises cxsim.InputError when either is invalid.");

  py::class_<Validation>(m, "Validation", "What cxsim.validate found in one file.")
      .def_readonly("file", &Validation::file)
      .def_readonly("type", &Validation::type, "'journey' or 'scenario'")
      .def_property_readonly("valid", &Validation::valid, "no error (warnings allowed)")
      .def_readonly("diagnostics", &Validation::diagnostics, "every Diagnostic, sorted by place")
      .def_property_readonly(
          "errors", [](const Validation& v) { return v.of(core::Severity::error); }, "the errors")
      .def_property_readonly(
          "warnings", [](const Validation& v) { return v.of(core::Severity::warning); }, "the warnings")
      .def("__bool__", &Validation::valid)
      .def("__repr__", [](const Validation& v) {
        return "<cxsim.Validation " + v.file + " (" + v.type + "): " + (v.valid() ? "valid" : "invalid") + ", " +
               std::to_string(v.diagnostics.size()) + " diagnostics>";
      });
  m.def("validate", &validate_file, py::arg("path"),
        "Checks a journey or scenario file (decided by its top-level keys) as `cxsim validate` does and returns a "
        "Validation: every problem as a Diagnostic, never raising for a problem in the file.");
}

}  // namespace cxsim::python
