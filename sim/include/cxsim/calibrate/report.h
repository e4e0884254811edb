#pragma once
// The fit report as plain tables (no HDF5 here: the CLI writes them with the
// io layer as compound datasets, docs/calibration.md "The fit report").
#include <string>
#include <deque>
#include <vector>

namespace cxsim::calibrate {

struct ReportColumn {
  std::string name;
  bool is_string = false;
  std::vector<double> numbers;
  std::vector<std::string> strings;
};

class ReportTable {
 public:
  ReportTable() = default;
  ReportTable(std::string path, std::string description) : path(std::move(path)), description(std::move(description)) {}
  std::string path;         // "calibration/transitions"
  std::string description;
  std::vector<ReportColumn> columns;

  ReportTable& num(const std::string& name);
  ReportTable& str(const std::string& name);
  // Appends a value to the named column.
  void add(const std::string& name, double v);
  void add(const std::string& name, const std::string& v);
  std::size_t rows() const;
};

struct ReportAttribute {
  std::string name;
  bool is_string = false;
  double number = 0;
  std::string text;
};

struct Report {
  std::vector<ReportAttribute> attributes;  // root attributes
  std::deque<ReportTable> tables;  // deque: references from table() stay valid
  std::string journey_yaml;
  void attr(const std::string& name, const std::string& v) { attributes.push_back({name, true, 0, v}); }
  void attr(const std::string& name, double v) { attributes.push_back({name, false, v, {}}); }
  ReportTable& table(const std::string& path, const std::string& description);
  const ReportTable* find(const std::string& path) const;
};

}  // namespace cxsim::calibrate
