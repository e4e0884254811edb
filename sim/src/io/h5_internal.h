// Internals shared by the files of the HDF5 layer (sim/src/io/h5*.cpp); not
// installed. Only files under sim/src/io/ include <hdf5.h> (see
// docs/devguide/hdf5-layer.md); everything HDF5-specific stays there.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxsim/io/h5.h"

namespace cxsim::io::detail {

// Builds the public handles from raw ids (a friend of each handle class).
struct Access {
  static Group group(hid_t id) noexcept { return Group(id); }
  static Dataset dataset(hid_t id) noexcept { return Dataset(id); }
  static File file(hid_t file_id, hid_t root_id) noexcept { return File(file_id, root_id); }
  static hid_t id(const Object& o) noexcept { return o.id_; }
};

// Owns a temporary id (type, space, property list, attribute, ...).
class Hid {
 public:
  using Closer = herr_t (*)(hid_t);
  Hid() noexcept = default;
  Hid(hid_t id, Closer close) noexcept : id_(id), close_(close) {}
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, -1)), close_(o.close_) {}
  Hid& operator=(Hid&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, -1);
      close_ = o.close_;
    }
    return *this;
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  ~Hid() { reset(); }
  void reset() noexcept {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = -1;
  }
  hid_t get() const noexcept { return id_; }
  hid_t release() noexcept { return std::exchange(id_, -1); }

 private:
  hid_t id_ = -1;
  Closer close_ = nullptr;
};

// ---------------------------------------------------------------- errors (h5.cpp)

// HDF5 prints its error stack to stderr by default; the layer reports errors
// as exceptions instead. Cheap, and per thread in thread-safe builds, so it
// is called at every entry point.
void quiet() noexcept;

// Close any object id; tolerates ids already invalidated by a strong file
// close (AtomicFile::commit). Never throws, never leaves an error stack.
void close_any(hid_t id) noexcept;

// The current HDF5 error stack as one line, then cleared. Must be called
// before any other HDF5 call, since API calls reset the stack.
std::string take_error_stack();

std::string object_path(hid_t id);
std::string file_name(hid_t id);

// Throw core::RuntimeError for the object `name` under `loc`, with HDF5's
// error stack (if any). Arguments must be computed without HDF5 calls.
[[noreturn]] void fail(hid_t loc, std::string_view name, const std::string& what);
[[noreturn]] void fail_file(const std::filesystem::path& path, const std::string& what);
void check(herr_t status, hid_t loc, std::string_view name, const char* what);
Hid own(hid_t id, Hid::Closer close, hid_t loc, std::string_view name, const char* what);

// ---------------------------------------------------------------- paths and groups (h5.cpp)

std::vector<std::string> split_path(std::string_view path);
bool is_absolute(std::string_view path);
// Type of the object at `path` (H5I_GROUP, H5I_DATASET, ...), or H5I_BADID.
H5I_type_t object_type(hid_t loc, const std::string& path);
bool path_exists(hid_t loc, std::string_view path);
Hid group_create_plist();
Hid dataset_create_plist();
// Open (or, when `create`, create) the group at `path` below `loc`, one
// component at a time so that every new group tracks creation order.
Hid walk_groups(hid_t loc, std::string_view path, bool create);
// Children names of a group: creation order when indexed, else by name.
std::vector<std::string> link_names(hid_t group);
// "no such dataset (did you mean 'x'?)" etc.
[[noreturn]] void fail_missing(hid_t loc, std::string_view path, const char* what);
// Fails unless `path` below `loc` is an object of `type`: "no such <missing>"
// (with a did-you-mean) when absent, `wrong_type` when of another type.
void expect_object(hid_t loc, const std::string& path, H5I_type_t type, const char* missing,
                   const std::string& wrong_type);

// ---------------------------------------------------------------- string types (h5.cpp)

Hid vlen_string_type(H5T_cset_t cset = H5T_CSET_UTF8);
std::string trim_fixed_string(const char* data, std::size_t size, H5T_str_t pad);
void vlen_reclaim(hid_t mem_type, hid_t mem_space, void* buf) noexcept;
std::string_view type_class_name(H5T_class_t c);

// Reads one string from a scalar (or 1-element) attribute or dataset.
// `read(mem_type, buf)` does the H5Aread / H5Dread.
template <class Read>
std::string read_one_string(hid_t type, hid_t space, hid_t loc, std::string_view name, Read read) {
  const htri_t is_var = H5Tis_variable_str(type);
  if (is_var < 0) fail(loc, name, "cannot inspect string type");
  if (is_var > 0) {
    Hid mem = vlen_string_type(H5Tget_cset(type));
    char* p = nullptr;
    if (read(mem.get(), &p) < 0) fail(loc, name, "cannot read string");
    std::string s = p != nullptr ? std::string(p) : std::string();
    vlen_reclaim(mem.get(), space, &p);
    return s;
  }
  const std::size_t size = H5Tget_size(type);
  Hid mem = own(H5Tcopy(type), H5Tclose, loc, name, "cannot copy string type");
  std::string buf(size, '\0');
  if (size > 0 && read(mem.get(), buf.data()) < 0) fail(loc, name, "cannot read string");
  return trim_fixed_string(buf.data(), size, H5Tget_strpad(type));
}

// ---------------------------------------------------------------- integrity (h5_integrity.cpp)

// The HDF5 user block every AtomicFile reserves for its integrity block.
inline constexpr std::size_t kUserBlockSize = 512;
// Bounded reading: a filtered (deflated) dataset may declare at most this
// many times the file's size; an unfiltered one at most the file's size.
inline constexpr std::uint64_t kMaxCompression = 1100;
// More links than this in one file are refused by open_results.
inline constexpr std::size_t kMaxLinks = 1000000;

// After the HDF5 file is closed: CRC-32 and length of bytes [512, end)
// written into the user block. Throws core::RuntimeError.
void write_integrity_block(const std::filesystem::path& path);
// Before reading a dataset: its declared size fits the file, and (for a
// contiguous dataset with variable-length strings) every string refers to a
// well-formed global heap object of its length. Fails (RuntimeError) if not.
void check_dataset_bounds(hid_t ds, hid_t type, hid_t space, hid_t loc, std::string_view name);
// Before reading an attribute: its type's size fits the file.
void check_attribute_bounds(hid_t obj, hid_t type, std::string_view attr);

// ---------------------------------------------------------------- datasets (h5_dataset.cpp)

std::string_view kind_phrase(DatasetKind k);
DatasetKind kind_of(hid_t type);

// Open a dataset below a group, checking its kind.
struct OpenDataset {
  Hid ds, type, space;
};
OpenDataset open_dataset_checked(const Group& group, std::string_view name, DatasetKind want);

std::vector<std::size_t> space_dims(hid_t space, hid_t loc, std::string_view name);

// Parent group (opened or created) and leaf name for a new dataset.
struct NewPlace {
  Hid parent;  // empty when the parent is `loc` itself
  hid_t loc = -1;
  std::string leaf;
};
NewPlace place_for_new(const Group& group, std::string_view name);

void apply_attrs(const Dataset& ds, const DatasetAttrs& attrs);

}  // namespace cxsim::io::detail
