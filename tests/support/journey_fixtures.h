#pragma once
// Small helpers shared by tests: load a journey from text or from the repo.
#include <string>

#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

namespace cxsim::testing {

inline model::JourneySpec spec_from_text(const std::string& yaml, const std::string& name = "test.yaml") {
  return model::load_journey_text(yaml, name).spec;
}

inline model::JourneySpec spec_from_repo(const std::string& relative) {
  return model::load_journey(std::string(CXSIM_SOURCE_DIR) + "/" + relative).spec;
}

inline std::string shared_example(const std::string& name) {
  return std::string(CXSIM_SHARED_DIR) + "/spec/examples/" + name;
}

}  // namespace cxsim::testing
