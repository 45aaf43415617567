// weft/threadcall.hpp — Julia's `@threadcall` for C++ (SPEC §4.12): run a blocking call
// (a C library call, a read, a compression) on a small pool of plain threads while the
// calling task yields, so the process keeps running its other tasks and serving calls.
#pragma once
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace weft {

namespace detail {
/// Runs job(ctx) on a threadcall thread and returns when it has returned; suspends the
/// calling task meanwhile (a thread that is no runtime task just blocks). job must not
/// throw. Throws std::logic_error when called from a threadcall thread, and
/// std::invalid_argument for a bad WEFT_THREADPOOL_SIZE.
void threadcall_run(void (*job)(void* ctx) noexcept, void* ctx);

/// Stops and joins the threadcall threads; the next threadcall reads WEFT_THREADPOOL_SIZE
/// again. For tests; no threadcall may be running.
void reset_threadcall_pool_for_testing();

/// The threadcall pool's size (reads WEFT_THREADPOOL_SIZE on first use; may throw).
int threadcall_pool_size();

template <class L>
void threadcall_trampoline(void* ctx) noexcept { (*static_cast<L*>(ctx))(); }
}  // namespace detail

/// Runs `f(args...)` on the threadcall pool (`WEFT_THREADPOOL_SIZE` plain threads,
/// default 4) and returns its result, or rethrows what it threw. The calling task is
/// suspended meanwhile: the process's other tasks keep running and it keeps answering
/// remote calls. With more threadcalls in flight than pool threads, the extra ones queue.
///
/// The arguments are passed to `f` as given, without copies (the caller waits, so they
/// stay alive); other tasks of the process that run meanwhile must not modify them.
/// `f` runs on a plain thread, not in a weft task: it must not call weft's blocking
/// operations (fetch, wait, remotecall*, sleep, yield, sync, async, channel
/// operations, threadcall); they throw std::logic_error there. Do those before or after
/// the threadcall and pass values in.
///
///     // libz's compress blocks for a while: the process keeps serving meanwhile
///     int rc = weft::threadcall(compress, out, &out_len, in, in_len);
///     weft::threadcall(::usleep, 100000u);
template <class F, class... Args>
    requires std::invocable<F&&, Args&&...>
decltype(auto) threadcall(F&& f, Args&&... args) {
    using R = std::invoke_result_t<F&&, Args&&...>;
    using Slot = std::conditional_t<std::is_void_v<R>, char,
                                    std::conditional_t<std::is_reference_v<R>, std::remove_reference_t<R>*, R>>;
    std::optional<Slot> result;
    std::exception_ptr error;
    auto job = [&]() noexcept {
        try {
            if constexpr (std::is_void_v<R>) {
                std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
                result.emplace();
            } else if constexpr (std::is_reference_v<R>) {
                result.emplace(&std::invoke(std::forward<F>(f), std::forward<Args>(args)...));
            } else {
                result.emplace(std::invoke(std::forward<F>(f), std::forward<Args>(args)...));
            }
        } catch (...) {
            error = std::current_exception();
        }
    };
    detail::threadcall_run(&detail::threadcall_trampoline<decltype(job)>, &job);
    if (error) std::rethrow_exception(error);
    if constexpr (std::is_void_v<R>) return;
    else if constexpr (std::is_reference_v<R>) return static_cast<R>(**result);
    else return R(std::move(*result));
}

}  // namespace weft
