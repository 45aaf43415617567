// weft/exceptions.hpp — the errors weft raises. Each what() says what happened, where
// (the process id) and, for user mistakes, what to do.
#pragma once
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft {

/// What a remote process caught: the exception's type name, its message and the
/// process it happened on.
struct CapturedException {
    std::string type;     ///< demangled dynamic type, e.g. "std::out_of_range"
    std::string message;  ///< the original what()
    int pid = 0;          ///< where it was thrown
    template <class A>
    void serialize(A& ar) { ar(type, message, pid); }
};

/// An exception thrown by a function that ran on another process (or by a remote call
/// run locally). `what()` is `On worker N: <type>: <message>`.
class RemoteException : public std::runtime_error {
  public:
    explicit RemoteException(CapturedException c);
    int pid() const noexcept { return captured_.pid; }
    const CapturedException& captured() const noexcept { return captured_; }

  private:
    CapturedException captured_;
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

namespace detail {
/// Captures the exception currently being handled (call inside a catch block).
CapturedException capture_current_exception();
/// Demangled name of a type_info.
std::string demangle(const char* mangled);
}  // namespace detail
}  // namespace weft
