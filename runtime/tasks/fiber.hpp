// runtime/tasks/fiber.hpp — the fiber primitives the runtime is built on: starting a task
// (a fiber on the runtime thread) and Event, a one-shot wake-up for waiting tasks. No
// Asio here, so most runtime files stay cheap to compile.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace boost::fibers { class context; }

namespace weft::rt {

/// Creates the scheduler (fibers driven by Asio) on the calling thread, which becomes
/// this process's runtime thread. Called once by weft::init.
void install_scheduler();
bool scheduler_installed();
/// True on the thread that owns the scheduler and every socket.
bool on_runtime_thread();
/// True when the caller is a task that may block (not the scheduler's own dispatcher).
bool in_task();

/// Called each time the scheduler is about to poll or wait for I/O (one hook).
void set_before_poll(void (*hook)());
/// True when other tasks are ready to run (a send may then wait for them to batch).
bool other_tasks_ready();
/// True when a task (not the scheduler's dispatcher, which is queued whenever a task it
/// resumed runs, so other_tasks_ready() is true in every task) is ready to run.
bool ready_tasks();

/// Starts fn as a new task; it runs once the current one blocks or yields. An exception
/// escaping fn is logged (it cannot propagate anywhere).
void launch(std::function<void()> fn);
/// Runs fn on the runtime thread (posted; callable from any thread).
void post_to_runtime(std::function<void()> fn);

/// A one-shot event for tasks of the runtime thread: wait() suspends the calling task
/// until set(); set() wakes every waiter (callable from I/O handlers too). Not
/// thread-safe: use on the runtime thread only.
class Event {
  public:
    Event() = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    void wait();
    /// Waits at most `d`; returns false on timeout.
    bool wait_for(std::chrono::nanoseconds d);
    void set();
    bool is_set() const { return set_; }
    void reset() { set_ = false; }

  private:
    bool set_ = false;
    std::vector<boost::fibers::context*> waiters_;
};

}  // namespace weft::rt
