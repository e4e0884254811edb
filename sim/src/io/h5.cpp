// The HDF5 layer's handles: error stack folding, paths and groups, and the
// Object / Group / File RAII wrappers, plus the HDF5 initialisation bits
// (H5dont_atexit). Only files under sim/src/io/ include <hdf5.h> (see
// docs/devguide/hdf5-layer.md); the other parts of the layer are
// h5_attributes.cpp, h5_dataset.cpp, h5_table.cpp, h5_arrays.cpp and
// h5_atomic_file.cpp, sharing h5_internal.h.
#include "cxsim/io/h5.h"

#include <hdf5.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "h5_internal.h"

static_assert(std::is_same_v<hid_t, std::int64_t>, "the public handles store hid_t as std::int64_t");

namespace cxsim::io {

using core::RuntimeError;
using namespace detail;  // NOLINT(google-build-using-namespace): the layer's own internals

namespace {

// This constant lives in the translation unit of quiet(), fail() and the
// File handle, which every use of the layer links, so that its static
// initialiser runs in every program (a static library drops unreferenced
// object files).
// A write error (a full disk, EIO) must end in a clean exit 1. HDF5 1.10
// cannot always close such a file: after a failed flush H5Fclose fails too
// ("slist already enabled"), and the half-destroyed file left in HDF5's id
// table made its atexit shutdown crash (SIGSEGV after the error was
// reported). Two defences: a file being thrown away is first pointed at a
// memory file (discard_writes), so its close flushes there and succeeds
// after a failed data write; and the library's atexit shutdown is not
// registered at all (every handle is closed by RAII before exit, so it has
// nothing left to do; a file HDF5 could not close is simply left to the
// operating system). H5dont_atexit() only works before the library
// initialises itself, hence this constant's static initialiser.
[[maybe_unused]] const bool kNoAtexitShutdown = [] {
  H5dont_atexit();
  return true;
}();

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::vector<std::string>*>(data);
  std::string item;
  if (err->desc != nullptr && *err->desc != '\0') item = err->desc;
  // Some descriptions span lines ("file write failed: time = ...\n, filename = ..."): one line.
  std::replace(item.begin(), item.end(), '\n', ' ');
  if (out->empty() && err->func_name != nullptr) item = std::string(err->func_name) + "(): " + item;
  if (!item.empty() && (out->empty() || out->back() != item)) out->push_back(std::move(item));
  return 0;
}

std::string join_path(const std::string& base, std::string_view name) {
  if (name.empty()) return base.empty() ? "/" : base;
  if (name.front() == '/') return std::string(name);
  if (base.empty() || base == "/") return "/" + std::string(name);
  return base + "/" + std::string(name);
}

// "file.h5:/group/name" for messages.
std::string where(hid_t loc, std::string_view name) {
  std::string file = file_name(loc);
  if (file.empty()) file = "(closed or invalid HDF5 handle)";
  return file + ":" + join_path(object_path(loc), name);
}

}  // namespace

namespace detail {

void quiet() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

void close_any(hid_t id) noexcept {
  if (id < 0) return;
  if (H5Iis_valid(id) > 0) {
    switch (H5Iget_type(id)) {
      case H5I_FILE: H5Fclose(id); break;
      case H5I_GROUP: H5Gclose(id); break;
      case H5I_DATASET: H5Dclose(id); break;
      case H5I_DATATYPE: H5Tclose(id); break;
      case H5I_ATTR: H5Aclose(id); break;
      default: H5Idec_ref(id); break;
    }
  }
  H5Eclear2(H5E_DEFAULT);
}

std::string take_error_stack() {
  std::vector<std::string> items;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &items);
  H5Eclear2(H5E_DEFAULT);
  // The outermost call and the innermost causes say the most; the middle of
  // a deep stack is internal plumbing.
  if (items.size() > 4) items.erase(items.begin() + 1, items.end() - 2), items.insert(items.begin() + 1, "...");
  std::string s;
  for (const auto& it : items) {
    if (!s.empty()) s += "; ";
    s += it;
  }
  return s;
}

namespace {
// A name HDF5 hands out by the two-call protocol (length first, then the
// characters), or "" (error stack cleared) when it has none.
std::string get_name(hid_t id, ssize_t (*get)(hid_t, char*, std::size_t)) {
  if (id < 0) return {};
  const ssize_t n = get(id, nullptr, 0);
  if (n <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return {};
  }
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  get(id, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}
}  // namespace

std::string object_path(hid_t id) { return get_name(id, H5Iget_name); }

std::string file_name(hid_t id) { return get_name(id, H5Fget_name); }

[[noreturn]] void fail(hid_t loc, std::string_view name, const std::string& what) {
  const std::string stack = take_error_stack();
  std::string msg = where(loc, name) + ": " + what;
  if (!stack.empty()) msg += " [HDF5: " + stack + "]";
  throw RuntimeError(msg);
}

[[noreturn]] void fail_file(const std::filesystem::path& path, const std::string& what) {
  const std::string stack = take_error_stack();
  std::string msg = "'" + path.string() + "': " + what;
  if (!stack.empty()) msg += " [HDF5: " + stack + "]";
  throw RuntimeError(msg);
}

void check(herr_t status, hid_t loc, std::string_view name, const char* what) {
  if (status < 0) fail(loc, name, what);
}

Hid own(hid_t id, Hid::Closer close, hid_t loc, std::string_view name, const char* what) {
  if (id < 0) fail(loc, name, what);
  return Hid(id, close);
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    const std::size_t j = std::min(path.find('/', i), path.size());
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

bool is_absolute(std::string_view path) { return !path.empty() && path.front() == '/'; }

H5I_type_t object_type(hid_t loc, const std::string& path) {
  const hid_t o = H5Oopen(loc, path.c_str(), H5P_DEFAULT);
  if (o < 0) {
    H5Eclear2(H5E_DEFAULT);
    return H5I_BADID;
  }
  const H5I_type_t t = H5Iget_type(o);
  H5Oclose(o);
  return t;
}

bool path_exists(hid_t loc, std::string_view path) {
  const auto parts = split_path(path);
  std::string prefix = is_absolute(path) ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    prefix += parts[i];
    const htri_t e = H5Lexists(loc, prefix.c_str(), H5P_DEFAULT);
    if (e <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    // A path through a dataset does not exist.
    if (i + 1 < parts.size() && object_type(loc, prefix) != H5I_GROUP) return false;
  }
  return true;
}

Hid group_create_plist() {
  Hid p(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  if (p.get() < 0) fail(-1, "", "cannot create a group property list");
  H5Pset_link_creation_order(p.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(p.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  return p;
}

Hid dataset_create_plist() {
  Hid p(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (p.get() < 0) fail(-1, "", "cannot create a dataset property list");
  H5Pset_attr_creation_order(p.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  return p;
}

Hid walk_groups(hid_t loc, std::string_view path, bool create) {
  Hid cur = own(H5Gopen2(loc, is_absolute(path) ? "/" : ".", H5P_DEFAULT), H5Gclose, loc, "", "cannot open group");
  std::optional<Hid> gcpl;
  for (const auto& part : split_path(path)) {
    const htri_t e = H5Lexists(cur.get(), part.c_str(), H5P_DEFAULT);
    if (e < 0) fail(cur.get(), part, "cannot look up group");
    if (e > 0) {
      if (object_type(cur.get(), part) != H5I_GROUP) fail(cur.get(), part, "exists but is not a group");
      cur = own(H5Gopen2(cur.get(), part.c_str(), H5P_DEFAULT), H5Gclose, cur.get(), part, "cannot open group");
    } else if (create) {
      if (!gcpl) gcpl = group_create_plist();
      cur = own(H5Gcreate2(cur.get(), part.c_str(), H5P_DEFAULT, gcpl->get(), H5P_DEFAULT), H5Gclose, cur.get(), part,
                "cannot create group");
    } else {
      fail(cur.get(), part, "no such group");
    }
  }
  return cur;
}

std::vector<std::string> link_names(hid_t group) {
  H5G_info_t info;
  check(H5Gget_info(group, &info), group, "", "cannot list group");
  H5_index_t index = H5_INDEX_NAME;
  {
    Hid gcpl(H5Gget_create_plist(group), H5Pclose);
    unsigned flags = 0;
    if (gcpl.get() >= 0 && H5Pget_link_creation_order(gcpl.get(), &flags) >= 0 &&
        (flags & H5P_CRT_ORDER_INDEXED) != 0) {
      index = H5_INDEX_CRT_ORDER;
    }
    H5Eclear2(H5E_DEFAULT);
  }
  std::vector<std::string> names;
  names.reserve(info.nlinks);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t n = H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) fail(group, "", "cannot list group");
    std::string s(static_cast<std::size_t>(n) + 1, '\0');
    H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, s.data(), s.size(), H5P_DEFAULT);
    s.resize(static_cast<std::size_t>(n));
    names.push_back(std::move(s));
  }
  return names;
}

[[noreturn]] void fail_missing(hid_t loc, std::string_view path, const char* what) {
  std::string msg = std::string("no such ") + what;
  const auto slash = path.rfind('/');
  const std::string parent(slash == std::string_view::npos ? std::string_view(".") : path.substr(0, slash + 1));
  const std::string leaf(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (parent == "." || (path_exists(loc, parent) && object_type(loc, parent) == H5I_GROUP)) {
    const hid_t p = H5Gopen2(loc, parent.c_str(), H5P_DEFAULT);
    if (p >= 0) {
      std::vector<std::string> names;
      try {
        names = link_names(p);
      } catch (const RuntimeError&) {
      }
      H5Gclose(p);
      const auto near = core::did_you_mean(leaf, names);
      if (!near.empty()) msg += " (did you mean '" + near + "'?)";
    }
  }
  H5Eclear2(H5E_DEFAULT);
  fail(loc, path, msg);
}

void expect_object(hid_t loc, const std::string& path, H5I_type_t type, const char* missing,
                   const std::string& wrong_type) {
  if (!path_exists(loc, path)) fail_missing(loc, path, missing);
  if (object_type(loc, path) != type) fail(loc, path, wrong_type);
}

Hid vlen_string_type(H5T_cset_t cset) {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose);
  if (t.get() < 0 || H5Tset_size(t.get(), H5T_VARIABLE) < 0 || H5Tset_cset(t.get(), cset) < 0) {
    fail(-1, "", "cannot create a string type");
  }
  return t;
}

std::string trim_fixed_string(const char* data, std::size_t size, H5T_str_t pad) {
  std::size_t n = 0;
  while (n < size && data[n] != '\0') ++n;
  if (pad == H5T_STR_SPACEPAD)
    while (n > 0 && data[n - 1] == ' ') --n;
  return std::string(data, n);
}

void vlen_reclaim(hid_t mem_type, hid_t mem_space, void* buf) noexcept {
#if H5_VERSION_GE(1, 12, 0)
  H5Treclaim(mem_type, mem_space, H5P_DEFAULT, buf);
#else
  H5Dvlen_reclaim(mem_type, mem_space, H5P_DEFAULT, buf);
#endif
  H5Eclear2(H5E_DEFAULT);
}

std::string_view type_class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "variable-length sequence";
    case H5T_OPAQUE: return "opaque";
    case H5T_BITFIELD: return "bitfield";
    case H5T_REFERENCE: return "reference";
    case H5T_TIME: return "time";
    default: return "unknown";
  }
}

}  // namespace detail

std::size_t open_object_count() {
  quiet();
  const ssize_t n = H5Fget_obj_count(static_cast<hid_t>(H5F_OBJ_ALL), H5F_OBJ_ALL);
  H5Eclear2(H5E_DEFAULT);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

// ============================================================== Object

Object::Object(Object&& other) noexcept : id_(std::exchange(other.id_, -1)) {}

Object& Object::operator=(Object&& other) noexcept {
  if (this != &other) {
    close_handle();
    id_ = std::exchange(other.id_, -1);
  }
  return *this;
}

Object::~Object() { close_handle(); }

void Object::close_handle() noexcept {
  close_any(id_);
  id_ = -1;
}

std::string Object::path() const {
  quiet();
  const std::string p = object_path(id_);
  if (p.empty()) fail(id_, "", "cannot get the object's path (closed handle?)");
  return p;
}

std::filesystem::path Object::file_path() const {
  quiet();
  const std::string f = file_name(id_);
  if (f.empty()) fail(id_, "", "cannot get the file name (closed handle?)");
  return f;
}

// ============================================================== Group

Group Group::create_group(std::string_view path) const {
  quiet();
  if (split_path(path).empty()) fail(id_, path, "a group path must not be empty");
  if (path_exists(id_, path)) fail(id_, path, "already exists");
  return Access::group(walk_groups(id_, path, /*create=*/true).release());
}

Group Group::open_group(std::string_view path) const {
  quiet();
  const std::string p(path);
  expect_object(id_, p, H5I_GROUP, "group", "is a dataset, not a group");
  return Access::group(walk_groups(id_, p, /*create=*/false).release());
}

Group Group::require_group(std::string_view path) const {
  quiet();
  return Access::group(walk_groups(id_, path, /*create=*/true).release());
}

Dataset Group::open_dataset(std::string_view path) const {
  quiet();
  const std::string p(path);
  expect_object(id_, p, H5I_DATASET, "dataset", "is a group, not a dataset");
  return Access::dataset(own(H5Dopen2(id_, p.c_str(), H5P_DEFAULT), H5Dclose, id_, p, "cannot open dataset").release());
}

bool Group::exists(std::string_view path) const {
  quiet();
  return path_exists(id_, path);
}

bool Group::is_group(std::string_view path) const {
  quiet();
  const std::string p(path);
  return path_exists(id_, p) && object_type(id_, p.empty() ? "." : p) == H5I_GROUP;
}

bool Group::is_dataset(std::string_view path) const {
  quiet();
  const std::string p(path);
  return !p.empty() && path_exists(id_, p) && object_type(id_, p) == H5I_DATASET;
}

std::vector<std::string> Group::list() const {
  quiet();
  return link_names(id_);
}

// ============================================================== File

File File::open(const std::filesystem::path& path, Mode mode) {
  quiet();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail_file(path, "cannot open HDF5 file: no such file");
  if (std::filesystem::is_directory(path, ec)) fail_file(path, "cannot open HDF5 file: it is a directory");
  const htri_t is = H5Fis_hdf5(path.c_str());
  if (is < 0) fail_file(path, "cannot open HDF5 file");
  if (is == 0) fail_file(path, "not an HDF5 file (corrupt, or another format)");
  const hid_t fid = H5Fopen(path.c_str(), mode == Mode::read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT);
  if (fid < 0) fail_file(path, "cannot open HDF5 file (truncated or corrupt?)");
  const hid_t root = H5Gopen2(fid, "/", H5P_DEFAULT);
  if (root < 0) {
    const std::string stack = take_error_stack();
    H5Fclose(fid);
    H5Eclear2(H5E_DEFAULT);
    throw RuntimeError("'" + path.string() + "': cannot open the root group [HDF5: " + stack + "]");
  }
  return Access::file(fid, root);
}

File::File(File&& other) noexcept : Group(std::move(other)), file_id_(std::exchange(other.file_id_, -1)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    close_handle();
    close_any(file_id_);
    Group::operator=(std::move(other));
    file_id_ = std::exchange(other.file_id_, -1);
  }
  return *this;
}

File::~File() {
  close_handle();
  close_any(file_id_);
  file_id_ = -1;
}

void File::flush() const {
  quiet();
  if (H5Fflush(file_id_, H5F_SCOPE_GLOBAL) < 0) fail(file_id_, "", "cannot flush file");
}

void File::close() {
  quiet();
  if (file_id_ < 0) return;
  close_handle();  // root group
  const hid_t fid = std::exchange(file_id_, -1);
  if (H5Iis_valid(fid) > 0 && H5Fclose(fid) < 0) {
    const std::string stack = take_error_stack();
    throw RuntimeError("HDF5 file: cannot close [HDF5: " + stack + "]");
  }
  H5Eclear2(H5E_DEFAULT);
}

}  // namespace cxsim::io
