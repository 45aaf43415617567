// test/runtime/tasks_test.cpp — local tasks: async/fetch/wait, sync collecting errors,
// tasks started dynamically inside sync, yield and sleep interleaving.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include <weft/weft.hpp>

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

TEST(Tasks, SleepLetsOthersRunAndOrdersWakeups) {
    std::vector<int> order;
    weft::sync([&] {
        weft::async([&] { weft::sleep(std::chrono::microseconds(3000)); order.push_back(3); });
        weft::async([&] { weft::sleep(std::chrono::microseconds(1000)); order.push_back(1); });
        weft::async([&] { weft::sleep(std::chrono::microseconds(2000)); order.push_back(2); });
    });
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Tasks, FetchAndWaitAcceptPlainValues) {
    int x = 5;
    EXPECT_EQ(weft::fetch(x), 5);
    weft::wait(x);
}
