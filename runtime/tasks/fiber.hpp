// runtime/tasks/fiber.hpp — the fiber primitives the runtime is built on: starting a task
// (a fiber on the runtime thread) and Event, a one-shot wake-up for waiting tasks. No
// Asio here, so most runtime files stay cheap to compile.
#pragma once
#include <chrono>
#include <cstddef>
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

/// Tasks of this process started by launch and not ended yet, and tasks (the main one
/// included) suspended waiting: on an Event (a Future's fetch, a remote call's reply), a
/// Condition (a Channel's put or take) or a sleep. Read by the dashboard; kept by
/// BlockedWhile around each suspension (a relaxed atomic add: no cost worth measuring
/// beside the context switch it brackets).
std::size_t tasks_live();
std::size_t tasks_blocked();
struct BlockedWhile {
    BlockedWhile();
    ~BlockedWhile();
    BlockedWhile(const BlockedWhile&) = delete;
    BlockedWhile& operator=(const BlockedWhile&) = delete;
};

/// Around a wait that is the runtime's own (a worker's main task idling until exit, the
/// dashboard waiting for reports): not counted among the blocked tasks.
struct WaitUncounted {
    WaitUncounted();
    ~WaitUncounted();
    WaitUncounted(const WaitUncounted&) = delete;
    WaitUncounted& operator=(const WaitUncounted&) = delete;
};

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
