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
void send_call(CallKind kind, int pid, FnId id, Encoder enc, const void* ctx, const RefHandle* result,
               const CallSite& site);
/// Sends a call and waits for its value, decoded by `decode` into `out`.
/// `timeout` > 0: throws TimeoutError when no answer came within it.
void call_fetch(int pid, FnId id, Encoder enc, const void* ctx, void (*decode)(InArchive&, void*), void* out,
                const CallSite& site, std::chrono::nanoseconds timeout = std::chrono::nanoseconds(0));
/// Runs a call on this process: in its own task, storing into `result` (remotecall), or
/// with nothing stored (remote_do).
void run_local(std::unique_ptr<Job> job, const RefHandle* result);
/// Runs a call on the calling task; errors become RemoteException as if remote.
Value run_here(Job& job, const CallSite& site);
/// A handle for a call's result on `where`; its errors name `site`.
std::shared_ptr<RefHandle> ref_for_call(int where, const CallSite& site);
/// Registers `f` with the enclosing weft::sync, if any.
void sync_track_future(std::shared_ptr<RefHandle> f);

/// Throws `e` (a function that is not registered) again with the call's place in its text.
[[noreturn]] void rethrow_not_registered(const std::logic_error& e, const CallSite& site);

/// The id `fn` is registered under; for a function that is not, the error names the call.
template <class F, class... Args>
FnId id_for_call(const F& fn, const CallSite& site) {
    try {
        return CallTraits<F, Args...>::id(fn);
    } catch (const std::logic_error& e) {
        rethrow_not_registered(e, site);
    }
}

template <class F, class... Args>
auto make_packet(const F& f, Args&&... args) {
    return CallPacket<F, Args...>{f, std::forward_as_tuple(std::forward<Args>(args)...)};
}
}  // namespace detail

namespace detail {
/// The common part of remotecall, remotecall_wait and remote_do: picks the process and
/// runs the call here or sends it. Returns the result's handle (null for remote_do). `id`
/// is the registered id (template forms); without it the callable's id is looked up only
/// for a call that leaves this process: a call here needs no registration (Julia runs any
/// function locally), so an untranslated program's serial fallback runs.
template <CallKind K, class F, class... Args>
std::shared_ptr<RefHandle> start_call(const F& fn, std::optional<FnId> id, ProcAt at, Args&&... args) {
    const int pid = resolve_pid(at.pid);
    auto h = K == CallKind::remote_do ? nullptr : ref_for_call(pid, at.site);
    if (pid == myid()) {
        run_local(CallTraits<F, Args...>::local_job(fn, std::forward<Args>(args)...), h.get());
        if (K == CallKind::call_wait) ref_wait(*h);
    } else {
        const FnId fid = id ? *id : id_for_call<F, Args...>(fn, at.site);
        auto pk = make_packet<F>(fn, std::forward<Args>(args)...);
        send_call(K, pid, fid, &decltype(pk)::encode, &pk, h.get(), at.site);
    }
    return h;
}

/// The common part of remotecall_fetch's forms (`id` as in start_call; `timeout` > 0:
/// TimeoutError when no answer came within it).
template <class F, class... Args>
call_result_t<F, Args...> fetch_call(const F& fn, std::optional<FnId> id, ProcAt at,
                                     std::chrono::nanoseconds timeout, Args&&... args) {
    using R = typename CallTraits<F, Args...>::Result;
    const int pid = resolve_pid(at.pid);
    if (pid == myid()) {
        auto job = CallTraits<F, Args...>::local_job(fn, std::forward<Args>(args)...);
        auto v = run_here(*job, at.site);
        if constexpr (std::is_void_v<R>) return;
        else return std::move(*static_cast<R*>(v.ptr.get()));
    } else {
        const FnId fid = id ? *id : id_for_call<F, Args...>(fn, at.site);
        auto pk = make_packet<F>(fn, std::forward<Args>(args)...);
        if constexpr (std::is_void_v<R>) {
            call_fetch(pid, fid, &decltype(pk)::encode, &pk, nullptr, nullptr, at.site, timeout);
        } else {
            std::optional<R> out;
            call_fetch(pid, fid, &decltype(pk)::encode, &pk,
                       [](InArchive& ar, void* o) { ar(static_cast<std::optional<R>*>(o)->emplace()); }, &out,
                       at.site, timeout);
            return std::move(*out);
        }
    }
}

/// remotecall_fetch of any callable, with a timeout (zero: none).
template <class F, class... Args>
call_result_t<F, Args...> fetch_checked(std::chrono::nanoseconds timeout, F&& f, ProcAt pid, Args&&... args) {
    using Traits = CallTraits<callable_t<F>, Args...>;
    Traits::check();
    const callable_t<F>& fn = f;
    return fetch_call(fn, std::nullopt, pid, timeout, std::forward<Args>(args)...);
}
}  // namespace detail

// Each call takes the process as `detail::ProcAt`, made implicitly from the int you pass:
// that conversion records the caller's file:line (weft::CallSite), which the call's
// RemoteException reports. The template forms, remotecall<f>(pid, args...), take a
// function f registered with WEFT_REMOTE and check that it is when the program links.

/// Runs f(args...) on process `pid` (or weft::any) and returns at once a Future for its
/// result, stored on `pid`. Arguments are copied (serialized) now. A call to this process
/// itself runs here and needs no registration of f (the serial fallback of a program
/// whose `#pragma weft remote` was not translated).
/// Example: `auto f = weft::remotecall(count_heads, 2, 1000); int n = weft::fetch(f);`
template <class F, class... Args>
Future<detail::call_result_t<F, Args...>> remotecall(F&& f, detail::ProcAt pid, Args&&... args) {
    detail::CallTraits<detail::callable_t<F>, Args...>::check();
    const detail::callable_t<F>& fn = f;
    return Future<detail::call_result_t<F, Args...>>(
        detail::start_call<detail::CallKind::call>(fn, std::nullopt, pid, std::forward<Args>(args)...));
}
/// remotecall with f registered (checked at link time): `weft::remotecall<count_heads>(2, 1000)`.
template <auto F, class... Args>
Future<detail::call_result_t<decltype(F), Args...>> remotecall(detail::RegisteredCall<F> pid, Args&&... args) {
    detail::CallTraits<decltype(F), Args...>::check();
    return Future<detail::call_result_t<decltype(F), Args...>>(
        detail::start_call<detail::CallKind::call>(F, pid.id, pid, std::forward<Args>(args)...));
}

/// Options of one remote call (remotecall_fetch).
struct CallOptions {
    /// How long the caller waits for the answer; zero (the default) waits as long as it
    /// takes. When it passes, the caller gets weft::TimeoutError naming the process; the
    /// call itself is not cancelled (it may still run there) and a late answer is dropped.
    std::chrono::milliseconds timeout{0};
};

/// Runs f(args...) on `pid` and waits for its value (one message each way). A remote
/// error is rethrown as weft::RemoteException.
template <class F, class... Args>
detail::call_result_t<F, Args...> remotecall_fetch(F&& f, detail::ProcAt pid, Args&&... args) {
    return detail::fetch_checked(std::chrono::nanoseconds(0), std::forward<F>(f), pid, std::forward<Args>(args)...);
}
/// remotecall_fetch with f registered (checked at link time).
template <auto F, class... Args>
detail::call_result_t<decltype(F), Args...> remotecall_fetch(detail::RegisteredCall<F> pid, Args&&... args) {
    detail::CallTraits<decltype(F), Args...>::check();
    return detail::fetch_call(F, pid.id, pid, std::chrono::nanoseconds(0), std::forward<Args>(args)...);
}
/// remotecall_fetch with options: with `o.timeout`, throws weft::TimeoutError (naming
/// the process) when the answer has not come within it. Blocks the calling task only.
/// Example: `int n = weft::remotecall_fetch(weft::CallOptions{std::chrono::seconds(5)}, count_heads, 2, 1000);`
template <class F, class... Args>
detail::call_result_t<F, Args...> remotecall_fetch(const CallOptions& o, F&& f, detail::ProcAt pid, Args&&... args) {
    return detail::fetch_checked(o.timeout, std::forward<F>(f), pid, std::forward<Args>(args)...);
}

/// Runs f(args...) on `pid`, waits until it has finished, and returns a Future for its
/// result (stored on `pid`). A remote error is rethrown as weft::RemoteException.
template <class F, class... Args>
Future<detail::call_result_t<F, Args...>> remotecall_wait(F&& f, detail::ProcAt pid, Args&&... args) {
    detail::CallTraits<detail::callable_t<F>, Args...>::check();
    const detail::callable_t<F>& fn = f;
    return Future<detail::call_result_t<F, Args...>>(
        detail::start_call<detail::CallKind::call_wait>(fn, std::nullopt, pid, std::forward<Args>(args)...));
}
/// remotecall_wait with f registered (checked at link time).
template <auto F, class... Args>
Future<detail::call_result_t<decltype(F), Args...>> remotecall_wait(detail::RegisteredCall<F> pid, Args&&... args) {
    detail::CallTraits<decltype(F), Args...>::check();
    return Future<detail::call_result_t<decltype(F), Args...>>(
        detail::start_call<detail::CallKind::call_wait>(F, pid.id, pid, std::forward<Args>(args)...));
}

/// Runs f(args...) on `pid` and returns at once; nothing comes back. An error is printed
/// on the process where it happened.
template <class F, class... Args>
void remote_do(F&& f, detail::ProcAt pid, Args&&... args) {
    detail::CallTraits<detail::callable_t<F>, Args...>::check();
    const detail::callable_t<F>& fn = f;
    detail::start_call<detail::CallKind::remote_do>(fn, std::nullopt, pid, std::forward<Args>(args)...);
}
/// remote_do with f registered (checked at link time).
template <auto F, class... Args>
void remote_do(detail::RegisteredCall<F> pid, Args&&... args) {
    detail::CallTraits<decltype(F), Args...>::check();
    detail::start_call<detail::CallKind::remote_do>(F, pid.id, pid, std::forward<Args>(args)...);
}

/// Julia's @spawnat: remotecall with the function first; `weft::any` picks a worker.
/// The Future is waited for by an enclosing weft::sync.
template <class F, class... Args>
Future<detail::call_result_t<F, Args...>> spawnat(detail::ProcAt pid, F&& f, Args&&... args) {
    auto fut = remotecall(std::forward<F>(f), pid, std::forward<Args>(args)...);
    detail::sync_track_future(fut.handle_ptr());
    return fut;
}
/// spawnat with f registered (checked at link time): `weft::spawnat<work>(weft::any, 3)`.
template <auto F, class... Args>
Future<detail::call_result_t<decltype(F), Args...>> spawnat(detail::RegisteredCall<F> pid, Args&&... args) {
    auto fut = remotecall<F>(pid, std::forward<Args>(args)...);
    detail::sync_track_future(fut.handle_ptr());
    return fut;
}

/// Julia's @fetchfrom: remotecall_fetch with the process first.
template <class F, class... Args>
detail::call_result_t<F, Args...> fetchfrom(detail::ProcAt pid, F&& f, Args&&... args) {
    return remotecall_fetch(std::forward<F>(f), pid, std::forward<Args>(args)...);
}
/// fetchfrom with f registered (checked at link time).
template <auto F, class... Args>
detail::call_result_t<decltype(F), Args...> fetchfrom(detail::RegisteredCall<F> pid, Args&&... args) {
    return remotecall_fetch<F>(pid, std::forward<Args>(args)...);
}

}  // namespace weft
