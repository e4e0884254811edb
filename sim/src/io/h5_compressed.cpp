// Compressed 1-D int64 arrays (write_array_compressed). Part of the HDF5
// layer (see h5.cpp); read back with read_array_int64.
#include <algorithm>
#include <string>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "h5_internal.h"

namespace cxsim::io {

using namespace detail;  // NOLINT(google-build-using-namespace): the layer's own internals

Dataset write_array_compressed(const Group& group, std::string_view name, const std::vector<std::int64_t>& values,
                               int deflate_level, const DatasetAttrs& attrs) {
  quiet();
  const hid_t base = Access::id(group);
  if (deflate_level < 1 || deflate_level > 9)
    fail(base, name, "deflate level must be 1..9, got " + std::to_string(deflate_level));
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) fail(base, name, "this HDF5 library has no deflate (zlib) filter");
  NewPlace p = place_for_new(group, name);
  hsize_t n = values.size();
  // Chunks of up to 1 Mi values (8 MiB): one chunk for most arrays, and an
  // empty array still gets a valid (1-value) chunk shape.
  hsize_t chunk = std::max<hsize_t>(1, std::min<hsize_t>(n, hsize_t{1} << 20));
  Hid space = own(H5Screate_simple(1, &n, nullptr), H5Sclose, p.loc, p.leaf, "cannot create dataspace");
  Hid dcpl = dataset_create_plist();
  check(H5Pset_chunk(dcpl.get(), 1, &chunk), p.loc, p.leaf, "cannot set chunking");
  check(H5Pset_shuffle(dcpl.get()), p.loc, p.leaf, "cannot set shuffle filter");
  check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(deflate_level)), p.loc, p.leaf, "cannot set deflate filter");
  Dataset ds = Access::dataset(
      own(H5Dcreate2(p.loc, p.leaf.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
          p.loc, p.leaf, "cannot create dataset")
          .release());
  if (!values.empty())
    check(H5Dwrite(Access::id(ds), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), p.loc, p.leaf,
          "cannot write array");
  apply_attrs(ds, attrs);
  return ds;
}

}  // namespace cxsim::io
