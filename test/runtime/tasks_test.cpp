// test/runtime/tasks_test.cpp — local tasks: async/fetch/wait, sync collecting errors,
// tasks started dynamically inside sync, yield and sleep interleaving.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
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
