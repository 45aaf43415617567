// test/runtime/tasks_test.cpp — local tasks: async/fetch/wait, sync collecting errors,
// tasks started dynamically inside sync, yield and sleep interleaving.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <weft/weft.hpp>

#include "sanitizers.hpp"
#ifdef WEFT_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace {
/// Recurses `depth` times, each frame with a buffer that ASan surrounds with poisoned
/// redzones, then throws from the deepest. `lo`/`hi` get the deepest buffer's start and
/// the outermost one's end. The buffers are larger than ASan's biggest fake-stack frame
/// (64 KiB), so they are on the task's real stack even when ASan detects
/// stack-use-after-return (the default).
[[gnu::noinline]] void throw_from_deep(int depth, volatile char** lo, volatile char** hi) {
    volatile char buf[72 * 1024];
    buf[0] = static_cast<char>(depth);
    if (!*hi) *hi = buf + sizeof buf;
    *lo = buf;
    if (depth == 0) throw std::runtime_error("from deep in a task");
    throw_from_deep(depth - 1, lo, hi);
    buf[1] = buf[0];  // not a tail call: every frame stays until the throw
}
}  // namespace

TEST(Tasks, AsyncFetchAndWait) {
    auto t = weft::async([] { return 6 * 7; });
    EXPECT_EQ(weft::fetch(t), 42);
    EXPECT_TRUE(weft::istaskdone(t));
    auto v = weft::async([] {});
    weft::wait(v);
    EXPECT_TRUE(weft::istaskdone(v));
}

TEST(Tasks, ExceptionsTravelThroughFetch) {
    auto t = weft::async([]() -> int { throw std::runtime_error("boom"); });
    EXPECT_THROW(weft::fetch(t), std::runtime_error);
}

// Issue 17: tasks run on their own stacks, and ASan must be told of every switch
// (runtime/tasks/asan_fibers.hpp). Otherwise, when an exception unwinds frames of a task,
// ASan cannot clean their redzones ("ASan is ignoring requested __asan_handle_no_return":
// it takes the thread's first stack for the current one), and the stale poison later reads
// as stack-buffer-overflow in whatever runs there next.
TEST(Tasks, AnExceptionUnwindingFramesOfATaskLeavesNoStalePoison) {
#ifndef WEFT_TEST_ASAN
    GTEST_SKIP() << "checks AddressSanitizer's shadow memory: only in a -fsanitize=address build";
#else
    for (int round = 0; round < 3; ++round) {  // also on stacks reused from the pool
        auto t = weft::async([] {
            weft::yield();  // a switch or two before the throw
            volatile char* lo = nullptr;
            volatile char* hi = nullptr;
            try {
                throw_from_deep(4, &lo, &hi);  // 5 frames, 360 KiB of the 1 MiB stack
            } catch (const std::runtime_error&) {
            }
            if (!lo || hi <= lo) return std::ptrdiff_t{-1};
            const char* poisoned = static_cast<const char*>(
                __asan_region_is_poisoned(const_cast<char*>(lo), static_cast<std::size_t>(hi - lo)));
            return poisoned ? hi - poisoned : std::ptrdiff_t{0};
        });
        EXPECT_EQ(weft::fetch(t), 0) << "round " << round
                                     << ": poisoned bytes left below the top of the unwound frames (-1: the frames were not on the task's stack)";
    }
#endif
}

TEST(Tasks, SyncWaitsForNestedTasks) {
    std::vector<int> done;
    weft::sync([&] {
        for (int i = 0; i < 3; ++i)
            weft::async([&done, i] {
                weft::yield();
                weft::async([&done, i] { done.push_back(10 + i); });  // started dynamically inside
                done.push_back(i);
            });
    });
    EXPECT_EQ(done.size(), 6u);
}

TEST(Tasks, SyncCollectsErrors) {
    try {
        weft::sync([] {
            weft::async([] { throw std::runtime_error("a"); });
            weft::async([] { throw std::logic_error("b"); });
            weft::async([] {});
        });
        FAIL();
    } catch (const weft::CompositeException& e) {
        EXPECT_EQ(e.exceptions().size(), 2u);
    }
}

TEST(Tasks, SyncWaitsEvenWhenTheBlockThrows) {
    bool finished = false;
    EXPECT_THROW(weft::sync([&] {
        weft::async([&] { weft::sleep(std::chrono::milliseconds(5)); finished = true; });
        throw std::runtime_error("block");
    }), std::runtime_error);
    EXPECT_TRUE(finished);
}

// Three tasks sleep at once and wake in the order of their deadlines. Each deadline is
// taken when its task starts sleeping: the tasks start one after the other, and on a
// loaded machine (CI under ASan) the third can start more than the 1 ms gap between the
// sleeps after the first, so the order of the durations alone is not the order of wakeups.
TEST(Tasks, SleepLetsOthersRunAndOrdersWakeups) {
    using Clock = std::chrono::steady_clock;
    std::vector<std::pair<Clock::time_point, int>> woke;  // (deadline, task), in waking order
    auto sleeper = [&](int id, std::chrono::microseconds d) {
        return [&woke, id, d] {
            const auto deadline = Clock::now() + d;
            weft::sleep(d);
            EXPECT_GE(Clock::now(), deadline) << "task " << id << " woke early";
            woke.emplace_back(deadline, id);
        };
    };
    weft::sync([&] {
        weft::async(sleeper(3, std::chrono::microseconds(3000)));
        weft::async(sleeper(1, std::chrono::microseconds(1000)));
        weft::async(sleeper(2, std::chrono::microseconds(2000)));
    });
    ASSERT_EQ(woke.size(), 3u);
    EXPECT_TRUE(std::is_sorted(woke.begin(), woke.end(),
                               [](const auto& a, const auto& b) { return a.first < b.first; }))
        << "woke in the order " << woke[0].second << ", " << woke[1].second << ", " << woke[2].second;
}

TEST(Tasks, FetchAndWaitAcceptPlainValues) {
    int x = 5;
    EXPECT_EQ(weft::fetch(x), 5);
    weft::wait(x);
}

TEST(Tasks, SleepWithANegativeDurationIsAnInvalidArgument) {
    EXPECT_THROW(weft::sleep(std::chrono::milliseconds(-1)), std::invalid_argument);
    EXPECT_THROW(weft::sleep(std::chrono::duration<double>(-1e-3)), std::invalid_argument);
    weft::sleep(std::chrono::nanoseconds(0));  // zero only yields
}

TEST(Tasks, CompositeExceptionShowsTheFirstErrorAndHowManyMore) {
    try {
        weft::sync([] {
            for (int i = 0; i < 4; ++i)
                weft::async([i] { throw std::runtime_error("task " + std::to_string(i) + " failed"); });
        });
        FAIL() << "no exception";
    } catch (const weft::CompositeException& e) {
        const std::string what = e.what();
        ASSERT_EQ(e.exceptions().size(), 4u);  // the full list stays available
        std::string first;
        try {
            std::rethrow_exception(e.exceptions().front());
        } catch (const std::exception& x) {
            first = x.what();
        }
        EXPECT_NE(what.find(first), std::string::npos) << what;
        EXPECT_NE(what.find("...and 3 more exceptions"), std::string::npos) << what;
        for (int i = 0; i < 4; ++i) {
            const std::string m = "task " + std::to_string(i) + " failed";
            if (m != first) EXPECT_EQ(what.find(m), std::string::npos) << "only the first error is shown: " << what;
        }
    }
}
