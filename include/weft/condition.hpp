// weft/condition.hpp — Condition: a fiber-aware condition variable for the tasks of one
// process (Julia's Condition). wait() suspends only the calling task.
#pragma once
#include <cstddef>
#include <deque>

namespace weft {

/// Tasks wait on it until another task notifies. Not thread-safe: use it from the tasks
/// of this process's runtime thread (as everything in weft except weft::threads).
/// Example: `while (!ready) cond.wait();` in one task, `ready = true; cond.notify_all();`
/// in another.
class Condition {
  public:
    Condition() = default;
    Condition(const Condition&) = delete;
    Condition& operator=(const Condition&) = delete;
    ~Condition();

    /// Suspends the calling task until notify_one/notify_all wakes it (no spurious wake-ups
    /// from weft, but re-check your predicate: another task may run first).
    void wait();
    /// Waits until pred() is true.
    template <class Pred>
    void wait(Pred pred) {
        while (!pred()) wait();
    }
    /// Wakes the task that waited longest, if any; returns whether one was waiting.
    bool notify_one();
    /// Wakes every waiting task; returns how many.
    std::size_t notify_all();
    std::size_t waiting() const { return waiters_.size(); }

  private:
    std::deque<void*> waiters_;  // boost::fibers::context*
};

}  // namespace weft
