// weft/distributed.hpp — distributed loops (Julia's @distributed): distributed_for runs a
// loop body over a Range split into one contiguous chunk per worker, asynchronously;
// distributed_reduce does the same and combines the bodies' values with an operator,
// first on each worker, then on the caller.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cluster.hpp"
#include "detail/progress.hpp"
#include "exceptions.hpp"
#include "future.hpp"
#include "range.hpp"
#include "remotecall.hpp"

namespace weft {

/// Reduction operator `min` (std::plus<> and friends cover the others).
struct min_op {
    template <class T>
    T operator()(const T& a, const T& b) const { return b < a ? b : a; }
};
/// Reduction operator `max`.
struct max_op {
    template <class T>
    T operator()(const T& a, const T& b) const { return a < b ? b : a; }
};

namespace detail {
/// One worker's chunk of a distributed_for: body(i) for every i of r.
template <class F>
struct ChunkFor {
    F body{};
    Range r;
    void operator()() {
        std::int64_t at = r.first;
        try {
            for (std::int64_t i : r) body(at = i);
        } catch (const std::exception& e) {
            note_failed_index(e, at, "weft::distributed_for");  // the error names the index
            throw;
        }
    }
    template <class A>
    void serialize(A& ar) {
        ar(r);
        if constexpr (!std::is_empty_v<F>) ar(body);
    }
};

/// One worker's chunk of a distributed_reduce: body's values combined with op, in order.
template <class Op, class F>
struct ChunkReduce {
    Op op{};
    F body{};
    Range r;
    auto operator()() {
        std::int64_t i = r.first;
        const std::int64_t n = r.size(), step = r.step;
        try {
            std::decay_t<std::invoke_result_t<F&, std::int64_t>> acc = body(i);
            for (std::int64_t k = 1; k < n; ++k) {
                i += step;
                acc = op(std::move(acc), body(i));
            }
            return acc;
        } catch (const std::exception& e) {
            note_failed_index(e, i, "weft::distributed_reduce");  // the error names the index
            throw;
        }
    }
    template <class A>
    void serialize(A& ar) {
        ar(r);
        if constexpr (!std::is_empty_v<Op>) ar(op);
        if constexpr (!std::is_empty_v<F>) ar(body);
    }
};
}  // namespace detail

/// Runs body(i) for every i in r on the workers, one contiguous chunk per worker (on this
/// process when there are no workers), and returns at once with one Future per chunk.
/// The enclosing weft::sync waits for them (Julia's @distributed without a reducer).
/// body: a registered function, a captureless lambda or a serializable function object
/// taking the index (std::int64_t); its captured data is copied to every worker.
/// A body's error (RemoteException) names the loop index and this call's site.
/// Example: `weft::sync([&] { weft::distributed_for(weft::range(0, n), fill_row); });`
template <class F>
std::vector<Future<void>> distributed_for(Range r, F body, CallSite site = {}) {
    using B = detail::shippable_t<F>;
    detail::require_shippable<B>();
    static_assert(std::is_invocable_v<B&, std::int64_t>, "weft::distributed_for: the body must take the index");
    B b = detail::shippable(std::move(body));
    const auto ws = workers();
    const int np = static_cast<int>(ws.size());
    std::vector<Future<void>> parts;
    std::vector<std::int64_t> sizes;
    for (int k = 0; k < np; ++k) {
        Range part = r.split(k, np);
        if (part.empty()) continue;
        auto f = remotecall(detail::ChunkFor<B>{b, part}, detail::ProcAt(ws[k], site));
        detail::sync_track_future(f.handle_ptr());
        parts.push_back(std::move(f));
        sizes.push_back(part.size());
    }
    // Counted for the dashboard (when it serves) and WEFT_PROGRESS's bar (when set).
    if (const bool draw = detail::progress_from_env(); draw || detail::dashboard_on())
        detail::watch_loop(detail::progress_label(b, "distributed_for"), r.size(), detail::ref_handles(parts),
                           std::move(sizes), draw);
    return parts;
}

/// Runs body(i) for every i in r on the workers, one contiguous chunk per worker, combines
/// the values with op on each worker and then on the caller (chunks in order), and returns
/// the total (Julia's @distributed (op) for). Blocks. op: an empty function object
/// (std::plus<>{}, weft::min_op{}, a captureless lambda) or a registered function.
/// Throws std::invalid_argument for an empty range, RemoteException for a body's error.
/// A body's error (RemoteException) names the loop index and this call's site.
/// Example: `long heads = weft::distributed_reduce(std::plus<>{}, weft::range(0L, n), flip);`
template <class Op, class F>
auto distributed_reduce(Op op, Range r, F body, CallSite site = {}) {
    using B = detail::shippable_t<F>;
    using O = detail::shippable_t<Op>;
    detail::require_shippable<B>();
    detail::require_shippable<O>();
    static_assert(std::is_invocable_v<B&, std::int64_t>, "weft::distributed_reduce: the body must take the index");
    using T = std::decay_t<std::invoke_result_t<B&, std::int64_t>>;
    static_assert(!std::is_void_v<T>, "weft::distributed_reduce: the body must return the value to reduce");
    if (r.empty())
        throw std::invalid_argument("weft::distributed_reduce over an empty range [" + std::to_string(r.first) + ", " +
                                    std::to_string(r.last) + ") step " + std::to_string(r.step) +
                                    ": there is nothing to reduce; check the bounds first");
    B b = detail::shippable(std::move(body));
    O o = detail::shippable(std::move(op));
    const auto ws = workers();
    const int np = static_cast<int>(ws.size());
    std::vector<Future<T>> parts;
    std::vector<std::int64_t> sizes;
    for (int k = 0; k < np; ++k) {
        Range part = r.split(k, np);
        if (part.empty()) continue;
        parts.push_back(remotecall(detail::ChunkReduce<O, B>{o, b, part}, detail::ProcAt(ws[k], site)));
        sizes.push_back(part.size());
    }
    if (const bool draw = detail::progress_from_env(); draw || detail::dashboard_on())
        detail::watch_loop(detail::progress_label(b, "distributed_reduce"), r.size(), detail::ref_handles(parts),
                           std::move(sizes), draw);
    T acc = fetch(parts[0]);
    for (std::size_t k = 1; k < parts.size(); ++k) acc = o(std::move(acc), fetch(parts[k]));
    return acc;
}

}  // namespace weft
