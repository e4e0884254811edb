// Fuzz harness: journey YAML -> load + validate -> compile -> a short run
// (20 customers, 2 periods, at most 200 steps a walk) and, for small graphs,
// the exact analytics. A journey that validates must compile, simulate and
// solve without any error (`run` never fails for a reason `validate` could
// have found); an input that does not validate must be refused with a
// core::InputError.
#include <algorithm>
#include <cstdint>
#include <string>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/core/errors.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cxsim;
  model::LoadedJourney loaded;
  try {
    loaded = model::load_journey_text(std::string(fuzz::as_text(data, size)), "fuzz.yaml");
  } catch (const core::InputError&) {
    return 0;  // refused: what validate is for
  }
  // Valid from here on: every step below must succeed.
  model::CompiledModel m = model::compile(loaded.spec);
  m.max_steps = std::min(m.max_steps, 200);  // bounded work per input
  std::vector<engine::Variant> variants{engine::Variant{"baseline", "", m, std::nullopt}};
  engine::RunSettings s;
  s.customers = 20;
  s.periods = 2;
  s.chunk_size = 8;  // several chunks, so merging is exercised
  s.seed = 7;
  const engine::RunResult r = engine::run(variants, s);
  (void)engine::variant_tables(variants[0], r.variants[0]);
  if (m.num_touchpoints() <= 64) {
    analytics::AnalyzeOptions opts;
    opts.friction_overridden = analytics::friction_override_mask(loaded.spec);
    const auto a = analytics::analyze(m, opts);
    (void)analytics::friction_ranking(m, a, 0.5, opts);
  }
  return 0;
}
