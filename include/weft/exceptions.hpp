// weft/exceptions.hpp — the errors weft raises. Each what() says what happened, where
// (the process id) and, for user mistakes, what to do.
#pragma once
#include <exception>
#include <memory>
#include <stdexcept>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "call_site.hpp"

namespace weft {

/// What a remote process caught: the exception's type name, its message, the process it
/// happened on and the stack where it was thrown.
struct CapturedException {
    std::string type;     ///< demangled dynamic type, e.g. "std::out_of_range"
    std::string message;  ///< the original what()
    int pid = 0;          ///< weft process id where it was thrown
    std::string host;     ///< that process's host name
    std::int64_t os_pid = 0;  ///< that process's operating-system pid
    /// Symbolized frames from the throw point outwards ("f(int) at a.cpp:12"), up to the
    /// remote call's entry; empty when not captured (see docs/runtime.md, Errors).
    std::vector<std::string> stack;
    /// What failed in a pmap or distributed loop: the element's index (pmap, set on the
    /// caller) or the loop index (distributed_for/reduce); -1 otherwise.
    std::int64_t index = -1;
    std::string index_of;  ///< "weft::pmap", "weft::distributed_for", ... ("" with index -1)
    template <class A>
    void serialize(A& ar) { ar(type, message, pid, host, os_pid, stack, index, index_of); }
};

/// An exception thrown by a function that ran on another process (or by a remote call
/// run locally). `what()` is one line, `On worker N: <type>: <message>`, followed by
/// ` (element I of weft::pmap, called at file.cpp:L)` where those are known;
/// weft::describe(e) prints the full report with the remote stack.
class RemoteException : public std::runtime_error {
  public:
    explicit RemoteException(CapturedException c, CallSite site = CallSite(nullptr, 0, 0));
    int pid() const noexcept { return captured_.pid; }
    const CapturedException& captured() const noexcept { return captured_; }
    /// Where the caller started the call that failed (CallSite::known() false if unknown).
    const CallSite& call_site() const noexcept { return site_; }

  private:
    CapturedException captured_;
    CallSite site_;
};

/// The process a call or reference depends on has exited (or its connection broke).
class ProcessExitedException : public std::runtime_error {
  public:
    explicit ProcessExitedException(int pid, const std::string& detail = {});
    int pid() const noexcept { return pid_; }

  private:
    int pid_;
};

/// A call's answer did not come within the timeout its caller gave
/// (`remotecall_fetch(CallOptions{timeout}, ...)`, `PmapOptions::timeout`). The call may
/// still run, or have run, on `pid`: a process that does not answer may be stopped,
/// overloaded or cut off. `what()` names the process, the timeout and what was waited for.
class TimeoutError : public std::runtime_error {
  public:
    TimeoutError(int pid, const std::string& what_waited);
    int pid() const noexcept { return pid_; }

  private:
    int pid_;
};

/// Several exceptions collected from tasks (sync) or processes (everywhere).
class CompositeException : public std::runtime_error {
  public:
    explicit CompositeException(std::vector<std::exception_ptr> errors);
    const std::vector<std::exception_ptr>& exceptions() const noexcept { return errors_; }

  private:
    std::vector<std::exception_ptr> errors_;
};

/// An operation on an object in the wrong state: a closed channel, a Future set twice,
/// a finalized Future.
class InvalidStateException : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

/// Thrown into a task on a worker that `weft::interrupt` reached while the task was
/// blocked in a weft operation (or at its next `weft::yield()`).
class InterruptException : public std::runtime_error {
  public:
    explicit InterruptException(int pid);
};

/// The full report of an exception, several lines: for a RemoteException the worker
/// (id, host, pid), the exception, the pmap element or loop index, the call site and the
/// remote stack; for a CompositeException each of its errors; else `<type>: <what()>`.
/// Does not block; thread-safe.
/// Example: `catch (const std::exception& e) { std::cerr << weft::describe(e); }`
std::string describe(const std::exception& e);
/// The same for an exception_ptr (also non-std exceptions).
std::string describe(std::exception_ptr e);
/// Writes describe(e).
std::ostream& operator<<(std::ostream& os, const RemoteException& e);

namespace detail {
/// Captures the exception currently being handled (call inside a catch block), with the
/// stack recorded where it was thrown if that was inside a remote call.
CapturedException capture_current_exception();
/// Notes that the exception `e`, on its way out of a remote call, failed at loop index
/// `index` of `of` ("weft::distributed_for"): capture_current_exception reports it.
void note_failed_index(const std::exception& e, std::int64_t index, const char* of) noexcept;
/// Demangled name of a type_info.
std::string demangle(const char* mangled);
}  // namespace detail
}  // namespace weft
