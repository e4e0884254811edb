// Tables: io::Table as a 1-D compound dataset (write_table, read_table,
// TableAppender, Dataset::table_schema). Part of the HDF5 layer (see h5.cpp).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/table.h"
#include "h5_internal.h"

namespace cxsim::io {

using core::RuntimeError;
using namespace detail;  // NOLINT(google-build-using-namespace): the layer's own internals

namespace {

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
      case ColumnType::float64:
        ft = H5T_IEEE_F64LE;
        mt = H5T_NATIVE_DOUBLE;
        break;
      case ColumnType::int64:
        ft = H5T_STD_I64LE;
        mt = H5T_NATIVE_INT64;
        break;
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
        for (std::size_t r = 0; r < n; ++r) std::memcpy(out + r * L.record_size, &v[first + r], sizeof(std::int64_t));
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

// Appends the `m` numbers of one column of packed records (`record` bytes
// apart, starting at `in`) to v.
template <class T>
void unpack_numbers(std::vector<T>& v, const unsigned char* in, std::size_t m, std::size_t record) {
  for (std::size_t r = 0; r < m; ++r) {
    T x;
    std::memcpy(&x, in + r * record, sizeof x);
    v.push_back(x);
  }
}

Table read_table_impl(const Group& group, std::string_view name, std::size_t first, std::optional<std::size_t> count) {
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
        case ColumnType::float64: unpack_numbers(out.doubles(p.name), in, m, record); break;
        case ColumnType::int64: unpack_numbers(out.int64s(p.name), in, m, record); break;
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

Schema Dataset::table_schema() const {
  quiet();
  Hid t = own(H5Dget_type(id_), H5Tclose, id_, "", "cannot get dataset type");
  const DatasetKind k = kind_of(t.get());
  if (k != DatasetKind::table) fail(id_, "", "is " + std::string(kind_phrase(k)) + ", not a table (compound dataset)");
  Schema s;
  for (const auto& m : plan_members(t.get(), id_, "")) s.push_back({m.name, m.type});
  return s;
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
  Dataset ds = Access::dataset(
      own(H5Dcreate2(p.loc, p.leaf.c_str(), L.file_type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
          H5Dclose, p.loc, p.leaf, "cannot create table")
          .release());
  write_rows(Access::id(ds), L, cols, table.rows(), 0, kSliceRows, /*extend=*/false);
  apply_attrs(ds, attrs);
  return ds;
}

Table read_table(const Group& group, std::string_view name) { return read_table_impl(group, name, 0, std::nullopt); }

Table read_table(const Group& group, std::string_view name, std::size_t first, std::size_t count) {
  return read_table_impl(group, name, first, count);
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
  check(H5Pset_chunk_cache(dapl.get(), 521, chunk_bytes + (1u << 16), 1.0), p.loc, p.leaf, "cannot set chunk cache");
  return Access::dataset(
      own(H5Dcreate2(p.loc, p.leaf.c_str(), L.file_type.get(), space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()),
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
