// The Dataset handle (kind, shape, chunking, filters) and the helpers every
// kind of dataset shares: opening one with a kind check, placing a new one.
// Part of the HDF5 layer (see h5.cpp).
#include <string>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "h5_internal.h"

namespace cxsim::io {

using core::RuntimeError;
using namespace detail;  // NOLINT(google-build-using-namespace): the layer's own internals

namespace detail {

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

OpenDataset open_dataset_checked(const Group& group, std::string_view name, DatasetKind want) {
  quiet();
  const hid_t loc = Access::id(group);
  const std::string n(name);
  expect_object(loc, n, H5I_DATASET, "dataset", "is a group, not " + std::string(kind_phrase(want)));
  OpenDataset d;
  d.ds = own(H5Dopen2(loc, n.c_str(), H5P_DEFAULT), H5Dclose, loc, n, "cannot open dataset");
  d.type = own(H5Dget_type(d.ds.get()), H5Tclose, loc, n, "cannot get dataset type");
  d.space = own(H5Dget_space(d.ds.get()), H5Sclose, loc, n, "cannot get dataspace");
  const DatasetKind got = kind_of(d.type.get());
  if (got != want) {
    fail(loc, n, "is " + std::string(kind_phrase(got)) + ", not " + std::string(kind_phrase(want)));
  }
  check_dataset_bounds(d.ds.get(), d.type.get(), d.space.get(), loc, n);
  return d;
}

std::vector<std::size_t> space_dims(hid_t space, hid_t loc, std::string_view name) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail(loc, name, "cannot get dataspace rank");
  std::vector<hsize_t> d(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space, d.data(), nullptr) < 0) fail(loc, name, "cannot get dims");
  return std::vector<std::size_t>(d.begin(), d.end());
}

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

}  // namespace detail

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

}  // namespace cxsim::io
