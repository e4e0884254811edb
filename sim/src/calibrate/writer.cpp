// Writer of calibrate(): the YAML of the fitted model (header comments,
// journey_writer.cpp's write_yaml), loaded back as the engine would load it.
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
  auto& train = s.train;
  auto& m = s.m;
  auto& input_desc = s.input_desc;
  auto& res = s.res;
  m.header.push_back(fmt::format("Fitted by cxsim calibrate {} from {}", core::tool_version, input_desc));
  if (!o.command_line.empty()) m.header.push_back("command: " + o.command_line);
  m.header.push_back("Counts, 95% credible intervals (Dirichlet/Beta posteriors, prior 0.5 per observed target) and");
  m.header.push_back("standard errors are in the comments; see docs/methods/calibration.md.");
  if (o.holdout > 0)
    m.header.push_back(fmt::format("Fitted on {} training journeys ({:.0f}% held out journey by journey, seed {}).",
                                   train.journeys, 100 * o.holdout, o.seed));
  m.header.push_back("Ids are sanitized from the data's names (originals in comments).");
  res.yaml = write_yaml(m);
  rep.journey_yaml = res.yaml;
  s.lj = [&] {
    try {
      return model::load_journey_text(res.yaml, m.name + ".yaml");
    } catch (const core::InputError& e) {
      throw core::RuntimeError(std::string("internal: the fitted journey does not load:\n") + e.what() + "\n" +
                               res.yaml);
    }
  }();
  sum += fmt::format("model: {} touchpoints, {} outcomes, {} start entries, max_steps {}\n", m.touchpoints.size(),
                     m.outcomes.size(), m.start.targets.size(), m.max_steps);
}

}  // namespace cxsim::calibrate::stages
