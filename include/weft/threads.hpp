// weft::threads: Julia's `Threads` module for C++ (SPEC §3.6, §4.11). A persistent pool of
// plain threads, parallel_for / parallel_reduce over index ranges, and Atomic<T> helpers.
#pragma once

#include <atomic>
#include <concepts>
#include <limits>  // numeric_limits: identities of the translator's reduce(min/max:...)
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace weft::threads {

/// Number of threads of the pool, the calling thread included: `WEFT_NUM_THREADS` (a whole
/// number, or `auto`), default `std::thread::hardware_concurrency()`. Read once, on first
/// use; a bad value throws std::invalid_argument naming the variable and the value.
/// Never blocks; thread-safe.
int nthreads();

/// Id of the calling thread, 0 <= threadid() < nthreads(): 0 for the thread that runs a
/// loop (and for every thread that is not a pool thread), 1..nthreads()-1 for pool
/// threads. Julia's `threadid()` minus one, as weft indices are 0-based.
///
///     std::vector<int> a(10);
///     weft::threads::parallel_for(0, 10, [&](int i) { a[i] = weft::threads::threadid(); });
///     // on 4 threads: 0 0 0 1 1 1 2 2 3 3
int threadid() noexcept;

/// How parallel_for / parallel_reduce hand iterations to threads.
class Schedule {
 public:
    enum class Kind : unsigned char { static_, dynamic };

    /// One contiguous block per thread in thread order; the first `n % nthreads()` threads
    /// take one extra iteration, exactly as Julia splits `@threads` loops.
    static constexpr Schedule static_() noexcept { return Schedule(Kind::static_, 0); }

    /// Chunks of `chunk` consecutive iterations handed out on demand from an atomic
    /// counter: for iterations of uneven cost. Throws std::invalid_argument if chunk < 1.
    static constexpr Schedule dynamic(std::int64_t chunk = 1) {
        if (chunk < 1)
            throw std::invalid_argument("weft::threads::Schedule::dynamic: chunk must be >= 1, got " +
                                        std::to_string(chunk));
        return Schedule(Kind::dynamic, chunk);
    }

    constexpr Kind kind() const noexcept { return kind_; }
    constexpr std::int64_t chunk() const noexcept { return chunk_; }

 private:
    constexpr Schedule(Kind kind, std::int64_t chunk) noexcept : kind_(kind), chunk_(chunk) {}
    Kind kind_;
    std::int64_t chunk_;
};

/// An integer type usable as a loop index (any integral type but bool).
template <class T>
concept LoopIndex = std::integral<T> && !std::same_as<std::remove_cv_t<T>, bool>;

/// Runs `body(i)` for every i in [first, last) on the thread pool and returns when all
/// iterations are done (Julia's `Threads.@threads`). The body is shared by all threads
/// (capture by reference; it must be safe to call concurrently). `first` and `last` may
/// be of different integer types: i has their common type (bounds that do not fit it,
/// as -1 with an unsigned `last`, throw std::out_of_range). An empty range does nothing.
///
/// - Nested: called from inside a loop body, the inner loop runs serially on the
///   calling thread (threadid() stays the caller's).
/// - Two non-pool threads at once: the pool serves one loop at a time; a loop started
///   while the pool is busy with another thread's loop runs serially on its own thread
///   (it never waits for the other loop, so it cannot deadlock).
/// - Exceptions: the first exception thrown by any iteration is rethrown here after the
///   loop. With the static schedule the other threads finish their blocks; with the
///   dynamic schedule no new chunk is started once an iteration has thrown.
///
///     double a[1000];
///     weft::threads::parallel_for(0, 1000, [&](int i) { a[i] = std::sqrt(i); });
///     weft::threads::parallel_for(0, n, [&](long i) { work(i); }, Schedule::dynamic(64));
template <LoopIndex First, LoopIndex Last, class F>
    requires std::invocable<F&, std::common_type_t<First, Last>>
void parallel_for(First first, Last last, F body, Schedule schedule = Schedule::static_());

/// Combines `body(i)` for i in [first, last) with `op`, starting from `init`, on the thread
/// pool: each thread reduces its iterations in order into a partial, and the partials are
/// combined in thread order, `op(...op(op(init, p0), p1)..., p[n-1])`. The result equals
/// the serial one for associative `op`; for floating point it can differ from the serial
/// sum in the last bits but is the same from run to run with the static schedule and the
/// same nthreads() (with the dynamic schedule it depends on timing). T is init's type:
/// write `0.0`, not `0`, to sum doubles. Blocking, nesting and exceptions as parallel_for.
///
///     double s = weft::threads::parallel_reduce(0, n, 0.0, std::plus<>{},
///                                               [&](int i) { return a[i] * b[i]; });
template <LoopIndex First, LoopIndex Last, class T, class Op, class F>
    requires std::invocable<F&, std::common_type_t<First, Last>> &&
             std::convertible_to<std::invoke_result_t<F&, std::common_type_t<First, Last>>, T> &&
             std::convertible_to<std::invoke_result_t<Op&, T, T>, T>
T parallel_reduce(First first, Last last, T init, Op op, F body,
                  Schedule schedule = Schedule::static_());

// ---------------------------------------------------------------------------------------
// Atomics (Julia's `Threads.Atomic` and `atomic_add!` & co.). Every operation is
// sequentially consistent and returns the value held *before* it. The operand has the
// atomic's type (`atomic_add(Atomic<long>&, 1)` works). Thread-safe, never blocks.
//
//     weft::threads::Atomic<long> acc{0};
//     weft::threads::parallel_for(0, 1000, [&](int) { weft::threads::atomic_add(acc, 1L); });
//     // acc == 1000

/// Julia's `Threads.Atomic{T}`: a std::atomic. Load with `a.load()` or `a` (Julia `a[]`).
template <class T>
using Atomic = std::atomic<T>;

/// Types with atomic bit operations: integers but bool.
template <class T>
concept AtomicInteger = std::integral<T> && !std::same_as<T, bool>;

/// Types with atomic add, sub, max, min: integers but bool, and floating point.
template <class T>
concept AtomicArithmetic = AtomicInteger<T> || std::floating_point<T>;

/// Types that can be exchanged and compared-and-swapped: anything std::atomic holds.
template <class T>
concept AtomicValue = std::is_trivially_copyable_v<T> && std::is_copy_constructible_v<T>;

/// a += v; returns the old value. Floating point: a compare-and-swap loop.
template <AtomicArithmetic T>
T atomic_add(Atomic<T>& a, std::type_identity_t<T> v) noexcept;
/// a -= v; returns the old value.
template <AtomicArithmetic T>
T atomic_sub(Atomic<T>& a, std::type_identity_t<T> v) noexcept;
/// a &= v; returns the old value.
template <AtomicInteger T>
T atomic_and(Atomic<T>& a, std::type_identity_t<T> v) noexcept;
/// a |= v; returns the old value.
template <AtomicInteger T>
T atomic_or(Atomic<T>& a, std::type_identity_t<T> v) noexcept;
/// a ^= v; returns the old value.
template <AtomicInteger T>
T atomic_xor(Atomic<T>& a, std::type_identity_t<T> v) noexcept;
/// a = max(a, v); returns the old value. A NaN operand leaves `a` unchanged.
template <AtomicArithmetic T>
T atomic_max(Atomic<T>& a, std::type_identity_t<T> v) noexcept;
/// a = min(a, v); returns the old value. A NaN operand leaves `a` unchanged.
template <AtomicArithmetic T>
T atomic_min(Atomic<T>& a, std::type_identity_t<T> v) noexcept;
/// a = v; returns the old value.
template <AtomicValue T>
T atomic_xchg(Atomic<T>& a, std::type_identity_t<T> v) noexcept;
/// If a holds `expected` (compared bit by bit, as Julia does), stores `desired`. Returns
/// the old value either way: the swap happened iff the result equals `expected`.
template <AtomicValue T>
T atomic_cas(Atomic<T>& a, std::type_identity_t<T> expected, std::type_identity_t<T> desired) noexcept;

}  // namespace weft::threads

#include <weft/detail/threads_impl.hpp>
