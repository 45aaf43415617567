// runtime/threads/hooks.hpp — what the rest of the runtime needs from runtime/threads:
// installing the fiber-aware end-of-loop wait, and the cheap check that keeps weft's
// blocking operations out of threadcall threads (SPEC §4.12).
#pragma once

namespace weft::rt {

/// Makes a parallel_for started by a task of the runtime thread suspend that task (not
/// the thread) while the pool's other threads finish, so the process keeps serving
/// remote calls (runtime/threads/loop_hook.cpp). Called once by weft::init.
void install_thread_loop_hook();

/// True on a thread of the threadcall pool (runtime/threads/threadcall.cpp).
extern thread_local bool tls_in_threadcall;

/// Throws std::logic_error: `operation` was called inside a threadcall.
[[noreturn]] void threadcall_misuse(const char* operation);

/// Called by every weft operation that may suspend the calling task (and by those that
/// touch the runtime's sockets): a threadcall thread is no task and must not use them.
inline void check_not_in_threadcall(const char* operation) {
    if (tls_in_threadcall) [[unlikely]] threadcall_misuse(operation);
}

}  // namespace weft::rt
