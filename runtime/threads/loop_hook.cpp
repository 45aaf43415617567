// runtime/threads/loop_hook.cpp — the fiber-aware end-of-loop wait of weft::threads
// (DESIGN §3): when thread 0 of a parallel_for is a task of the runtime thread and the
// other threads are not done, the task suspends on a Boost.Fiber condition variable
// instead of the thread sleeping, so the process keeps serving remote calls and running
// its other tasks. The pool thread that finishes last notifies from its own thread:
// Boost.Fiber hands the wake-up to the runtime thread's scheduler (AsioAlgo::notify posts
// to the io_context), never touching the runtime's state itself.
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>

#include <mutex>
#include <thread>

#include "tasks/fiber.hpp"
#include "threads/pool.hpp"

namespace weft::rt {
namespace {
namespace bf = boost::fibers;

// The pool serves one loop at a time, so one waiter at most. Also correct for a loop
// started by a plain thread: Boost.Fiber gives every thread a main context that can wait.
bf::mutex g_mutex;
bf::condition_variable g_cv;

void wait_loop_end(bool (*done)(const void*), const void* arg) {
    if (on_runtime_thread() && !in_task()) {  // the scheduler itself cannot suspend
        while (!done(arg)) std::this_thread::yield();
        return;
    }
    std::unique_lock lock(g_mutex);
    g_cv.wait(lock, [&] { return done(arg); });
}

void wake_loop_end() {
    { std::lock_guard lock(g_mutex); }  // the waiter is either before its check or waiting
    g_cv.notify_all();
}

const threads::detail::LoopWaitHook g_hook{&wait_loop_end, &wake_loop_end};
}  // namespace

void install_thread_loop_hook() { threads::detail::set_loop_wait_hook(&g_hook); }

}  // namespace weft::rt
