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
std::vector<Outcome<R>> call_batch(AbstractWorkerPool& pool, F& f, int pid, const std::vector<E>& items) {
    if constexpr (!std::is_empty_v<F>) {
        if (auto* cp = dynamic_cast<CachingPool*>(&pool))
            return remotecall_fetch(CachedBatchJob<F, E>{cp->cached(f, pid), items}, pid);
    }
    return remotecall_fetch(BatchJob<F, E>{f, items}, pid);
}

/// Runs the map: feeder tasks hand out batches (retries first) to free workers, or run
/// them locally, and store results by index.
template <bool Remote, class R, class F, class C>
std::vector<R> run_pmap(F& f, AbstractWorkerPool* pool, const C& c, PmapOptions<R>& o) {
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
                element_failed(w, k, std::make_exception_ptr(RemoteException(std::get<1>(outs[k]))));
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
            outs = call_batch<R>(*pool, f, pid, w.items);
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
    auto feeder = [&] {
        for (;;) {
            while (!stop && again.empty() && next >= n) {
                if (inflight == 0) return;
                more.wait();
            }
            if (stop) return;
            Work w;
            if (!again.empty()) {
                w = std::move(again.front());
                again.pop_front();
            } else {
                for (std::size_t k = 0; k < bs && next < n; ++k, ++next, ++it) {
                    w.idx.push_back(next);
                    w.items.push_back(*it);
                }
            }
            ++inflight;
            if (w.not_before > Clock::now()) weft::sleep(w.not_before - Clock::now());
            if constexpr (Remote) run_remote(w);
            else run_local(w);
            --inflight;
            more.notify_all();
        }
    };
    std::vector<std::shared_ptr<TaskCore>> feeders;
    for (std::size_t k = 0; k < nfeeders; ++k) feeders.push_back(start_task(feeder));
    for (auto& t : feeders) task_wait(*t);
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
/// Example: `std::vector<double> r = weft::pmap(simulate, weft::default_worker_pool(), params);`
template <class F, class C>
    requires std::ranges::forward_range<const C&>
std::vector<detail::pmap_result_t<F, C>> pmap(F f, AbstractWorkerPool& pool, const C& c,
                                               PmapOptions<detail::pmap_result_t<F, C>> o = {}) {
    using R = detail::pmap_result_t<F, C>;
    static_assert(!std::is_void_v<R>, "weft::pmap: f must return a value; use distributed_for for side effects");
    using S = detail::shippable_t<F>;
    if (!o.distributed) return detail::run_pmap<false, R>(f, nullptr, c, o);
    if constexpr (detail::shippable_v<S>) {
        detail::require_serializable<R>();
        detail::require_serializable<std::ranges::range_value_t<C>>();
        S s = detail::shippable(std::move(f));
        return detail::run_pmap<true, R>(s, &pool, c, o);
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
std::vector<detail::pmap_result_t<F, C>> pmap(F f, const C& c, PmapOptions<detail::pmap_result_t<F, C>> o = {}) {
    return pmap(std::move(f), default_worker_pool(), c, std::move(o));
}

}  // namespace weft
