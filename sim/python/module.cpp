// The Python module `cxsim`: the exception classes, the Diagnostic type and
// the registration of every area (bindings.h, docs/python.md).
#include <exception>

#include <pybind11/stl.h>

#include "bindings.h"
#include "cxsim/core/diagnostics.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/version.h"

namespace cxsim::python {

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

namespace {

// The exception classes, created once when the module is imported and kept
// for the life of the interpreter (the translator below is a plain function).
PyObject* g_input_error = nullptr;
PyObject* g_runtime_error = nullptr;

py::object diagnostic_object(const core::Diagnostic& d) { return py::cast(d); }

// Raises cxsim.InputError carrying the diagnostics; the first error's place
// (or the first diagnostic's) is also on the exception itself.
void raise_input_error(const core::InputError& e) {
  py::object exc = py::reinterpret_borrow<py::object>(g_input_error)(e.what());
  py::list diags;
  const core::Diagnostic* first = nullptr;
  for (const auto& d : e.diagnostics().items()) {
    diags.append(diagnostic_object(d));
    if (first == nullptr && d.severity == core::Severity::error) first = &d;
  }
  if (first == nullptr && !e.diagnostics().items().empty()) first = &e.diagnostics().items().front();
  exc.attr("diagnostics") = diags;
  exc.attr("file") = first ? py::object(py::str(first->loc.file)) : py::none();
  exc.attr("line") = first ? py::object(py::int_(first->loc.line)) : py::none();
  exc.attr("column") = first ? py::object(py::int_(first->loc.column)) : py::none();
  exc.attr("key_path") = first ? py::object(py::str(first->key_path)) : py::none();
  exc.attr("message") = first ? py::str(first->message) : py::str(e.what());
  exc.attr("suggestion") = first ? py::object(py::str(first->suggestion)) : py::none();
  PyErr_SetObject(g_input_error, exc.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const core::InputError& e) {
    raise_input_error(e);
  } catch (const core::Interrupted& e) {
    PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
  } catch (const core::Error& e) {
    PyErr_SetString(g_runtime_error, e.what());
  }
}

py::object make_class(const char* name, py::tuple bases, const char* doc) {
  py::dict ns;
  ns["__module__"] = "cxsim";
  ns["__doc__"] = doc;
  return py::module_::import("builtins").attr("type")(name, bases, ns);
}

}  // namespace

}  // namespace cxsim::python

PYBIND11_MODULE(cxsim, m) {
  namespace py = pybind11;
  using namespace cxsim;
  using namespace cxsim::python;
  m.doc() =
      "cxsim: customer-journey Monte Carlo simulation and exact absorbing-chain analytics (docs/python.md). "
      "The same library as the `cxsim` command: the same inputs give the same bits.";
  m.attr("__version__") = core::tool_version;

  const py::object builtins = py::module_::import("builtins");
  const py::object error =
      make_class("Error", py::make_tuple(builtins.attr("Exception")), "Base class of the errors cxsim raises.");
  const py::object input_error = make_class(
      "InputError", py::make_tuple(error, builtins.attr("ValueError")),
      "The input is wrong (a journey, scenario or results file, an argument): the `cxsim` command's exit 2.\n\n"
      "Attributes: diagnostics (list of Diagnostic, every problem found), and of the first error: file, line, "
      "column, key_path, message, suggestion (None or 0 when unknown).");
  const py::object runtime_error =
      make_class("RuntimeError", py::make_tuple(error, builtins.attr("RuntimeError")),
                 "Something failed while running (I/O, a numerical breakdown): the `cxsim` command's exit 1.");
  g_input_error = input_error.inc_ref().ptr();
  g_runtime_error = runtime_error.inc_ref().ptr();
  m.attr("Error") = error;
  m.attr("InputError") = input_error;
  m.attr("RuntimeError") = runtime_error;
  py::register_exception_translator(&translate);

  py::class_<core::Diagnostic>(m, "Diagnostic",
                               "One problem found in an input: where it is, the key path, what is wrong and a close "
                               "valid alternative.")
      .def_property_readonly(
          "severity",
          [](const core::Diagnostic& d) { return d.severity == core::Severity::error ? "error" : "warning"; },
          "'error' or 'warning'")
      .def_property_readonly(
          "file", [](const core::Diagnostic& d) { return d.loc.file; }, "the file, as given")
      .def_property_readonly(
          "line", [](const core::Diagnostic& d) { return d.loc.line; }, "1-based line (0: unknown)")
      .def_property_readonly(
          "column", [](const core::Diagnostic& d) { return d.loc.column; }, "1-based column (0: unknown)")
      .def_readonly("key_path", &core::Diagnostic::key_path, "e.g. 'touchpoints.checkout.next' (may be empty)")
      .def_readonly("message", &core::Diagnostic::message, "what is wrong and what was expected")
      .def_readonly("suggestion", &core::Diagnostic::suggestion, "did you mean ...? (empty when none)")
      .def("__str__", &core::Diagnostic::format)
      .def("__repr__", [](const core::Diagnostic& d) { return "<cxsim.Diagnostic " + d.format() + ">"; });

  register_load(m);
  register_analyze(m);
  register_run(m);
  register_results(m);
  register_calibrate(m);
}
