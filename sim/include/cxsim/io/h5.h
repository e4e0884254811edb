#pragma once
// A thin, typed, RAII layer over HDF5 (see docs/devguide/hdf5-layer.md).
//
// Rules:
//  * Only files under sim/src/io/ include <hdf5.h>. This header exposes no raw HDF5 id type:
//    handles are opaque 64-bit ids inside move-only classes whose destructors
//    close them.
//  * Every failure throws core::RuntimeError naming the file and the object
//    path, with HDF5's own error stack appended; nothing is printed.
//  * Results files are created through AtomicFile: written under a temporary
//    name and renamed onto the final path only by commit().
//  * Not thread-safe (the Debian HDF5 is built without thread safety): use a
//    file and everything opened from it from one thread at a time.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cxsim/core/atomic_output.h"
#include "cxsim/io/table.h"

namespace cxsim::io {

namespace detail {
struct Access;  // defined in src/io/h5_internal.h; builds handles from raw ids
}

enum class Mode { read_only, read_write };

enum class AttributeType { string, float64, int64, other };

// What a dataset holds, as far as this layer is concerned:
//   table       1-D compound (read_table)
//   string      string, scalar (read_string)
//   float_array floating point, any rank (read_array_double)
//   int_array   integer, any rank (read_array_int64)
enum class DatasetKind { table, string, float_array, int_array, other };
std::string_view to_string(DatasetKind kind);

// Optional descriptive attributes written with a dataset (skipped if empty).
struct DatasetAttrs {
  std::string description{};
  std::string units{};
};

// An N-D array read back: values in C (row-major) order, dims empty for a
// scalar dataset.
template <class T>
struct Array {
  std::vector<T> values;
  std::vector<std::size_t> dims;
};

// Something that can carry attributes: a file's root group, a group or a
// dataset. Move-only; the destructor closes the handle.
class Object {
 public:
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  Object(Object&& other) noexcept;
  Object& operator=(Object&& other) noexcept;
  ~Object();

  bool valid() const noexcept { return id_ >= 0; }
  // The object's path inside its file ("/variants/baseline").
  std::string path() const;
  // The file the object lives in (for an AtomicFile: the temporary name).
  std::filesystem::path file_path() const;

  // Scalar attributes; writing replaces an existing attribute of that name.
  // Strings are stored as variable-length UTF-8.
  void set_attribute(std::string_view name, std::string_view value) const;
  void set_attribute(std::string_view name, const char* value) const { set_attribute(name, std::string_view(value)); }
  void set_attribute(std::string_view name, double value) const;
  template <std::integral T>
  requires(!std::same_as<T, bool>) void set_attribute(std::string_view name, T value) const {
    set_attribute_int64(name, static_cast<std::int64_t>(value));
  }
  void set_attribute(std::string_view name, bool value) const = delete;

  bool has_attribute(std::string_view name) const;
  // Creation order for attributes written by this layer, else by name.
  std::vector<std::string> attribute_names() const;
  AttributeType attribute_type(std::string_view name) const;
  // Typed reads: throw if the attribute is missing or of another type
  // (strict: an integer attribute is not read as a double, nor vice versa).
  std::string attribute_string(std::string_view name) const;
  double attribute_double(std::string_view name) const;
  std::int64_t attribute_int64(std::string_view name) const;

 protected:
  Object() noexcept = default;
  explicit Object(std::int64_t id) noexcept : id_(id) {}
  void close_handle() noexcept;
  void set_attribute_int64(std::string_view name, std::int64_t value) const;

  std::int64_t id_ = -1;
  friend struct detail::Access;
};

class Dataset;

// A group. Paths are relative to this group ("variants/baseline"), or
// absolute from the file root when they start with '/'.
class Group : public Object {
 public:
  Group(Group&&) noexcept = default;
  Group& operator=(Group&&) noexcept = default;

  // Create a new group; missing intermediate groups are created too. Throws
  // if the group already exists.
  Group create_group(std::string_view path) const;
  // Open an existing group; throws if missing or not a group.
  Group open_group(std::string_view path) const;
  // Open if it exists, else create (with intermediates).
  Group require_group(std::string_view path) const;
  // Open an existing dataset; throws if missing or not a dataset.
  Dataset open_dataset(std::string_view path) const;

  // True if every component of the path exists (never throws for a missing
  // path; a path through a dataset is simply false).
  bool exists(std::string_view path) const;
  bool is_group(std::string_view path) const;
  bool is_dataset(std::string_view path) const;
  // Names of the direct children: creation order for groups written by this
  // layer, alphabetical for others.
  std::vector<std::string> list() const;

 protected:
  Group() noexcept = default;
  explicit Group(std::int64_t id) noexcept : Object(id) {}
  friend struct detail::Access;
};

class Dataset : public Object {
 public:
  Dataset(Dataset&&) noexcept = default;
  Dataset& operator=(Dataset&&) noexcept = default;

  DatasetKind kind() const;
  // Current extent; empty for a scalar dataset.
  std::vector<std::size_t> dims() const;
  // Chunk shape; empty when the dataset is not chunked.
  std::vector<std::size_t> chunk_dims() const;
  // Filters in pipeline order: "shuffle", "deflate", or HDF5's name.
  std::vector<std::string> filters() const;
  // For a table: its columns as read_table would return them.
  Schema table_schema() const;

 private:
  Dataset() noexcept = default;
  explicit Dataset(std::int64_t id) noexcept : Object(id) {}
  friend struct detail::Access;
};

// An open HDF5 file; as a Group it is the root group "/".
class File : public Group {
 public:
  // Open an existing file. Throws core::RuntimeError (with the path) if it is
  // missing, not HDF5, truncated or otherwise unreadable.
  static File open(const std::filesystem::path& path, Mode mode = Mode::read_only);

  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  ~File();

  void flush() const;
  // Close now and report failures (the destructor closes silently).
  void close();

 private:
  File() noexcept = default;
  File(std::int64_t file_id, std::int64_t root_id) noexcept : Group(root_id), file_id_(file_id) {}
  std::int64_t file_id_ = -1;
  friend struct detail::Access;
  friend class AtomicFile;
};

// A new file written under a temporary name in the same directory (a
// core::TempOutput: ".<name>.tmp-<random>", with the output rules of
// cxsim/core/atomic_output.h: folder created, only a regular file replaced).
// commit() flushes, closes and renames it onto `path` (replacing any file
// there); if commit() is never called (an exception, an early return) the
// destructor deletes the temporary, so the final path never holds a half
// written file. Groups and datasets opened from file() are closed by
// commit()/discard() and must not be used afterwards.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  ~AtomicFile();

  // The open temporary file (its root group). Throws after commit/discard.
  File& file();
  const std::filesystem::path& path() const noexcept { return path_; }
  const std::filesystem::path& temp_path() const noexcept { return tmp_.temp_path(); }
  bool committed() const noexcept { return state_ == State::committed; }

  void commit();
  // Abandon the file now: close and delete the temporary. Never throws.
  void discard() noexcept;

 private:
  enum class State { open, committed, discarded };
  std::filesystem::path path_;
  core::TempOutput tmp_;  // declared before file_: the HDF5 file closes first
  File file_;
  State state_ = State::discarded;
};

// Number of HDF5 files and objects open in this process (for leak checks in
// tests: 0 once every File, Group, Dataset and AtomicFile is gone).
std::size_t open_object_count();

// ---------------------------------------------------------------- writing
// `name` may be a path ("variants/baseline/summary"); missing parent groups
// are created. Writing over an existing object throws. Each returns the new
// dataset, e.g. to add more attributes.

// A 1-D compound dataset, one record per row, members in column order:
// float64 -> IEEE f64 LE, int64 -> i64 LE, string -> variable-length UTF-8.
// A table needs at least one column; 0 rows is fine.
Dataset write_table(const Group& group, std::string_view name, const Table& table, const DatasetAttrs& attrs = {});
// A scalar variable-length UTF-8 string (text with embedded NULs is cut).
Dataset write_string(const Group& group, std::string_view name, std::string_view text, const DatasetAttrs& attrs = {});
// An N-D array in row-major order; dims empty means 1-D of values.size().
// The product of dims must equal values.size().
Dataset write_array(const Group& group, std::string_view name, const std::vector<double>& values,
                    const std::vector<std::size_t>& dims = {}, const DatasetAttrs& attrs = {});
Dataset write_array(const Group& group, std::string_view name, const std::vector<std::int64_t>& values,
                    const std::vector<std::size_t>& dims = {}, const DatasetAttrs& attrs = {});

// A 1-D int64 array, chunked and compressed (shuffle + deflate at
// deflate_level, 1..9): large data written once, such as the chunk records
// of a partial run. Read back with read_array_int64.
Dataset write_array_compressed(const Group& group, std::string_view name, const std::vector<std::int64_t>& values,
                               int deflate_level = 4, const DatasetAttrs& attrs = {});

// ---------------------------------------------------------------- reading
// Each throws core::RuntimeError naming the file and dataset path when the
// dataset is missing or holds another kind of data.

// Members map by HDF5 type class: float -> float64, integer -> int64,
// string (variable or fixed length) -> string. Other member types throw.
Table read_table(const Group& group, std::string_view name);
// Rows [first, first + count) only (count is clipped at the end).
Table read_table(const Group& group, std::string_view name, std::size_t first, std::size_t count);
std::string read_string(const Group& group, std::string_view name);
Array<double> read_array_double(const Group& group, std::string_view name);
Array<std::int64_t> read_array_int64(const Group& group, std::string_view name);

// ---------------------------------------------------------------- streaming
// Appends rows to a chunked, compressed (shuffle + deflate) compound dataset
// with unlimited length. Memory stays bounded by about one chunk: append()
// converts at most chunk_rows rows at a time and the HDF5 chunk cache of the
// dataset is sized to one chunk.
class TableAppender {
 public:
  // deflate_level 0 disables compression (and shuffle); 1..9 otherwise.
  TableAppender(const Group& group, std::string_view name, Schema schema, std::size_t chunk_rows = 65536,
                int deflate_level = 4);
  TableAppender(TableAppender&&) noexcept = default;
  TableAppender& operator=(TableAppender&&) noexcept = default;
  ~TableAppender() = default;

  // Columns must match the schema by name and type (any order).
  void append(const Table& rows);
  std::size_t rows() const noexcept { return rows_; }
  const Schema& schema() const noexcept { return schema_; }
  Dataset& dataset() noexcept { return dataset_; }
  // Write cached chunks to the file.
  void flush() const;

 private:
  Dataset dataset_;
  Schema schema_;
  std::size_t chunk_rows_;
  std::size_t rows_ = 0;
};

}  // namespace cxsim::io
