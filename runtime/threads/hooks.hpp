// runtime/threads/hooks.hpp — what the rest of the runtime needs from runtime/threads:
// installing the fiber-aware end-of-loop wait, and the cheap check that keeps weft's
// blocking operations out of threadcall threads (SPEC §4.12).
#pragma once

namespace weft::rt {

/// Makes a parallel_for started by a task of the runtime thread suspend that task (not
/// the thread) while the pool's other threads finish, so the process keeps serving
/// remote calls (runtime/threads/loop_hook.cpp). Called once by weft::init.
void install_thread_loop_hook();

/// What runs on this thread when it is a plain thread that is no weft task: "a
/// threadcall" on the threadcall pool's threads, "a weft::threads loop body" on the
/// thread pool's; null on every other thread (runtime/threads/threads.cpp).
extern thread_local const char* tls_not_a_task;

/// Throws std::logic_error: `operation` was called where tls_not_a_task says.
[[noreturn]] void not_a_task_misuse(const char* operation);

/// Called by every weft operation that may suspend the calling task (and by those that
/// touch the runtime's sockets): threadcall and loop pool threads are no tasks and must
/// not use them.
inline void check_not_in_threadcall(const char* operation) {
    if (tls_not_a_task) [[unlikely]] not_a_task_misuse(operation);
}

}  // namespace weft::rt
