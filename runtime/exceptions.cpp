// runtime/exceptions.cpp — weft's exception types, the capture of a caught exception as
// {type, message, process, stack} for the wire, and weft::describe's reports.
#include "weft/exceptions.hpp"

#include <cxxabi.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <ostream>
#include <typeinfo>

#include "stack_traces.hpp"
#include "weft/cluster.hpp"
#include "weft/remotecall.hpp"

namespace weft {
namespace {
std::string remote_text(const CapturedException& c, const CallSite& site) {
    std::string s = "On worker " + std::to_string(c.pid) + ": " + c.type + ": " + c.message;
    std::string extra;
    if (c.index >= 0) extra = (c.index_of == "weft::pmap" ? "element " : "index ") + std::to_string(c.index) + " of " + c.index_of;
    if (site.known()) extra += (extra.empty() ? "" : ", ") + std::string("called at ") + site.str(true);
    if (!extra.empty()) s += " (" + extra + ")";
    return s;
}

std::string host_name() {
    char h[256] = {};
    if (::gethostname(h, sizeof h - 1) != 0) return {};
    return h;
}

std::string indent(const std::string& text, const std::string& pad) {
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        out += pad + text.substr(at, nl - at) + "\n";
        at = nl + 1;
    }
    return out;
}

std::string remote_report(const RemoteException& e) {
    const CapturedException& c = e.captured();
    std::string s = "weft::RemoteException: " + std::string(e.what()) + "\n";
    s += "  worker:     " + std::to_string(c.pid);
    if (!c.host.empty() || c.os_pid)
        s += " (host " + (c.host.empty() ? std::string("?") : c.host) + ", pid " + std::to_string(c.os_pid) + ")";
    s += "\n  exception:  " + c.type + ": " + c.message + "\n";
    if (c.index >= 0)
        s += std::string("  ") + (c.index_of == "weft::pmap" ? "element:    " : "index:      ") +
             std::to_string(c.index) + " of " + c.index_of + "\n";
    if (e.call_site().known()) {
        s += "  called at:  " + e.call_site().str();
        if (e.call_site().function && *e.call_site().function) s += std::string(" in ") + e.call_site().function;
        s += "\n";
    }
    if (c.stack.empty()) {
        s += "  remote stack: not recorded (thrown outside the remote call's task, or not a std::exception)\n";
    } else {
        s += "  remote stack (worker " + std::to_string(c.pid) + ", innermost first):\n";
        for (std::size_t i = 0; i < c.stack.size(); ++i) s += "    #" + std::to_string(i) + " " + c.stack[i] + "\n";
    }
    return s;
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

namespace {
/// Calls weft's own headers make for the user (darray, channels, pools...) capture a
/// location inside weft: that is not the user's line, so it is not reported.
CallSite users_site(CallSite s) {
    if (s.file && (std::strstr(s.file, "/include/weft/") || std::strstr(s.file, "include/weft/detail/")))
        return CallSite(nullptr, 0, 0);
    return s;
}
}  // namespace

RemoteException::RemoteException(CapturedException c, CallSite site)
    : std::runtime_error(remote_text(c, users_site(site))), captured_(std::move(c)), site_(users_site(site)) {}

std::string CallSite::str(bool short_name) const {
    if (!known()) return {};
    std::string f = file;
    if (short_name) {
        auto slash = f.find_last_of('/');
        if (slash != std::string::npos) f.erase(0, slash + 1);
    }
    return f + ":" + std::to_string(line) + (column ? ":" + std::to_string(column) : std::string());
}

std::string describe(const std::exception& e) {
    if (auto* r = dynamic_cast<const RemoteException*>(&e)) return remote_report(*r);
    if (auto* c = dynamic_cast<const CompositeException*>(&e)) {
        std::string s = "weft::CompositeException: " + std::to_string(c->exceptions().size()) + " error(s):\n";
        for (std::size_t i = 0; i < c->exceptions().size(); ++i)
            s += "  [" + std::to_string(i + 1) + "]\n" + indent(describe(c->exceptions()[i]), "    ");
        return s;
    }
    return detail::demangle(typeid(e).name()) + ": " + e.what() + "\n";
}

std::string describe(std::exception_ptr e) {
    if (!e) return "no exception\n";
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return describe(x);
    } catch (...) {
        auto* t = abi::__cxa_current_exception_type();
        return (t ? detail::demangle(t->name()) : std::string("unknown exception")) + " (not a std::exception)\n";
    }
}

std::ostream& operator<<(std::ostream& os, const RemoteException& e) { return os << describe(e); }

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
namespace {
/// The last note_failed_index on this thread; used only for the same exception object.
struct FailedIndex {
    const void* object = nullptr;
    std::int64_t index = -1;
    const char* of = nullptr;
};
thread_local FailedIndex t_failed;
}  // namespace

void note_failed_index(const std::exception& e, std::int64_t index, const char* of) noexcept {
    t_failed = {dynamic_cast<const void*>(&e), index, of};
}

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
    static const std::string host = host_name();
    c.host = host;
    c.os_pid = ::getpid();
    try {
        throw;
    } catch (const std::exception& e) {
        c.type = demangle(typeid(e).name());
        c.message = e.what();
        // The thrown object is the most-derived object: the key of its recorded stack.
        const void* object = dynamic_cast<const void*>(&e);
        c.stack = rt::thrown_stack(object);
        if (t_failed.object == object) {
            c.index = t_failed.index;
            c.index_of = t_failed.of;
            t_failed = {};
        }
    } catch (...) {
        auto* t = abi::__cxa_current_exception_type();
        c.type = t ? demangle(t->name()) : "unknown exception";
        c.message = "(not a std::exception)";
    }
    return c;
}
void rethrow_not_registered(const std::logic_error& e, const CallSite& site) {
    const CallSite at = users_site(site);
    if (!at.known()) throw;  // the original error, as it is
    std::string what = e.what();
    const std::size_t cut = what.find(';');  // "f is not registered for remote calls; add ..."
    what.insert(cut == std::string::npos ? what.size() : cut, " (called at " + at.str() + ")");
    throw std::logic_error(what);
}

}  // namespace detail
}  // namespace weft
