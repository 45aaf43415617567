// weft/pmap.hpp — parallel map (Julia's pmap): f applied to every element of a collection
// on the workers of a pool, handed out dynamically in batches, results in input order,
// with per-element error handling (on_error), retries and a progress bar.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <iterator>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "condition.hpp"
#include "detail/progress.hpp"
#include "exceptions.hpp"
#include "remotecall.hpp"
#include "task.hpp"
#include "worker_pool.hpp"

namespace weft {

/// PmapOptions::batch_size value that lets pmap choose (about 4 batches per worker, at
/// most 1,000 items each).
inline constexpr std::size_t auto_batch = 0;

/// Options of pmap, as Julia's keyword arguments. R is the result type of f.
template <class R>
struct PmapOptions {
    /// false: run f in local tasks of this process (f may then be any callable).
    bool distributed = true;
    /// Elements per message to a worker (1 by default), or weft::auto_batch.
    std::size_t batch_size = 1;
    /// Called with an element's error (a RemoteException for remote errors); its value
    /// takes the element's place. Rethrowing stops the map with that error.
    std::function<R(std::exception_ptr)> on_error;
    /// Retry a failing element (or a batch whose worker exited) after each delay in turn.
    std::vector<std::chrono::milliseconds> retry_delays;
    /// Decides whether an error is worth a retry (default: every error).
    std::function<bool(std::exception_ptr)> retry_check;
    /// Draw a progress bar on stderr (also WEFT_PROGRESS=1).
    bool progress = false;
    /// Least time between two progress lines when stderr is not a terminal (the first
    /// comes after one interval); a terminal is redrawn at most every 100 ms, or this.
    std::chrono::milliseconds progress_interval{1000};
    /// What the progress bar is labelled; empty: f's registered name, or "pmap".
    std::string label;
    /// How long a worker may take to answer for a batch (zero: no limit). When it passes,
    /// the batch goes to another worker and the silent one (stopped, overloaded, cut off)
    /// takes no more batches of this map; it returns to the pool when the map ends. The
    /// batch may then run twice; its result is taken once, as with retries. When no
    /// other worker is left, its elements fail with weft::TimeoutError (naming worker and
    /// elements), which on_error and retry_delays handle like any error.
    std::chrono::milliseconds timeout{0};
};

namespace detail {
template <class F, class C>
using pmap_result_t = std::decay_t<std::invoke_result_t<F&, const std::ranges::range_value_t<C>&>>;

template <class F>
inline constexpr bool shippable_v = std::is_default_constructible_v<F> && (std::is_empty_v<F> || Serializable<F>);

/// One element's result, or what it threw.
template <class R>
using Outcome = std::variant<R, CapturedException>;

template <class R, class F, class E>
std::vector<Outcome<R>> apply_batch(F& f, const std::vector<E>& items) {
    std::vector<Outcome<R>> out;
    out.reserve(items.size());
    for (const auto& x : items) {
        try {
            out.emplace_back(std::in_place_index<0>, f(x));
        } catch (...) {
            out.emplace_back(std::in_place_index<1>, capture_current_exception());
        }
    }
    return out;
}

/// A batch of elements with the function, run on a worker.
template <class F, class E>
struct BatchJob {
    F f{};
    std::vector<E> items;
    auto operator()() { return apply_batch<std::decay_t<std::invoke_result_t<F&, const E&>>>(f, items); }
    /// What the dashboard names the batch by: the mapped function's address when F is a
    /// function pointer, else F's type.
    void* weft_function() const noexcept {
        if constexpr (std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>)
            return reinterpret_cast<void*>(f);
        else
            return nullptr;
    }
    const std::type_info& weft_callable() const noexcept { return typeid(F); }
    template <class A>
    void serialize(A& ar) {
        ar(items);
        if constexpr (!std::is_empty_v<F>) ar(f);
    }
};

/// The same with the function kept on the worker (CachingPool).
template <class F, class E>
struct CachedBatchJob {
    Future<F> fref{std::shared_ptr<RefHandle>()};  // filled by load() or the caller
    std::vector<E> items;
    auto operator()() {
        F f = fetch(fref);  // stored on this process: no message
        return apply_batch<std::decay_t<std::invoke_result_t<F&, const E&>>>(f, items);
    }
    template <class A>
    void serialize(A& ar) { ar(fref, items); }
};

/// Runs one batch on worker `pid` of `pool` (with the function cached there for a
/// CachingPool, unless it has no data).
template <class R, class F, class E>
std::vector<Outcome<R>> call_batch(AbstractWorkerPool& pool, F& f, int pid, const std::vector<E>& items,
                                   std::chrono::milliseconds timeout, const CallSite& site) {
    if constexpr (!std::is_empty_v<F>) {
        if (auto* cp = dynamic_cast<CachingPool*>(&pool))
            return fetch_checked(timeout, CachedBatchJob<F, E>{cp->cached(f, pid), items}, ProcAt(pid, site));
    }
    return fetch_checked(timeout, BatchJob<F, E>{f, items}, ProcAt(pid, site));
}

/// "elements 3, 4 and 5 of the pmap" for a TimeoutError.
inline std::string elements_text(const std::vector<std::size_t>& idx) {
    std::string s = idx.size() == 1 ? "element " : "elements ";
    for (std::size_t k = 0; k < idx.size(); ++k)
        s += (k == 0 ? "" : k + 1 == idx.size() ? " and " : ", ") + std::to_string(idx[k]);
    return s + " of the pmap";
}

/// Runs the map: feeder tasks hand out batches (retries first) to free workers, or run
/// them locally, and store results by index.
template <bool Remote, class R, class F, class C>
std::vector<R> run_pmap(F& f, AbstractWorkerPool* pool, const C& c, PmapOptions<R>& o, const CallSite& site) {
    using E = std::ranges::range_value_t<C>;
    using Clock = std::chrono::steady_clock;
    struct Work {
        std::vector<std::size_t> idx;
        std::vector<E> items;
        std::size_t attempt = 0;
        Clock::time_point not_before{};
    };
    const auto n = static_cast<std::size_t>(std::ranges::distance(c));
    const std::size_t nfeeders =
        Remote ? std::max<std::size_t>(1, pool->length()) : std::min<std::size_t>(std::max<std::size_t>(n, 1), 100);
    std::size_t bs = o.batch_size;
    if (bs == auto_batch) bs = std::clamp<std::size_t>(n / (4 * nfeeders), 1, 1000);

    std::vector<std::optional<R>> res(n);
    std::deque<Work> again;
    auto it = std::ranges::begin(c);
    std::size_t next = 0, inflight = 0;
    std::vector<int> silent;  // workers that timed out: out of this map, back in the pool at its end
    const std::size_t pool_size = Remote ? pool->length() : 0;
    std::exception_ptr stop;
    Condition more;
    Progress prog(o.label.empty() ? progress_label(f, "pmap") : o.label, n, o.progress || progress_from_env(),
                  o.progress_interval);

    auto retry_allowed = [&](std::size_t attempt, std::exception_ptr e) {
        if (attempt >= o.retry_delays.size()) return false;
        return !o.retry_check || o.retry_check(e);
    };
    auto requeue = [&](Work w) {
        w.not_before = Clock::now() + o.retry_delays[w.attempt];
        ++w.attempt;
        prog.retried(w.idx.size());
        again.push_back(std::move(w));
        more.notify_all();
    };
    // An element (or a whole batch) failed for good: on_error decides, else the map stops.
    auto give_up = [&](std::size_t i, std::exception_ptr e) {
        if (stop) return;
        if (!o.on_error) {
            stop = e;
            return;
        }
        try {
            res[i].emplace(o.on_error(e));
            prog.advance();
        } catch (...) {
            stop = std::current_exception();
        }
    };
    auto element_failed = [&](Work& w, std::size_t k, std::exception_ptr e) {
        if (retry_allowed(w.attempt, e)) requeue(Work{{w.idx[k]}, {std::move(w.items[k])}, w.attempt, {}});
        else give_up(w.idx[k], e);
    };
    auto take_outcomes = [&](Work& w, std::vector<Outcome<R>>& outs) {
        for (std::size_t k = 0; k < outs.size(); ++k) {
            if (outs[k].index() == 0) {
                res[w.idx[k]].emplace(std::move(std::get<0>(outs[k])));
                prog.advance();
            } else {
                CapturedException& err = std::get<1>(outs[k]);
                err.index = static_cast<std::int64_t>(w.idx[k]);  // the element's index in the input
                err.index_of = "weft::pmap";
                prog.element_failed(err);
                element_failed(w, k, std::make_exception_ptr(RemoteException(std::move(err), site)));
            }
        }
    };
    auto run_remote = [&](auto& w) {  // generic: instantiated only when Remote
        int pid = 0;
        try {
            pid = pool->take();
        } catch (...) {
            for (std::size_t i : w.idx) give_up(i, std::current_exception());
            return;
        }
        std::vector<Outcome<R>> outs;
        try {
            outs = call_batch<R>(*pool, f, pid, w.items, o.timeout, site);
        } catch (const TimeoutError&) {
            silent.push_back(pid);  // not put back: it gets nothing more from this map
            if (silent.size() < pool_size) {  // another worker may answer: re-dispatch now
                prog.retried(w.idx.size());
                again.push_front(std::move(w));
                more.notify_all();
                return;
            }
            auto e = std::make_exception_ptr(TimeoutError(
                pid, elements_text(w.idx) + ": no answer within " + std::to_string(o.timeout.count()) +
                         " ms (PmapOptions::timeout), and no other worker of the pool is left to try"));
            if (retry_allowed(w.attempt, e)) requeue(std::move(w));
            else for (std::size_t i : w.idx) give_up(i, e);
            return;
        } catch (const ProcessExitedException&) {
            // The worker died with the batch: it left the pool; the batch may go elsewhere.
            prog.worker_failed(pid);
            auto e = std::current_exception();
            if (retry_allowed(w.attempt, e)) requeue(std::move(w));
            else for (std::size_t i : w.idx) give_up(i, e);
            return;
        } catch (...) {
            pool->put(pid);
            for (std::size_t i : w.idx) give_up(i, std::current_exception());
            return;
        }
        pool->put(pid);
        take_outcomes(w, outs);
    };
    auto run_local = [&](Work& w) {
        for (std::size_t k = 0; k < w.items.size(); ++k) {
            try {
                res[w.idx[k]].emplace(f(w.items[k]));
                prog.advance();
            } catch (...) {
                element_failed(w, k, std::current_exception());
            }
        }
    };
    // Inputs are taken under a single owner of the iterator (`taking`): producing one may
    // suspend (a transform that blocks), and the other feeders wait instead of sharing it.
    bool taking = false;
    auto feeder = [&] {
        for (;;) {
            for (;;) {
                if (stop) return;
                if (!again.empty() || (next < n && !taking)) break;
                if (next >= n && !taking && inflight == 0) return;
                more.wait();
            }
            Work w;
            if (!again.empty()) {
                w = std::move(again.front());
                again.pop_front();
            } else {
                taking = true;
                try {
                    for (std::size_t k = 0; k < bs && next < n; ++k) {
                        w.items.push_back(*it);
                        w.idx.push_back(next);
                        ++next;
                        ++it;
                    }
                } catch (...) {
                    if (!stop) stop = std::current_exception();
                }
                taking = false;
                more.notify_all();
                if (stop) return;
            }
            ++inflight;
            if (auto d = w.not_before - Clock::now(); d > Clock::duration::zero()) weft::sleep(d);
            if constexpr (Remote) run_remote(w);
            else run_local(w);
            --inflight;
            more.notify_all();
        }
    };
    std::vector<std::shared_ptr<TaskCore>> feeders;
    for (std::size_t k = 0; k < nfeeders; ++k) feeders.push_back(start_task(feeder));
    for (auto& t : feeders) task_wait(*t);
    if constexpr (Remote)
        for (int pid : silent) pool->put(pid);  // ignored by the pool if it has exited meanwhile
    prog.finish();
    if (stop) std::rethrow_exception(stop);
    std::vector<R> out;
    out.reserve(n);
    for (auto& r : res) out.push_back(std::move(*r));
    return out;
}
}  // namespace detail

/// Applies f to every element of `c` on the workers of `pool` and returns the results in
/// input order. Work is handed out dynamically: a free worker takes the next batch, so
/// unbalanced work balances. f: a registered function, a captureless lambda or a
/// serializable function object (with `distributed = false`, any callable). An element's
/// error stops the map (rethrown as RemoteException) unless on_error or retry_delays
/// handle it; a worker that exits has its batch retried elsewhere when retry_delays
/// allow, else the map fails with ProcessExitedException.
/// A remote element's error names the element's index (RemoteException::captured().index)
/// and the pmap's call site (`site`, the caller's line unless given).
/// Example: `std::vector<double> r = weft::pmap(simulate, weft::default_worker_pool(), params);`
template <class F, class C>
    requires std::ranges::forward_range<const C&>
std::vector<detail::pmap_result_t<F, C>> pmap(F f, AbstractWorkerPool& pool, const C& c,
                                               PmapOptions<detail::pmap_result_t<F, C>> o = {}, CallSite site = {}) {
    using R = detail::pmap_result_t<F, C>;
    static_assert(!std::is_void_v<R>, "weft::pmap: f must return a value; use distributed_for for side effects");
    using S = detail::shippable_t<F>;
    if (!o.distributed) return detail::run_pmap<false, R>(f, nullptr, c, o, site);
    if constexpr (detail::shippable_v<S>) {
        detail::require_serializable<R>();
        detail::require_serializable<std::ranges::range_value_t<C>>();
        S s = detail::shippable(std::move(f));
        return detail::run_pmap<true, R>(s, &pool, c, o, site);
    } else {
        throw std::logic_error(
            "weft::pmap: f cannot run on other processes (a lambda with captures, or a function object that is not "
            "serializable): pass a registered function or a serializable function object, or set "
            "PmapOptions::distributed = false to run it in local tasks");
    }
}

/// pmap on default_worker_pool(). Example: `auto r = weft::pmap(square, std::vector{1, 2, 3});`
template <class F, class C>
    requires std::ranges::forward_range<const C&>
std::vector<detail::pmap_result_t<F, C>> pmap(F f, const C& c, PmapOptions<detail::pmap_result_t<F, C>> o = {},
                                               CallSite site = {}) {
    return pmap(std::move(f), default_worker_pool(), c, std::move(o), site);
}

}  // namespace weft
