#include "cxsim/core/atomic_output.h"

#include <unistd.h>

#include <atomic>

#include <fmt/format.h>

#include "cxsim/core/errors.h"

namespace cxsim::core {

namespace fs = std::filesystem;

namespace {
// A process-wide sequence number for unique temporary names (the only
// shared state here; it affects names, never results).
unsigned next_sequence() {
  static std::atomic<unsigned> sequence{0};
  return sequence++;
}
}  // namespace

AtomicOutputFile::AtomicOutputFile(fs::path final_path) : path_(std::move(final_path)) {
  const fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(fmt::format("{}: the output folder '{}' does not exist", path_.string(), dir.string()));
  tmp_ = dir / fmt::format(".{}.tmp-{}-{}", path_.filename().string(), ::getpid(), next_sequence());
  out_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw RuntimeError(fmt::format("{}: cannot create a temporary file to write", tmp_.string()));
}

AtomicOutputFile::~AtomicOutputFile() {
  if (committed_) return;
  out_.close();
  std::error_code ec;
  fs::remove(tmp_, ec);
}

void AtomicOutputFile::commit() {
  out_.flush();
  out_.close();
  if (out_.fail()) throw RuntimeError(fmt::format("{}: writing failed (disk full?)", tmp_.string()));
  std::error_code ec;
  fs::rename(tmp_, path_, ec);
  if (ec) throw RuntimeError(fmt::format("{}: cannot rename the finished file into place: {}", path_.string(), ec.message()));
  committed_ = true;
}

void write_text_atomically(const fs::path& path, std::string_view text) {
  AtomicOutputFile f(path);
  f.stream().write(text.data(), static_cast<std::streamsize>(text.size()));
  f.commit();
}

}  // namespace cxsim::core
