// runtime.event_loop_test: the runtime thread's epoll set wakes for everything a task may
// wait on. Asio's reactor is nested in it, so a completion Asio queues without any I/O (an
// operation that finished at once, a timer cancelled) must still wake the loop; work posted
// from another thread must too. Without either a task below waits forever (ctest's timeout
// fails the test). And a worker's output written just before it leaves reaches the master
// whole, even while the master is telling it about another worker's departure.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

#include "../../runtime/asio.hpp"
#include "../../runtime/tasks/fiber.hpp"

namespace {

int print_numbered_lines(int n) {
    for (int i = 0; i < n; ++i) std::printf("event-loop-test line %d of %d\n", i, n);
    std::fflush(stdout);
    return n;
}
WEFT_REMOTE(print_numbered_lines)

TEST(EventLoop, ACompletionQueuedWithoutIoWakesTheLoop) {
    // Nothing else happens in this process meanwhile: only the post can wake the loop.
    for (int round = 0; round < 100; ++round) {
        weft::rt::Event ev;
        boost::asio::post(weft::rt::io(), [&ev] { ev.set(); });
        ev.wait();
        EXPECT_TRUE(ev.is_set());
    }
}

TEST(EventLoop, ACancelledTimerWakesItsWaiter) {
    for (int round = 0; round < 20; ++round) {
        boost::asio::steady_timer t(weft::rt::io(), std::chrono::hours(1));
        weft::rt::Event ev;
        bool aborted = false;
        t.async_wait([&](const boost::system::error_code& ec) {
            aborted = ec == boost::asio::error::operation_aborted;
            ev.set();
        });
        weft::rt::launch([&t] { t.cancel(); });
        ev.wait();
        EXPECT_TRUE(aborted);
    }
}

TEST(EventLoop, WorkPostedFromAnotherThreadRunsOnTheRuntimeThread) {
    for (int round = 0; round < 50; ++round) {
        weft::rt::Event ev;
        std::atomic<bool> on_runtime{false};
        std::thread t([&] {
            weft::rt::post_to_runtime([&] {
                on_runtime = weft::rt::on_runtime_thread();
                ev.set();
            });
        });
        ev.wait();
        t.join();
        EXPECT_TRUE(on_runtime.load());
    }
}

/// Stress test of the cross-thread wake-up (issue 17 item 12: bench_threadcall hung under
/// load). Threads post while the runtime thread drains what they posted; a wake-up lost
/// between the loop's reading its eventfd and clearing its "wake-up pending" flag left
/// every later post unrun. Each round's posts must all run; a round stuck for 60 s fails
/// with the count instead of hanging until ctest's timeout.
TEST(EventLoop, PostsFromManyThreadsAtOnceAllRun) {
    constexpr int kThreads = 4, kPerThread = 20000, kRounds = 10;
    struct Round {
        weft::rt::Event all_ran;
        int ran = 0;  // touched on the runtime thread only
    };
    for (int round = 0; round < kRounds; ++round) {
        auto r = std::make_shared<Round>();  // shared: a stuck round's posts outlive it
        std::vector<std::thread> posters;
        for (int t = 0; t < kThreads; ++t)
            posters.emplace_back([r] {
                for (int i = 0; i < kPerThread; ++i)
                    weft::rt::post_to_runtime([r] {
                        if (++r->ran == kThreads * kPerThread) r->all_ran.set();
                    });
            });
        const bool done = r->all_ran.wait_for(std::chrono::seconds(60));
        for (auto& t : posters) t.join();
        ASSERT_TRUE(done) << "round " << round << ": only " << r->ran << " of " << kThreads * kPerThread
                          << " posted functions ran within 60 s (a lost wake-up)";
    }
}

TEST(EventLoop, CallsKeepWorkingAcrossManyRoundTrips) {
    auto ws = weft::addprocs(2);
    // Alternate between the two workers: the loop's shortcut reads the peer that last sent,
    // so every switch must still find the other one through epoll.
    for (int i = 0; i < 2000; ++i)
        ASSERT_EQ(weft::remotecall_fetch([](int x) { return x * 2; }, ws[i % 2], i), 2 * i);
    weft::rmprocs(ws);
}

/// Counts the lines of `path` that contain `needle`.
int count_lines(const std::string& path, const std::string& needle) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return -1;
    int n = 0;
    char line[512];
    while (std::fgets(line, sizeof line, f))
        if (std::strstr(line, needle.c_str())) ++n;
    std::fclose(f);
    return n;
}

TEST(EventLoop, OutputWrittenJustBeforeLeavingArrivesWhole) {
    // Four workers print, then leave together: while one leaves, the master tells the others
    // (a message they may never read). A worker that then closed its socket with that message
    // unread would reset the connection, and the master would lose the end of its output.
    char path[] = "/tmp/weft-event-loop-test-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    constexpr int lines = 3000;
    for (int round = 0; round < 3; ++round) {
        auto ws = weft::addprocs(4);
        std::fflush(stdout);
        const int saved = ::dup(1);
        ASSERT_EQ(::ftruncate(fd, 0), 0);
        ::lseek(fd, 0, SEEK_SET);
        ::dup2(fd, 1);
        std::vector<weft::Future<int>> fs;
        for (int w : ws) fs.push_back(weft::remotecall(print_numbered_lines, w, lines));
        for (auto& f : fs) weft::fetch(f);
        weft::rmprocs(ws);
        std::fflush(stdout);
        ::dup2(saved, 1);
        ::close(saved);
        for (int w : ws)
            EXPECT_EQ(count_lines(path, "From worker " + std::to_string(w) + ": event-loop-test line"), lines)
                << "worker " << w << " in round " << round;
    }
    ::close(fd);
    ::unlink(path);
}

}  // namespace
