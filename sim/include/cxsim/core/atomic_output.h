#pragma once
// Every output cxsim writes (results, customer records, fit reports, reports,
// journey YAML, event logs) goes through the rules here, so they are the same
// for all (user docs: docs/index.md, "Output files"):
//
//  * The output folder is created when missing (as `run -o` always did);
//    InputError (exit 2) when it cannot be (a path component is a file, no
//    permission).
//  * An existing target must be a regular file. A directory, device, FIFO,
//    socket or symbolic link is refused (InputError): cxsim never renames
//    over them and never writes through a link (name the file it points to).
//  * A target that is one of the command's inputs (the same file by
//    st_dev/st_ino, whatever the name, hard links and links included) is
//    refused (InputError).
//  * The content goes to a temporary file in the destination folder,
//    ".<name>.tmp-<16 hex digits from getrandom>", created exclusively
//    (retrying on a name clash) and held under an exclusive flock(2) while it
//    exists. It is renamed onto the final name only when complete, so the
//    final path never holds a half-written file. A temporary that is not
//    locked belongs to a process that died (SIGKILL, power loss): the next
//    output to the same name removes such stale temporaries if they are
//    regular files owned by the same user. Live ones are never touched.
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <span>
#include <string_view>

namespace cxsim::core {

// The checks above for `target` (folder created, type, not an input).
// Inputs that do not exist are ignored. Throws InputError.
void check_output_path(const std::filesystem::path& target, std::span<const std::filesystem::path> inputs = {});
inline void check_output_path(const std::filesystem::path& target,
                              std::initializer_list<std::filesystem::path> inputs) {
  check_output_path(target, std::span<const std::filesystem::path>(inputs.begin(), inputs.size()));
}

// True if `a` and `b` both exist and are the same file (st_dev/st_ino).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

// A locked, uniquely named temporary next to a final path (see above). The
// destructor removes it unless commit() succeeded. Users write it by path
// (temp_path()), e.g. through std::ofstream or HDF5.
class TempOutput {
 public:
  // check_output_path(final_path), stale temporaries removed, a new one
  // created. RuntimeError when the temporary cannot be created.
  explicit TempOutput(std::filesystem::path final_path);
  ~TempOutput();
  TempOutput(TempOutput&& other) noexcept;
  TempOutput& operator=(TempOutput&& other) noexcept;
  TempOutput(const TempOutput&) = delete;
  TempOutput& operator=(const TempOutput&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  const std::filesystem::path& temp_path() const noexcept { return tmp_; }
  bool active() const noexcept { return fd_ >= 0; }

  // fsync the temporary, check the target again (type), rename onto it and
  // fsync the folder. RuntimeError (I/O) or InputError (the target became a
  // non-regular file); the temporary is removed on failure.
  void commit();
  // Remove the temporary now. Never throws.
  void discard() noexcept;

 private:
  std::filesystem::path path_, tmp_;
  int fd_ = -1;  // open, flock(LOCK_EX) held: marks the temporary as live
};

// Text outputs that are never left half-written (a TempOutput written with
// std::ofstream).
class AtomicOutputFile {
 public:
  explicit AtomicOutputFile(std::filesystem::path final_path);
  ~AtomicOutputFile();  // removes the temporary unless commit() succeeded
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  std::ostream& stream() { return out_; }
  // Flushes, closes and renames onto the final path; RuntimeError on failure.
  void commit();
  const std::filesystem::path& path() const { return tmp_.path(); }
  const std::filesystem::path& temp_path() const { return tmp_.temp_path(); }

 private:
  TempOutput tmp_;
  std::ofstream out_;
};

// Commits the outputs of one command together or not at all: commits[i]
// renames output i onto targets[i] (a TempOutput, AtomicOutputFile or
// io::AtomicFile commit, each fully written before this is called). Before
// the first commit, every existing target but the last is copied to a
// TempOutput next to it. If commit i fails, outputs 0..i-1 are rolled back in
// reverse order (the copy renamed back onto the target, or the new file
// removed when the target did not exist) and the error is rethrown, so every
// target keeps what it held before. A failure of the roll-back itself is a
// RuntimeError that names the files it could not restore. Copying a previous
// target may fail (RuntimeError) before anything is committed.
void commit_together(std::span<const std::filesystem::path> targets, std::span<const std::function<void()>> commits);

// The whole text at once.
void write_text_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace cxsim::core
