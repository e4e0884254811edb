// Numeric arrays (1-D, 2-D, ... float64 and int64 datasets) and string
// datasets. Part of the HDF5 layer (see h5.cpp).
#include <limits>
#include <string>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "h5_internal.h"

namespace cxsim::io {

using core::RuntimeError;
using namespace detail;  // NOLINT(google-build-using-namespace): the layer's own internals

namespace {

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
  Dataset ds = Access::dataset(
      own(H5Dcreate2(p.loc, p.leaf.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
          p.loc, p.leaf, "cannot create dataset")
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

}  // namespace

Dataset write_string(const Group& group, std::string_view name, std::string_view text, const DatasetAttrs& attrs) {
  NewPlace p = place_for_new(group, name);
  Hid type = vlen_string_type();
  Hid space = own(H5Screate(H5S_SCALAR), H5Sclose, p.loc, p.leaf, "cannot create dataspace");
  Hid dcpl = dataset_create_plist();
  Dataset ds = Access::dataset(
      own(H5Dcreate2(p.loc, p.leaf.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
          p.loc, p.leaf, "cannot create string dataset")
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

std::string read_string(const Group& group, std::string_view name) {
  OpenDataset d = open_dataset_checked(group, name, DatasetKind::string);
  const hid_t loc = Access::id(group);
  if (H5Sget_simple_extent_npoints(d.space.get()) != 1) {
    fail(loc, name, "holds several strings; read_string reads a single (scalar) string");
  }
  const hid_t ds = d.ds.get();
  return read_one_string(d.type.get(), d.space.get(), loc, name,
                         [ds](hid_t mem, void* buf) { return H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf); });
}

Array<double> read_array_double(const Group& group, std::string_view name) {
  return read_array_impl<double>(group, name, DatasetKind::float_array, H5T_NATIVE_DOUBLE);
}

Array<std::int64_t> read_array_int64(const Group& group, std::string_view name) {
  return read_array_impl<std::int64_t>(group, name, DatasetKind::int_array, H5T_NATIVE_INT64);
}

}  // namespace cxsim::io
