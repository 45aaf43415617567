// weft::threads: the pool's loop semantics (Julia's static split, dynamic chunks,
// reductions, nesting, exceptions, concurrent callers), WEFT_NUM_THREADS, and the atomics.
// Fiber-free: test/threads_tsan builds this same file under ThreadSanitizer.
#include <weft/threads.hpp>

#include "../../runtime/threads/pool.hpp"  // LoopWaitHook: the runtime's private hook

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace th = weft::threads;
using th::Schedule;

namespace {

constexpr int default_threads = 4;

/// Every test starts with a 4-thread pool (more threads than this machine's 2 cores on
/// purpose: shares then really interleave and threads really go to sleep).
class Threads : public ::testing::Test {
 protected:
    void SetUp() override {
        if (th::nthreads() != default_threads) th::detail::reset_pool_for_testing(default_threads);
    }
};

/// Julia's split written the long way: thread t takes n / nt iterations, plus one if
/// t < n % nt, blocks in thread order.
std::vector<int> julia_split(int n, int nt) {
    std::vector<int> owner;
    for (int t = 0; t < nt; ++t)
        for (int k = 0; k < n / nt + (t < n % nt ? 1 : 0); ++k) owner.push_back(t);
    return owner;
}

std::vector<int> owners(int n, Schedule schedule = Schedule::static_()) {
    std::vector<int> owner(static_cast<std::size_t>(n), -1);
    th::parallel_for(0, n, [&](int i) { owner[static_cast<std::size_t>(i)] = th::threadid(); }, schedule);
    return owner;
}

// --- static schedule ------------------------------------------------------------------

TEST_F(Threads, StaticSplitIsJuliasTenOnFour) {
    EXPECT_EQ(owners(10), (std::vector<int>{0, 0, 0, 1, 1, 1, 2, 2, 3, 3}));
}

TEST_F(Threads, StaticSplitMatchesJuliaForManySizes) {
    const std::pair<int, int> cases[] = {{10, 4}, {0, 4}, {1, 4}, {2, 4}, {3, 4}, {4, 4},
                                         {5, 2}, {7, 3}, {100, 3}, {1000, 7}, {13, 1}, {2, 5}};
    for (auto [n, nt] : cases) {
        th::detail::reset_pool_for_testing(nt);
        ASSERT_EQ(th::nthreads(), nt);
        EXPECT_EQ(owners(n), julia_split(n, nt)) << n << " iterations on " << nt << " threads";
    }
}

TEST_F(Threads, OffsetNegativeAndMixedTypeRanges) {
    std::vector<int> hits(20, 0);
    th::parallel_for(-10, 10L, [&](long i) { ++hits[static_cast<std::size_t>(i + 10)]; });
    EXPECT_EQ(hits, std::vector<int>(20, 1));

    std::vector<double> v(37, 0.0);
    th::parallel_for(0, v.size(), [&](std::size_t i) { v[i] = static_cast<double>(i); });
    for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], static_cast<double>(i));

    // -1 and 5u have the common type unsigned: an error, not a silently empty loop.
    EXPECT_THROW(th::parallel_for(-1, 5u, [](unsigned) {}), std::out_of_range);
    EXPECT_THROW(th::parallel_reduce(-1L, 5ul, 0ul, std::plus<>{}, [](unsigned long i) { return i; }),
                 std::out_of_range);

    int calls = 0;
    th::parallel_for(5, 5, [&](int) { ++calls; });
    th::parallel_for(5, -3, [&](int) { ++calls; });
    EXPECT_EQ(calls, 0);
}

TEST_F(Threads, ThreadIdsAreInRange) {
    EXPECT_EQ(th::threadid(), 0);
    const auto owner = owners(1000);
    for (int t : owner) {
        EXPECT_GE(t, 0);
        EXPECT_LT(t, th::nthreads());
    }
    EXPECT_EQ(th::threadid(), 0);
}

// --- dynamic schedule -----------------------------------------------------------------

TEST_F(Threads, DynamicCoversEveryIndexOnce) {
    const int n = 10007;
    for (std::int64_t chunk : {1, 3, 64, 5000, 20000}) {
        std::vector<std::atomic<int>> hits(n);
        th::parallel_for(0, n, [&](int i) { hits[static_cast<std::size_t>(i)].fetch_add(1); },
                         Schedule::dynamic(chunk));
        for (int i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<std::size_t>(i)].load(), 1) << "chunk " << chunk;
    }
    for (int t : owners(500, Schedule::dynamic(7))) {
        EXPECT_GE(t, 0);
        EXPECT_LT(t, th::nthreads());
    }
}

TEST_F(Threads, DynamicChunkMustBePositive) {
    EXPECT_THROW(Schedule::dynamic(0), std::invalid_argument);
    EXPECT_THROW(Schedule::dynamic(-4), std::invalid_argument);
    EXPECT_EQ(Schedule::dynamic(64).chunk(), 64);
    EXPECT_EQ(Schedule::static_().kind(), Schedule::Kind::static_);
}

// --- reductions -----------------------------------------------------------------------

TEST_F(Threads, ReduceIntegersEqualsSerial) {
    const long n = 100000;
    auto f = [](long i) { return i * i % 1009; };
    long serial = 7;
    for (long i = 0; i < n; ++i) serial += f(i);
    EXPECT_EQ(th::parallel_reduce(0L, n, 7L, std::plus<>{}, f), serial);
    EXPECT_EQ(th::parallel_reduce(0L, n, 7L, std::plus<>{}, f, Schedule::dynamic(100)), serial);
    EXPECT_EQ(th::parallel_reduce(0, 0, 7L, std::plus<>{}, f), 7L);
    EXPECT_EQ(th::parallel_reduce(0, 1, 7L, std::plus<>{}, f), 7L + f(0));
    auto max = [](long a, long b) { return std::max(a, b); };
    EXPECT_EQ(th::parallel_reduce(0L, n, -1L, max, f), 1008L);
}

TEST_F(Threads, ReduceCombinesPartialsInThreadOrder) {
    // String concatenation is associative but not commutative: any other order shows.
    auto piece = [](int i) { return std::to_string(i) + ","; };
    std::string serial;
    for (int i = 0; i < 103; ++i) serial += piece(i);
    EXPECT_EQ(th::parallel_reduce(0, 103, std::string(), std::plus<>{}, piece), serial);
    EXPECT_EQ(th::parallel_reduce(0, 103, std::string("<"), std::plus<>{}, piece), "<" + serial);
}

TEST_F(Threads, ReduceDoublesStaticIsDeterministic) {
    const int n = 200003;
    std::vector<double> a(n);
    for (int i = 0; i < n; ++i) a[static_cast<std::size_t>(i)] = 1.0 / (1.0 + i) * ((i % 3) ? 1 : -0.7);
    auto body = [&](int i) { return a[static_cast<std::size_t>(i)]; };
    const double serial = std::accumulate(a.begin(), a.end(), 0.0);
    const double first = th::parallel_reduce(0, n, 0.0, std::plus<>{}, body);
    EXPECT_NEAR(first, serial, 1e-9);
    for (int rep = 0; rep < 20; ++rep) ASSERT_EQ(th::parallel_reduce(0, n, 0.0, std::plus<>{}, body), first);
    const double dynamic = th::parallel_reduce(0, n, 0.0, std::plus<>{}, body, Schedule::dynamic(1000));
    EXPECT_NEAR(dynamic, serial, 1e-9);
}

TEST_F(Threads, ReduceRangeShorterThanPool) {
    auto body = [](int i) { return i + 1; };
    EXPECT_EQ(th::parallel_reduce(0, 3, 0, std::plus<>{}, body), 6);  // 4 threads, 3 iterations
    EXPECT_EQ(th::parallel_reduce(0, 3, 0, std::plus<>{}, body, Schedule::dynamic(2)), 6);
}

// --- nesting --------------------------------------------------------------------------

TEST_F(Threads, NestedLoopsRunSeriallyOnTheCallingThread) {
    const int outer = 8, inner = 50;
    std::vector<int> inner_owner(outer * inner, -1), outer_owner(outer, -1);
    th::parallel_for(0, outer, [&](int i) {
        const int me = th::threadid();
        outer_owner[static_cast<std::size_t>(i)] = me;
        th::parallel_for(0, inner, [&](int j) { inner_owner[static_cast<std::size_t>(i * inner + j)] = th::threadid(); });
        const long s = th::parallel_reduce(0, inner, 0L, std::plus<>{}, [&](int j) {
            EXPECT_EQ(th::threadid(), me);
            return static_cast<long>(j);
        });
        EXPECT_EQ(s, inner * (inner - 1) / 2);
    });
    EXPECT_EQ(outer_owner, julia_split(outer, th::nthreads()));
    for (int i = 0; i < outer; ++i)
        for (int j = 0; j < inner; ++j)
            EXPECT_EQ(inner_owner[static_cast<std::size_t>(i * inner + j)], outer_owner[static_cast<std::size_t>(i)]);
}

// --- exceptions -----------------------------------------------------------------------

TEST_F(Threads, ExceptionInAnyIterationIsRethrownAfterTheLoop) {
    // Iteration 1 runs on thread 0, 9 on thread 3 (10 on 4 threads).
    for (int bad : {1, 9}) {
        for (Schedule s : {Schedule::static_(), Schedule::dynamic(1)}) {
            std::atomic<int> ran{0};
            try {
                th::parallel_for(0, 10, [&](int i) {
                    if (i == bad) throw std::runtime_error("bad iteration " + std::to_string(i));
                    ran.fetch_add(1);
                }, s);
                ADD_FAILURE() << "no exception";
            } catch (const std::runtime_error& e) {
                EXPECT_EQ(std::string(e.what()), "bad iteration " + std::to_string(bad));
            }
            EXPECT_LE(ran.load(), 9);
        }
    }
    // The pool still works afterwards, and the exception does not leak into the next loop.
    EXPECT_EQ(owners(10), (std::vector<int>{0, 0, 0, 1, 1, 1, 2, 2, 3, 3}));
}

TEST_F(Threads, OneOfSeveralExceptionsIsRethrown) {
    try {
        th::parallel_for(0, 1000, [](int i) {
            if (i % 100 == 0) throw std::out_of_range(std::to_string(i));
        });
        ADD_FAILURE() << "no exception";
    } catch (const std::out_of_range& e) {
        EXPECT_EQ(std::stoi(e.what()) % 100, 0);
    }
}

TEST_F(Threads, StaticLoopFinishesTheOtherBlocks) {
    std::vector<int> done(12, 0);
    EXPECT_THROW(th::parallel_for(0, 12, [&](int i) {
        if (i == 0) throw std::logic_error("first");
        done[static_cast<std::size_t>(i)] = 1;
    }), std::logic_error);
    for (int i = 3; i < 12; ++i) EXPECT_EQ(done[static_cast<std::size_t>(i)], 1) << i;  // threads 1..3
}

TEST_F(Threads, ReduceRethrows) {
    EXPECT_THROW(th::parallel_reduce(0, 100, 0, std::plus<>{}, [](int i) {
        if (i == 77) throw std::domain_error("77");
        return i;
    }), std::domain_error);
    EXPECT_THROW(th::parallel_reduce(0, 100, 0, std::plus<>{}, [](int i) {
        if (i == 5) throw std::domain_error("5");
        return i;
    }, Schedule::dynamic(3)), std::domain_error);
}

// --- concurrent callers and many loops --------------------------------------------------

TEST_F(Threads, LoopsFromTwoNonPoolThreadsAtOnce) {
    auto worker = [](long base, long* result) {
        long total = 0;
        for (int rep = 0; rep < 200; ++rep) {
            std::vector<long> v(97, 0);
            th::parallel_for(0, 97, [&](int i) { v[static_cast<std::size_t>(i)] = base + i; });
            total += std::accumulate(v.begin(), v.end(), 0L);
            total += th::parallel_reduce(0, 97, 0L, std::plus<>{}, [&](int i) { return base + i; });
        }
        *result = total;
    };
    long r1 = 0, r2 = 0;
    std::thread a(worker, 1000, &r1), b(worker, 5000, &r2);
    a.join();
    b.join();
    const long per_loop = [](long base) { return 97 * base + 97 * 96 / 2; }(0);
    EXPECT_EQ(r1, 200 * 2 * (97 * 1000 + per_loop));
    EXPECT_EQ(r2, 200 * 2 * (97 * 5000 + per_loop));
}

TEST_F(Threads, AnyNonPoolThreadIsThreadZeroOfItsLoop) {
    std::vector<int> owner;
    std::thread other([&] { owner = owners(10); });
    other.join();
    EXPECT_EQ(owner, (std::vector<int>{0, 0, 0, 1, 1, 1, 2, 2, 3, 3}));
}

TEST_F(Threads, ManyBackToBackLoops) {
    th::Atomic<long> total{0};
    std::vector<int> slot(8, 0);
    for (int rep = 0; rep < 3000; ++rep) {
        th::parallel_for(0, 8, [&](int i) { slot[static_cast<std::size_t>(i)] += 1; });
        th::atomic_add(total, th::parallel_reduce(0, 8, 0L, std::plus<>{}, [](int i) { return long{i}; }));
    }
    EXPECT_EQ(slot, std::vector<int>(8, 3000));
    EXPECT_EQ(total.load(), 3000L * 28);
}

TEST_F(Threads, IdlePoolThreadsGoToSleep) {
    th::parallel_for(0, 4, [](int) {});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (th::detail::sleeping_threads() != th::nthreads() - 1 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling, not synchronisation
    EXPECT_EQ(th::detail::sleeping_threads(), th::nthreads() - 1);
    EXPECT_EQ(owners(10), julia_split(10, 4));  // and they wake up for the next loop
}

// --- the runtime's wait hook ----------------------------------------------------------

struct TestHook {
    static inline std::mutex m;
    static inline std::condition_variable cv;
    static inline std::atomic<int> waits{0}, wakes{0};
    static inline std::atomic<bool> waiting{false};
    static void wait(bool (*done)(const void*), const void* arg) {
        waits.fetch_add(1);
        std::unique_lock lock(m);
        waiting.store(true);
        cv.wait(lock, [&] { return done(arg); });
        waiting.store(false);
    }
    static void wake() {
        wakes.fetch_add(1);
        { std::lock_guard lock(m); }
        cv.notify_all();
    }
};

TEST_F(Threads, LoopEndWaitGoesThroughTheRuntimeHook) {
    TestHook::waits = 0;
    TestHook::wakes = 0;
    ::setenv("WEFT_THREADS_SPIN_US", "0", 1);  // thread 0 must not spin its way out
    th::detail::reset_pool_for_testing(default_threads);
    static const th::detail::LoopWaitHook hook{&TestHook::wait, &TestHook::wake};
    th::detail::set_loop_wait_hook(&hook);
    std::vector<int> owner(4, -1);
    // Thread 3's iteration ends only once thread 0 waits in the hook: the hook is used.
    th::parallel_for(0, 4, [&](int i) {
        if (i == 3)
            while (!TestHook::waiting.load()) std::this_thread::yield();
        owner[static_cast<std::size_t>(i)] = th::threadid();
    });
    th::detail::set_loop_wait_hook(nullptr);
    ::unsetenv("WEFT_THREADS_SPIN_US");
    th::detail::reset_pool_for_testing(default_threads);
    EXPECT_EQ(owner, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(TestHook::waits.load(), 1);
    EXPECT_GE(TestHook::wakes.load(), 1);
}

// --- WEFT_NUM_THREADS -----------------------------------------------------------------

TEST_F(Threads, NumThreadsFromTheEnvironment) {
    ::setenv("WEFT_NUM_THREADS", "3", 1);
    th::detail::reset_pool_for_testing(0);
    EXPECT_EQ(th::nthreads(), 3);
    EXPECT_EQ(owners(5), julia_split(5, 3));
    ::setenv("WEFT_NUM_THREADS", "auto", 1);
    th::detail::reset_pool_for_testing(0);
    EXPECT_EQ(th::nthreads(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    ::unsetenv("WEFT_NUM_THREADS");
    th::detail::reset_pool_for_testing(0);
    EXPECT_EQ(th::nthreads(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

TEST_F(Threads, BadNumThreadsIsAClearError) {
    EXPECT_EQ(th::detail::parse_num_threads(nullptr), th::detail::parse_num_threads("auto"));
    EXPECT_EQ(th::detail::parse_num_threads(" 12 "), 12);
    for (const char* bad : {"0", "-2", "abc", "4x", "1e3", "99999", "2.5"}) {
        try {
            th::detail::parse_num_threads(bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const std::invalid_argument& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("WEFT_NUM_THREADS"), std::string::npos) << what;
            EXPECT_NE(what.find(std::string("\"") + bad + "\""), std::string::npos) << what;
        }
    }
    ::setenv("WEFT_NUM_THREADS", "many", 1);
    th::detail::reset_pool_for_testing(0);
    EXPECT_THROW(th::nthreads(), std::invalid_argument);
    EXPECT_THROW(th::parallel_for(0, 10, [](int) {}), std::invalid_argument);
    ::unsetenv("WEFT_NUM_THREADS");
    th::detail::reset_pool_for_testing(default_threads);
    EXPECT_EQ(th::nthreads(), default_threads);
}

// --- atomics --------------------------------------------------------------------------

template <class T>
concept HasAtomicAnd = requires(th::Atomic<T>& a, T v) { th::atomic_and(a, v); };
template <class T>
concept HasAtomicAdd = requires(th::Atomic<T>& a, T v) { th::atomic_add(a, v); };
static_assert(HasAtomicAnd<int> && HasAtomicAnd<unsigned> && !HasAtomicAnd<double> && !HasAtomicAnd<bool>);
static_assert(HasAtomicAdd<float> && HasAtomicAdd<long> && !HasAtomicAdd<bool> && !HasAtomicAdd<int*>);

template <class T>
class Atomics : public Threads {};
using AtomicTypes = ::testing::Types<int, long, unsigned, double, float>;
TYPED_TEST_SUITE(Atomics, AtomicTypes);

TYPED_TEST(Atomics, EachOpReturnsTheOldValue) {
    using T = TypeParam;
    th::Atomic<T> a{T(10)};
    EXPECT_EQ(th::atomic_add(a, T(5)), T(10));
    EXPECT_EQ(a.load(), T(15));
    EXPECT_EQ(th::atomic_sub(a, T(3)), T(15));
    EXPECT_EQ(a.load(), T(12));
    EXPECT_EQ(th::atomic_max(a, T(20)), T(12));
    EXPECT_EQ(a.load(), T(20));
    EXPECT_EQ(th::atomic_max(a, T(7)), T(20));
    EXPECT_EQ(a.load(), T(20));
    EXPECT_EQ(th::atomic_min(a, T(4)), T(20));
    EXPECT_EQ(a.load(), T(4));
    EXPECT_EQ(th::atomic_min(a, T(9)), T(4));
    EXPECT_EQ(a.load(), T(4));
    EXPECT_EQ(th::atomic_xchg(a, T(8)), T(4));
    EXPECT_EQ(a.load(), T(8));
    EXPECT_EQ(th::atomic_cas(a, T(3), T(1)), T(8));  // no swap
    EXPECT_EQ(a.load(), T(8));
    EXPECT_EQ(th::atomic_cas(a, T(8), T(1)), T(8));  // swap
    EXPECT_EQ(a.load(), T(1));
    if constexpr (std::integral<T>) {
        a = T(0b1100);
        EXPECT_EQ(th::atomic_and(a, T(0b1010)), T(0b1100));
        EXPECT_EQ(a.load(), T(0b1000));
        EXPECT_EQ(th::atomic_or(a, T(0b0011)), T(0b1000));
        EXPECT_EQ(a.load(), T(0b1011));
        EXPECT_EQ(th::atomic_xor(a, T(0b1110)), T(0b1011));
        EXPECT_EQ(a.load(), T(0b0101));
    }
}

TYPED_TEST(Atomics, ConcurrentUpdatesFromAllThreadsAreExact) {
    using T = TypeParam;
    const int n = 20000;  // every partial sum is exact in float too (< 2^24)
    th::Atomic<T> sum{T(0)}, down{T(n)}, hi{T(0)}, lo{T(n)}, cas_count{T(0)};
    th::parallel_for(0, n, [&](int i) {
        th::atomic_add(sum, T(1));
        th::atomic_sub(down, T(1));
        th::atomic_max(hi, T(i));
        th::atomic_min(lo, T(i));
        for (T old = cas_count.load();;) {
            const T seen = th::atomic_cas(cas_count, old, T(old + T(1)));
            if (seen == old) break;
            old = seen;
        }
    }, Schedule::dynamic(16));
    EXPECT_EQ(sum.load(), T(n));
    EXPECT_EQ(down.load(), T(0));
    EXPECT_EQ(hi.load(), T(n - 1));
    EXPECT_EQ(lo.load(), T(0));
    EXPECT_EQ(cas_count.load(), T(n));

    // xchg conserves: every value written is either returned by a later xchg or left.
    th::Atomic<T> cell{T(0)};
    th::Atomic<long> returned{0};
    th::parallel_for(1, 1001, [&](int i) { th::atomic_add(returned, static_cast<long>(th::atomic_xchg(cell, T(i)))); });
    EXPECT_EQ(returned.load() + static_cast<long>(cell.load()), 1000L * 1001 / 2);

    if constexpr (std::integral<T>) {
        th::Atomic<T> bits{T(0)}, flips{T(0)}, mask{T(~T(0))};
        th::parallel_for(0, 64, [&](int i) {
            const T bit = T(T(1) << (i % 16));
            th::atomic_or(bits, bit);
            th::atomic_xor(flips, bit);  // each of the 16 bits flipped 4 times
            if (i < 16) th::atomic_and(mask, T(~bit));
        });
        EXPECT_EQ(bits.load(), T(0xFFFF));
        EXPECT_EQ(flips.load(), T(0));
        EXPECT_EQ(mask.load(), T(~T(0xFFFF)));
    }
}

TEST_F(Threads, FloatingMaxMinIgnoreNaN) {
    th::Atomic<double> a{1.0};
    th::atomic_max(a, std::numeric_limits<double>::quiet_NaN());
    th::atomic_min(a, std::numeric_limits<double>::quiet_NaN());
    EXPECT_EQ(a.load(), 1.0);
    EXPECT_EQ(th::atomic_add(a, 0.5), 1.0);
    EXPECT_EQ(a.load(), 1.5);
}

// The seed's example: `acc[] += 1` from all threads loses updates, atomic_add does not.
TEST_F(Threads, RacySumVersusAtomicSum) {
    const int n = 100000;
    std::atomic<long> racy{0};  // read-modify-write in two steps: updates can be lost
    th::Atomic<long> acc{0};
    th::parallel_for(0, n, [&](int) {
        racy.store(racy.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        th::atomic_add(acc, 1L);
    });
    EXPECT_LE(racy.load(), n);
    EXPECT_EQ(acc.load(), n);
}

}  // namespace
