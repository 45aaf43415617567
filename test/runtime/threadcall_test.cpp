// weft::threadcall (SPEC §4.12): results and exceptions come back, the calling task is
// suspended while other tasks run and the process serves remote calls, the pool has
// WEFT_THREADPOOL_SIZE threads, and weft's blocking operations inside throw logic_error.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

namespace {

void wait_for_flag(const std::atomic<bool>& flag, const char* what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);  // failsafe only
    while (!flag.load()) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error(what);
        std::this_thread::yield();
    }
}

int add(int a, int b) { return a + b; }
int twice(int x) { return 2 * x; }

/// Expects f to throw std::logic_error saying `op` was called inside a threadcall.
template <class F>
void expect_misuse(F f, const std::string& op) {
    try {
        weft::threadcall(f);
        ADD_FAILURE() << op << " inside a threadcall did not throw";
    } catch (const std::logic_error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(op + " called inside a threadcall"), std::string::npos) << msg;
        EXPECT_NE(msg.find("before or after the threadcall"), std::string::npos) << msg;
    }
}

// Worker side: a threadcall that lasts until release_threadcall() is called remotely.
std::atomic<bool> g_release{false};
std::atomic<bool> g_in_call{false};
int blocking_threadcall() {
    g_release = false;
    return weft::threadcall([] {
        g_in_call = true;
        wait_for_flag(g_release, "release_threadcall() never arrived during the threadcall");
        g_in_call = false;
        return 7;
    });
}
bool in_call() { return g_in_call.load(); }
bool release_threadcall() {
    bool was = g_in_call.load();
    g_release = true;
    return was;
}

}  // namespace

WEFT_REMOTE(twice, blocking_threadcall, in_call, release_threadcall)

TEST(Threadcall, ReturnsTheResultWithOneProcess) {
    ASSERT_EQ(weft::nprocs(), 1);
    EXPECT_EQ(weft::threadcall(add, 2, 3), 5);
    EXPECT_EQ(weft::threadcall([] { return std::string("abc"); }), "abc");
    const auto caller = std::this_thread::get_id();
    EXPECT_NE(weft::threadcall([] { return std::this_thread::get_id(); }), caller);
    int hits = 0;
    weft::threadcall([&hits](int n) { hits += n; }, 3);  // void; arguments by reference
    EXPECT_EQ(hits, 3);
    std::vector<int> v{1, 2, 3};
    int& last = weft::threadcall([&v]() -> int& { return v.back(); });
    EXPECT_EQ(&last, &v.back());
}

TEST(Threadcall, RethrowsTheException) {
    EXPECT_THROW(weft::threadcall([] { throw std::out_of_range("index 9 of 3"); }), std::out_of_range);
    try {
        weft::threadcall([] { return std::vector<int>{}.at(2); });
        ADD_FAILURE();
    } catch (const std::out_of_range&) {
    }
    EXPECT_EQ(weft::threadcall(add, 1, 1), 2);  // the pool thread survived
}

TEST(Threadcall, OtherTasksRunWhileTheCallerWaits) {
    std::atomic<bool> ticked{false};
    int ticks = 0;
    auto ticker = weft::async([&] {
        for (int i = 0; i < 5; ++i, ++ticks) weft::yield();
        ticked = true;
    });
    // The call ends only after the ticker task finished: the caller was suspended meanwhile.
    int r = weft::threadcall([&] {
        wait_for_flag(ticked, "no task ran during the threadcall");
        return 1;
    });
    EXPECT_EQ(r, 1);
    EXPECT_EQ(ticks, 5);
    weft::wait(ticker);
}

TEST(Threadcall, ManyCallsFromManyTasks) {
    std::vector<weft::Task<int>> tasks;
    for (int i = 0; i < 50; ++i) tasks.push_back(weft::async([i] { return weft::threadcall(twice, i); }));
    for (int i = 0; i < 50; ++i) EXPECT_EQ(weft::fetch(tasks[static_cast<std::size_t>(i)]), 2 * i);
}

TEST(Threadcall, CallerThatIsNoTaskBlocksItsThread) {
    int r = 0;
    std::thread t([&] { r = weft::threadcall(add, 20, 22); });
    t.join();
    EXPECT_EQ(r, 42);
}

/// Runs `calls` threadcalls at once that each wait until `pool` of them run together;
/// returns the most that ever ran at once.
int max_concurrency(int calls, int pool) {
    std::atomic<int> active{0}, most{0};
    std::atomic<bool> full{false};
    std::vector<weft::Task<void>> tasks;
    for (int i = 0; i < calls; ++i)
        tasks.push_back(weft::async([&] {
            weft::threadcall([&] {
                int now = ++active;
                for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);) {
                }
                if (now == pool) full = true;
                wait_for_flag(full, "the pool never ran that many calls at once");
                --active;
            });
        }));
    for (auto& t : tasks) weft::wait(t);
    return most.load();
}

TEST(Threadcall, PoolSizeIsFourByDefaultAndFromTheEnvironment) {
    ::unsetenv("WEFT_THREADPOOL_SIZE");
    weft::detail::reset_threadcall_pool_for_testing();
    EXPECT_EQ(weft::detail::threadcall_pool_size(), 4);
    EXPECT_EQ(max_concurrency(7, 4), 4);
    ::setenv("WEFT_THREADPOOL_SIZE", "2", 1);
    weft::detail::reset_threadcall_pool_for_testing();
    EXPECT_EQ(weft::detail::threadcall_pool_size(), 2);
    EXPECT_EQ(max_concurrency(5, 2), 2);  // the extra calls queue
    ::unsetenv("WEFT_THREADPOOL_SIZE");
    weft::detail::reset_threadcall_pool_for_testing();
}

TEST(Threadcall, BadPoolSizeIsAClearError) {
    for (const char* bad : {"0", "-3", "many", "4x", "100000"}) {
        ::setenv("WEFT_THREADPOOL_SIZE", bad, 1);
        weft::detail::reset_threadcall_pool_for_testing();
        try {
            weft::threadcall(add, 1, 2);
            ADD_FAILURE() << "WEFT_THREADPOOL_SIZE=" << bad << " was accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("WEFT_THREADPOOL_SIZE=\"") + bad + "\""), std::string::npos)
                << e.what();
            EXPECT_NE(std::string(e.what()).find("whole number from 1 to 1024"), std::string::npos) << e.what();
        }
    }
    ::unsetenv("WEFT_THREADPOOL_SIZE");
    weft::detail::reset_threadcall_pool_for_testing();
    EXPECT_EQ(weft::threadcall(add, 1, 2), 3);
}

TEST(Threadcall, LocalBlockingOperationsInsideThrowLogicError) {
    expect_misuse([] { weft::sleep(std::chrono::milliseconds(1)); }, "weft::sleep");
    expect_misuse([] { weft::yield(); }, "weft::yield");
    expect_misuse([] { (void)weft::async([] {}); }, "weft::async");
    expect_misuse([] { weft::sync([] {}); }, "weft::sync");
    expect_misuse([] { weft::threadcall(add, 1, 2); }, "weft::threadcall");
    weft::Channel<int> ch(1);
    expect_misuse([&ch] { (void)ch.take(); }, "a wait on a weft::Condition (a Channel's put, take, fetch or wait)");
    std::atomic<bool> go{false};
    auto slow = weft::async([&] { go = true; });  // not started yet: waiting for it blocks
    expect_misuse([&] { weft::wait(slow); }, "weft::wait/fetch of a Task");
    weft::wait(slow);
}

TEST(Threadcall, RemoteOperationsInsideThrowLogicError) {
    if (weft::nprocs() < 2) weft::addprocs(1);
    const int w = weft::workers().front();
    expect_misuse([w] { (void)weft::remotecall_fetch(twice, w, 1); }, "weft::remotecall_fetch");
    expect_misuse([w] { weft::remote_do(twice, w, 1); }, "weft::remote_do");
    expect_misuse([w] { (void)weft::remotecall(twice, w, 1); }, "weft::remotecall");
    auto f = weft::remotecall(twice, w, 4);
    expect_misuse([&f] { (void)weft::fetch(f); }, "weft::fetch");
    expect_misuse([&f] { weft::wait(f); }, "weft::wait");
    EXPECT_EQ(weft::fetch(f), 8);
}

TEST(Threadcall, WorkerServesRemoteCallsDuringAThreadcall) {
    if (weft::nprocs() < 2) weft::addprocs(1);
    const int w = weft::workers().front();
    auto f = weft::remotecall(blocking_threadcall, w);
    while (!weft::remotecall_fetch(in_call, w)) {
    }
    // The call ends only on release_threadcall(): these are answered while it runs.
    for (int k = 0; k < 10; ++k) EXPECT_TRUE(weft::remotecall_fetch(in_call, w));
    EXPECT_TRUE(weft::remotecall_fetch(release_threadcall, w));
    EXPECT_EQ(weft::fetch(f), 7);
}
