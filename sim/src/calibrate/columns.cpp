#include "cxsim/calibrate/columns.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"

namespace cxsim::calibrate {

namespace {

std::string norm(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  std::string out = s.substr(a, b - a);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* const kNames[kNumFields] = {"customer_id", "journey_id", "timestamp", "touchpoint", "status", "channel",
                                        "outcome",     "nps",        "csat",      "ces",        "period", "alive",
                                        "periods",     "churned",    "segment",   "lifecycle"};

}  // namespace

const char* field_name(Field f) { return kNames[static_cast<int>(f)]; }

const std::vector<std::string>& field_aliases(Field f) {
  static const std::vector<std::vector<std::string>> aliases = {
      // customer_id
      {"customer_id", "customer", "customerid", "client_id", "user_id", "userid", "user", "case:customer",
       "org:customer"},
      // journey_id
      {"journey_id", "journey", "journeyid", "case:concept:name", "case_id", "caseid", "case", "case id", "session_id",
       "sessionid", "session", "trace_id", "visit_id"},
      // timestamp
      {"timestamp", "time:timestamp", "time", "event_time", "event_timestamp", "datetime", "date_time", "ts",
       "start_timestamp", "date"},
      // touchpoint
      {"touchpoint", "concept:name", "activity", "activity_name", "event", "event_name", "action", "step", "page",
       "touch_point", "channel_touchpoint"},
      // status
      {"status", "visit_status", "touchpoint_status"},
      // channel
      {"channel", "case:channel", "org:channel", "medium", "org:resource"},
      // outcome
      {"outcome", "result", "end_state", "journey_outcome"},
      // nps
      {"nps", "nps_score", "likelihood_to_recommend", "ltr", "recommend"},
      // csat
      {"csat", "csat_score", "satisfaction"},
      // ces
      {"ces", "ces_score", "effort_score", "effort"},
      // period
      {"period", "t", "year", "month", "week"},
      // alive
      {"alive", "survivors", "surviving", "active", "retained", "customers"},
      // periods
      {"periods", "lifetime", "tenure", "duration", "periods_observed"},
      // churned
      {"churned", "churn", "dead", "event", "lost"},
      // segment
      {"segment", "cohort", "group", "case:segment"},
      // lifecycle
      {"lifecycle", "lifecycle:transition", "lifecycle_transition", "transition"},
  };
  return aliases[static_cast<std::size_t>(f)];
}

std::vector<std::string> split_items(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& raw : items) {
    std::size_t start = 0;
    while (start <= raw.size()) {
      std::size_t end = raw.find(',', start);
      if (end == std::string::npos) end = raw.size();
      std::string item = raw.substr(start, end - start);
      start = end + 1;
      if (!item.empty()) out.push_back(std::move(item));
    }
  }
  return out;
}

ColumnMap parse_column_map(const std::vector<std::string>& items) {
  ColumnMap m;
  std::vector<std::string> names(std::begin(kNames), std::end(kNames));
  // CLI11 already splits on ','; accept "a=b,c=d" in one item too.
  for (const std::string& item : split_items(items)) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      throw core::InputError(
          fmt::format("--map '{}': expected FIELD=COLUMN (fields: {})", item, core::quoted_list(names)));
    }
    const std::string key = norm(item.substr(0, eq));
    const std::string value = item.substr(eq + 1);
    auto it = std::find(names.begin(), names.end(), key);
    if (it == names.end()) {
      std::string sug = core::did_you_mean(key, names);
      throw core::InputError(fmt::format("--map '{}': unknown field '{}'{} (fields: {})", item, key,
                                         sug.empty() ? "" : fmt::format(" (did you mean '{}'?)", sug),
                                         core::quoted_list(names)));
    }
    m[static_cast<Field>(it - names.begin())] = value;
  }
  return m;
}

ResolvedColumns resolve_columns(const std::vector<std::string>& header, const std::vector<Field>& wanted,
                                const std::vector<Field>& required, const ColumnMap& map, const std::string& file) {
  ResolvedColumns r;
  r.header = header;
  std::vector<std::string> normed;
  for (const auto& h : header) normed.push_back(norm(h));
  auto find = [&](const std::string& name) -> int {
    // Exact match first, then case-insensitive.
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    const std::string n = norm(name);
    for (std::size_t i = 0; i < normed.size(); ++i)
      if (normed[i] == n) return static_cast<int>(i);
    return -1;
  };
  std::vector<bool> taken(header.size(), false);
  core::Diagnostics diags;
  // Explicit mappings first so that aliases never steal a mapped column.
  for (Field f : wanted) {
    auto it = map.find(f);
    if (it == map.end()) continue;
    if (it->second.empty()) {
      r.index[static_cast<int>(f)] = -2;  // disabled
      continue;
    }
    const int i = find(it->second);
    if (i >= 0) {
      r.index[static_cast<int>(f)] = i;
      taken[static_cast<std::size_t>(i)] = true;
    } else if (std::find(required.begin(), required.end(), f) != required.end()) {
      diags.error({file, 1, 0}, "",
                  fmt::format("--map {}={}: no column '{}' in the header (columns: {})", field_name(f), it->second,
                              it->second, core::quoted_list(header)),
                  core::did_you_mean(it->second, header));
    }
  }
  for (Field f : wanted) {
    int& idx = r.index[static_cast<int>(f)];
    if (idx != -1) continue;
    for (const auto& alias : field_aliases(f)) {
      const int i = find(alias);
      if (i >= 0 && !taken[static_cast<std::size_t>(i)]) {
        idx = i;
        taken[static_cast<std::size_t>(i)] = true;
        break;
      }
    }
  }
  for (int& i : r.index)
    if (i == -2) i = -1;
  for (Field f : required) {
    if (r.has(f)) continue;
    if (map.count(f) && !map.at(f).empty()) continue;  // already reported
    diags.error(
        {file, 1, 0}, "",
        fmt::format("missing column '{}' (looked for {}; map one with --map {}=COLUMN; columns: {})", field_name(f),
                    core::quoted_list(field_aliases(f)), field_name(f), core::quoted_list(header)));
  }
  if (diags.has_errors()) throw core::InputError(std::move(diags));
  return r;
}

}  // namespace cxsim::calibrate
