// Template bodies of weft/threads.hpp: how loops are split and handed to the pool, and the
// atomic helpers. Users name nothing in weft::threads::detail.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace weft::threads::detail {

/// One thread's share of a loop: `share(loop, tid, nthreads)`. Loops are type-erased as a
/// function pointer + a pointer to a context on the caller's stack: no allocation and no
/// std::function on the fork-join path.
using ShareFn = void (*)(void* loop, int tid, int nthreads);

/// Reserves the pool for one loop started by the calling thread (runtime/threads/pool.cpp).
/// size() == 0 means "run serially here": the call is nested inside a loop body, the pool
/// has one thread, or another thread's loop holds the pool. Releases on destruction.
class Lease {
 public:
    Lease();  // may throw std::invalid_argument for a bad WEFT_NUM_THREADS
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    int size() const noexcept { return size_; }
    /// Runs share(loop, t, size()) on every thread t of the pool (this thread is t = 0) and
    /// returns when all are done; rethrows the first exception any of them threw.
    void run(ShareFn share, void* loop);

 private:
    int size_ = 0;
};

/// Stops the pool's threads and sets its size to n (n <= 0: read WEFT_NUM_THREADS again);
/// threads start again on the next loop. For tests and benchmarks; throws
/// std::logic_error if a loop is running.
void reset_pool_for_testing(int n);

/// The thread count a WEFT_NUM_THREADS value asks for (nullptr or "": the default).
int parse_num_threads(const char* value);

/// Pool threads that have given up spinning and sleep (or are about to), for tests.
int sleeping_threads() noexcept;

/// The standard integer type of the same size and signedness (std::in_range rejects char).
template <class T>
using StandardInt = std::conditional_t<std::is_signed_v<T>, std::make_signed_t<T>, std::make_unsigned_t<T>>;

template <class Idx, class V>
constexpr bool fits(V v) noexcept {
    return std::in_range<StandardInt<Idx>>(static_cast<StandardInt<V>>(v));
}

/// [first, last) as a start and an iteration count; empty if last <= first.
template <class Idx>
struct IndexRange {
    using U = std::make_unsigned_t<Idx>;
    Idx first;
    std::uint64_t count;

    template <class A, class B>
    IndexRange(A a, B b) : first(static_cast<Idx>(a)), count(0) {
        if (!fits<Idx>(a) || !fits<Idx>(b))  // e.g. (-1, 5u): both unsigned
            throw std::out_of_range("weft::threads: loop bounds [" + std::to_string(a) + ", " +
                                    std::to_string(b) +
                                    ") do not fit their common type; give both bounds the same signedness");
        Idx last = static_cast<Idx>(b);
        if (last > first) count = static_cast<U>(static_cast<U>(last) - static_cast<U>(first));
    }
    /// The index `off` iterations after first (modular arithmetic: no signed overflow).
    Idx at(std::uint64_t off) const noexcept {
        return static_cast<Idx>(static_cast<U>(static_cast<U>(first) + static_cast<U>(off)));
    }
};

/// Julia's static split: thread t of n gets one block, the first count % n threads one
/// iteration more (10 on 4 threads: 3 3 2 2).
struct Block {
    std::uint64_t begin, size;
};
inline Block static_block(std::uint64_t count, int tid, int n) noexcept {
    const std::uint64_t t = static_cast<std::uint64_t>(tid), nn = static_cast<std::uint64_t>(n);
    const std::uint64_t q = count / nn, r = count % nn;
    return {t * q + std::min(t, r), q + (t < r ? 1 : 0)};
}

/// The next chunk of a dynamic loop, or false when none is left. `next` may run past
/// `count` (by one chunk per thread at most) but never wraps for ranges below 2^63.
inline bool next_chunk(std::atomic<std::uint64_t>& next, std::uint64_t count, std::uint64_t chunk,
                       Block& out) noexcept {
    std::uint64_t s = next.fetch_add(chunk, std::memory_order_relaxed);
    if (s >= count) return false;
    out = {s, std::min(chunk, count - s)};
    return true;
}

template <class Idx, class F>
struct StaticLoop {
    IndexRange<Idx> range;
    F& body;
    static void share(void* self, int tid, int n) {
        auto& l = *static_cast<StaticLoop*>(self);
        const Block b = static_block(l.range.count, tid, n);
        const Idx end = l.range.at(b.begin + b.size);
        for (Idx i = l.range.at(b.begin); i < end; ++i) l.body(i);
    }
};

template <class Idx, class F>
struct DynamicLoop {
    IndexRange<Idx> range;
    F& body;
    std::uint64_t chunk;
    alignas(64) std::atomic<std::uint64_t> next{0};  // own cache line: every thread bumps it
    static void share(void* self, int, int) {
        auto& l = *static_cast<DynamicLoop*>(self);
        Block b;
        try {
            while (next_chunk(l.next, l.range.count, l.chunk, b)) {
                const Idx end = l.range.at(b.begin + b.size);
                for (Idx i = l.range.at(b.begin); i < end; ++i) l.body(i);
            }
        } catch (...) {
            l.next.store(l.range.count, std::memory_order_relaxed);  // no new chunks
            throw;
        }
    }
};

/// One thread's partial of a reduction, on its own cache line.
template <class T>
struct alignas(64) Partial {
    std::optional<T> value;
};

/// Per-thread partials: on the caller's stack for up to 16 threads of small T (no
/// allocation per loop), else on the heap.
template <class T>
class Partials {
    static constexpr std::size_t inline_slots = sizeof(Partial<T>) <= 128 ? 16 : 0;

 public:
    explicit Partials(int n)
        : data_(static_cast<std::size_t>(n) <= inline_slots ? inline_.data() : (heap_ = std::make_unique<Partial<T>[]>(static_cast<std::size_t>(n))).get()) {}
    Partial<T>& operator[](int t) noexcept { return data_[static_cast<std::size_t>(t)]; }

 private:
    std::array<Partial<T>, inline_slots> inline_{};
    std::unique_ptr<Partial<T>[]> heap_;
    Partial<T>* data_;
};

template <class Idx, class T, class Op, class F>
struct ReduceLoop {
    IndexRange<Idx> range;
    F& body;
    Op& op;
    Partials<T>& partials;
    std::uint64_t chunk;  // 0: static schedule
    alignas(64) std::atomic<std::uint64_t> next{0};

    /// acc = op(acc, body(i)) over a block; the first element starts the partial, so no
    /// identity element is needed.
    static void reduce_block(ReduceLoop& l, Block b, std::optional<T>& acc) {
        if (b.size == 0) return;
        Idx i = l.range.at(b.begin);
        const Idx end = l.range.at(b.begin + b.size);
        T a = acc ? std::move(*acc) : static_cast<T>(l.body(i++));
        for (; i < end; ++i) a = l.op(std::move(a), static_cast<T>(l.body(i)));
        acc.emplace(std::move(a));
    }

    static void share(void* self, int tid, int n) {
        auto& l = *static_cast<ReduceLoop*>(self);
        std::optional<T>& acc = l.partials[tid].value;
        if (l.chunk == 0) {
            reduce_block(l, static_block(l.range.count, tid, n), acc);
            return;
        }
        Block b;
        try {
            while (next_chunk(l.next, l.range.count, l.chunk, b)) reduce_block(l, b, acc);
        } catch (...) {
            l.next.store(l.range.count, std::memory_order_relaxed);
            throw;
        }
    }
};

}  // namespace weft::threads::detail

namespace weft::threads {

template <LoopIndex First, LoopIndex Last, class F>
    requires std::invocable<F&, std::common_type_t<First, Last>>
void parallel_for(First first, Last last, F body, Schedule schedule) {
    using Idx = std::common_type_t<First, Last>;
    const detail::IndexRange<Idx> range(first, last);
    if (range.count == 0) return;
    if (range.count > 1) {
        detail::Lease lease;
        if (lease.size() > 1) {
            if (schedule.kind() == Schedule::Kind::static_) {
                detail::StaticLoop<Idx, F> loop{range, body};
                lease.run(&detail::StaticLoop<Idx, F>::share, &loop);
            } else {
                detail::DynamicLoop<Idx, F> loop{range, body, static_cast<std::uint64_t>(schedule.chunk())};
                lease.run(&detail::DynamicLoop<Idx, F>::share, &loop);
            }
            return;
        }
    }
    const Idx end = range.at(range.count);
    for (Idx i = range.first; i < end; ++i) body(i);
}

template <LoopIndex First, LoopIndex Last, class T, class Op, class F>
    requires std::invocable<F&, std::common_type_t<First, Last>> &&
             std::convertible_to<std::invoke_result_t<F&, std::common_type_t<First, Last>>, T> &&
             std::convertible_to<std::invoke_result_t<Op&, T, T>, T>
T parallel_reduce(First first, Last last, T init, Op op, F body, Schedule schedule) {
    using Idx = std::common_type_t<First, Last>;
    using R = std::remove_cvref_t<std::invoke_result_t<F&, Idx>>;
    static_assert(!(std::floating_point<R> && std::integral<T>),
                  "weft::threads::parallel_reduce: the body returns a floating-point value but "
                  "init is an integer, so every term would be truncated; pass a floating-point "
                  "init (0.0, not 0)");
    const detail::IndexRange<Idx> range(first, last);
    if (range.count > 1) {
        detail::Lease lease;
        if (lease.size() > 1) {
            const int n = lease.size();
            detail::Partials<T> partials(n);
            const std::uint64_t chunk =
                schedule.kind() == Schedule::Kind::static_ ? 0 : static_cast<std::uint64_t>(schedule.chunk());
            detail::ReduceLoop<Idx, T, Op, F> loop{range, body, op, partials, chunk};
            lease.run(&detail::ReduceLoop<Idx, T, Op, F>::share, &loop);
            for (int t = 0; t < n; ++t)
                if (partials[t].value) init = op(std::move(init), std::move(*partials[t].value));
            return init;
        }
    }
    const Idx end = range.at(range.count);
    for (Idx i = range.first; i < end; ++i) init = op(std::move(init), static_cast<T>(body(i)));
    return init;
}

// ---------------------------------------------------------------------------------------
// Atomics. Integers use the hardware's fetch_* (lock xadd & co.); floating-point add/sub
// use std::atomic<floating>::fetch_add (C++20: a compare-and-swap loop in libstdc++);
// max/min are CAS loops that stop as soon as the stored value already wins.

namespace detail {
template <class T, class Better>
T atomic_extremum(Atomic<T>& a, T v, Better better) noexcept {
    T old = a.load(std::memory_order_relaxed);
    while (better(v, old) && !a.compare_exchange_weak(old, v, std::memory_order_seq_cst,
                                                      std::memory_order_relaxed)) {
    }
    return old;
}

template <class T, class Op>
T atomic_float_rmw(Atomic<T>& a, T v, Op op) noexcept {
    T old = a.load(std::memory_order_relaxed);
    while (!a.compare_exchange_weak(old, op(old, v), std::memory_order_seq_cst, std::memory_order_relaxed)) {
    }
    return old;
}
}  // namespace detail

template <AtomicArithmetic T>
T atomic_add(Atomic<T>& a, std::type_identity_t<T> v) noexcept {
#if defined(__cpp_lib_atomic_float)
    return a.fetch_add(v);
#else
    if constexpr (std::floating_point<T>) return detail::atomic_float_rmw(a, v, std::plus<T>{});
    else return a.fetch_add(v);
#endif
}

template <AtomicArithmetic T>
T atomic_sub(Atomic<T>& a, std::type_identity_t<T> v) noexcept {
#if defined(__cpp_lib_atomic_float)
    return a.fetch_sub(v);
#else
    if constexpr (std::floating_point<T>) return detail::atomic_float_rmw(a, v, std::minus<T>{});
    else return a.fetch_sub(v);
#endif
}

template <AtomicInteger T>
T atomic_and(Atomic<T>& a, std::type_identity_t<T> v) noexcept {
    return a.fetch_and(v);
}

template <AtomicInteger T>
T atomic_or(Atomic<T>& a, std::type_identity_t<T> v) noexcept {
    return a.fetch_or(v);
}

template <AtomicInteger T>
T atomic_xor(Atomic<T>& a, std::type_identity_t<T> v) noexcept {
    return a.fetch_xor(v);
}

template <AtomicArithmetic T>
T atomic_max(Atomic<T>& a, std::type_identity_t<T> v) noexcept {
    return detail::atomic_extremum(a, v, [](T x, T y) { return x > y; });
}

template <AtomicArithmetic T>
T atomic_min(Atomic<T>& a, std::type_identity_t<T> v) noexcept {
    return detail::atomic_extremum(a, v, [](T x, T y) { return x < y; });
}

template <AtomicValue T>
T atomic_xchg(Atomic<T>& a, std::type_identity_t<T> v) noexcept {
    return a.exchange(v);
}

template <AtomicValue T>
T atomic_cas(Atomic<T>& a, std::type_identity_t<T> expected, std::type_identity_t<T> desired) noexcept {
    a.compare_exchange_strong(expected, desired);
    return expected;
}

}  // namespace weft::threads
