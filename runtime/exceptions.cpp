// runtime/exceptions.cpp — weft's exception types and the capture of a caught exception
// as {type, message, pid} for the wire.
#include "weft/exceptions.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

#include "weft/cluster.hpp"

namespace weft {
namespace {
std::string remote_text(const CapturedException& c) {
    return "On worker " + std::to_string(c.pid) + ": " + c.type + ": " + c.message;
}
/// Julia's showerror of a CompositeException: the first error, then how many more.
std::string composite_text(const std::vector<std::exception_ptr>& errors) {
    if (errors.empty()) return "no errors collected";
    std::string s;
    try {
        std::rethrow_exception(errors.front());
    } catch (const std::exception& x) {
        s = detail::demangle(typeid(x).name()) + ": " + x.what();
    } catch (...) {
        s = "unknown exception";
    }
    if (errors.size() > 1)
        s += "\n...and " + std::to_string(errors.size() - 1) +
             (errors.size() == 2 ? " more exception" : " more exceptions") + " (CompositeException::exceptions() lists all)";
    return s;
}
}  // namespace

RemoteException::RemoteException(CapturedException c) : std::runtime_error(remote_text(c)), captured_(std::move(c)) {}

ProcessExitedException::ProcessExitedException(int pid, const std::string& detail)
    : std::runtime_error("process " + std::to_string(pid) + " exited" + (detail.empty() ? "" : ": " + detail) +
                         " (seen on process " + std::to_string(myid()) + ")"),
      pid_(pid) {}

TimeoutError::TimeoutError(int pid, const std::string& what_waited)
    : std::runtime_error("process " + std::to_string(pid) + " did not answer in time: " + what_waited +
                         " (seen on process " + std::to_string(myid()) + "; the call may still run there)"),
      pid_(pid) {}

CompositeException::CompositeException(std::vector<std::exception_ptr> errors)
    : std::runtime_error(composite_text(errors)), errors_(std::move(errors)) {}

InterruptException::InterruptException(int pid)
    : std::runtime_error("interrupted by weft::interrupt on process " + std::to_string(pid)) {}

namespace detail {
std::string demangle(const char* mangled) {
    int status = 0;
    char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
    std::string out = status == 0 && d ? d : mangled;
    std::free(d);
    if (out.rfind("std::__cxx11::", 0) == 0) out = "std::" + out.substr(14);
    return out;
}

CapturedException capture_current_exception() {
    CapturedException c;
    c.pid = myid();
    try {
        throw;
    } catch (const std::exception& e) {
        c.type = demangle(typeid(e).name());
        c.message = e.what();
    } catch (...) {
        auto* t = abi::__cxa_current_exception_type();
        c.type = t ? demangle(t->name()) : "unknown exception";
        c.message = "(not a std::exception)";
    }
    return c;
}
}  // namespace detail
}  // namespace weft
