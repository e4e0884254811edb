// Reading inputs once through a bounded reader (cxsim/core/input_file.h):
// regular files, pipes, FIFOs and character devices give their content once,
// an endless device stops at the limit, a directory is refused.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/input_file.h"

namespace fs = std::filesystem;
using cxsim::core::InputError;
using cxsim::core::InputFileError;
using cxsim::core::read_input_file;

namespace {

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("cxsim-input-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// The reason the reader gives for `path`, or "" when it reads.
std::string reason_for(const std::string& path, std::size_t limit) {
  try {
    read_input_file(path, limit, "a YAML file");
  } catch (const InputFileError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(std::string(e.what()), path + ": " + e.reason());
    return e.reason();
  }
  return "";
}

// Writes `text` to `fd` in small pieces, then closes it.
void write_slowly(int fd, const std::string& text) {
  for (std::size_t i = 0; i < text.size(); i += 7) {
    const std::size_t n = std::min<std::size_t>(7, text.size() - i);
    ASSERT_EQ(::write(fd, text.data() + i, n), static_cast<ssize_t>(n));
  }
  ::close(fd);
}

std::string some_text(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; s.size() < n; ++i) s += "line " + std::to_string(i) + "\n";
  s.resize(n);
  return s;
}

}  // namespace

TEST(InputFile, ReadsARegularFile) {
  const fs::path d = temp_dir("regular");
  const std::string text = some_text(200000);  // several blocks
  std::ofstream(d / "a.yaml", std::ios::binary) << text;
  EXPECT_EQ(read_input_file((d / "a.yaml").string(), 1 << 20), text);
  // Exactly at the limit is accepted; one byte over is not, with its size.
  EXPECT_EQ(read_input_file((d / "a.yaml").string(), text.size()), text);
  EXPECT_EQ(reason_for((d / "a.yaml").string(), text.size() - 1),
            "file is 0.2 MiB; input files are limited to 0.190734 MiB");
  fs::remove_all(d);
}

TEST(InputFile, ReadsAPipeOnce) {
  // What `<(cat j.yaml)` and /dev/stdin give: a pipe, with no size and no seek.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string text = some_text(300000);  // more than a pipe buffer holds
  std::thread writer(write_slowly, fds[1], text);
  const std::string path = "/dev/fd/" + std::to_string(fds[0]);
  const std::string got = read_input_file(path, 1 << 20);
  writer.join();
  ::close(fds[0]);
  EXPECT_EQ(got.size(), text.size());
  EXPECT_EQ(got, text);
}

TEST(InputFile, APipePastTheLimitStopsThere) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([w = fds[1]] {
    // Writes until the reader closes its end (EPIPE), as an endless producer would.
    ::signal(SIGPIPE, SIG_IGN);
    const std::string block(4096, 'x');
    while (::write(w, block.data(), block.size()) > 0) {
    }
    ::close(w);
  });
  const std::string path = "/dev/fd/" + std::to_string(fds[0]);
  std::string reason;
  try {
    read_input_file(path, 100000);
  } catch (const InputFileError& e) {
    reason = e.reason();
  }
  ::close(fds[0]);
  writer.join();
  EXPECT_EQ(reason, "file is larger than 0.0953674 MiB, the limit for input files");
}

TEST(InputFile, ReadsAFifoWithOneOpen) {
  // A FIFO gives its content to one open: a reader that opened it twice
  // (once to sniff, once to load) waited forever on the second.
  const fs::path d = temp_dir("fifo");
  const fs::path f = d / "j.yaml";
  ASSERT_EQ(::mkfifo(f.c_str(), 0600), 0) << std::strerror(errno);
  const std::string text = some_text(100000);
  std::thread writer([&] {
    const int w = ::open(f.c_str(), O_WRONLY);
    ASSERT_GE(w, 0);
    write_slowly(w, text);
  });
  EXPECT_EQ(read_input_file(f.string(), 1 << 20), text);
  writer.join();
  fs::remove_all(d);
}

TEST(InputFile, AnEndlessDeviceStopsAtTheLimit) {
  // /dev/zero has no end: the reader stops one byte past the limit, in
  // memory bounded by the limit (it used to grow to gigabytes).
  struct rusage before {};
  ::getrusage(RUSAGE_SELF, &before);
  EXPECT_EQ(reason_for("/dev/zero", 1 << 20), "file is larger than 1 MiB, the limit for input files");
  EXPECT_EQ(reason_for("/dev/zero", 4u << 20), "file is larger than 4 MiB, the limit for input files");
  struct rusage after {};
  ::getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024) << "peak memory grew by more than 64 MiB";
  // An empty character device reads as empty text.
  EXPECT_EQ(read_input_file("/dev/null", 100), "");
}

TEST(InputFile, RefusesDirectoriesAndMissingFiles) {
  const fs::path d = temp_dir("dir");
  EXPECT_EQ(reason_for(d.string(), 1000), "is a directory, expected a YAML file");
  EXPECT_EQ(reason_for((d / "none.yaml").string(), 1000), "no such file");
  EXPECT_THROW(read_input_file(d.string(), 1000), InputError);  // exit 2
  fs::remove_all(d);
}

TEST(InputFile, UnreadableFileSaysWhy) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: permissions do not stop reading";
  const fs::path d = temp_dir("perm");
  std::ofstream(d / "a.yaml") << "x: 1\n";
  fs::permissions(d / "a.yaml", fs::perms::none);
  EXPECT_EQ(reason_for((d / "a.yaml").string(), 1000), "cannot be opened for reading: Permission denied");
  fs::remove_all(d);
}
