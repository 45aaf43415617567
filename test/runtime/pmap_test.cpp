// test/runtime/pmap_test.cpp — pmap (order, batches, dynamic hand-out, on_error, retries,
// workers killed mid-map, progress lines), worker pools (membership, remote(), caching).
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/weft.hpp>

namespace {
int square(int x) { return x * x; }
int whoami() { return weft::myid(); }
int fail_odd(int x) {
    if (x % 2) throw std::invalid_argument("odd input " + std::to_string(x));
    return x;
}

// Attempts per element, counted on the master so that retries on any worker see them.
std::map<int, int> g_attempts;
int bump_attempts(int i) { return ++g_attempts[i]; }
/// Fails the first attempt of every element, wherever it runs.
int flaky(int i) {
    if (weft::remotecall_fetch(bump_attempts, 1, i) == 1) throw std::runtime_error("transient failure");
    return 10 * i;
}

/// Kills its own process when run on `victim`.
struct DiesOn {
    int victim = 0;
    int operator()(int i) const {
        if (weft::myid() == victim) ::raise(SIGKILL);
        return i + 1;
    }
    template <class A> void serialize(A& a) { a(victim); }
};

/// Item 0 waits at `gate` until every other item has reported to `done`.
struct Unbalanced {
    weft::RemoteChannel<int> gate, done;
    int operator()(int i) {
        if (i == 0) return gate.take();
        done.put(i);
        return weft::myid();
    }
    template <class A> void serialize(A& a) { a(gate, done); }
};

// Counts, per process, how often a Payload was deserialized (i.e. sent here).
int g_payload_loads = 0;
int payload_loads() { return g_payload_loads; }
struct Payload {
    std::vector<int> table;
    int operator()(int i) const { return table[static_cast<std::size_t>(i)]; }
    template <class A> void save(A& a) const { a(table); }
    template <class A> void load(A& a) {
        a(table);
        ++g_payload_loads;
    }
};
}  // namespace

WEFT_REMOTE(square, whoami, fail_odd, bump_attempts, flaky, payload_loads)

class Pmap : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 4) weft::addprocs(4 - weft::nprocs());
    }
    static std::vector<int> iota(int n) {
        std::vector<int> v(static_cast<std::size_t>(n));
        std::iota(v.begin(), v.end(), 0);
        return v;
    }
};

TEST_F(Pmap, ResultsKeepInputOrderForEveryBatchSize) {
    auto in = iota(500);
    std::vector<int> want;
    for (int x : in) want.push_back(x * x);
    for (std::size_t bs : {std::size_t{1}, std::size_t{7}, weft::auto_batch}) {
        weft::PmapOptions<int> o;
        o.batch_size = bs;
        EXPECT_EQ(weft::pmap(square, in, o), want) << "batch size " << bs;
    }
    EXPECT_EQ(weft::pmap([](std::int64_t i) { return 2 * i; }, weft::range(0, 5)),
              (std::vector<std::int64_t>{0, 2, 4, 6, 8}));
    EXPECT_TRUE(weft::pmap(square, std::vector<int>{}).empty());
}

TEST_F(Pmap, WorkIsSpreadOverTheWorkers) {
    auto where = weft::pmap([](int) { return weft::myid(); }, iota(60));
    std::set<int> used(where.begin(), where.end());
    for (int w : used) EXPECT_GE(w, 2);
    EXPECT_GE(used.size(), 1u);
}

TEST_F(Pmap, FreeWorkersTakeTheNextBatch) {
    // Item 0 holds its worker until all 20 others are done: with dynamic hand-out the
    // other worker of the pool runs them all (a static split would never finish).
    weft::RemoteChannel<int> gate(1, 1), done(1, 32);
    auto release = weft::async([gate, done]() mutable {
        for (int k = 0; k < 20; ++k) done.take();
        gate.put(-1);
    });
    weft::WorkerPool pool({2, 3});
    auto r = weft::pmap(Unbalanced{gate, done}, pool, iota(21));
    weft::wait(release);
    EXPECT_EQ(r[0], -1);
    std::set<int> others(r.begin() + 1, r.end());
    ASSERT_EQ(others.size(), 1u);
    EXPECT_TRUE(*others.begin() == 2 || *others.begin() == 3);
}

TEST_F(Pmap, LocalTasksRunAnyCallable) {
    int offset = 100;  // captured by reference: fine for local tasks
    weft::PmapOptions<int> o;
    o.distributed = false;
    auto r = weft::pmap([&](int x) { return x + offset; }, iota(5), o);
    EXPECT_EQ(r, (std::vector<int>{100, 101, 102, 103, 104}));
    // ...but not on workers: a clear error.
    try {
        weft::pmap([&](int x) { return x + offset; }, iota(5));
        FAIL() << "no error";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("distributed = false"), std::string::npos) << e.what();
    }
}

TEST_F(Pmap, AnErrorStopsTheMap) {
    try {
        weft::pmap(fail_odd, iota(10));
        FAIL() << "no error";
    } catch (const weft::RemoteException& e) {
        EXPECT_NE(std::string(e.what()).find("std::invalid_argument: odd input"), std::string::npos) << e.what();
    }
}

TEST_F(Pmap, OnErrorTakesTheElementsPlace) {
    for (std::size_t bs : {std::size_t{1}, std::size_t{4}}) {
        weft::PmapOptions<int> o;
        o.batch_size = bs;
        std::vector<std::string> seen;
        o.on_error = [&](std::exception_ptr e) {
            try {
                std::rethrow_exception(e);
            } catch (const weft::RemoteException& r) {
                seen.push_back(r.captured().message);
            }
            return -1;
        };
        auto r = weft::pmap(fail_odd, iota(6), o);
        EXPECT_EQ(r, (std::vector<int>{0, -1, 2, -1, 4, -1}));
        std::sort(seen.begin(), seen.end());
        EXPECT_EQ(seen, (std::vector<std::string>{"odd input 1", "odd input 3", "odd input 5"}));
    }
    // on_error rethrowing stops the map with its error.
    weft::PmapOptions<int> o;
    o.on_error = [](std::exception_ptr) -> int { throw std::out_of_range("stop here"); };
    EXPECT_THROW(weft::pmap(fail_odd, iota(6), o), std::out_of_range);
}

TEST_F(Pmap, RetriesUntilAnAttemptSucceeds) {
    for (std::size_t bs : {std::size_t{1}, std::size_t{3}}) {
        g_attempts.clear();
        weft::PmapOptions<int> o;
        o.batch_size = bs;
        o.retry_delays = {std::chrono::milliseconds(1), std::chrono::milliseconds(1)};
        auto r = weft::pmap(flaky, iota(8), o);
        EXPECT_EQ(r, (std::vector<int>{0, 10, 20, 30, 40, 50, 60, 70}));
        for (int i = 0; i < 8; ++i) EXPECT_EQ(g_attempts[i], 2) << "element " << i;
    }
    // retry_check refusing: no retry, on_error gets the first failure.
    g_attempts.clear();
    weft::PmapOptions<int> o;
    o.retry_delays = {std::chrono::milliseconds(1)};
    o.retry_check = [](std::exception_ptr) { return false; };
    o.on_error = [](std::exception_ptr) { return -7; };
    EXPECT_EQ(weft::pmap(flaky, iota(3), o), (std::vector<int>{-7, -7, -7}));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(g_attempts[i], 1);
}

TEST_F(Pmap, WorkerKilledMidMapIsRetriedElsewhere) {
    const int victim = weft::addprocs(1)[0];
    weft::WorkerPool pool({victim, 2});
    weft::PmapOptions<int> o;
    o.retry_delays = {std::chrono::milliseconds(1), std::chrono::milliseconds(1)};
    auto r = weft::pmap(DiesOn{victim}, pool, iota(10), o);
    std::vector<int> want(10);
    std::iota(want.begin(), want.end(), 1);
    EXPECT_EQ(r, want);
    EXPECT_EQ(pool.workers(), std::vector<int>{2});  // the dead worker left the pool
    auto ws = weft::workers();
    EXPECT_EQ(std::count(ws.begin(), ws.end(), victim), 0);
}

TEST_F(Pmap, WorkerKilledMidMapWithoutRetriesFailsTheMap) {
    const int victim = weft::addprocs(1)[0];
    weft::WorkerPool pool({victim});
    try {
        weft::pmap(DiesOn{victim}, pool, iota(4));
        FAIL() << "no error";
    } catch (const weft::ProcessExitedException& e) {
        EXPECT_EQ(e.pid(), victim);
    }
    EXPECT_EQ(pool.length(), 0u);
    EXPECT_THROW(pool.take(), std::runtime_error);  // nobody left: an error, not a hang
}

/// The progress lines in captured stderr (other lines are the runtime's own warnings,
/// e.g. about workers killed by earlier tests).
std::vector<std::string> pmap_lines(const std::string& err) {
    std::istringstream in(err);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        if (l.rfind("square", 0) == 0) lines.push_back(l);  // the label: f's registered name
    return lines;
}

TEST_F(Pmap, ProgressLinesWhenStderrIsNotATerminal) {
    weft::PmapOptions<int> o;
    o.progress = true;
    o.progress_interval = std::chrono::milliseconds(0);  // every completion
    ::testing::internal::CaptureStderr();
    weft::pmap(square, iota(4), o);
    std::string err = ::testing::internal::GetCapturedStderr();
    auto lines = pmap_lines(err);
    ASSERT_EQ(lines.size(), 5u) << err;
    for (int k = 0; k < 4; ++k) {
        std::string head = "square: " + std::to_string(k + 1) + "/4 (" + std::to_string((k + 1) * 25) + "%) ";
        EXPECT_EQ(lines[k].rfind(head, 0), 0u) << lines[k];
        EXPECT_NE(lines[k].find("/s ETA "), std::string::npos) << lines[k];
    }
    EXPECT_EQ(lines[4].rfind("square: 4/4 done in ", 0), 0u) << lines[4];
    EXPECT_NE(lines[4].find(", 0 retries, failed workers: none"), std::string::npos) << lines[4];
    // The default interval (1 s) prints nothing for a short run.
    ::testing::internal::CaptureStderr();
    o.progress_interval = std::chrono::seconds(1);
    weft::pmap(square, iota(4), o);
    EXPECT_TRUE(pmap_lines(::testing::internal::GetCapturedStderr()).empty());
}

// ---------------------------------------------------------------- pools

TEST_F(Pmap, WorkerPoolTakePutPushLength) {
    weft::WorkerPool pool({2, 3});
    EXPECT_EQ(pool.length(), 2u);
    EXPECT_TRUE(pool.isready());
    int a = pool.take(), b = pool.take();
    EXPECT_EQ(std::set<int>({a, b}), std::set<int>({2, 3}));
    EXPECT_FALSE(pool.isready());
    bool got = false;
    auto waiter = weft::async([&] { int c = pool.take(); got = true; return c; });
    weft::yield();
    EXPECT_FALSE(got);  // all busy: take waits
    pool.put(a);
    EXPECT_EQ(weft::fetch(waiter), a);
    pool.push(4);
    EXPECT_EQ(pool.length(), 3u);
    EXPECT_EQ(pool.take(), 4);
    auto f = weft::remote(pool, whoami);
    pool.put(b);
    EXPECT_EQ(f(), b);
    EXPECT_TRUE(pool.isready());  // given back after the call
}

TEST_F(Pmap, DefaultPoolFollowsTheCluster) {
    auto& pool = weft::default_worker_pool();
    EXPECT_EQ(pool.workers(), weft::workers());
    const int added = weft::addprocs(1)[0];
    auto ws = pool.workers();
    EXPECT_NE(std::find(ws.begin(), ws.end(), added), ws.end());
    EXPECT_NE(weft::remote(whoami)(), 1);
    weft::rmprocs(added);
    ws = pool.workers();
    EXPECT_EQ(std::find(ws.begin(), ws.end(), added), ws.end());
}

TEST_F(Pmap, WaitingTakeSeesAWorkerJoin) {
    weft::WorkerPool pool({2});
    EXPECT_EQ(pool.take(), 2);
    auto waiter = weft::async([&] { return pool.take(); });
    weft::yield();
    pool.push(3);
    EXPECT_EQ(weft::fetch(waiter), 3);
}

TEST_F(Pmap, CachingPoolSendsTheFunctionOncePerWorker) {
    Payload p;
    p.table.resize(100);
    std::iota(p.table.begin(), p.table.end(), 1000);
    std::vector<int> before;
    for (int w : {2, 3}) before.push_back(weft::remotecall_fetch(payload_loads, w));

    weft::CachingPool cpool({2, 3});
    auto r = weft::pmap(p, cpool, iota(40));
    for (int i = 0; i < 40; ++i) EXPECT_EQ(r[i], 1000 + i);
    int sent = 0;
    for (int k = 0; k < 2; ++k) sent += weft::remotecall_fetch(payload_loads, 2 + k) - before[k];
    EXPECT_LE(sent, 2);  // at most once per worker, not once per batch (40)
    EXPECT_GE(sent, 1);
    cpool.clear();
    weft::pmap(p, cpool, iota(4));  // sent again after clear
    int again = 0;
    for (int k = 0; k < 2; ++k) again += weft::remotecall_fetch(payload_loads, 2 + k) - before[k];
    EXPECT_GT(again, sent);

    weft::WorkerPool plain({2, 3});
    const int plain_before = weft::remotecall_fetch(payload_loads, 2) + weft::remotecall_fetch(payload_loads, 3);
    weft::pmap(p, plain, iota(40));
    const int plain_after = weft::remotecall_fetch(payload_loads, 2) + weft::remotecall_fetch(payload_loads, 3);
    EXPECT_EQ(plain_after - plain_before, 40);  // a plain pool sends it with every batch
}
