// weft::threads inside a weft process: while a parallel_for started by a task waits for
// the pool's other threads, the task is suspended, not the runtime thread, so the process
// keeps running its other tasks and serving remote calls (runtime/threads/loop_hook.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include <weft/weft.hpp>

namespace th = weft::threads;

namespace {

/// Spins (yielding the CPU) until flag is set; a failsafe deadline turns a runtime that
/// does not serve during loops into a test failure instead of a hang.
void wait_for_flag(const std::atomic<bool>& flag, const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!flag.load()) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error(what);
        std::this_thread::yield();
    }
}

// Worker side: a two-thread loop whose iteration 1 (on pool thread 1) runs until
// release() is called remotely; phase() reports where the loop is.
std::atomic<bool> g_release{false};
std::atomic<int> g_phase{0};  // 0: not started, 1: iteration 1 is waiting, 2: loop done

int long_loop() {
    th::detail::reset_pool_for_testing(2);
    g_release = false;
    g_phase = 0;
    th::parallel_for(0, 2, [](int i) {
        if (i != 1) return;
        g_phase = 1;
        wait_for_flag(g_release, "release() never arrived during the loop");
    });
    g_phase = 2;
    return th::nthreads();
}
int phase() { return g_phase.load(); }
int release() {
    g_release = true;
    return g_phase.load();
}

}  // namespace

WEFT_REMOTE(long_loop, phase, release)

TEST(ThreadLoop, LocalTasksRunWhileTheLoopWaits) {
    th::detail::reset_pool_for_testing(2);
    std::atomic<bool> flag{false};
    // The task can only run once the loop's task suspends at the end of its own share.
    auto t = weft::async([&] { flag = true; });
    th::parallel_for(0, 2, [&](int i) {
        if (i == 1) wait_for_flag(flag, "the task never ran while the loop waited");
    });
    weft::wait(t);
    EXPECT_TRUE(flag.load());
}

TEST(ThreadLoop, WorkerServesRemoteCallsDuringALoop) {
    if (weft::nprocs() < 2) weft::addprocs(1);
    const int w = weft::workers().front();
    auto f = weft::remotecall(long_loop, w);
    // Phase 1 means the loop is in progress (its end needs release()), so every answer
    // below is served during the loop.
    while (weft::remotecall_fetch(phase, w) != 1) {
    }
    for (int k = 0; k < 20; ++k) EXPECT_EQ(weft::remotecall_fetch(phase, w), 1);
    EXPECT_EQ(weft::remotecall_fetch(release, w), 1);
    EXPECT_EQ(weft::fetch(f), 2);
    EXPECT_EQ(weft::remotecall_fetch(phase, w), 2);
}

TEST(ThreadLoop, BlockingOperationsOnAPoolThreadThrowLogicError) {
    th::detail::reset_pool_for_testing(2);
    try {
        th::parallel_for(0, 2, [](int i) {
            if (i == 1) weft::sleep(std::chrono::milliseconds(1));  // iteration 1 runs on pool thread 1
        });
        ADD_FAILURE() << "weft::sleep on a pool thread did not throw";
    } catch (const std::logic_error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("weft::sleep called inside a weft::threads loop body on a pool thread"), std::string::npos)
            << msg;
        EXPECT_NE(msg.find("before or after the loop"), std::string::npos) << msg;
    }
    // Thread 0 is the calling task: its iterations may use weft's operations.
    th::parallel_for(0, 2, [](int i) {
        if (i == 0) weft::yield();
    });
}
