#pragma once
// Helpers shared by the event-log reader tests (the CSV reader and the XES
// reader): every journey a reader passes, its statistics and dictionaries.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cxsim/calibrate/event_log.h"

namespace cxsim::testing {

struct CollectedLog {
  std::map<std::string, calibrate::JourneyEvents> journeys;
  calibrate::EventReadStats stats;
  std::vector<std::string> tp, ch;  // touchpoint and channel names, by index
};

// Reads `p` with `o`, keeping every journey by id.
inline CollectedLog collect_log(const std::filesystem::path& p, calibrate::EventReadOptions o = {}) {
  CollectedLog c;
  calibrate::EventLogReader r(p.string(), o);
  c.stats = r.read([&](const calibrate::JourneyEvents& j) { c.journeys[j.id] = j; });
  c.tp = r.touchpoints().names();
  c.ch = r.channels().names();
  return c;
}

}  // namespace cxsim::testing
