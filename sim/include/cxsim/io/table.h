#pragma once
// A column-oriented in-memory table: named columns of double, int64 or
// (UTF-8) string, all of the same length. This is what the HDF5 layer
// (cxsim/io/h5.h) writes as a compound dataset and reads back.
//
// Independent of HDF5: the engine and the report build and consume Tables
// without touching the file layer.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cxsim::io {

enum class ColumnType { float64, int64, string };

// "float64", "int64", "string".
std::string_view to_string(ColumnType type);

struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::float64;
  bool operator==(const ColumnSpec&) const = default;
};
using Schema = std::vector<ColumnSpec>;

class Table {
 public:
  Table() = default;
  // Empty columns (0 rows) with the given names and types, in order.
  explicit Table(const Schema& schema);

  // Add a column at the end. Throws core::RuntimeError if the name is empty
  // or already used, or if the length differs from the existing columns.
  Table& add_column(std::string name, std::vector<double> values);
  Table& add_column(std::string name, std::vector<std::int64_t> values);
  Table& add_column(std::string name, std::vector<std::string> values);

  // Number of rows (the first column's length; 0 without columns).
  std::size_t rows() const noexcept;
  std::size_t num_columns() const noexcept { return columns_.size(); }
  std::vector<std::string> column_names() const;
  Schema schema() const;
  bool has_column(std::string_view name) const noexcept;
  // Throws core::RuntimeError when there is no such column.
  ColumnType column_type(std::string_view name) const;

  // Read a column; throws core::RuntimeError when the column is missing or
  // has another type (the message names the column, its type and the
  // table's columns).
  const std::vector<double>& get_double(std::string_view name) const;
  const std::vector<std::int64_t>& get_int64(std::string_view name) const;
  const std::vector<std::string>& get_string(std::string_view name) const;

  // Mutable access for building a table row by row (push_back into each
  // column). Lengths are then checked by validate(), which every writer
  // calls before touching a file.
  std::vector<double>& doubles(std::string_view name);
  std::vector<std::int64_t>& int64s(std::string_view name);
  std::vector<std::string>& strings(std::string_view name);

  // Throws core::RuntimeError unless all columns have the same length.
  void validate() const;
  // Keep the columns, drop all rows (capacity is kept for reuse).
  void clear_rows() noexcept;
  void reserve(std::size_t rows);
  // Append the rows of `other`, whose columns must match by name and type
  // (order may differ).
  void append(const Table& other);

  // Same columns (names, types, order) and the same bits: a NaN equals a NaN
  // with the same bit pattern (a summary holds NaN for a kind no walk reached,
  // e.g. time_mean_timeout), and −0.0 differs from +0.0.
  bool operator==(const Table&) const = default;

 private:
  // The variant index is the ColumnType value.
  using Data = std::variant<std::vector<double>, std::vector<std::int64_t>, std::vector<std::string>>;
  struct Column {
    std::string name;
    Data data;
    bool operator==(const Column& o) const {
      if (name != o.name || data.index() != o.data.index()) return false;
      if (const auto* a = std::get_if<std::vector<double>>(&data)) {
        const auto& b = std::get<std::vector<double>>(o.data);
        return a->size() == b.size() &&
               (a->empty() || std::memcmp(a->data(), b.data(), a->size() * sizeof(double)) == 0);
      }
      return data == o.data;
    }
  };
  const Column& find(std::string_view name) const;
  Column& find(std::string_view name);
  template <class T>
  const std::vector<T>& get(std::string_view name, ColumnType type) const;
  Table& add(std::string name, Data data, std::size_t size);

  std::vector<Column> columns_;
};

}  // namespace cxsim::io
