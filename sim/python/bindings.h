#pragma once
// The Python module `cxsim` (docs/python.md), one file per area:
//   module.cpp    exceptions (InputError, RuntimeError, Interrupted), Diagnostic
//   load.cpp      load_journey, load_scenario, validate
//   analyze.cpp   analyze: the exact analytics of a journey, as `cxsim analyze --json`
//   run.cpp       run: a journey or scenario to a results file, as `cxsim run`
//   results.cpp   read_results, summary, comparison: a results file as Python objects
//   calibrate.cpp calibrate: data to a fitted journey, as `cxsim calibrate`
#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <mutex>
#include <optional>
#include <utility>

#include "cxsim/core/errors.h"

namespace cxsim::python {

namespace py = pybind11;

void register_load(py::module_& m);
void register_analyze(py::module_& m);
void register_run(py::module_& m);
void register_results(py::module_& m);
void register_calibrate(py::module_& m);

// The Debian HDF5 is built without thread safety (cxsim/io/h5.h): every call
// of the module that opens an HDF5 file holds this lock, so two Python threads
// running cxsim.run (or reading results) at once take turns instead of
// corrupting the library's state. Simulation itself runs with the GIL released.
std::mutex& hdf5_mutex();

// Runs work(stop) on a worker thread with the GIL released while the calling
// thread polls for signals every 50 ms. On Ctrl-C (a Python signal handler
// raising, normally KeyboardInterrupt) *stop is set to SIGINT, which the
// library polls (at chunk boundaries, between calibration stages); once the
// work has stopped (core::Interrupted) the Python exception is raised. Other
// exceptions of the work propagate (and are translated) as they are.
template <class Work>
auto interruptible(Work&& work) {
  using Result = decltype(work(static_cast<const std::atomic<int>*>(nullptr)));
  std::atomic<int> stop{0};
  std::optional<py::error_already_set> interrupt;  // destroyed with the GIL held
  std::optional<Result> out;
  {
    py::gil_scoped_release release;
    auto done = std::async(std::launch::async, [&] { return work(&stop); });
    while (done.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
      if (interrupt) continue;
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) {
        interrupt.emplace();  // takes the raised exception
        stop.store(SIGINT);
      }
    }
    try {
      out.emplace(done.get());
    } catch (const core::Interrupted&) {
      if (!interrupt) throw;
    }
  }
  if (interrupt) throw std::move(*interrupt);
  return std::move(*out);
}

}  // namespace cxsim::python
