#pragma once
// The fit report as plain tables (no HDF5 here: the CLI writes them with the
// io layer as compound datasets, docs/calibration.md "The fit report").
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace cxsim::calibrate {

struct ReportColumn {
  std::string name;
  bool is_string = false;
  bool is_integer = false;      // numbers holds integers, written as int64
  std::vector<double> numbers;  // numeric columns (integer ones too: exact below 2^53)
  std::vector<std::string> strings;
};

class ReportTable {
 public:
  ReportTable() = default;
  ReportTable(std::string path, std::string description) : path(std::move(path)), description(std::move(description)) {}
  std::string path;  // "calibration/transitions"
  std::string description;
  std::vector<ReportColumn> columns;

  ReportTable& num(const std::string& name);
  ReportTable& integer(const std::string& name);  // int64 in the file
  ReportTable& str(const std::string& name);
  // Appends a value to the named column (an integer column refuses a
  // non-integral value: internal error).
  void add(const std::string& name, double v);
  void add(const std::string& name, const std::string& v);
  std::size_t rows() const;
};

struct ReportAttribute {
  std::string name;
  bool is_string = false;
  bool is_integer = false;  // written as int64 from `integer`
  double number = 0;
  std::string text;
  std::int64_t integer = 0;
};

struct Report {
  std::vector<ReportAttribute> attributes;  // root attributes
  std::deque<ReportTable> tables;           // deque: references from table() stay valid
  std::string journey_yaml;
  void attr(const std::string& name, const std::string& v) { attributes.push_back({name, true, false, 0, v, 0}); }
  void attr(const std::string& name, double v) { attributes.push_back({name, false, false, v, {}, 0}); }
  void attr_int(const std::string& name, std::int64_t v) {
    attributes.push_back({name, false, true, static_cast<double>(v), {}, v});
  }
  ReportTable& table(const std::string& path, const std::string& description);
  const ReportTable* find(const std::string& path) const;
};

}  // namespace cxsim::calibrate
