// runtime/stack_traces.hpp — stacks for error reports: the stack where an exception was
// thrown inside a remote call (recorded by a hook on __cxa_allocate_exception, only while
// a remote call runs on the thread), symbolized by Boost.Stacktrace (libbacktrace), and
// the terminate handler that prints weft::describe of an uncaught exception.
#pragma once
#include <string>
#include <vector>

namespace weft::rt {

/// While alive, exceptions thrown on this thread record their stack (run_job holds one
/// around a remote call's code). Nests; cheap (a thread-local counter).
class TraceScope {
  public:
    TraceScope() noexcept;
    ~TraceScope();
    TraceScope(const TraceScope&) = delete;
    TraceScope& operator=(const TraceScope&) = delete;
};

/// The symbolized stack recorded when the exception object at `object` was thrown, from
/// the throw point out to the remote call's entry; empty if none was recorded.
std::vector<std::string> thrown_stack(const void* object);

/// The calling thread's stack, innermost first, without the `skip` innermost frames.
std::vector<std::string> current_stack(int skip);

/// Installs the std::terminate handler (weft::init): an uncaught exception prints
/// weft::describe of it (and where it was thrown) and the process exits with status 1.
void install_terminate_handler();

}  // namespace weft::rt
