#pragma once
// Opening a file cxsim wrote (results, exact analytics) for reading, with
// every check done once, in one place, for `inspect`, `report` and the
// library's readers (docs/results-format.md, "Integrity"):
//
//  * the path is a regular, non-empty file (a directory, /dev/zero, a FIFO
//    or an empty file is named for what it is);
//  * the integrity block (the HDF5 user block, written by AtomicFile::commit:
//    CRC-32 and length of everything after it) is verified before HDF5 reads
//    a byte; a file without one (format 1.1 and older) is read with bounded
//    reads only;
//  * it is HDF5, its `filetype` is one of the expected ones, its
//    `format_version_major` is this cxsim's and every attribute of the
//    version has the right type;
//  * it holds hard links only (no soft, external or user-defined links).
//
// Every refusal is a core::InputError (exit 2) with one line naming the file
// and what is wrong; HDF5's error stack is never printed.
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"

namespace cxsim::io {

enum class Integrity {
  verified,  // the integrity block matched: the bytes are those cxsim wrote
  absent,    // a file written before format 1.2: bounded reads only
};

struct OpenedResults {
  File file;
  std::string filetype;        // "cxsim-results", "cxsim-analytics", ...
  std::string format_version;  // "1.2"
  Integrity integrity = Integrity::absent;
};

// See above. `filetypes`: the accepted values of the root `filetype`.
OpenedResults open_results(const std::filesystem::path& path, std::initializer_list<std::string_view> filetypes);

// Checks the integrity block of a file without opening it as HDF5:
// Integrity::absent when it has none; InputError when it has one that does
// not match (or is damaged), or the file is not a regular, non-empty file.
Integrity check_integrity(const std::filesystem::path& path);

// True if `path` is a regular file that starts like a file cxsim wrote or
// any HDF5 file (integrity block or HDF5 signature). Reads nothing from
// anything but a regular file (a FIFO keeps its data), never throws. For
// commands that read text (`analyze`) to say what they were given.
bool looks_like_hdf5(const std::filesystem::path& path) noexcept;

// Runs `read` (code reading an already opened results file) and turns the io
// layer's core::RuntimeError (a dataset of the wrong kind, a missing path,
// an unreadable or damaged object) into a core::InputError (exit 2): the
// file, not the machine, is at fault.
std::string malformed_message(const std::filesystem::path& path, std::string_view what);
template <class Read>
decltype(auto) reading_results(const std::filesystem::path& path, Read&& read) {
  try {
    return std::forward<Read>(read)();
  } catch (const core::RuntimeError& e) {
    throw core::InputError(malformed_message(path, e.what()));
  }
}

}  // namespace cxsim::io
