// weft/task.hpp — local cooperative tasks (Julia's Task, @async, @sync, yield, sleep).
// Every task is a fiber on the process's runtime thread: a blocking weft operation
// suspends only the task that called it.
#pragma once
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace weft {

namespace detail {
class TaskCore;  // runtime-owned: done flag, waiters, exception
/// Starts `body` as a new task (runs once the caller blocks or yields).
std::shared_ptr<TaskCore> start_task(std::function<void()> body);
void task_wait(TaskCore&);  ///< waits; rethrows the task's exception
bool task_done(const TaskCore&);
void sync_track_task(std::shared_ptr<TaskCore>);
/// Opens a sync scope on the current task; sync_end waits for what was started in it and
/// throws (the block's error, or CompositeException of all errors).
void* sync_begin();
void sync_end(void* scope, std::exception_ptr block_error);
void sleep_ns(long long ns);
template <class R>
using slot_t = std::conditional_t<std::is_void_v<R>, char, R>;
}  // namespace detail

/// A handle to a local task returning R (Julia's Task). Copyable; copies share the task.
/// Use fetch/wait/istaskdone from tasks of the same process.
template <class R>
class Task {
  public:
    Task() = default;
    Task(std::shared_ptr<detail::TaskCore> c, std::shared_ptr<std::optional<detail::slot_t<R>>> v)
        : core_(std::move(c)), value_(std::move(v)) {}
    detail::TaskCore& core() const { return *core_; }
    const std::shared_ptr<detail::TaskCore>& core_ptr() const { return core_; }
    const std::optional<detail::slot_t<R>>& slot() const { return *value_; }

  private:
    std::shared_ptr<detail::TaskCore> core_;
    std::shared_ptr<std::optional<detail::slot_t<R>>> value_;
};

namespace detail {
template <class T> struct is_handle;
template <class R> struct is_handle<Task<R>> : std::true_type {};
}  // namespace detail

/// Starts f() as a local task and returns its handle at once (Julia's @async). The
/// enclosing weft::sync waits for it. f runs when the caller blocks or yields.
/// Example: `auto t = weft::async([] { return 6 * 7; }); int v = weft::fetch(t);`
template <class F>
auto async(F f) -> Task<std::invoke_result_t<F&>> {
    using R = std::invoke_result_t<F&>;
    auto slot = std::make_shared<std::optional<detail::slot_t<R>>>();
    auto core = detail::start_task([f = std::move(f), slot]() mutable {
        if constexpr (std::is_void_v<R>) { f(); slot->emplace(); }
        else slot->emplace(f());
    });
    detail::sync_track_task(core);
    return Task<R>(std::move(core), std::move(slot));
}

/// Runs block(), then waits for every task, spawn and asynchronous distributed loop
/// started (dynamically) inside it; their errors are collected in a CompositeException.
/// Julia's @sync. Blocks the calling task only.
template <class F>
void sync(F&& block) {
    void* scope = detail::sync_begin();
    std::exception_ptr err;
    try {
        std::forward<F>(block)();
    } catch (...) {
        err = std::current_exception();
    }
    detail::sync_end(scope, err);
}

/// Waits for the task and returns its value; rethrows its exception.
template <class R>
decltype(auto) fetch(const Task<R>& t) {
    detail::task_wait(t.core());
    if constexpr (std::is_void_v<R>) return;
    else return static_cast<const R&>(*t.slot());
}
/// Waits for the task; rethrows its exception.
template <class R>
void wait(const Task<R>& t) { detail::task_wait(t.core()); }
template <class R>
bool istaskdone(const Task<R>& t) { return detail::task_done(t.core()); }

/// Lets the other tasks of this process run (and the process serve incoming calls).
void yield();
/// Suspends the calling task for `d` (sub-millisecond accurate); other tasks keep running.
/// Throws std::invalid_argument for a negative `d` (Julia's ArgumentError); 0 yields.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> d) {
    detail::sleep_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

}  // namespace weft
