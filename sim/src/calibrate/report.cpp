#include "cxsim/calibrate/report.h"

#include <cmath>
#include <string>

#include "cxsim/core/errors.h"

namespace cxsim::calibrate {

ReportTable& ReportTable::num(const std::string& name) {
  columns.push_back({name, false, false, {}, {}});
  return *this;
}

ReportTable& ReportTable::integer(const std::string& name) {
  columns.push_back({name, false, true, {}, {}});
  return *this;
}

ReportTable& ReportTable::str(const std::string& name) {
  columns.push_back({name, true, false, {}, {}});
  return *this;
}

void ReportTable::add(const std::string& name, double v) {
  for (auto& c : columns)
    if (c.name == name && !c.is_string) {
      if (c.is_integer && !(v == std::floor(v) && std::fabs(v) <= 0x1p53))
        throw core::RuntimeError("internal: report table " + path + ": integer column " + name + " given " +
                                 std::to_string(v));
      c.numbers.push_back(v);
      return;
    }
  throw core::RuntimeError("internal: report table " + path + " has no numeric column " + name);
}

void ReportTable::add(const std::string& name, const std::string& v) {
  for (auto& c : columns)
    if (c.name == name && c.is_string) {
      c.strings.push_back(v);
      return;
    }
  throw core::RuntimeError("internal: report table " + path + " has no string column " + name);
}

std::size_t ReportTable::rows() const {
  if (columns.empty()) return 0;
  return columns[0].is_string ? columns[0].strings.size() : columns[0].numbers.size();
}

ReportTable& Report::table(const std::string& path, const std::string& description) {
  tables.emplace_back(path, description);
  return tables.back();
}

const ReportTable* Report::find(const std::string& path) const {
  for (const auto& t : tables)
    if (t.path == path) return &t;
  return nullptr;
}

}  // namespace cxsim::calibrate
