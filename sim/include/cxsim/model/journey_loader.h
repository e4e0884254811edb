#pragma once
// Journey files -> JourneySpec, with every problem reported at once.
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/model/yaml_source.h"

namespace cxsim::model {

// Parses a loaded YAML document into a spec. Reports unknown and missing
// keys, wrong types, duplicates and reserved ids into `diags`; value checks
// (ranges, sums, targets, graph) are validate()'s job. The returned spec is
// as complete as the document allows, so validation can still run on it.
JourneySpec parse_journey(const YamlDocument& doc, core::Diagnostics& diags);

// Parses a distribution node ({fixed: x}, {exponential: {mean}}, ...). With
// `uncertain` (a touchpoint's duration), a parameter may be `{estimate, sd}`
// (docs/journey-format.md, "Uncertainty"), recorded in uncertain->spec.
struct UncertainDuration {
  JourneySpec* spec;
  std::string touchpoint;
  UncertainParam::Branch branch = UncertainParam::Branch::both;
};
std::optional<DurationSpec> parse_distribution(NodeReader& r, const YAML::Node& node, const std::string& path,
                                               const UncertainDuration* uncertain = nullptr);

// Parses a `population` mapping, the same in journey and scenario files:
// customers >= 1, periods 1..65535, seed >= 0, discount_rate > -1. A value
// that breaks its rule is reported and not stored. `extra_keys` are accepted
// for the caller to read (a scenario's `precision`). False when `node` is not
// a mapping (reported).
bool parse_population(NodeReader& r, const YAML::Node& node, PopulationSpec& out,
                      const std::vector<std::string>& extra_keys = {});

// A journey that loaded and validated, with its warnings.
struct LoadedJourney {
  JourneySpec spec;
  core::Diagnostics diagnostics;  // warnings only
};

// Load + parse + validate. Throws core::InputError carrying all diagnostics
// when there is any error.
LoadedJourney load_journey(const std::string& path);
LoadedJourney load_journey_text(const std::string& text, const std::string& display_name);

// Load + parse + validate without throwing: everything found goes to diags.
JourneySpec check_journey_file(const std::string& path, core::Diagnostics& diags);

// The same two on a document already loaded (its load diagnostics in diags),
// so a caller that looked at the document first reads the file only once.
LoadedJourney load_journey_document(const YamlDocument& doc, core::Diagnostics diags);
JourneySpec check_journey_document(const YamlDocument& doc, core::Diagnostics& diags);

}  // namespace cxsim::model
