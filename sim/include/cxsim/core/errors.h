#pragma once
// Typed errors. Library code throws; only main() maps them to exit codes.
#include <stdexcept>
#include <string>

#include "cxsim/core/diagnostics.h"

namespace cxsim::core {

enum class ExitCode : int { ok = 0, runtime_failure = 1, bad_input = 2 };

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual ExitCode exit_code() const { return ExitCode::runtime_failure; }
};

// The user's input is wrong (a file, a flag value). Exit code 2.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message) {}
  explicit InputError(Diagnostics diags);
  ExitCode exit_code() const override { return ExitCode::bad_input; }
  const Diagnostics& diagnostics() const { return diags_; }

 private:
  Diagnostics diags_;
};

// Something failed while running (I/O, a numerical breakdown). Exit code 1.
class RuntimeError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::runtime_failure; }
};

// The command was stopped by a signal (SIGINT, SIGTERM, SIGHUP) before its
// outputs were committed. Exit code 128 + the signal number (130, 143, 129).
class Interrupted : public Error {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }
  ExitCode exit_code() const override { return static_cast<ExitCode>(128 + signal_); }

 private:
  int signal_;
};

}  // namespace cxsim::core
