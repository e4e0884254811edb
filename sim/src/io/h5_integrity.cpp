// Integrity of the files cxsim writes, and bounded reading of any HDF5 file
// (docs/results-format.md, "Integrity"). Part of the HDF5 layer (see h5.cpp).
//
//  * Every file AtomicFile creates reserves a 512-byte HDF5 user block (which
//    HDF5 itself never reads). commit() closes the file, then writes there
//    the CRC-32 (IEEE, as zlib's crc32) and the length of all bytes after the
//    block: check_integrity() verifies them before HDF5 parses anything, so
//    a damaged byte anywhere is one clear error, never a crash inside libhdf5.
//  * Files without the block (format 1.1 and older) are read with bounds:
//    a dataset's declared size must fit the file, and every variable-length
//    string a dataset refers to must be a well-formed object of the right
//    size in a global heap collection inside the file, checked before
//    H5Dread (libhdf5 1.10 trusts heap ids and overruns its buffers on
//    damaged ones).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/version.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/open_results.h"
#include "h5_internal.h"

namespace cxsim::io {

using core::InputError;
using core::RuntimeError;
using namespace detail;  // NOLINT(google-build-using-namespace): the layer's own internals

namespace {

constexpr char kMagic[] = "cxsim-integrity 1\n";
constexpr unsigned char kHdf5Signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

std::uint32_t crc32_update(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) crc = kCrcTable[(crc ^ p[i]) & 0xFFU] ^ (crc >> 8);
  return ~crc;
}

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// pread until n bytes or end of file; returns the bytes read, -1 on error.
ssize_t pread_full(int fd, void* buf, std::size_t n, off_t offset) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, static_cast<char*>(buf) + got, n - got, offset + static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

// CRC-32 of bytes [from, to) of an open file, read 1 MiB at a time.
std::uint32_t crc_of_range(int fd, std::uint64_t from, std::uint64_t to, const std::string& what) {
  std::vector<unsigned char> buf(1U << 20);
  std::uint32_t crc = 0;
  for (std::uint64_t pos = from; pos < to;) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), to - pos));
    const ssize_t r = pread_full(fd, buf.data(), want, static_cast<off_t>(pos));
    if (r != static_cast<ssize_t>(want)) throw RuntimeError(what + ": cannot read: " + std::strerror(errno));
    crc = crc32_update(crc, buf.data(), want);
    pos += want;
  }
  return crc;
}

std::string block_text(std::uint32_t crc, std::uint64_t bytes) {
  return fmt::format("{}crc32 {:08x}\nbytes {}\n", kMagic, crc, bytes);
}

bool looks_like_text(const unsigned char* p, std::size_t n) {
  if (n == 0) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t') return false;
  return true;
}

std::string file_kind(const std::filesystem::file_status& st) {
  using std::filesystem::file_type;
  switch (st.type()) {
    case file_type::directory: return "a directory";
    case file_type::character: return "a character device";
    case file_type::block: return "a block device";
    case file_type::fifo: return "a FIFO (named pipe)";
    case file_type::socket: return "a socket";
    default: return "not a regular file";
  }
}

std::uint64_t le(const unsigned char* p, int n) {
  std::uint64_t x = 0;
  for (int i = n - 1; i >= 0; --i) x = (x << 8) | p[i];
  return x;
}

}  // namespace

namespace detail {

void write_integrity_block(const std::filesystem::path& path) {
  const std::string what = "'" + path.string() + "'";
  Fd f{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
  if (f.fd < 0) throw RuntimeError(what + ": cannot open to write its checksum: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw RuntimeError(what + ": cannot stat: " + std::strerror(errno));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < kUserBlockSize) throw RuntimeError(what + ": shorter than its user block");
  std::array<unsigned char, kUserBlockSize> block{};
  const std::string text = block_text(crc_of_range(f.fd, kUserBlockSize, size, what), size);
  std::memcpy(block.data(), text.data(), text.size());
  for (std::size_t done = 0; done < block.size();) {
    const ssize_t w = ::pwrite(f.fd, block.data() + done, block.size() - done, static_cast<off_t>(done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw RuntimeError(what + ": cannot write its checksum: " + std::strerror(errno));
    done += static_cast<std::size_t>(w);
  }
}

namespace {

std::uint64_t file_size_of(hid_t obj) {
  Hid fid(H5Iget_file_id(obj), H5Fclose);
  hsize_t size = 0;
  if (fid.get() < 0 || H5Fget_filesize(fid.get(), &size) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return 0;
  }
  return size;
}

// Where the variable-length strings of `type` (the type itself, or members
// of a compound) lie in one element as stored in the file, and the stored
// element size. On disk a variable-length string is 16 bytes (length,
// collection address, object index) where memory has an 8-byte pointer;
// HDF5 shifts the members after it accordingly (H5T__set_loc).
struct DiskLayout {
  std::vector<std::size_t> offsets;
  std::size_t element = 0;
};
constexpr std::size_t kDiskVlen = 16;

DiskLayout vlen_string_layout(hid_t type) {
  DiskLayout out;
  const std::size_t mem_size = H5Tget_size(type);
  if (H5Tget_class(type) == H5T_STRING) {
    if (H5Tis_variable_str(type) > 0) out = {{0}, kDiskVlen};
  } else if (H5Tget_class(type) == H5T_COMPOUND) {
    const int n = H5Tget_nmembers(type);
    std::vector<std::pair<std::size_t, bool>> members;  // memory offset, is a vlen string
    for (int i = 0; i < n; ++i) {
      Hid m(H5Tget_member_type(type, static_cast<unsigned>(i)), H5Tclose);
      const bool vlen = m.get() >= 0 && H5Tget_class(m.get()) == H5T_STRING && H5Tis_variable_str(m.get()) > 0;
      members.emplace_back(H5Tget_member_offset(type, static_cast<unsigned>(i)), vlen);
    }
    std::sort(members.begin(), members.end());
    std::size_t shift = 0;
    for (const auto& [offset, vlen] : members) {
      if (!vlen) continue;
      out.offsets.push_back(offset + shift);
      shift += kDiskVlen - sizeof(char*);
    }
    out.element = mem_size + shift;
  }
  H5Eclear2(H5E_DEFAULT);
  return out;
}

// A global heap collection read from the file: object index -> size.
constexpr std::uint64_t kRunsPast = std::numeric_limits<std::uint64_t>::max();  // an object's size that does not fit
struct Collection {
  std::map<std::uint32_t, std::uint64_t> objects;  // kRunsPast: runs past the end of the collection
  std::string error;                               // non-empty when damaged
};

Collection read_collection(int fd, std::uint64_t at, std::uint64_t file_size) {
  Collection c;
  unsigned char head[16];
  if (at + 16 > file_size || pread_full(fd, head, 16, static_cast<off_t>(at)) != 16) {
    c.error = fmt::format("a string refers to a heap at byte {}, past the end of the file", at);
    return c;
  }
  if (std::memcmp(head, "GCOL", 4) != 0 || head[4] != 1) {
    c.error = fmt::format("a string refers to byte {}, which holds no global heap", at);
    return c;
  }
  const std::uint64_t size = le(head + 8, 8);
  if (size < 16 || size > file_size || at + size > file_size) {
    c.error = fmt::format("the global heap at byte {} declares {} bytes, past the end of the file", at, size);
    return c;
  }
  std::vector<unsigned char> buf(size);
  if (pread_full(fd, buf.data(), size, static_cast<off_t>(at)) != static_cast<ssize_t>(size)) {
    c.error = fmt::format("cannot read the global heap at byte {}", at);
    return c;
  }
  // Parsed as libhdf5 1.10 parses it (H5HG__cache_heap_deserialize): objects
  // one after the other to the end of the collection, the free space
  // (index 0) included with its unpadded size, a later object of the same
  // index replacing an earlier one. It never checks that an object fits.
  for (std::uint64_t pos = 16; pos < size;) {
    if (pos + 16 > size) break;  // too small for an object header: free space
    const auto idx = static_cast<std::uint32_t>(le(&buf[pos], 2));
    const std::uint64_t osize = le(&buf[pos + 8], 8);
    if (osize > size) {
      c.error = fmt::format("object {} of the global heap at byte {} runs past the heap", idx, at);
      return c;
    }
    const std::uint64_t need = idx == 0 ? osize : 16 + (osize + 7) / 8 * 8;
    if (need == 0) {  // libhdf5 would loop here forever
      c.error = fmt::format("the global heap at byte {} has an empty free-space object", at);
      return c;
    }
    if (idx != 0) c.objects[idx] = pos + 16 + osize <= size ? osize : kRunsPast;
    pos += need;
  }
  return c;
}

// Checks every variable-length string of a contiguous dataset against the
// global heap before HDF5 dereferences it (see the top of the file).
void check_vlen_references(hid_t ds, hid_t type, std::uint64_t points, std::uint64_t file_size, hid_t loc,
                           std::string_view name) {
  const DiskLayout layout = vlen_string_layout(type);
  if (layout.offsets.empty() || points == 0) return;
  Hid dcpl(H5Dget_create_plist(ds), H5Pclose);
  if (dcpl.get() < 0 || H5Pget_layout(dcpl.get()) != H5D_CONTIGUOUS) {
    H5Eclear2(H5E_DEFAULT);
    return;  // cxsim writes strings only in contiguous datasets
  }
  const haddr_t at = H5Dget_offset(ds);
  H5Eclear2(H5E_DEFAULT);
  if (at == HADDR_UNDEF) return;  // no storage: every string is empty
  Hid fid(H5Iget_file_id(ds), H5Fclose);
  Hid fcpl(fid.get() >= 0 ? H5Fget_create_plist(fid.get()) : -1, H5Pclose);
  hsize_t base = 0;
  std::size_t sizeof_addr = 0, sizeof_size = 0;
  if (fcpl.get() < 0 || H5Pget_userblock(fcpl.get(), &base) < 0 ||
      H5Pget_sizes(fcpl.get(), &sizeof_addr, &sizeof_size) < 0 || sizeof_addr != 8 || sizeof_size != 8) {
    H5Eclear2(H5E_DEFAULT);
    return;  // cxsim writes 8-byte addresses and lengths
  }
  void* handle = nullptr;
  if (fid.get() < 0 || H5Fget_vfd_handle(fid.get(), H5P_DEFAULT, &handle) < 0 || handle == nullptr) {
    H5Eclear2(H5E_DEFAULT);
    return;  // not the default (sec2) driver
  }
  const int fd = *static_cast<int*>(handle);
  const std::size_t element = layout.element;
  const std::uint64_t bytes = points * element;  // points * element <= 2 * file size: checked by the caller
  if (points > file_size || at + bytes > file_size) fail(loc, name, "its data runs past the end of the file (damaged)");
  std::vector<unsigned char> raw(bytes);
  if (pread_full(fd, raw.data(), bytes, static_cast<off_t>(at)) != static_cast<ssize_t>(bytes))
    fail(loc, name, "cannot read its data (damaged or truncated)");
  std::map<std::uint64_t, Collection> heaps;
  for (std::uint64_t e = 0; e + element <= bytes; e += element) {
    for (const std::size_t off : layout.offsets) {
      if (off + 16 > element) fail(loc, name, "a string member does not fit its record (damaged)");
      const unsigned char* p = &raw[e + off];
      const std::uint64_t len = le(p, 4), addr = le(p + 4, 8);
      const auto idx = static_cast<std::uint32_t>(le(p + 12, 4));
      if (addr == 0) {
        if (len != 0) fail(loc, name, "a string of " + std::to_string(len) + " bytes has no data (damaged)");
        continue;
      }
      auto it = heaps.find(addr);
      if (it == heaps.end()) it = heaps.emplace(addr, read_collection(fd, addr + base, file_size)).first;
      const Collection& c = it->second;
      if (!c.error.empty()) fail(loc, name, c.error + " (damaged)");
      const auto obj = c.objects.find(idx);
      if (obj == c.objects.end() || obj->second != len)
        fail(loc, name,
             fmt::format("a string refers to a missing or mis-sized heap object ({} of the heap at byte {}; "
                         "damaged)",
                         idx, addr + base));
    }
  }
}

}  // namespace

void check_dataset_bounds(hid_t ds, hid_t type, hid_t space, hid_t loc, std::string_view name) {
  const std::uint64_t file_size = file_size_of(ds);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) fail(loc, name, "cannot get its size");
  const std::size_t tsize = H5Tget_size(type);
  if (tsize == 0) fail(loc, name, "its type has size 0 (damaged)");
  const auto points = static_cast<std::uint64_t>(n);
  // Bytes on disk, or "too many" when the product overflows.
  const std::uint64_t bytes = points > std::numeric_limits<std::uint64_t>::max() / tsize
                                  ? std::numeric_limits<std::uint64_t>::max()
                                  : points * tsize;
  Hid dcpl(H5Dget_create_plist(ds), H5Pclose);
  const int filters = dcpl.get() >= 0 ? H5Pget_nfilters(dcpl.get()) : 0;
  H5Eclear2(H5E_DEFAULT);
  // deflate compresses at most ~1032:1; a file cannot hold more than that.
  const std::uint64_t limit = filters > 0 ? file_size * kMaxCompression : file_size;
  if (file_size > 0 && bytes > limit) {
    fail(loc, name,
         fmt::format("declares {} elements of {} bytes, more than a file of {} bytes can hold{} (damaged or crafted; "
                     "refused before reading)",
                     points, tsize, file_size, filters > 0 ? " compressed" : ""));
  }
  check_vlen_references(ds, type, points, file_size, loc, name);
}

void check_attribute_bounds(hid_t obj, hid_t type, std::string_view attr) {
  const std::uint64_t file_size = file_size_of(obj);
  const std::size_t tsize = H5Tget_size(type);
  if (file_size > 0 && tsize > file_size)
    fail(obj, "",
         fmt::format("attribute '{}' declares {} bytes in a file of {} bytes (damaged)", attr, tsize, file_size));
}

}  // namespace detail

// ============================================================== checking a file

Integrity check_integrity(const std::filesystem::path& path) {
  const std::string p = path.string();
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) throw InputError(p + ": no such file");
  if (!std::filesystem::is_regular_file(st)) throw InputError(p + ": is " + file_kind(st) + ", not a results file");
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.fd < 0) throw InputError(p + ": cannot open: " + std::strerror(errno));
  struct stat s {};
  if (::fstat(f.fd, &s) != 0 || !S_ISREG(s.st_mode)) throw InputError(p + ": not a regular file");
  const auto size = static_cast<std::uint64_t>(s.st_size);
  if (size == 0) throw InputError(p + ": is empty (0 bytes), not a results file");
  std::array<unsigned char, kUserBlockSize + 8> head{};
  const ssize_t got = pread_full(f.fd, head.data(), head.size(), 0);
  if (got < 0) throw InputError(p + ": cannot read: " + std::strerror(errno));
  const auto n = static_cast<std::size_t>(got);
  if (n >= 8 && std::memcmp(head.data(), kHdf5Signature, 8) == 0) return Integrity::absent;
  const std::size_t magic = sizeof kMagic - 1;
  if (n >= magic && std::memcmp(head.data(), kMagic, magic) == 0) {
    // "crc32 xxxxxxxx\nbytes N\n", then NULs: parsed, then written again and compared.
    std::string text(reinterpret_cast<const char*>(head.data()), std::min<std::size_t>(n, kUserBlockSize));
    text.resize(std::min(text.find('\0'), text.size()));
    unsigned crc = 0;
    unsigned long long bytes = 0;
    const bool parsed = std::sscanf(text.c_str() + magic, "crc32 %8x\nbytes %llu\n", &crc, &bytes) == 2;
    const bool padded =
        std::all_of(head.begin() + static_cast<std::ptrdiff_t>(text.size()),
                    head.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(n, kUserBlockSize)),
                    [](unsigned char c) { return c == 0; });
    if (!parsed || !padded || block_text(crc, bytes) != text)
      throw InputError(p + ": its integrity block (the first 512 bytes) is damaged");
    if (size < kUserBlockSize || bytes != size)
      throw InputError(
          fmt::format("{}: is {} bytes long but was written with {}: truncated or extended after cxsim "
                      "wrote it",
                      p, size, bytes));
    const std::uint32_t actual = crc_of_range(f.fd, kUserBlockSize, size, p);
    if (actual != crc)
      throw InputError(
          fmt::format("{}: is damaged: its checksum does not match (CRC-32 written {:08x}, now {:08x}); "
                      "the file changed after cxsim wrote it (a disk, copy or transfer error?)",
                      p, crc, actual));
    return Integrity::verified;
  }
  if (n >= kUserBlockSize + 8 && std::memcmp(head.data() + kUserBlockSize, kHdf5Signature, 8) == 0)
    throw InputError(p + ": its integrity block (the first 512 bytes) is damaged, or it was not written by cxsim");
  if (looks_like_text(head.data(), n)) throw InputError(p + ": is a text file, not an HDF5 results file");
  throw InputError(p + ": is not an HDF5 file (another format, or damaged)");
}

bool looks_like_hdf5(const std::filesystem::path& path) noexcept {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  std::array<unsigned char, sizeof kMagic - 1> head{};
  if (f.fd < 0 || pread_full(f.fd, head.data(), head.size(), 0) != static_cast<ssize_t>(head.size())) return false;
  return std::memcmp(head.data(), kHdf5Signature, 8) == 0 || std::memcmp(head.data(), kMagic, head.size()) == 0;
}

std::string malformed_message(const std::filesystem::path& path, std::string_view what) {
  const std::string p = path.string();
  std::string detail(what);
  if (detail.starts_with(p + ":")) detail.erase(0, p.size() + 1);
  return p + ": damaged or not a well-formed cxsim results file: " + detail;
}

namespace {

struct LinkCheck {
  std::vector<std::string> hard;  // every hard link's path (without the leading '/')
  std::string bad;                // first link that is not a hard link
  const char* kind = "";
  std::size_t count = 0;
};

#if H5_VERSION_GE(1, 12, 0)
herr_t visit_link(hid_t, const char* name, const H5L_info2_t* info, void* data) {
#else
herr_t visit_link(hid_t, const char* name, const H5L_info_t* info, void* data) {
#endif
  auto* c = static_cast<LinkCheck*>(data);
  if (++c->count > kMaxLinks) return 1;
  if (info->type == H5L_TYPE_HARD) {
    c->hard.emplace_back(name);
    return 0;
  }
  c->bad = name;
  c->kind = info->type == H5L_TYPE_SOFT       ? "a soft link"
            : info->type == H5L_TYPE_EXTERNAL ? "an external link"
                                              : "a user-defined link";
  return 1;
}

std::string type_name(AttributeType t) {
  switch (t) {
    case AttributeType::string: return "a string";
    case AttributeType::float64: return "a float";
    case AttributeType::int64: return "an integer";
    case AttributeType::other: return "of another type";
  }
  return "unknown";
}

}  // namespace

OpenedResults open_results(const std::filesystem::path& path, std::initializer_list<std::string_view> filetypes) {
  const std::string p = path.string();
  const Integrity integrity = check_integrity(path);
  std::optional<File> opened;
  try {
    opened.emplace(File::open(path));
  } catch (const RuntimeError& e) {
    throw InputError(malformed_message(path, e.what()));
  }
  File& f = *opened;
  return reading_results(path, [&] {
    LinkCheck links;
#if H5_VERSION_GE(1, 12, 0)
    const herr_t r = H5Lvisit2(Access::id(f), H5_INDEX_NAME, H5_ITER_NATIVE, visit_link, &links);
#else
    const herr_t r = H5Lvisit(Access::id(f), H5_INDEX_NAME, H5_ITER_NATIVE, visit_link, &links);
#endif
    if (r < 0) fail(Access::id(f), "", "cannot list its objects");
    if (!links.bad.empty())
      throw InputError(fmt::format("{}: '/{}' is {}; cxsim files hold only their own groups and datasets", p, links.bad,
                                   links.kind));
    if (links.count > kMaxLinks)
      throw InputError(fmt::format("{}: holds more than {} objects (damaged or crafted)", p, kMaxLinks));
    // Without the integrity block, every dataset's bounds and string
    // references are checked now, before any attribute is read: string
    // attributes share the global heap collections the datasets' strings
    // use, and a damaged collection is found here (HDF5 checksums the
    // attribute messages themselves, not the heap).
    if (integrity == Integrity::absent) {
      for (const auto& name : links.hard) {
        const std::string path_in_file = "/" + name;
        if (object_type(Access::id(f), path_in_file) != H5I_DATASET) continue;
        Hid ds = own(H5Dopen2(Access::id(f), path_in_file.c_str(), H5P_DEFAULT), H5Dclose, Access::id(f), path_in_file,
                     "cannot open dataset");
        Hid type = own(H5Dget_type(ds.get()), H5Tclose, Access::id(f), path_in_file, "cannot get dataset type");
        Hid space = own(H5Dget_space(ds.get()), H5Sclose, Access::id(f), path_in_file, "cannot get dataspace");
        check_dataset_bounds(ds.get(), type.get(), space.get(), Access::id(f), path_in_file);
      }
    }
    auto typed = [&](const char* name, AttributeType want) {
      if (!f.has_attribute(name)) return false;
      const AttributeType got = f.attribute_type(name);
      if (got != want)
        throw InputError(fmt::format("{}: its '{}' attribute is {}, not {}: not a cxsim results file (or damaged)", p,
                                     name, type_name(got), type_name(want)));
      return true;
    };
    std::string expected;
    for (auto t : filetypes) expected += (expected.empty() ? "'" : " or '") + std::string(t) + "'";
    if (!typed("filetype", AttributeType::string))
      throw InputError(p + ": not a cxsim results file (no 'filetype' attribute; expected " + expected + ")");
    const std::string filetype = f.attribute_string("filetype");
    if (filetype == "cxsim-partial" && std::find(filetypes.begin(), filetypes.end(), filetype) == filetypes.end()) {
      std::string range;
      if (typed("partial_chunk_first", AttributeType::int64) && typed("partial_chunk_last", AttributeType::int64) &&
          typed("partial_chunks_total", AttributeType::int64))
        range = fmt::format(" (chunks {}:{} of {})", f.attribute_int64("partial_chunk_first"),
                            f.attribute_int64("partial_chunk_last"), f.attribute_int64("partial_chunks_total"));
      throw InputError(p + ": a partial results file" + range +
                       " written by `cxsim run --chunks`; join all parts first: cxsim merge PART... -o FILE");
    }
    if (std::find(filetypes.begin(), filetypes.end(), filetype) == filetypes.end())
      throw InputError(p + ": not a cxsim results file (filetype '" + filetype + "', expected " + expected + ")");
    if (!typed("format_version_major", AttributeType::int64))
      throw InputError(p + ": results file without a format_version_major attribute (damaged?)");
    const std::string version =
        typed("format_version", AttributeType::string) ? f.attribute_string("format_version") : std::string("?");
    const std::int64_t major = f.attribute_int64("format_version_major");
    if (major != core::results_format_major)
      throw InputError(fmt::format("{}: results format {} is not supported by this cxsim (reads {}.x)", p, version,
                                   core::results_format_major));
    int minor = -1;
    if (const auto dot = version.find('.'); dot != std::string::npos)
      std::from_chars(version.data() + dot + 1, version.data() + version.size(), minor);
    if (integrity == Integrity::absent && minor >= 2)
      throw InputError(
          fmt::format("{}: format {} files carry an integrity block, this one has none (damaged)", p, version));
    return OpenedResults{std::move(f), filetype, version, integrity};
  });
}

}  // namespace cxsim::io
