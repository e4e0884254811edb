#include "cxsim/io/table.h"

#include <utility>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"

namespace cxsim::io {

using core::RuntimeError;

std::string_view to_string(ColumnType type) {
  switch (type) {
    case ColumnType::float64: return "float64";
    case ColumnType::int64: return "int64";
    case ColumnType::string: return "string";
  }
  return "unknown";
}

namespace {

std::size_t data_size(const auto& data) {
  return std::visit([](const auto& v) { return v.size(); }, data);
}

}  // namespace

Table::Table(const Schema& schema) {
  for (const auto& spec : schema) {
    switch (spec.type) {
      case ColumnType::float64: add_column(spec.name, std::vector<double>{}); break;
      case ColumnType::int64: add_column(spec.name, std::vector<std::int64_t>{}); break;
      case ColumnType::string: add_column(spec.name, std::vector<std::string>{}); break;
    }
  }
}

Table& Table::add(std::string name, Data data, std::size_t size) {
  if (name.empty()) throw RuntimeError("table: a column name must not be empty");
  if (has_column(name)) throw RuntimeError("table: duplicate column '" + name + "'");
  if (!columns_.empty() && size != rows()) {
    throw RuntimeError("table: column '" + name + "' has " + std::to_string(size) + " rows but the table has " +
                       std::to_string(rows()) + " (column '" + columns_.front().name + "')");
  }
  columns_.push_back(Column{std::move(name), std::move(data)});
  return *this;
}

Table& Table::add_column(std::string name, std::vector<double> values) {
  const auto n = values.size();
  return add(std::move(name), Data{std::in_place_index<0>, std::move(values)}, n);
}
Table& Table::add_column(std::string name, std::vector<std::int64_t> values) {
  const auto n = values.size();
  return add(std::move(name), Data{std::in_place_index<1>, std::move(values)}, n);
}
Table& Table::add_column(std::string name, std::vector<std::string> values) {
  const auto n = values.size();
  return add(std::move(name), Data{std::in_place_index<2>, std::move(values)}, n);
}

std::size_t Table::rows() const noexcept { return columns_.empty() ? 0 : data_size(columns_.front().data); }

std::vector<std::string> Table::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns_.size());
  for (const auto& c : columns_) names.push_back(c.name);
  return names;
}

Schema Table::schema() const {
  Schema s;
  s.reserve(columns_.size());
  for (const auto& c : columns_) s.push_back({c.name, static_cast<ColumnType>(c.data.index())});
  return s;
}

bool Table::has_column(std::string_view name) const noexcept {
  for (const auto& c : columns_)
    if (c.name == name) return true;
  return false;
}

const Table::Column& Table::find(std::string_view name) const {
  for (const auto& c : columns_)
    if (c.name == name) return c;
  const auto names = column_names();
  std::string msg = "table: no column '" + std::string(name) + "'";
  const auto near = core::did_you_mean(name, names);
  if (!near.empty()) msg += " (did you mean '" + near + "'?)";
  msg += names.empty() ? "; the table has no columns" : "; columns are " + core::quoted_list(names);
  throw RuntimeError(msg);
}

Table::Column& Table::find(std::string_view name) { return const_cast<Column&>(std::as_const(*this).find(name)); }

ColumnType Table::column_type(std::string_view name) const { return static_cast<ColumnType>(find(name).data.index()); }

template <class T>
const std::vector<T>& Table::get(std::string_view name, ColumnType type) const {
  const auto& c = find(name);
  const auto actual = static_cast<ColumnType>(c.data.index());
  if (actual != type) {
    throw RuntimeError("table: column '" + c.name + "' is " + std::string(to_string(actual)) + ", not " +
                       std::string(to_string(type)));
  }
  return std::get<std::vector<T>>(c.data);
}

const std::vector<double>& Table::get_double(std::string_view name) const {
  return get<double>(name, ColumnType::float64);
}
const std::vector<std::int64_t>& Table::get_int64(std::string_view name) const {
  return get<std::int64_t>(name, ColumnType::int64);
}
const std::vector<std::string>& Table::get_string(std::string_view name) const {
  return get<std::string>(name, ColumnType::string);
}

std::vector<double>& Table::doubles(std::string_view name) {
  return const_cast<std::vector<double>&>(get<double>(name, ColumnType::float64));
}
std::vector<std::int64_t>& Table::int64s(std::string_view name) {
  return const_cast<std::vector<std::int64_t>&>(get<std::int64_t>(name, ColumnType::int64));
}
std::vector<std::string>& Table::strings(std::string_view name) {
  return const_cast<std::vector<std::string>&>(get<std::string>(name, ColumnType::string));
}

void Table::validate() const {
  if (columns_.empty()) return;
  const auto n = data_size(columns_.front().data);
  for (const auto& c : columns_) {
    if (data_size(c.data) != n) {
      throw RuntimeError("table: column '" + c.name + "' has " + std::to_string(data_size(c.data)) +
                         " rows but column '" + columns_.front().name + "' has " + std::to_string(n));
    }
  }
}

void Table::clear_rows() noexcept {
  for (auto& c : columns_) std::visit([](auto& v) { v.clear(); }, c.data);
}

void Table::reserve(std::size_t rows) {
  for (auto& c : columns_) std::visit([rows](auto& v) { v.reserve(rows); }, c.data);
}

void Table::append(const Table& other) {
  if (&other == this) {
    Table copy = other;
    append(copy);
    return;
  }
  other.validate();
  validate();
  if (other.columns_.size() != columns_.size()) {
    throw RuntimeError("table: cannot append a table with columns " + core::quoted_list(other.column_names()) +
                       " to one with columns " + core::quoted_list(column_names()));
  }
  // Check everything before changing anything.
  for (const auto& c : columns_) {
    const auto& o = other.find(c.name);
    if (o.data.index() != c.data.index()) {
      throw RuntimeError("table: cannot append: column '" + c.name + "' is " +
                         std::string(to_string(static_cast<ColumnType>(o.data.index()))) + ", expected " +
                         std::string(to_string(static_cast<ColumnType>(c.data.index()))));
    }
  }
  for (auto& c : columns_) {
    const auto& o = other.find(c.name);
    std::visit(
        [&o](auto& dst) {
          using V = std::decay_t<decltype(dst)>;
          const auto& src = std::get<V>(o.data);
          dst.insert(dst.end(), src.begin(), src.end());
        },
        c.data);
  }
}

}  // namespace cxsim::io
