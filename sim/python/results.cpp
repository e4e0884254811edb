// cxsim.read_results, cxsim.read_table, cxsim.summary, cxsim.comparison: a
// file cxsim wrote (results, exact analytics, check) as Python objects, with
// strings decoded and integer columns as integers (docs/python.md). Opening
// goes through io::open_results (integrity block, file type, format version);
// the file is read into C++ values with the GIL released and the HDF5 lock
// held, then converted.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/open_results.h"

namespace cxsim::python {

namespace {

using Attr = std::variant<std::string, double, std::int64_t>;

struct Node {
  std::string name;
  bool group = false;
  io::DatasetKind kind = io::DatasetKind::other;
  std::vector<std::pair<std::string, Attr>> attrs;
  io::Table table;
  io::Array<double> floats;
  io::Array<std::int64_t> ints;
  std::string text;
  std::vector<Node> children;
};

void read_attrs(const io::Object& o, Node& n) {
  for (const auto& a : o.attribute_names()) {
    switch (o.attribute_type(a)) {
      case io::AttributeType::string: n.attrs.emplace_back(a, o.attribute_string(a)); break;
      case io::AttributeType::float64: n.attrs.emplace_back(a, o.attribute_double(a)); break;
      case io::AttributeType::int64: n.attrs.emplace_back(a, o.attribute_int64(a)); break;
      case io::AttributeType::other: break;
    }
  }
}

void read_group(const io::Group& g, Node& n, bool customers) {
  n.group = true;
  read_attrs(g, n);
  for (const auto& name : g.list()) {
    if (g.is_group(name)) {
      Node c;
      c.name = name;
      read_group(g.open_group(name), c, customers);
      n.children.push_back(std::move(c));
    } else if (g.is_dataset(name)) {
      // The per-customer tables (customers, customer_periods) can be large.
      if ((name == "customers" || name == "customer_periods") && !customers) continue;
      Node c;
      c.name = name;
      const io::Dataset d = g.open_dataset(name);
      c.kind = d.kind();
      switch (c.kind) {
        case io::DatasetKind::table: c.table = io::read_table(g, name); break;
        case io::DatasetKind::string: c.text = io::read_string(g, name); break;
        case io::DatasetKind::float_array: c.floats = io::read_array_double(g, name); break;
        case io::DatasetKind::int_array: c.ints = io::read_array_int64(g, name); break;
        case io::DatasetKind::other: continue;
      }
      n.children.push_back(std::move(c));
    }
  }
}

// Runs `read` on the opened file without the GIL, under the HDF5 lock.
template <class Read>
auto with_file(const std::string& path, Read&& read) {
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  io::OpenedResults r = io::open_results(path, {"cxsim-results", "cxsim-analytics", "cxsim-check"});
  return io::reading_results(path, [&] { return read(r.file); });
}

template <class T>
py::array_t<T> to_numpy(const std::vector<T>& v, const std::vector<std::size_t>& dims) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  if (dims.size() > 1) {
    std::vector<py::ssize_t> shape(dims.begin(), dims.end());
    return a.reshape(shape);
  }
  return a;
}

// Counts the results file stores as float64 (they are sums of the engine's
// accumulators): given back as int64 when every value is a whole number
// (docs/python.md, "read_results"). Keyed by the table's name and the column.
bool is_count(const std::string& table, const std::string& column) {
  static const std::pair<const char*, const char*> counts[] = {
      {"outcomes", "walks"}, {"segments", "customers"}, {"periods", "active"},       {"periods", "respondents"},
      {"periods", "walked"}, {"periods", "idle"},       {"walk_counts", "customers"}};
  for (const auto& [t, c] : counts)
    if (table == t && column == c) return true;
  return false;
}

std::optional<std::vector<std::int64_t>> whole_numbers(const std::vector<double>& v) {
  std::vector<std::int64_t> out;
  out.reserve(v.size());
  for (double x : v) {
    if (!(std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9007199254740992.0)) return std::nullopt;
    out.push_back(static_cast<std::int64_t>(x));
  }
  return out;
}

py::object table_object(const io::Table& t, const std::string& name, bool dataframes) {
  py::dict cols;
  const py::object np_array = py::module_::import("numpy").attr("array");
  for (const auto& c : t.schema()) {
    switch (c.type) {
      case io::ColumnType::float64:
        if (const auto ints = is_count(name, c.name) ? whole_numbers(t.get_double(c.name)) : std::nullopt)
          cols[py::str(c.name)] = to_numpy(*ints, {});
        else cols[py::str(c.name)] = to_numpy(t.get_double(c.name), {});
        break;
      case io::ColumnType::int64: cols[py::str(c.name)] = to_numpy(t.get_int64(c.name), {}); break;
      case io::ColumnType::string:
        cols[py::str(c.name)] = np_array(py::cast(t.get_string(c.name)), py::arg("dtype") = "object");
        break;
    }
  }
  if (!dataframes) return cols;
  return py::module_::import("pandas").attr("DataFrame")(cols);
}

py::object attr_object(const Attr& a) {
  if (const auto* s = std::get_if<std::string>(&a)) return py::str(*s);
  if (const auto* d = std::get_if<double>(&a)) return py::float_(*d);
  return py::int_(std::get<std::int64_t>(a));
}

py::object node_object(const Node& n, bool dataframes) {
  if (n.group) {
    py::dict d, attrs;
    for (const auto& [k, v] : n.attrs) attrs[py::str(k)] = attr_object(v);
    d["@attrs"] = attrs;
    for (const auto& c : n.children) d[py::str(c.name)] = node_object(c, dataframes);
    return d;
  }
  switch (n.kind) {
    case io::DatasetKind::table: return table_object(n.table, n.name, dataframes);
    case io::DatasetKind::string: return py::str(n.text);
    case io::DatasetKind::float_array:
      if (n.floats.dims.empty() && n.floats.values.size() == 1) return py::float_(n.floats.values[0]);
      return to_numpy(n.floats.values, n.floats.dims);
    case io::DatasetKind::int_array:
      if (n.ints.dims.empty() && n.ints.values.size() == 1) return py::int_(n.ints.values[0]);
      return to_numpy(n.ints.values, n.ints.dims);
    case io::DatasetKind::other: break;
  }
  return py::none();
}

py::object read_results(const std::string& path, bool dataframes, bool customers) {
  const Node root = with_file(path, [&](const io::File& f) {
    Node n;
    read_group(f, n, customers);
    return n;
  });
  return node_object(root, dataframes);
}

io::Table read_one_table(const std::string& path, const std::string& dataset) {
  return with_file(path, [&](const io::File& f) {
    if (!f.is_dataset(dataset)) throw core::InputError(fmt::format("{}: has no dataset '{}'", path, dataset));
    return io::read_table(f, dataset);
  });
}

// A table whose first column is a string key (`metric`): key -> {column: value}.
py::dict by_key(const io::Table& t) {
  const auto schema = t.schema();
  py::dict out;
  if (schema.empty() || schema[0].type != io::ColumnType::string) return out;
  const auto& keys = t.get_string(schema[0].name);
  for (std::size_t r = 0; r < keys.size(); ++r) {
    py::dict row;
    for (std::size_t c = 1; c < schema.size(); ++c) {
      const auto& s = schema[c];
      switch (s.type) {
        case io::ColumnType::float64: row[py::str(s.name)] = t.get_double(s.name)[r]; break;
        case io::ColumnType::int64: row[py::str(s.name)] = t.get_int64(s.name)[r]; break;
        case io::ColumnType::string: row[py::str(s.name)] = t.get_string(s.name)[r]; break;
      }
    }
    out[py::str(keys[r])] = row;
  }
  return out;
}

}  // namespace

void register_results(py::module_& m) {
  m.def("read_results", &read_results, py::arg("path"), py::kw_only(), py::arg("dataframes") = true,
        py::arg("customers") = false,
        "Reads a results file (or an analytics or check file) into nested dicts that follow its HDF5 layout "
        "(docs/results-format.md): a group is a dict with its attributes under '@attrs'; a table is a "
        "pandas.DataFrame (dataframes=True) or a dict of numpy arrays, strings decoded, int64 columns as int64 "
        "(and the counts the file stores as float64: outcomes.walks, segments.customers, periods.active/"
        "respondents/walked/idle, walk_counts.customers, when whole); "
        "an array is a numpy array (int64 or float64) of its shape; a string is a str. The per-customer tables "
        "(/variants/<v>/customers and customer_periods) are read only with customers=True. The integrity block is "
        "checked first: a "
        "damaged or foreign file raises cxsim.InputError.");
  m.def(
      "read_table",
      [](const std::string& path, const std::string& dataset, bool dataframes) {
        const io::Table t = read_one_table(path, dataset);
        return table_object(t, std::filesystem::path(dataset).filename().string(), dataframes);
      },
      py::arg("path"), py::arg("dataset"), py::kw_only(), py::arg("dataframes") = true,
      "One table of a results file, e.g. read_table(path, 'variants/baseline/touchpoints'): a pandas.DataFrame, "
      "or a dict of numpy arrays with dataframes=False.");
  m.def(
      "summary",
      [](const std::string& path, const std::string& variant) {
        return by_key(read_one_table(path, "variants/" + variant + "/summary"));
      },
      py::arg("path"), py::arg("variant") = "baseline",
      "A variant's headline metrics: {metric: {'estimate', 'se', 'ci_low', 'ci_high'}} (floats).");
  m.def(
      "comparison",
      [](const std::string& path, const std::string& variant) {
        return by_key(read_one_table(path, "comparisons/" + variant));
      },
      py::arg("path"), py::arg("variant"),
      "A variant against the baseline, paired by customer: {metric: {'baseline', 'variant', 'delta', 'se', "
      "'ci_low', 'ci_high'}}.");
}

}  // namespace cxsim::python
