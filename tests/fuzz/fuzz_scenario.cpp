// Fuzz harness: scenario YAML -> load, resolve the journey, apply and
// re-validate every variant and sweep point. The journeys a scenario may name
// are fixed: the project's journeys/ are copied once into the scratch
// directory (as journeys/NAME.yaml and, for the shared examples' sibling
// references, scenarios/NAME.yaml), and the input is read as
// scenarios/fuzz.yaml, so `journey: ../journeys/retail.yaml` and
// `journey: retail.yaml` both resolve. A scenario that loads must give
// variants that compile.
#include <cstdint>
#include <filesystem>
#include <string>

#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/yaml_source.h"
#include "cxsim/scenario/scenario_loader.h"
#include "fuzz_support.h"

namespace {

std::filesystem::path prepare_journeys() {
  namespace fs = std::filesystem;
  const fs::path root = cxsim::fuzz::scratch_dir();
  fs::create_directories(root / "journeys");
  fs::create_directories(root / "scenarios");
  for (const auto& e : fs::directory_iterator(fs::path(CXSIM_SOURCE_DIR) / "journeys")) {
    if (e.path().extension() != ".yaml") continue;
    fs::copy_file(e.path(), root / "journeys" / e.path().filename(), fs::copy_options::overwrite_existing);
    fs::copy_file(e.path(), root / "scenarios" / e.path().filename(), fs::copy_options::overwrite_existing);
  }
  return root / "scenarios" / "fuzz.yaml";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cxsim;
  static const std::filesystem::path display = prepare_journeys();
  core::Diagnostics diags;
  const model::YamlDocument doc =
      model::YamlDocument::load_text(std::string(fuzz::as_text(data, size)), display.string(), diags);
  if (!scenario::is_scenario(doc)) return 0;  // the journey harness covers journeys
  scenario::LoadedScenario ls;
  try {
    ls = scenario::load_scenario_document(doc, std::move(diags));
  } catch (const core::InputError&) {
    return 0;
  }
  (void)model::compile(ls.journey);
  for (const auto& v : ls.variant_specs) (void)model::compile(v);
  (void)scenario::precision_metrics(model::compile(ls.journey));
  return 0;
}
