// The output rules shared by every output (cxsim/core/atomic_output.h):
// only regular files are replaced, never an input, folders are created,
// temporaries are uniquely named, and stale ones of dead writers removed.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"

namespace fs = std::filesystem;
using cxsim::core::AtomicOutputFile;
using cxsim::core::check_output_path;
using cxsim::core::InputError;
using cxsim::core::write_text_atomically;

namespace {

class AtomicOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("cxsim_atomic_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path path(const std::string& name) const { return dir_ / name; }
  std::vector<std::string> temps() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(e.path().filename());
    return out;
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

// The InputError message of f (fails the test if none).
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an InputError: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception thrown";
  return {};
}

std::string type_of(const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_mode & S_IFMT) + ":" + std::to_string(st.st_ino);
}

}  // namespace

TEST_F(AtomicOutputTest, RefusesAFifo) {
  const auto p = path("fifo");
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  const auto before = type_of(p);
  const auto msg = input_error_of([&] { write_text_atomically(p, "x"); });
  EXPECT_NE(msg.find("FIFO"), std::string::npos) << msg;
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_EQ(type_of(p), before);
  EXPECT_TRUE(temps().empty());
}

TEST_F(AtomicOutputTest, RefusesASocketAndAFolder) {
  const auto sock = path("sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.string().size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto msg = input_error_of([&] { write_text_atomically(sock, "x"); });
  EXPECT_NE(msg.find("socket"), std::string::npos) << msg;
  ::close(fd);
  fs::create_directory(path("folder"));
  msg = input_error_of([&] { write_text_atomically(path("folder"), "x"); });
  EXPECT_NE(msg.find("folder"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_directory(path("folder")));
  EXPECT_TRUE(temps().empty());
}

TEST_F(AtomicOutputTest, RefusesSymbolicLinksAndLeavesWhatTheyName) {
  write_text_atomically(path("real.txt"), "original");
  fs::create_symlink("real.txt", path("link.txt"));
  fs::create_symlink("nowhere.txt", path("dangling.txt"));
  auto msg = input_error_of([&] { write_text_atomically(path("link.txt"), "new"); });
  EXPECT_NE(msg.find("symbolic link"), std::string::npos) << msg;
  EXPECT_NE(msg.find("real.txt"), std::string::npos) << msg;
  msg = input_error_of([&] { write_text_atomically(path("dangling.txt"), "new"); });
  EXPECT_NE(msg.find("symbolic link"), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_symlink(path("link.txt")));
  EXPECT_TRUE(fs::is_symlink(path("dangling.txt")));
  EXPECT_FALSE(fs::exists(path("nowhere.txt")));
  EXPECT_EQ(read(path("real.txt")), "original");
}

TEST_F(AtomicOutputTest, RefusesToOverwriteAnInputByIdentity) {
  write_text_atomically(path("in.yaml"), "journey");
  fs::create_hard_link(path("in.yaml"), path("hard.h5"));
  fs::create_symlink("in.yaml", path("in-link.yaml"));
  const fs::path inputs[] = {path("in-link.yaml")};  // an input named through a link
  for (const fs::path& out : {path("in.yaml"), path("hard.h5"), dir_ / "." / "in.yaml"}) {
    const auto msg = input_error_of([&] { check_output_path(out, inputs); });
    EXPECT_NE(msg.find("overwrite the input"), std::string::npos) << out << ": " << msg;
  }
  EXPECT_NO_THROW(check_output_path(path("other.h5"), inputs));
  EXPECT_NO_THROW(check_output_path(path("other.h5"), {path("missing.yaml"), fs::path()}));
  EXPECT_EQ(read(path("in.yaml")), "journey");
}

TEST_F(AtomicOutputTest, CreatesMissingFoldersAndRefusesImpossibleOnes) {
  write_text_atomically(path("a/b/c.txt"), "deep");
  EXPECT_EQ(read(path("a/b/c.txt")), "deep");
  write_text_atomically(path("file"), "");
  const auto msg = input_error_of([&] { write_text_atomically(path("file/c.txt"), "x"); });
  EXPECT_NE(msg.find("output folder"), std::string::npos) << msg;
}

TEST_F(AtomicOutputTest, TemporariesAreHiddenRandomAndRemovedUnlessCommitted) {
  write_text_atomically(path("out.txt"), "previous");
  fs::path t1, t2;
  {
    AtomicOutputFile a(path("out.txt"));
    AtomicOutputFile b(path("out.txt"));
    t1 = a.temp_path();
    t2 = b.temp_path();
    EXPECT_NE(t1, t2);
    EXPECT_TRUE(std::regex_match(t1.filename().string(), std::regex(R"(\.out\.txt\.tmp-[0-9a-f]{16})"))) << t1;
    EXPECT_EQ(t1.parent_path(), dir_);
    a.stream() << "half";
    // b is live while a is made: a's sweep of stale temporaries kept it.
    EXPECT_TRUE(fs::exists(t2));
  }
  EXPECT_FALSE(fs::exists(t1));
  EXPECT_FALSE(fs::exists(t2));
  EXPECT_EQ(read(path("out.txt")), "previous");
  EXPECT_TRUE(temps().empty());
}

// A killed writer leaves an unlocked temporary: the next output to the same
// name removes it. A locked one (a live writer) stays; so do other names.
TEST_F(AtomicOutputTest, StaleTemporariesAreRemovedLiveOnesKept) {
  const auto stale = path(".out.txt.tmp-0123456789abcdef");
  const auto live = path(".out.txt.tmp-fedcba9876543210");
  const auto other = path(".other.txt.tmp-0123456789abcdef");
  const auto user_file = path(".out.txt.tmp-notours");
  for (const auto& p : {stale, live, other, user_file}) std::ofstream(p) << "x";
  const int fd = ::open(live.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  write_text_atomically(path("out.txt"), "new");
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(user_file));
  ::close(fd);
  write_text_atomically(path("out.txt"), "newer");  // now it is stale too
  EXPECT_FALSE(fs::exists(live));
  EXPECT_EQ(read(path("out.txt")), "newer");
}

// Outputs of one command commit together or not at all (issue 12 item 15,
// calibrate -o and --report): when the second rename fails (here its target
// became a folder after the temporaries were written), the first target is
// rolled back to what it held, and a target that did not exist is removed.
TEST_F(AtomicOutputTest, CommitTogetherRollsBackTheFirstWhenTheSecondFails) {
  const fs::path first = path("fit.h5"), second = path("fit.yaml");
  write_text_atomically(first, "previous report");
  AtomicOutputFile a(first), b(second);
  a.stream() << "new report";
  b.stream() << "new yaml";
  fs::create_directory(second);  // the second target is now impossible
  const fs::path targets[] = {first, second};
  const std::function<void()> commits[] = {[&] { a.commit(); }, [&] { b.commit(); }};
  EXPECT_THROW(cxsim::core::commit_together(targets, commits), InputError);
  EXPECT_EQ(read(first), "previous report");
  EXPECT_TRUE(fs::is_directory(second));
  EXPECT_TRUE(temps().empty());

  // No previous first file: the new one is removed again.
  const fs::path fresh = path("new.h5");
  fs::remove(second);
  AtomicOutputFile c(fresh), d(second);
  c.stream() << "new report";
  fs::create_directory(second);
  const fs::path targets2[] = {fresh, second};
  const std::function<void()> commits2[] = {[&] { c.commit(); }, [&] { d.commit(); }};
  EXPECT_THROW(cxsim::core::commit_together(targets2, commits2), InputError);
  EXPECT_FALSE(fs::exists(fresh));
  EXPECT_TRUE(temps().empty());

  // Both succeed: both replaced, no copy left.
  fs::remove(second);
  AtomicOutputFile e(first), f(second);
  e.stream() << "report 2";
  f.stream() << "yaml 2";
  const std::function<void()> commits3[] = {[&] { e.commit(); }, [&] { f.commit(); }};
  cxsim::core::commit_together(targets, commits3);
  EXPECT_EQ(read(first), "report 2");
  EXPECT_EQ(read(second), "yaml 2");
  EXPECT_TRUE(temps().empty());
}
