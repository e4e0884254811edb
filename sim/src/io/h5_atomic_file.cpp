// io::AtomicFile: an HDF5 file written to a locked temporary
// (core::TempOutput) and renamed into place on commit, or thrown away
// (discard). Part of the HDF5 layer (see h5.cpp).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "h5_internal.h"

namespace cxsim::io {

using core::RuntimeError;
using namespace detail;  // NOLINT(google-build-using-namespace): the layer's own internals

namespace {

// See kNoAtexitShutdown in h5.cpp: a file being thrown away after a write
// error is first pointed at a memory file, so its close flushes there and
// succeeds.
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

}  // namespace

// ============================================================== AtomicFile

AtomicFile::AtomicFile(std::filesystem::path path) : path_(path), tmp_(std::move(path)) {
  // tmp_ applied the output rules (folder, type) and created the locked,
  // empty temporary; HDF5 writes it by name.
  quiet();
  Hid fcpl = own(H5Pcreate(H5P_FILE_CREATE), H5Pclose, -1, "", "cannot create file property list");
  H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  // Room for the integrity block commit() writes (h5_integrity.cpp).
  if (H5Pset_userblock(fcpl.get(), kUserBlockSize) < 0) fail_file(tmp_.temp_path(), "cannot reserve the user block");
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
    write_integrity_block(tmp_.temp_path());
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

}  // namespace cxsim::io
