// The one and only translation unit that includes <hdf5.h> (see
// docs/devguide/hdf5-layer.md). Everything HDF5-specific stays in here.
#include "cxsim/io/h5.h"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"

static_assert(std::is_same_v<hid_t, std::int64_t>, "the public handles store hid_t as std::int64_t");

namespace cxsim::io {

using core::RuntimeError;

// ============================================================== internals
namespace detail {
struct Access {
  static Group group(hid_t id) noexcept { return Group(id); }
  static Dataset dataset(hid_t id) noexcept { return Dataset(id); }
  static File file(hid_t file_id, hid_t root_id) noexcept { return File(file_id, root_id); }
  static hid_t id(const Object& o) noexcept { return o.id_; }
};
}  // namespace detail

namespace {

using detail::Access;

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

// Point HDF5's descriptor of a file being thrown away at an anonymous memory
// file, so that the flush done by H5Fclose cannot fail. (The sec2 driver,
// HDF5's default, keeps an int descriptor: H5Fget_vfd_handle.)
void discard_writes(hid_t file_id) noexcept {
  void* handle = nullptr;
  if (file_id < 0 || H5Iis_valid(file_id) <= 0 || H5Fget_vfd_handle(file_id, H5P_DEFAULT, &handle) < 0 ||
      handle == nullptr) {
    H5Eclear2(H5E_DEFAULT);
    return;
  }
  const int fd = *static_cast<int*>(handle);
  const int mem = ::memfd_create("cxsim-discarded", MFD_CLOEXEC);
  if (mem < 0) return;
  ::dup2(mem, fd);  // atomically replaces the descriptor HDF5 writes to
  ::close(mem);
}

// HDF5 prints its error stack to stderr by default; the layer reports errors
// as exceptions instead. Cheap, and per thread in thread-safe builds, so it
// is called at every entry point.
void quiet() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

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

// Close any object id; tolerates ids already invalidated by a strong file
// close (AtomicFile::commit). Never throws, never leaves an error stack.
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

// The current HDF5 error stack as one line, then cleared. Must be called
// before any other HDF5 call, since API calls reset the stack.
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

std::string object_path(hid_t id) {
  if (id < 0) return {};
  const ssize_t n = H5Iget_name(id, nullptr, 0);
  if (n <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return {};
  }
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Iget_name(id, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
}

std::string file_name(hid_t id) {
  if (id < 0) return {};
  const ssize_t n = H5Fget_name(id, nullptr, 0);
  if (n <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return {};
  }
  std::string s(static_cast<std::size_t>(n) + 1, '\0');
  H5Fget_name(id, s.data(), s.size());
  s.resize(static_cast<std::size_t>(n));
  return s;
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

// Throw core::RuntimeError for the object `name` under `loc`, with HDF5's
// error stack (if any). Arguments must be computed without HDF5 calls.
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

// Type of the object at `path` (H5I_GROUP, H5I_DATASET, ...), or H5I_BADID.
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

// Open (or, when `create`, create) the group at `path` below `loc`, one
// component at a time so that every new group tracks creation order.
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
      cur = own(H5Gcreate2(cur.get(), part.c_str(), H5P_DEFAULT, gcpl->get(), H5P_DEFAULT), H5Gclose, cur.get(),
                part, "cannot create group");
    } else {
      fail(cur.get(), part, "no such group");
    }
  }
  return cur;
}

// Children names of a group: creation order when indexed, else by name.
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

// "no such dataset (did you mean 'x'?)" etc.
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

Hid vlen_string_type(H5T_cset_t cset = H5T_CSET_UTF8) {
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

// ---------------------------------------------------------------- attributes

Hid open_attribute(hid_t obj, std::string_view name) {
  const std::string n(name);
  const htri_t e = H5Aexists(obj, n.c_str());
  if (e < 0) fail(obj, "", "cannot look up attribute '" + n + "'");
  if (e == 0) {
    H5Eclear2(H5E_DEFAULT);
    fail(obj, "", "no attribute '" + n + "'");
  }
  return own(H5Aopen(obj, n.c_str(), H5P_DEFAULT), H5Aclose, obj, "", "cannot open attribute");
}

AttributeType attribute_type_of(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_STRING: return AttributeType::string;
    case H5T_FLOAT: return AttributeType::float64;
    case H5T_INTEGER: return AttributeType::int64;
    default: return AttributeType::other;
  }
}

std::string_view attribute_type_name(AttributeType t) {
  switch (t) {
    case AttributeType::string: return "string";
    case AttributeType::float64: return "float64";
    case AttributeType::int64: return "int64";
    case AttributeType::other: return "of another type";
  }
  return "unknown";
}

// Opens a scalar attribute and checks its type; returns attr, type, space.
struct OpenAttr {
  Hid attr, type, space;
};
OpenAttr open_scalar_attribute(hid_t obj, std::string_view name, AttributeType want) {
  OpenAttr a;
  a.attr = open_attribute(obj, name);
  a.type = own(H5Aget_type(a.attr.get()), H5Tclose, obj, "", "cannot get attribute type");
  a.space = own(H5Aget_space(a.attr.get()), H5Sclose, obj, "", "cannot get attribute space");
  const std::string n(name);
  const AttributeType got = attribute_type_of(a.type.get());
  if (got != want) {
    fail(obj, "",
         "attribute '" + n + "' is " + std::string(attribute_type_name(got)) + ", not " +
             std::string(attribute_type_name(want)));
  }
  if (H5Sget_simple_extent_npoints(a.space.get()) != 1) fail(obj, "", "attribute '" + n + "' is not a scalar");
  return a;
}

void write_attribute(hid_t obj, std::string_view name, hid_t file_type, hid_t mem_type, const void* buf) {
  quiet();
  const std::string n(name);
  if (n.empty()) fail(obj, "", "an attribute name must not be empty");
  const htri_t e = H5Aexists(obj, n.c_str());
  if (e < 0) fail(obj, "", "cannot look up attribute '" + n + "'");
  if (e > 0) check(H5Adelete(obj, n.c_str()), obj, "", "cannot replace attribute");
  Hid space = own(H5Screate(H5S_SCALAR), H5Sclose, obj, "", "cannot create dataspace");
  Hid acpl = own(H5Pcreate(H5P_ATTRIBUTE_CREATE), H5Pclose, obj, "", "cannot create property list");
  H5Pset_char_encoding(acpl.get(), H5T_CSET_UTF8);
  Hid attr = own(H5Acreate2(obj, n.c_str(), file_type, space.get(), acpl.get(), H5P_DEFAULT), H5Aclose, obj, "",
                 ("cannot create attribute '" + n + "'").c_str());
  if (H5Awrite(attr.get(), mem_type, buf) < 0) fail(obj, "", "cannot write attribute '" + n + "'");
}

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

// ---------------------------------------------------------------- compound layout

// Every column takes one 8-byte slot in the in-memory record: double,
// int64_t, or a char* to a NUL-terminated string (variable-length string).
constexpr std::size_t kSlot = 8;
static_assert(sizeof(double) == kSlot && sizeof(std::int64_t) == kSlot && sizeof(char*) <= kSlot);
constexpr std::size_t kSliceRows = 65536;  // rows converted at a time

struct Layout {
  Schema schema;
  Hid file_type;
  Hid mem_type;
  std::size_t record_size = 0;
};

Layout make_layout(const Schema& schema, hid_t loc, std::string_view name) {
  if (schema.empty()) fail(loc, name, "a table needs at least one column");
  try {
    Table probe(schema);  // checks names (non-empty, unique)
  } catch (const RuntimeError& e) {
    fail(loc, name, e.what());
  }
  Layout L;
  L.schema = schema;
  L.record_size = kSlot * schema.size();
  L.file_type = own(H5Tcreate(H5T_COMPOUND, L.record_size), H5Tclose, loc, name, "cannot create compound type");
  L.mem_type = own(H5Tcreate(H5T_COMPOUND, L.record_size), H5Tclose, loc, name, "cannot create compound type");
  Hid str = vlen_string_type();
  for (std::size_t i = 0; i < schema.size(); ++i) {
    hid_t ft = -1, mt = -1;
    switch (schema[i].type) {
      case ColumnType::float64: ft = H5T_IEEE_F64LE; mt = H5T_NATIVE_DOUBLE; break;
      case ColumnType::int64: ft = H5T_STD_I64LE; mt = H5T_NATIVE_INT64; break;
      case ColumnType::string: ft = mt = str.get(); break;
    }
    const char* member = schema[i].name.c_str();
    if (H5Tinsert(L.file_type.get(), member, i * kSlot, ft) < 0 ||
        H5Tinsert(L.mem_type.get(), member, i * kSlot, mt) < 0) {
      fail(loc, name, "cannot add column '" + schema[i].name + "' to the compound type");
    }
  }
  return L;
}

// Pointers to the table's column vectors, in layout order.
std::vector<const void*> resolve_columns(const Table& table, const Layout& L, hid_t loc, std::string_view name) {
  table.validate();
  bool ok = table.num_columns() == L.schema.size();
  for (const auto& c : L.schema) ok = ok && table.has_column(c.name) && table.column_type(c.name) == c.type;
  if (!ok) {
    auto describe = [](const Schema& s) {
      std::string out;
      for (const auto& c : s) out += (out.empty() ? "" : ", ") + c.name + ":" + std::string(to_string(c.type));
      return out;
    };
    fail(loc, name,
         "table columns (" + describe(table.schema()) + ") do not match the dataset's (" + describe(L.schema) + ")");
  }
  std::vector<const void*> cols;
  for (const auto& c : L.schema) {
    switch (c.type) {
      case ColumnType::float64: cols.push_back(&table.get_double(c.name)); break;
      case ColumnType::int64: cols.push_back(&table.get_int64(c.name)); break;
      case ColumnType::string: cols.push_back(&table.get_string(c.name)); break;
    }
  }
  return cols;
}

void pack_rows(const Layout& L, const std::vector<const void*>& cols, std::size_t first, std::size_t n,
               std::vector<unsigned char>& buf) {
  buf.assign(n * L.record_size, 0);
  for (std::size_t j = 0; j < cols.size(); ++j) {
    unsigned char* out = buf.data() + j * kSlot;
    switch (L.schema[j].type) {
      case ColumnType::float64: {
        const auto& v = *static_cast<const std::vector<double>*>(cols[j]);
        for (std::size_t r = 0; r < n; ++r) std::memcpy(out + r * L.record_size, &v[first + r], sizeof(double));
        break;
      }
      case ColumnType::int64: {
        const auto& v = *static_cast<const std::vector<std::int64_t>*>(cols[j]);
        for (std::size_t r = 0; r < n; ++r)
          std::memcpy(out + r * L.record_size, &v[first + r], sizeof(std::int64_t));
        break;
      }
      case ColumnType::string: {
        const auto& v = *static_cast<const std::vector<std::string>*>(cols[j]);
        for (std::size_t r = 0; r < n; ++r) {
          const char* p = v[first + r].c_str();
          std::memcpy(out + r * L.record_size, &p, sizeof(p));
        }
        break;
      }
    }
  }
}

// Write rows [0, n) of the table to dataset rows [offset, offset + n), at
// most kSliceRows (or `slice`) at a time; extends the dataset first when
// `extend` is set.
void write_rows(hid_t ds, const Layout& L, const std::vector<const void*>& cols, std::size_t n, hsize_t offset,
                std::size_t slice, bool extend) {
  std::vector<unsigned char> buf;
  for (std::size_t r0 = 0; r0 < n; r0 += slice) {
    const std::size_t m = std::min(slice, n - r0);
    pack_rows(L, cols, r0, m, buf);
    hsize_t start = offset + r0, count = m;
    if (extend) {
      hsize_t new_size = start + count;
      check(H5Dset_extent(ds, &new_size), ds, "", "cannot extend table");
    }
    Hid fspace = own(H5Dget_space(ds), H5Sclose, ds, "", "cannot get dataspace");
    check(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr), ds, "",
          "cannot select rows");
    Hid mspace = own(H5Screate_simple(1, &count, nullptr), H5Sclose, ds, "", "cannot create dataspace");
    check(H5Dwrite(ds, L.mem_type.get(), mspace.get(), fspace.get(), H5P_DEFAULT, buf.data()), ds, "",
          "cannot write table rows");
  }
}

// How to read one compound member back.
struct MemberPlan {
  std::string name;
  ColumnType type;
  Hid mem_type;  // member type in memory
  std::size_t offset = 0, size = 0;
  bool vlen = false;
  H5T_str_t pad = H5T_STR_NULLTERM;
};

std::vector<MemberPlan> plan_members(hid_t ftype, hid_t loc, std::string_view name) {
  const int nm = H5Tget_nmembers(ftype);
  if (nm < 0) fail(loc, name, "cannot read the table's columns");
  std::vector<MemberPlan> plan;
  std::size_t offset = 0;
  for (unsigned i = 0; i < static_cast<unsigned>(nm); ++i) {
    MemberPlan m;
    char* mname = H5Tget_member_name(ftype, i);
    if (mname == nullptr) fail(loc, name, "cannot read a column name");
    m.name = mname;
    H5free_memory(mname);
    Hid mt = own(H5Tget_member_type(ftype, i), H5Tclose, loc, name, "cannot read a column type");
    const H5T_class_t cls = H5Tget_class(mt.get());
    switch (cls) {
      case H5T_FLOAT:
        m.type = ColumnType::float64;
        m.mem_type = own(H5Tcopy(H5T_NATIVE_DOUBLE), H5Tclose, loc, name, "cannot copy type");
        m.size = sizeof(double);
        break;
      case H5T_INTEGER:
        m.type = ColumnType::int64;
        m.mem_type = own(H5Tcopy(H5T_NATIVE_INT64), H5Tclose, loc, name, "cannot copy type");
        m.size = sizeof(std::int64_t);
        break;
      case H5T_STRING: {
        m.type = ColumnType::string;
        const htri_t var = H5Tis_variable_str(mt.get());
        if (var < 0) fail(loc, name, "cannot inspect column '" + m.name + "'");
        m.vlen = var > 0;
        if (m.vlen) {
          m.mem_type = vlen_string_type(H5Tget_cset(mt.get()));
          m.size = sizeof(char*);
        } else {
          m.mem_type = own(H5Tcopy(mt.get()), H5Tclose, loc, name, "cannot copy type");
          m.size = H5Tget_size(mt.get());
          m.pad = H5Tget_strpad(mt.get());
        }
        break;
      }
      default:
        fail(loc, name,
             "column '" + m.name + "' has an unsupported type (" + std::string(type_class_name(cls)) +
                 "); tables hold float, integer and string columns");
    }
    offset = (offset + 7) / 8 * 8;
    m.offset = offset;
    offset += m.size;
    plan.push_back(std::move(m));
  }
  return plan;
}

std::string_view kind_phrase(DatasetKind k) {
  switch (k) {
    case DatasetKind::table: return "a table (compound dataset)";
    case DatasetKind::string: return "a string";
    case DatasetKind::float_array: return "a float array";
    case DatasetKind::int_array: return "an integer array";
    case DatasetKind::other: return "a dataset of another type";
  }
  return "unknown";
}

DatasetKind kind_of(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_COMPOUND: return DatasetKind::table;
    case H5T_STRING: return DatasetKind::string;
    case H5T_FLOAT: return DatasetKind::float_array;
    case H5T_INTEGER: return DatasetKind::int_array;
    default: return DatasetKind::other;
  }
}

// Open a dataset below a group, checking its kind.
struct OpenDataset {
  Hid ds, type, space;
};
OpenDataset open_dataset_checked(const Group& group, std::string_view name, DatasetKind want) {
  quiet();
  const hid_t loc = Access::id(group);
  const std::string n(name);
  if (!path_exists(loc, n)) fail_missing(loc, n, "dataset");
  if (object_type(loc, n) != H5I_DATASET) fail(loc, n, "is a group, not " + std::string(kind_phrase(want)));
  OpenDataset d;
  d.ds = own(H5Dopen2(loc, n.c_str(), H5P_DEFAULT), H5Dclose, loc, n, "cannot open dataset");
  d.type = own(H5Dget_type(d.ds.get()), H5Tclose, loc, n, "cannot get dataset type");
  d.space = own(H5Dget_space(d.ds.get()), H5Sclose, loc, n, "cannot get dataspace");
  const DatasetKind got = kind_of(d.type.get());
  if (got != want) {
    fail(loc, n, "is " + std::string(kind_phrase(got)) + ", not " + std::string(kind_phrase(want)));
  }
  return d;
}

std::vector<std::size_t> space_dims(hid_t space, hid_t loc, std::string_view name) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail(loc, name, "cannot get dataspace rank");
  std::vector<hsize_t> d(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space, d.data(), nullptr) < 0) fail(loc, name, "cannot get dims");
  return std::vector<std::size_t>(d.begin(), d.end());
}

// Parent group (opened or created) and leaf name for a new dataset.
struct NewPlace {
  Hid parent;  // empty when the parent is `loc` itself
  hid_t loc = -1;
  std::string leaf;
};
NewPlace place_for_new(const Group& group, std::string_view name) {
  quiet();
  NewPlace p;
  const hid_t base = Access::id(group);
  const auto slash = name.rfind('/');
  p.leaf = std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
  if (p.leaf.empty()) fail(base, name, "a dataset name must not be empty or end in '/'");
  if (slash == std::string_view::npos) {
    p.loc = base;
  } else {
    p.parent = walk_groups(base, name.substr(0, slash + 1), /*create=*/true);
    p.loc = p.parent.get();
  }
  const htri_t e = H5Lexists(p.loc, p.leaf.c_str(), H5P_DEFAULT);
  if (e < 0) fail(p.loc, p.leaf, "cannot look up name");
  if (e > 0) fail(p.loc, p.leaf, "already exists (results are written once; pick another name)");
  return p;
}

void apply_attrs(const Dataset& ds, const DatasetAttrs& attrs) {
  if (!attrs.description.empty()) ds.set_attribute("description", attrs.description);
  if (!attrs.units.empty()) ds.set_attribute("units", attrs.units);
}

template <class T>
Dataset write_array_impl(const Group& group, std::string_view name, const std::vector<T>& values,
                         const std::vector<std::size_t>& dims, const DatasetAttrs& attrs, hid_t file_type,
                         hid_t mem_type) {
  const hid_t base = Access::id(group);
  std::vector<hsize_t> d;
  if (dims.empty()) {
    d.push_back(values.size());
  } else {
    std::size_t total = 1;
    bool overflow = false;
    for (auto x : dims) {
      if (x != 0 && total > std::numeric_limits<std::size_t>::max() / x) overflow = true;
      total *= x;
      d.push_back(x);
    }
    if (overflow || total != values.size()) {
      std::string shape;
      for (auto x : dims) {
        shape += '[';
        shape += std::to_string(x);
        shape += ']';
      }
      quiet();
      fail(base, name, "dims " + shape + " do not match " + std::to_string(values.size()) + " values");
    }
  }
  NewPlace p = place_for_new(group, name);
  Hid space = own(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), H5Sclose, p.loc, p.leaf,
                  "cannot create dataspace");
  Hid dcpl = dataset_create_plist();
  Dataset ds = Access::dataset(own(H5Dcreate2(p.loc, p.leaf.c_str(), file_type, space.get(), H5P_DEFAULT,
                                          dcpl.get(), H5P_DEFAULT),
                                   H5Dclose, p.loc, p.leaf, "cannot create dataset")
                                   .release());
  if (!values.empty()) {
    check(H5Dwrite(Access::id(ds), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), p.loc, p.leaf,
          "cannot write array");
  }
  apply_attrs(ds, attrs);
  return ds;
}

template <class T>
Array<T> read_array_impl(const Group& group, std::string_view name, DatasetKind want, hid_t mem_type) {
  OpenDataset d = open_dataset_checked(group, name, want);
  const hid_t loc = Access::id(group);
  Array<T> out;
  out.dims = space_dims(d.space.get(), loc, name);
  const hssize_t n = H5Sget_simple_extent_npoints(d.space.get());
  if (n < 0) fail(loc, name, "cannot get size");
  out.values.resize(static_cast<std::size_t>(n));
  if (n > 0 && H5Dread(d.ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0) {
    fail(loc, name, "cannot read array");
  }
  return out;
}

Table read_table_impl(const Group& group, std::string_view name, std::size_t first,
                      std::optional<std::size_t> count) {
  OpenDataset d = open_dataset_checked(group, name, DatasetKind::table);
  const hid_t loc = Access::id(group);
  const auto dims = space_dims(d.space.get(), loc, name);
  if (dims.size() != 1) fail(loc, name, "a table must be 1-D, this has rank " + std::to_string(dims.size()));
  const std::size_t total = dims[0];
  const std::size_t begin = std::min(first, total);
  const std::size_t n = std::min(count.value_or(total), total - begin);

  const auto plan = plan_members(d.type.get(), loc, name);
  std::size_t record = 0;
  for (const auto& m : plan) record = std::max(record, m.offset + m.size);
  record = std::max<std::size_t>((record + 7) / 8 * 8, 8);
  Hid mem = own(H5Tcreate(H5T_COMPOUND, record), H5Tclose, loc, name, "cannot create compound type");
  Schema schema;
  for (const auto& m : plan) {
    check(H5Tinsert(mem.get(), m.name.c_str(), m.offset, m.mem_type.get()), loc, name, "cannot build read type");
    schema.push_back({m.name, m.type});
  }
  Table out;
  try {
    out = Table(schema);
  } catch (const RuntimeError& e) {
    fail(loc, name, e.what());
  }
  out.reserve(n);
  const bool any_vlen = std::any_of(plan.begin(), plan.end(), [](const MemberPlan& m) { return m.vlen; });

  std::vector<unsigned char> buf;
  for (std::size_t r0 = 0; r0 < n; r0 += kSliceRows) {
    const std::size_t m = std::min(kSliceRows, n - r0);
    hsize_t start = begin + r0, cnt = m;
    check(H5Sselect_hyperslab(d.space.get(), H5S_SELECT_SET, &start, nullptr, &cnt, nullptr), loc, name,
          "cannot select rows");
    Hid mspace = own(H5Screate_simple(1, &cnt, nullptr), H5Sclose, loc, name, "cannot create dataspace");
    buf.assign(m * record, 0);
    if (H5Dread(d.ds.get(), mem.get(), mspace.get(), d.space.get(), H5P_DEFAULT, buf.data()) < 0) {
      fail(loc, name, "cannot read table rows");
    }
    // Frees the strings HDF5 allocated, also if unpacking throws.
    struct Reclaim {
      bool on;
      hid_t type, space;
      void* buf;
      ~Reclaim() {
        if (on) vlen_reclaim(type, space, buf);
      }
    } reclaim{any_vlen, mem.get(), mspace.get(), buf.data()};
    for (const auto& p : plan) {
      const unsigned char* in = buf.data() + p.offset;
      switch (p.type) {
        case ColumnType::float64: {
          auto& v = out.doubles(p.name);
          for (std::size_t r = 0; r < m; ++r) {
            double x;
            std::memcpy(&x, in + r * record, sizeof x);
            v.push_back(x);
          }
          break;
        }
        case ColumnType::int64: {
          auto& v = out.int64s(p.name);
          for (std::size_t r = 0; r < m; ++r) {
            std::int64_t x;
            std::memcpy(&x, in + r * record, sizeof x);
            v.push_back(x);
          }
          break;
        }
        case ColumnType::string: {
          auto& v = out.strings(p.name);
          for (std::size_t r = 0; r < m; ++r) {
            if (p.vlen) {
              const char* s;
              std::memcpy(&s, in + r * record, sizeof s);
              v.emplace_back(s != nullptr ? s : "");
            } else {
              v.push_back(trim_fixed_string(reinterpret_cast<const char*>(in + r * record), p.size, p.pad));
            }
          }
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace

std::string_view to_string(DatasetKind kind) {
  switch (kind) {
    case DatasetKind::table: return "table";
    case DatasetKind::string: return "string";
    case DatasetKind::float_array: return "float_array";
    case DatasetKind::int_array: return "int_array";
    case DatasetKind::other: return "other";
  }
  return "unknown";
}

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

void Object::set_attribute(std::string_view name, std::string_view value) const {
  Hid t = vlen_string_type();
  const std::string s(value);
  const char* p = s.c_str();
  write_attribute(id_, name, t.get(), t.get(), &p);
}

void Object::set_attribute(std::string_view name, double value) const {
  write_attribute(id_, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void Object::set_attribute_int64(std::string_view name, std::int64_t value) const {
  write_attribute(id_, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

bool Object::has_attribute(std::string_view name) const {
  quiet();
  const std::string n(name);
  const htri_t e = H5Aexists(id_, n.c_str());
  if (e < 0) fail(id_, "", "cannot look up attribute '" + n + "'");
  return e > 0;
}

std::vector<std::string> Object::attribute_names() const {
  quiet();
  std::vector<std::string> names;
  hsize_t idx = 0;
  if (H5Aiterate2(id_, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_attribute, &names) < 0) {
    H5Eclear2(H5E_DEFAULT);  // creation order not tracked: fall back to names
    names.clear();
    idx = 0;
    if (H5Aiterate2(id_, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attribute, &names) < 0) {
      fail(id_, "", "cannot list attributes");
    }
  }
  return names;
}

AttributeType Object::attribute_type(std::string_view name) const {
  quiet();
  Hid attr = open_attribute(id_, name);
  Hid type = own(H5Aget_type(attr.get()), H5Tclose, id_, "", "cannot get attribute type");
  return attribute_type_of(type.get());
}

std::string Object::attribute_string(std::string_view name) const {
  quiet();
  OpenAttr a = open_scalar_attribute(id_, name, AttributeType::string);
  const hid_t attr = a.attr.get();
  return read_one_string(a.type.get(), a.space.get(), id_, "",
                         [attr](hid_t mem, void* buf) { return H5Aread(attr, mem, buf); });
}

double Object::attribute_double(std::string_view name) const {
  quiet();
  OpenAttr a = open_scalar_attribute(id_, name, AttributeType::float64);
  double x = 0;
  if (H5Aread(a.attr.get(), H5T_NATIVE_DOUBLE, &x) < 0) fail(id_, "", "cannot read attribute '" + std::string(name) + "'");
  return x;
}

std::int64_t Object::attribute_int64(std::string_view name) const {
  quiet();
  OpenAttr a = open_scalar_attribute(id_, name, AttributeType::int64);
  std::int64_t x = 0;
  if (H5Aread(a.attr.get(), H5T_NATIVE_INT64, &x) < 0) fail(id_, "", "cannot read attribute '" + std::string(name) + "'");
  return x;
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
  if (!path_exists(id_, p)) fail_missing(id_, p, "group");
  if (object_type(id_, p) != H5I_GROUP) fail(id_, p, "is a dataset, not a group");
  return Access::group(walk_groups(id_, p, /*create=*/false).release());
}

Group Group::require_group(std::string_view path) const {
  quiet();
  return Access::group(walk_groups(id_, path, /*create=*/true).release());
}

Dataset Group::open_dataset(std::string_view path) const {
  quiet();
  const std::string p(path);
  if (!path_exists(id_, p)) fail_missing(id_, p, "dataset");
  if (object_type(id_, p) != H5I_DATASET) fail(id_, p, "is a group, not a dataset");
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

// ============================================================== Dataset

DatasetKind Dataset::kind() const {
  quiet();
  Hid t = own(H5Dget_type(id_), H5Tclose, id_, "", "cannot get dataset type");
  return kind_of(t.get());
}

std::vector<std::size_t> Dataset::dims() const {
  quiet();
  Hid s = own(H5Dget_space(id_), H5Sclose, id_, "", "cannot get dataspace");
  return space_dims(s.get(), id_, "");
}

std::vector<std::size_t> Dataset::chunk_dims() const {
  quiet();
  Hid dcpl = own(H5Dget_create_plist(id_), H5Pclose, id_, "", "cannot get creation properties");
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return {};
  hsize_t d[H5S_MAX_RANK];
  const int rank = H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, d);
  if (rank < 0) fail(id_, "", "cannot get chunk shape");
  return std::vector<std::size_t>(d, d + rank);
}

std::vector<std::string> Dataset::filters() const {
  quiet();
  Hid dcpl = own(H5Dget_create_plist(id_), H5Pclose, id_, "", "cannot get creation properties");
  const int n = H5Pget_nfilters(dcpl.get());
  if (n < 0) fail(id_, "", "cannot get filters");
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0, config = 0;
    std::size_t nelem = 0;
    char name[256] = {0};
    const H5Z_filter_t f =
        H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nelem, nullptr, sizeof name, name, &config);
    if (f == H5Z_FILTER_DEFLATE) {
      out.emplace_back("deflate");
    } else if (f == H5Z_FILTER_SHUFFLE) {
      out.emplace_back("shuffle");
    } else {
      out.emplace_back(name[0] != '\0' ? name : ("filter " + std::to_string(f)).c_str());
    }
  }
  return out;
}

Schema Dataset::table_schema() const {
  quiet();
  Hid t = own(H5Dget_type(id_), H5Tclose, id_, "", "cannot get dataset type");
  const DatasetKind k = kind_of(t.get());
  if (k != DatasetKind::table) fail(id_, "", "is " + std::string(kind_phrase(k)) + ", not a table (compound dataset)");
  Schema s;
  for (const auto& m : plan_members(t.get(), id_, "")) s.push_back({m.name, m.type});
  return s;
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

// ============================================================== AtomicFile

AtomicFile::AtomicFile(std::filesystem::path path) : path_(path), tmp_(std::move(path)) {
  // tmp_ applied the output rules (folder, type) and created the locked,
  // empty temporary; HDF5 writes it by name.
  quiet();
  Hid fcpl = own(H5Pcreate(H5P_FILE_CREATE), H5Pclose, -1, "", "cannot create file property list");
  H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Hid fapl = own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, -1, "", "cannot create file access property list");
  // Closing the file closes everything opened from it, so commit() really
  // closes the file even while Group/Dataset objects are still alive.
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  // The temporary is ours alone and already flock()ed by tmp_ (the mark of
  // a live temporary); HDF5's own flock on a second descriptor would clash.
  H5Pset_file_locking(fapl.get(), false, true);
  const hid_t fid = H5Fcreate(tmp_.temp_path().c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get());
  if (fid < 0) fail_file(tmp_.temp_path(), "cannot create HDF5 file");
  const hid_t root = H5Gopen2(fid, "/", H5P_DEFAULT);
  if (root < 0) {
    const std::string stack = take_error_stack();
    H5Fclose(fid);
    H5Eclear2(H5E_DEFAULT);
    throw RuntimeError("'" + tmp_.temp_path().string() + "': cannot open the root group [HDF5: " + stack + "]");
  }
  file_ = Access::file(fid, root);
  state_ = State::open;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      tmp_(std::move(other.tmp_)),
      file_(std::move(other.file_)),
      state_(std::exchange(other.state_, State::discarded)) {}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    if (state_ == State::open) discard();
    path_ = std::move(other.path_);
    tmp_ = std::move(other.tmp_);
    file_ = std::move(other.file_);
    state_ = std::exchange(other.state_, State::discarded);
  }
  return *this;
}

AtomicFile::~AtomicFile() {
  if (state_ == State::open) discard();
}

File& AtomicFile::file() {
  if (state_ != State::open) {
    throw RuntimeError("'" + path_.string() + "': the file was already " +
                       (state_ == State::committed ? "committed" : "discarded"));
  }
  return file_;
}

void AtomicFile::commit() {
  quiet();
  if (state_ != State::open) {
    throw RuntimeError("'" + path_.string() + "': cannot commit, the file was already " +
                       (state_ == State::committed ? "committed" : "discarded"));
  }
  try {
    file_.flush();
    file_.close();
  } catch (const RuntimeError& e) {
    discard();
    throw RuntimeError("'" + path_.string() + "': cannot finish writing '" + tmp_.temp_path().string() +
                       "': " + e.what());
  }
  try {
    tmp_.commit();  // fsync, target checked again, rename, fsync of the folder
  } catch (...) {
    state_ = State::discarded;  // tmp_ removed the temporary
    throw;
  }
  state_ = State::committed;
}

void AtomicFile::discard() noexcept {
  if (state_ != State::open) return;
  discard_writes(file_.file_id_);  // the content is thrown away: the close must not fail
  try {
    file_.close();
  } catch (...) {
  }
  tmp_.discard();
  state_ = State::discarded;
}

// ============================================================== write / read

Dataset write_table(const Group& group, std::string_view name, const Table& table, const DatasetAttrs& attrs) {
  quiet();
  const hid_t base = Access::id(group);
  try {
    table.validate();
  } catch (const RuntimeError& e) {
    fail(base, name, e.what());
  }
  Layout L = make_layout(table.schema(), base, name);
  const auto cols = resolve_columns(table, L, base, name);
  NewPlace p = place_for_new(group, name);
  hsize_t n = table.rows();
  Hid space = own(H5Screate_simple(1, &n, nullptr), H5Sclose, p.loc, p.leaf, "cannot create dataspace");
  Hid dcpl = dataset_create_plist();
  Dataset ds = Access::dataset(own(H5Dcreate2(p.loc, p.leaf.c_str(), L.file_type.get(), space.get(), H5P_DEFAULT,
                                              dcpl.get(), H5P_DEFAULT),
                                   H5Dclose, p.loc, p.leaf, "cannot create table")
                                   .release());
  write_rows(Access::id(ds), L, cols, table.rows(), 0, kSliceRows, /*extend=*/false);
  apply_attrs(ds, attrs);
  return ds;
}

Dataset write_string(const Group& group, std::string_view name, std::string_view text, const DatasetAttrs& attrs) {
  NewPlace p = place_for_new(group, name);
  Hid type = vlen_string_type();
  Hid space = own(H5Screate(H5S_SCALAR), H5Sclose, p.loc, p.leaf, "cannot create dataspace");
  Hid dcpl = dataset_create_plist();
  Dataset ds = Access::dataset(own(H5Dcreate2(p.loc, p.leaf.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                              dcpl.get(), H5P_DEFAULT),
                                   H5Dclose, p.loc, p.leaf, "cannot create string dataset")
                                   .release());
  const std::string s(text);
  const char* ptr = s.c_str();
  check(H5Dwrite(Access::id(ds), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &ptr), p.loc, p.leaf,
        "cannot write string");
  apply_attrs(ds, attrs);
  return ds;
}

Dataset write_array(const Group& group, std::string_view name, const std::vector<double>& values,
                    const std::vector<std::size_t>& dims, const DatasetAttrs& attrs) {
  return write_array_impl(group, name, values, dims, attrs, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}

Dataset write_array(const Group& group, std::string_view name, const std::vector<std::int64_t>& values,
                    const std::vector<std::size_t>& dims, const DatasetAttrs& attrs) {
  return write_array_impl(group, name, values, dims, attrs, H5T_STD_I64LE, H5T_NATIVE_INT64);
}

Table read_table(const Group& group, std::string_view name) {
  return read_table_impl(group, name, 0, std::nullopt);
}

Table read_table(const Group& group, std::string_view name, std::size_t first, std::size_t count) {
  return read_table_impl(group, name, first, count);
}

std::string read_string(const Group& group, std::string_view name) {
  OpenDataset d = open_dataset_checked(group, name, DatasetKind::string);
  const hid_t loc = Access::id(group);
  if (H5Sget_simple_extent_npoints(d.space.get()) != 1) {
    fail(loc, name, "holds several strings; read_string reads a single (scalar) string");
  }
  const hid_t ds = d.ds.get();
  return read_one_string(d.type.get(), d.space.get(), loc, name, [ds](hid_t mem, void* buf) {
    return H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  });
}

Array<double> read_array_double(const Group& group, std::string_view name) {
  return read_array_impl<double>(group, name, DatasetKind::float_array, H5T_NATIVE_DOUBLE);
}

Array<std::int64_t> read_array_int64(const Group& group, std::string_view name) {
  return read_array_impl<std::int64_t>(group, name, DatasetKind::int_array, H5T_NATIVE_INT64);
}

// ============================================================== TableAppender

namespace {
Dataset create_appendable(const Group& group, std::string_view name, const Schema& schema, std::size_t chunk_rows,
                          int level) {
  quiet();
  const hid_t base = Access::id(group);
  if (chunk_rows == 0) fail(base, name, "chunk_rows must be at least 1");
  if (level < 0 || level > 9) fail(base, name, "deflate level must be 0..9, got " + std::to_string(level));
  if (level > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) {
    fail(base, name, "this HDF5 library has no deflate (zlib) filter");
  }
  Layout L = make_layout(schema, base, name);
  NewPlace p = place_for_new(group, name);
  hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = chunk_rows;
  Hid space = own(H5Screate_simple(1, &zero, &unlimited), H5Sclose, p.loc, p.leaf, "cannot create dataspace");
  Hid dcpl = dataset_create_plist();
  check(H5Pset_chunk(dcpl.get(), 1, &chunk), p.loc, p.leaf, "cannot set chunking");
  if (level > 0) {
    check(H5Pset_shuffle(dcpl.get()), p.loc, p.leaf, "cannot set shuffle filter");
    check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(level)), p.loc, p.leaf, "cannot set deflate filter");
  }
  // A chunk cache that holds one chunk (upper bound: 16 bytes per column per
  // row on disk), so partial chunks are compressed once, when complete.
  Hid dapl = own(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose, p.loc, p.leaf, "cannot create property list");
  const std::size_t chunk_bytes = chunk_rows * 16 * schema.size();
  check(H5Pset_chunk_cache(dapl.get(), 521, chunk_bytes + (1u << 16), 1.0), p.loc, p.leaf,
        "cannot set chunk cache");
  return Access::dataset(own(H5Dcreate2(p.loc, p.leaf.c_str(), L.file_type.get(), space.get(), H5P_DEFAULT,
                                        dcpl.get(), dapl.get()),
                             H5Dclose, p.loc, p.leaf, "cannot create table")
                             .release());
}
}  // namespace

TableAppender::TableAppender(const Group& group, std::string_view name, Schema schema, std::size_t chunk_rows,
                             int deflate_level)
    : dataset_(create_appendable(group, name, schema, chunk_rows, deflate_level)),
      schema_(std::move(schema)),
      chunk_rows_(chunk_rows) {}

void TableAppender::append(const Table& rows) {
  quiet();
  const hid_t ds = Access::id(dataset_);
  Layout L = make_layout(schema_, ds, "");
  const auto cols = resolve_columns(rows, L, ds, "");
  write_rows(ds, L, cols, rows.rows(), rows_, chunk_rows_, /*extend=*/true);
  rows_ += rows.rows();
}

void TableAppender::flush() const {
  quiet();
  const hid_t ds = Access::id(dataset_);
  if (H5Dflush(ds) < 0) fail(ds, "", "cannot flush table");
}

}  // namespace cxsim::io
