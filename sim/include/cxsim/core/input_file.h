#pragma once
// Reading a whole input file once, through one descriptor and a bounded
// buffer, whatever the file is: a regular file, a pipe (`<(cat j.yaml)`,
// /dev/stdin), a FIFO or a character device (/dev/zero). The file is opened
// once and never seeked or re-opened, so a pipe or FIFO gives its content
// exactly once; at most `max_bytes` + 1 bytes are read, so an endless source
// stops at the limit instead of growing memory.
#include <cstddef>
#include <string>

#include "cxsim/core/errors.h"

namespace cxsim::core {

// A file that cannot be read as an input: missing, a directory, unreadable or
// larger than the limit. An InputError (exit 2) that also carries the file
// name and the reason alone, for callers that report it at a location.
class InputFileError : public InputError {
 public:
  InputFileError(std::string file, std::string reason)
      : InputError(file + ": " + reason), file_(std::move(file)), reason_(std::move(reason)) {}
  const std::string& file() const { return file_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  std::string reason_;
};

// "file is 5.0 MiB; input files are limited to 4 MiB" (sizes in MiB, 2^20
// bytes); when the size is not known (a pipe or device that went past the
// limit), "more than" the limit.
std::string too_large_message(std::size_t size, std::size_t limit, bool size_known = true);

// The whole content of `path`, at most `max_bytes` bytes. `expected` names
// what the file should be, for the directory message ("a YAML file").
// Throws InputFileError: "no such file", "is a directory, expected <expected>",
// "cannot be opened for reading: <reason>", "read error: <reason>" or the
// too-large message.
std::string read_input_file(const std::string& path, std::size_t max_bytes, const std::string& expected = "a file");

}  // namespace cxsim::core
