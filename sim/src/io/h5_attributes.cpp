// Attributes of any HDF5 object: scalar string, float64 and int64 values
// (Object::set_attribute / attribute_*). Part of the HDF5 layer (see h5.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "h5_internal.h"

namespace cxsim::io {

using core::RuntimeError;
using namespace detail;  // NOLINT(google-build-using-namespace): the layer's own internals

namespace {

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
  check_attribute_bounds(obj, a.type.get(), n);
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

// Reads a scalar numeric attribute of type `want` as T (mem_type in memory).
template <class T>
T read_scalar_attribute(hid_t obj, std::string_view name, AttributeType want, hid_t mem_type) {
  quiet();
  OpenAttr a = open_scalar_attribute(obj, name, want);
  T x = 0;
  if (H5Aread(a.attr.get(), mem_type, &x) < 0) fail(obj, "", "cannot read attribute '" + std::string(name) + "'");
  return x;
}

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}

}  // namespace

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
  return read_scalar_attribute<double>(id_, name, AttributeType::float64, H5T_NATIVE_DOUBLE);
}

std::int64_t Object::attribute_int64(std::string_view name) const {
  return read_scalar_attribute<std::int64_t>(id_, name, AttributeType::int64, H5T_NATIVE_INT64);
}

}  // namespace cxsim::io
