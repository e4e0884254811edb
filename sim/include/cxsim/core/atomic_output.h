#pragma once
// Text outputs that are never left half-written: the content goes to a
// temporary file in the destination folder (".<name>.tmp-<pid>-<n>") and is
// renamed onto the final name only when complete. (HDF5 files have their own
// io::AtomicFile, built on the same idea.)
#include <filesystem>
#include <fstream>
#include <string_view>

namespace cxsim::core {

class AtomicOutputFile {
 public:
  // The destination folder must exist (InputError otherwise).
  explicit AtomicOutputFile(std::filesystem::path final_path);
  ~AtomicOutputFile();  // removes the temporary unless commit() succeeded
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  std::ostream& stream() { return out_; }
  // Flushes, closes and renames onto the final path; RuntimeError on failure.
  void commit();
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& temp_path() const { return tmp_; }

 private:
  std::filesystem::path path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

// The whole text at once.
void write_text_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace cxsim::core
