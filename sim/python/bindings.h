#pragma once
// The Python module `cxsim` (docs/python.md), one file per area:
//   module.cpp    exceptions (InputError, RuntimeError, Interrupted), Diagnostic
//   load.cpp      load_journey, load_scenario, validate
//   analyze.cpp   analyze: the exact analytics of a journey, as `cxsim analyze --json`
//   run.cpp       run: a journey or scenario to a results file, as `cxsim run`
//   results.cpp   read_results, summary, comparison: a results file as Python objects
#include <pybind11/pybind11.h>

#include <mutex>

namespace cxsim::python {

namespace py = pybind11;

void register_load(py::module_& m);
void register_analyze(py::module_& m);
void register_run(py::module_& m);
void register_results(py::module_& m);

// The Debian HDF5 is built without thread safety (cxsim/io/h5.h): every call
// of the module that opens an HDF5 file holds this lock, so two Python threads
// running cxsim.run (or reading results) at once take turns instead of
// corrupting the library's state. Simulation itself runs with the GIL released.
std::mutex& hdf5_mutex();

}  // namespace cxsim::python
