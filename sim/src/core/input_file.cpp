#include "cxsim/core/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace cxsim::core {

namespace {

// Closes the descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string too_large_message(std::size_t size, std::size_t limit, bool size_known) {
  constexpr double kMiB = 1024.0 * 1024.0;
  if (!size_known)
    return fmt::format("file is larger than {:g} MiB, the limit for input files", static_cast<double>(limit) / kMiB);
  return fmt::format("file is {:.1f} MiB; input files are limited to {:g} MiB", static_cast<double>(size) / kMiB,
                     static_cast<double>(limit) / kMiB);
}

std::string read_input_file(const std::string& path, std::size_t max_bytes, const std::string& expected) {
  Fd f;
  // O_NONBLOCK is not used: a FIFO's open waits for its writer, as a reader
  // of a FIFO expects. One open, never re-opened.
  do {
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (f.fd < 0 && errno == EINTR);
  if (f.fd < 0) {
    const int e = errno;
    if (e == ENOENT) throw InputFileError(path, "no such file");
    if (e == EISDIR) throw InputFileError(path, "is a directory, expected " + expected);
    throw InputFileError(path, fmt::format("cannot be opened for reading: {}", std::strerror(e)));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw InputFileError(path, fmt::format("cannot be opened for reading: {}", std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw InputFileError(path, "is a directory, expected " + expected);
  // A regular file says its size up front: refuse it before reading a byte.
  if (S_ISREG(st.st_mode) && static_cast<unsigned long long>(st.st_size) > max_bytes)
    throw InputFileError(path, too_large_message(static_cast<std::size_t>(st.st_size), max_bytes));

  std::string text;
  if (S_ISREG(st.st_mode)) text.reserve(static_cast<std::size_t>(st.st_size));
  constexpr std::size_t kBlock = 64 * 1024;
  char block[kBlock];
  // Read up to max_bytes + 1: one byte past the limit proves the file is too
  // large without reading the rest (an endless /dev/zero stops here).
  while (text.size() <= max_bytes) {
    const std::size_t want = std::min(kBlock, max_bytes + 1 - text.size());
    const ssize_t n = ::read(f.fd, block, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      if (e == EISDIR) throw InputFileError(path, "is a directory, expected " + expected);
      throw InputFileError(path, fmt::format("read error: {}", std::strerror(e)));
    }
    if (n == 0) break;
    text.append(block, static_cast<std::size_t>(n));
  }
  if (text.size() > max_bytes) {
    // A regular file that grew while read has a size to report; a stream does not.
    if (S_ISREG(st.st_mode) && ::fstat(f.fd, &st) == 0 && static_cast<std::size_t>(st.st_size) > max_bytes)
      throw InputFileError(path, too_large_message(static_cast<std::size_t>(st.st_size), max_bytes));
    throw InputFileError(path, too_large_message(0, max_bytes, false));
  }
  return text;
}

}  // namespace cxsim::core
