// test/runtime/serial_test.cpp — a program with no workers: every construct runs on
// process 1 itself (SPEC §1, §3.9).
#include <gtest/gtest.h>

#include <stdexcept>

#include <weft/weft.hpp>

namespace {
int triple(int x) { return 3 * x; }
int fails() { throw std::runtime_error("nope"); }
int g_unregistered_runs = 0;
int unregistered(int x) { return ++g_unregistered_runs, x + 1; }  // deliberately not in WEFT_REMOTE
}  // namespace
WEFT_REMOTE(triple, fails)

TEST(Serial, EverythingRunsOnProcessOne) {
    ASSERT_EQ(weft::nprocs(), 1);
    EXPECT_EQ(weft::workers(), std::vector<int>{1});
    auto f = weft::remotecall(triple, weft::any, 4);
    EXPECT_EQ(f.where(), 1);
    EXPECT_EQ(weft::fetch(f), 12);
    EXPECT_EQ(weft::remotecall_fetch(triple, 1, 5), 15);
    EXPECT_EQ(weft::fetch(weft::spawnat(weft::any, triple, 2)), 6);
    EXPECT_EQ(weft::fetchfrom(1, triple, 1), 3);
    weft::remote_do(triple, 1, 0);
    auto w = weft::remotecall_wait(triple, 1, 7);
    EXPECT_EQ(weft::fetch(w), 21);
    EXPECT_EQ(weft::debug::stored_refs(1), 0u);
}

TEST(Serial, ErrorsLookTheSame) {
    try {
        weft::remotecall_fetch(fails, 1);
        FAIL();
    } catch (const weft::RemoteException& e) {
        EXPECT_STREQ(e.what(), "On worker 1: std::runtime_error: nope");
    }
    auto f = weft::remotecall(fails, 1);
    EXPECT_THROW(weft::fetch(f), weft::RemoteException);
}

TEST(Serial, EverywhereAndSync) {
    int runs = 0;
    weft::sync([&] { weft::async([&] { ++runs; }); });
    EXPECT_EQ(runs, 1);
    weft::everywhere([] {});
}

// An untranslated program whose '#pragma weft remote' was ignored: a call to the calling
// process itself runs the function here, registered or not (Julia runs any function locally).
TEST(Serial, CallsToThisProcessNeedNoRegistration) {
    EXPECT_EQ(weft::remotecall_fetch(unregistered, weft::myid(), 1), 2);
    EXPECT_EQ(weft::fetch(weft::remotecall(unregistered, weft::myid(), 2)), 3);
    EXPECT_EQ(weft::fetch(weft::remotecall_wait(unregistered, weft::any, 3)), 4);
    weft::remote_do(unregistered, 1, 4);
    EXPECT_EQ(weft::fetchfrom(1, unregistered, 5), 6);
    weft::yield();  // remote_do's task
    EXPECT_EQ(g_unregistered_runs, 5);
}
