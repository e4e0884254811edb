#include "cxsim/core/atomic_output.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cxsim/core/errors.h"

namespace cxsim::core {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kRandomHexDigits = 16;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

fs::path folder_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a FIFO (named pipe)";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISLNK(m)) return "a symbolic link";
  return "not a regular file";
}

// The type rule for an existing target (a missing one is fine).
void check_target_type(const fs::path& target) {
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return;
    throw InputError(fmt::format("{}: cannot write the output there: {}", target.string(), errno_text(err)));
  }
  if (S_ISREG(st.st_mode)) return;
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const fs::path to = fs::read_symlink(target, ec);
    throw InputError(
        fmt::format("{}: the output is a symbolic link{}; cxsim does not write through links: give the "
                    "path of the file itself, or remove the link",
                    target.string(), ec ? std::string() : " to '" + to.string() + "'"));
  }
  throw InputError(
      fmt::format("{}: the output exists and is {}; cxsim writes outputs to regular files only and "
                  "never replaces anything else",
                  target.string(), kind_of(st.st_mode)));
}

// 16 hex digits from getrandom(2); O_EXCL (and a retry) keeps names unique
// even if the fallback (no getrandom: a very old kernel) is ever used.
std::string random_suffix(int attempt) {
  unsigned char bytes[kRandomHexDigits / 2] = {};
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      const auto t = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
      const std::uint64_t mix = t ^ (static_cast<std::uint64_t>(::getpid()) << 40) ^
                                (static_cast<std::uint64_t>(attempt) << 20) ^
                                static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&bytes));
      for (std::size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<unsigned char>(mix >> (8 * i));
      break;
    }
  }
  std::string s;
  for (unsigned char b : bytes) s += fmt::format("{:02x}", b);
  return s;
}

bool same_inode(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// Is `name` (in the folder) a temporary name this module would make for a
// target with this prefix?
bool is_temp_name(const std::string& name, const std::string& prefix) {
  if (name.size() != prefix.size() + kRandomHexDigits || name.compare(0, prefix.size(), prefix) != 0) return false;
  for (std::size_t i = prefix.size(); i < name.size(); ++i) {
    const char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Remove stale temporaries of `prefix` in `dir`: regular files of ours that
// no live writer holds locked. Errors are ignored (this is housekeeping).
void remove_stale_temps(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (!is_temp_name(p.filename().string(), prefix)) continue;
    const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {
    }, now{};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
        ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::lstat(p.c_str(), &now) == 0 && same_inode(st, now)) {
      ::unlink(p.c_str());  // still under our lock: no writer can be using it
    }
    ::close(fd);
  }
}

}  // namespace

bool same_file(const fs::path& a, const fs::path& b) {
  struct stat sa {
  }, sb{};
  if (a.empty() || b.empty() || ::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return same_inode(sa, sb);
}

void check_output_path(const fs::path& target, std::span<const fs::path> inputs) {
  if (target.empty() || !target.has_filename())
    throw InputError(fmt::format("'{}': not a file path for an output", target.string()));
  const fs::path dir = folder_of(target);
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec)
      throw InputError(
          fmt::format("{}: cannot create the output folder '{}': {}", target.string(), dir.string(), ec.message()));
  } else if (!fs::is_directory(dir, ec)) {
    throw InputError(fmt::format("{}: the output folder '{}' is not a folder", target.string(), dir.string()));
  }
  check_target_type(target);
  for (const auto& in : inputs)
    if (same_file(target, in))
      throw InputError(fmt::format("{}: the output would overwrite the input file '{}'", target.string(), in.string()));
}

// ---------------------------------------------------------------- TempOutput

TempOutput::TempOutput(fs::path final_path) : path_(std::move(final_path)) {
  check_output_path(path_);
  const fs::path dir = folder_of(path_);
  const std::string prefix = fmt::format(".{}.tmp-", path_.filename().string());
  remove_stale_temps(dir, prefix);
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path tmp = dir / (prefix + random_suffix(attempt));
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
      const int err = errno;
      if (err == EEXIST || err == EINTR) continue;
      const std::string msg =
          fmt::format("{}: cannot create a temporary file in '{}': {}", path_.string(), dir.string(), errno_text(err));
      if (err == EACCES || err == EPERM || err == EROFS) throw InputError(msg);
      throw RuntimeError(msg);
    }
    // Lock it (a stale-temporary sweep by another process may hold the lock
    // for a moment and may have unlinked the name: then start again).
    int rc;
    do rc = ::flock(fd, LOCK_EX);
    while (rc != 0 && errno == EINTR);
    struct stat st {
    }, now{};
    // A file system without flock (ENOLCK): unlocked, which a sweep cannot
    // lock either, so it is never removed while live.
    if (::fstat(fd, &st) == 0 && st.st_nlink > 0 && ::lstat(tmp.c_str(), &now) == 0 && same_inode(st, now)) {
      fd_ = fd;
      tmp_ = std::move(tmp);
      return;
    }
    ::close(fd);
  }
  throw RuntimeError(fmt::format("{}: cannot create a temporary file with a unique name", path_.string()));
}

TempOutput::~TempOutput() { discard(); }

TempOutput::TempOutput(TempOutput&& other) noexcept
    : path_(std::move(other.path_)), tmp_(std::move(other.tmp_)), fd_(std::exchange(other.fd_, -1)) {}

TempOutput& TempOutput::operator=(TempOutput&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    tmp_ = std::move(other.tmp_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void TempOutput::discard() noexcept {
  if (fd_ < 0) return;
  struct stat st {
  }, now{};
  if (::fstat(fd_, &st) == 0 && ::lstat(tmp_.c_str(), &now) == 0 && same_inode(st, now)) ::unlink(tmp_.c_str());
  ::close(fd_);
  fd_ = -1;
}

void TempOutput::commit() {
  if (fd_ < 0) throw RuntimeError(fmt::format("{}: internal: the output was already finished", path_.string()));
  if (::fsync(fd_) != 0) {
    const int err = errno;
    discard();
    throw RuntimeError(fmt::format("{}: writing '{}' failed: {}", path_.string(), tmp_.string(), errno_text(err)));
  }
  try {
    check_target_type(path_);  // again: it may have changed while we wrote
  } catch (...) {
    discard();
    throw;
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    discard();
    throw RuntimeError(fmt::format("{}: cannot rename the finished file '{}' onto it: {}", path_.string(),
                                   tmp_.string(), errno_text(err)));
  }
  ::close(fd_);
  fd_ = -1;
  // Make the rename durable (best effort: some file systems refuse).
  const int dfd = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// ---------------------------------------------------------------- text files

AtomicOutputFile::AtomicOutputFile(fs::path final_path) : tmp_(std::move(final_path)) {
  out_.open(tmp_.temp_path(), std::ios::binary | std::ios::trunc);
  if (!out_) throw RuntimeError(fmt::format("{}: cannot open the temporary file to write", tmp_.temp_path().string()));
}

AtomicOutputFile::~AtomicOutputFile() = default;  // out_ closes, then tmp_ removes the temporary

void AtomicOutputFile::commit() {
  out_.flush();
  out_.close();
  if (out_.fail()) {
    tmp_.discard();
    throw RuntimeError(fmt::format("{}: writing failed (disk full?)", tmp_.path().string()));
  }
  tmp_.commit();
}

void commit_together(std::span<const fs::path> targets, std::span<const std::function<void()>> commits) {
  if (targets.size() != commits.size()) throw RuntimeError("internal: commit_together needs one target per commit");
  // The previous content of every target that a later failure may have to
  // restore (the last output is committed last: nothing after it can fail).
  std::vector<std::optional<TempOutput>> previous(commits.size());
  for (std::size_t i = 0; i + 1 < commits.size(); ++i) {
    struct stat st {};
    if (::lstat(targets[i].c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    previous[i].emplace(targets[i]);
    std::error_code ec;
    fs::copy_file(targets[i], previous[i]->temp_path(), fs::copy_options::overwrite_existing, ec);
    if (ec)
      throw RuntimeError(
          fmt::format("{}: cannot keep a copy of the previous file (to restore it if a later output "
                      "fails): {}",
                      targets[i].string(), ec.message()));
  }
  for (std::size_t i = 0; i < commits.size(); ++i) {
    try {
      commits[i]();
    } catch (...) {
      std::string not_restored;
      for (std::size_t j = i; j-- > 0;) {
        try {
          if (previous[j]) {
            previous[j]->commit();
          } else {
            std::error_code ec;
            fs::remove(targets[j], ec);
            if (ec) throw RuntimeError(ec.message());
          }
        } catch (const std::exception& e) {
          not_restored += fmt::format("{}{} ({})", not_restored.empty() ? "" : ", ", targets[j].string(), e.what());
        }
      }
      if (not_restored.empty()) throw;
      std::string first;
      try {
        throw;
      } catch (const std::exception& e) {
        first = e.what();
      } catch (...) {
        first = "unknown error";
      }
      throw RuntimeError(fmt::format("{}; rolling back the outputs already written failed: {}", first, not_restored));
    }
  }
}

void write_text_atomically(const fs::path& path, std::string_view text) {
  AtomicOutputFile f(path);
  f.stream().write(text.data(), static_cast<std::streamsize>(text.size()));
  f.commit();
}

}  // namespace cxsim::core
