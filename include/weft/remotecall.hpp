// weft/remotecall.hpp — calling a function on another process: remotecall (returns a
// Future at once), remotecall_fetch (waits for the value), remotecall_wait (waits for
// completion), remote_do (fire and forget), spawnat, fetchfrom.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "detail/call.hpp"
#include "future.hpp"

namespace weft {

/// Pass as the process id to let weft pick a worker (round-robin).
inline constexpr int any = -1;

namespace detail {
enum class CallKind : unsigned char { call, call_wait, remote_do };
/// Resolves `any` to the next worker (round-robin) and checks that pid exists.
int resolve_pid(int pid);
/// The process a translated `spawn` should use: the first owner given that is not this
/// process, else the next worker.
int choose_proc(std::initializer_list<int> wheres);
/// Sends a call; the result will be stored under `result` on `pid` (call/call_wait).
/// call_wait blocks until the call finished and rethrows its error.
void send_call(CallKind kind, int pid, FnId id, Encoder enc, const void* ctx, const RefHandle* result);
/// Sends a call and waits for its value, decoded by `decode` into `out`.
/// `timeout` > 0: throws TimeoutError when no answer came within it.
void call_fetch(int pid, FnId id, Encoder enc, const void* ctx, void (*decode)(InArchive&, void*), void* out,
                std::chrono::nanoseconds timeout = std::chrono::nanoseconds(0));
/// Runs a call on this process: in its own task, storing into `result` (remotecall), or
/// with nothing stored (remote_do).
void run_local(std::unique_ptr<Job> job, const RefHandle* result);
/// Runs a call on the calling task; errors become RemoteException as if remote.
Value run_here(Job& job);
std::shared_ptr<RefHandle> ref_for_call(int where);
/// Registers `f` with the enclosing weft::sync, if any.
void sync_track_future(std::shared_ptr<RefHandle> f);

template <class F, class... Args>
auto make_packet(const F& f, Args&&... args) {
    return CallPacket<F, Args...>{f, std::forward_as_tuple(std::forward<Args>(args)...)};
}
}  // namespace detail

namespace detail {
/// The common part of remotecall, remotecall_wait and remote_do: checks, picks the process,
/// and runs the call here or sends it. Returns the result's handle (null for remote_do).
template <CallKind K, class F, class... Args>
std::shared_ptr<RefHandle> start_call(F&& f, int pid, Args&&... args) {
    using Traits = CallTraits<callable_t<F>, Args...>;
    Traits::check();
    pid = resolve_pid(pid);
    const callable_t<F>& fn = f;
    auto h = K == CallKind::remote_do ? nullptr : ref_for_call(pid);
    if (pid == myid()) {  // runs here: no registration needed (Julia runs any function locally)
        run_local(Traits::local_job(fn, std::forward<Args>(args)...), h.get());
        if (K == CallKind::call_wait) ref_wait(*h);
    } else {
        auto id = Traits::id(fn);
        auto pk = make_packet<callable_t<F>>(fn, std::forward<Args>(args)...);
        send_call(K, pid, id, &decltype(pk)::encode, &pk, h.get());
    }
    return h;
}
}  // namespace detail

/// Runs f(args...) on process `pid` (or weft::any) and returns at once a Future for its
/// result, stored on `pid`. Arguments are copied (serialized) now. A call to this process
/// itself runs here and needs no registration of f (the serial fallback of a program
/// whose `#pragma weft remote` was not translated).
/// Example: `auto f = weft::remotecall(count_heads, 2, 1000); int n = weft::fetch(f);`
template <class F, class... Args>
Future<detail::call_result_t<F, Args...>> remotecall(F&& f, int pid, Args&&... args) {
    return Future<detail::call_result_t<F, Args...>>(
        detail::start_call<detail::CallKind::call>(std::forward<F>(f), pid, std::forward<Args>(args)...));
}

/// Options of one remote call (remotecall_fetch).
struct CallOptions {
    /// How long the caller waits for the answer; zero (the default) waits as long as it
    /// takes. When it passes, the caller gets weft::TimeoutError naming the process; the
    /// call itself is not cancelled (it may still run there) and a late answer is dropped.
    std::chrono::milliseconds timeout{0};
};

namespace detail {
template <class F, class... Args>
call_result_t<F, Args...> fetch_call(std::chrono::nanoseconds timeout, F&& f, int pid, Args&&... args) {
    using Traits = detail::CallTraits<detail::callable_t<F>, Args...>;
    using R = typename Traits::Result;
    Traits::check();
    pid = detail::resolve_pid(pid);
    const detail::callable_t<F>& fn = f;
    if (pid == myid()) {  // runs here: no registration needed
        auto job = Traits::local_job(fn, std::forward<Args>(args)...);
        auto v = detail::run_here(*job);
        if constexpr (std::is_void_v<R>) return;
        else return std::move(*static_cast<R*>(v.ptr.get()));
    } else {
        auto id = Traits::id(fn);
        auto pk = detail::make_packet<detail::callable_t<F>>(fn, std::forward<Args>(args)...);
        if constexpr (std::is_void_v<R>) {
            detail::call_fetch(pid, id, &decltype(pk)::encode, &pk, nullptr, nullptr, timeout);
        } else {
            std::optional<R> out;
            detail::call_fetch(pid, id, &decltype(pk)::encode, &pk,
                               [](InArchive& ar, void* o) { ar(static_cast<std::optional<R>*>(o)->emplace()); },
                               &out, timeout);
            return std::move(*out);
        }
    }
}
}  // namespace detail

/// Runs f(args...) on `pid` and waits for its value (one message each way). A remote
/// error is rethrown as weft::RemoteException.
template <class F, class... Args>
detail::call_result_t<F, Args...> remotecall_fetch(F&& f, int pid, Args&&... args) {
    return detail::fetch_call(std::chrono::nanoseconds(0), std::forward<F>(f), pid, std::forward<Args>(args)...);
}

/// remotecall_fetch with options: with `o.timeout`, throws weft::TimeoutError (naming
/// the process) when the answer has not come within it. Blocks the calling task only.
/// Example: `int n = weft::remotecall_fetch(weft::CallOptions{std::chrono::seconds(5)}, count_heads, 2, 1000);`
template <class F, class... Args>
detail::call_result_t<F, Args...> remotecall_fetch(const CallOptions& o, F&& f, int pid, Args&&... args) {
    return detail::fetch_call(o.timeout, std::forward<F>(f), pid, std::forward<Args>(args)...);
}

/// Runs f(args...) on `pid`, waits until it has finished, and returns a Future for its
/// result (stored on `pid`). A remote error is rethrown as weft::RemoteException.
template <class F, class... Args>
Future<detail::call_result_t<F, Args...>> remotecall_wait(F&& f, int pid, Args&&... args) {
    return Future<detail::call_result_t<F, Args...>>(
        detail::start_call<detail::CallKind::call_wait>(std::forward<F>(f), pid, std::forward<Args>(args)...));
}

/// Runs f(args...) on `pid` and returns at once; nothing comes back. An error is printed
/// on the process where it happened.
template <class F, class... Args>
void remote_do(F&& f, int pid, Args&&... args) {
    detail::start_call<detail::CallKind::remote_do>(std::forward<F>(f), pid, std::forward<Args>(args)...);
}

/// Julia's @spawnat: remotecall with the function first; `weft::any` picks a worker.
/// The Future is waited for by an enclosing weft::sync.
template <class F, class... Args>
Future<detail::call_result_t<F, Args...>> spawnat(int pid, F&& f, Args&&... args) {
    auto fut = remotecall(std::forward<F>(f), pid, std::forward<Args>(args)...);
    detail::sync_track_future(fut.handle_ptr());
    return fut;
}

/// Julia's @fetchfrom: remotecall_fetch with the process first.
template <class F, class... Args>
detail::call_result_t<F, Args...> fetchfrom(int pid, F&& f, Args&&... args) {
    return remotecall_fetch(std::forward<F>(f), pid, std::forward<Args>(args)...);
}

}  // namespace weft
