// test/runtime/pmap_test.cpp — pmap (order, batches, dynamic hand-out, on_error, retries,
// workers killed mid-map, progress lines), worker pools (membership, remote(), caching).
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <ranges>
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
int take_gate(weft::RemoteChannel<int> gate) { return gate.take(); }

// ---- run on a worker with a pool made by the master (a proxy there)
std::vector<int> iota_n(int n) {
    std::vector<int> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}
/// Takes a worker of `pool`, reports it on `got`, holds it until `gate` has a value.
int borrow(weft::WorkerPool pool, weft::RemoteChannel<int> got, weft::RemoteChannel<int> gate) {
    const int w = pool.take();
    got.put(w);
    gate.take();
    pool.put(w);
    return w;
}
/// The pool's owner, then the worker of each remote-call form, then length and isready.
std::vector<int> calls_through(weft::WorkerPool pool) {
    std::vector<int> r{pool.owner(), weft::myid()};
    r.push_back(weft::remotecall_fetch(whoami, pool));
    r.push_back(weft::fetch(weft::remotecall(whoami, pool)));
    weft::wait(pool);  // remotecall's task gives the worker back once the call is done
    r.push_back(weft::fetch(weft::remotecall_wait(whoami, pool)));
    weft::remote_do(whoami, pool);
    r.push_back(weft::remote(pool, whoami)());
    r.push_back(static_cast<int>(pool.length()));
    r.push_back(pool.isready() ? 1 : 0);
    return r;
}
/// wait(pool) here, then whether the worker is still free (wait does not take it).
bool wait_on(weft::WorkerPool pool) {
    weft::wait(pool);
    return pool.isready();
}
int hundredfold_plus_where(int x) { return x * 100 + weft::myid(); }
std::vector<int> pmap_over(weft::WorkerPool pool, int n) { return weft::pmap(hundredfold_plus_where, pool, iota_n(n)); }
weft::WorkerPool echo_pool(weft::WorkerPool pool) { return pool; }
int take_and_give_back(weft::WorkerPool pool) {
    const int w = pool.take();
    pool.put(w);
    return w;
}
/// Sends this process's proxy on to process `other`, which takes a worker from it.
int forward_pool(weft::WorkerPool pool, int other) { return weft::remotecall_fetch(take_and_give_back, other, pool); }
/// Says "ready" on `ready`, then takes a worker of `pool` (waiting while none is free).
int announce_and_take(weft::WorkerPool pool, weft::RemoteChannel<int> ready) {
    ready.put(1);
    return pool.take();
}
std::optional<weft::WorkerPool> g_kept;
void keep_pool(weft::WorkerPool pool) { g_kept = pool; }
int use_kept_pool() { return weft::remotecall_fetch(whoami, *g_kept); }
void drop_kept_pool() { g_kept.reset(); }
/// pmap of `p` over the (master's) caching pool, and how often this process has received a Payload.
std::vector<int> pmap_cached(weft::CachingPool pool, Payload p) {
    auto r = weft::pmap(p, pool, iota_n(20));
    r.push_back(weft::remotecall_fetch(square, pool, 9));
    return r;
}
}  // namespace

WEFT_REMOTE(square, whoami, fail_odd, bump_attempts, flaky, payload_loads, take_gate, borrow, calls_through, wait_on,
            hundredfold_plus_where, pmap_over, echo_pool, take_and_give_back, forward_pool, keep_pool, use_kept_pool,
            drop_kept_pool, pmap_cached, announce_and_take)

namespace {
/// What weft::wait accepts: handles, pools, and (serial fallback) plain serializable values.
template <class T>
concept Waitable = requires(T& t) { weft::wait(t); };
static_assert(Waitable<weft::WorkerPool> && Waitable<weft::CachingPool> && Waitable<int> && Waitable<std::vector<int>>);
static_assert(!Waitable<std::mutex> && !Waitable<weft::Condition>, "the serial fallback must not swallow unknown types");
}  // namespace

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

// Julia: pmap(x->x, (sleep(1e-4); x for x in 1:100)) == 1:100. Producing an input
// suspends the feeder that owns the iterator; the others must not use it meanwhile.
TEST_F(Pmap, InputsWhoseProductionSuspendsAreTakenOneAtATime) {
    auto slow = std::views::iota(1, 101) | std::views::transform([](int x) {
                    weft::sleep(std::chrono::microseconds(100));
                    return x;
                });
    std::vector<int> want(100);
    std::iota(want.begin(), want.end(), 1);
    for (std::size_t bs : {std::size_t{1}, std::size_t{3}}) {
        weft::PmapOptions<int> o;
        o.batch_size = bs;
        EXPECT_EQ(weft::pmap([](int x) { return x; }, slow, o), want) << "batch size " << bs;
        o.distributed = false;
        EXPECT_EQ(weft::pmap([](int x) { return x; }, slow, o), want) << "local, batch size " << bs;
    }
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

TEST_F(Pmap, RemoteCallsOnAPoolTakeAFreeWorkerAndGiveItBack) {
    weft::WorkerPool pool({3});
    EXPECT_EQ(weft::remotecall_fetch(whoami, pool), 3);
    EXPECT_TRUE(pool.isready());
    auto w = weft::remotecall_wait(whoami, pool);
    EXPECT_TRUE(weft::isready(w));
    EXPECT_EQ(weft::fetch(w), 3);
    EXPECT_TRUE(pool.isready());
    weft::RemoteChannel<int> gate(1, 1);
    auto f = weft::remotecall(take_gate, pool, gate);  // worker 3 stays busy until the gate opens
    EXPECT_FALSE(pool.isready());
    gate.put(5);
    EXPECT_EQ(weft::fetch(f), 5);
    weft::wait(pool);  // given back once the call finished
    EXPECT_EQ(pool.workers(), std::vector<int>{3});
    EXPECT_EQ(pool.take(), 3);  // free again
    pool.put(3);
    weft::remote_do(take_gate, pool, gate);  // given back at once
    EXPECT_TRUE(pool.isready());
    gate.put(1);
    weft::CachingPool cached({2});
    EXPECT_EQ(weft::remotecall_fetch(square, cached, 7), 49);
    EXPECT_EQ(weft::fetch(weft::remotecall(square, cached, 8)), 64);
}

TEST_F(Pmap, WaitOnAPoolReturnsOnceAWorkerIsFree) {
    weft::WorkerPool pool({2});
    const int w = pool.take();
    bool waited = false;
    auto t = weft::async([&] {
        weft::wait(pool);
        waited = true;
    });
    weft::yield();
    EXPECT_FALSE(waited);  // no worker free: wait(pool) waits
    pool.put(w);
    weft::wait(t);
    EXPECT_TRUE(waited);
    EXPECT_TRUE(pool.isready());  // wait does not take the worker
    weft::WorkerPool empty;
    EXPECT_THROW(weft::wait(empty), std::runtime_error);
}

TEST_F(Pmap, DefaultWorkerPoolCanBeReplaced) {
    weft::WorkerPool saved = weft::default_worker_pool();
    auto& ref = weft::default_worker_pool();
    weft::default_worker_pool(weft::WorkerPool({3}));
    auto r = weft::pmap([](int) { return weft::myid(); }, iota(10));
    EXPECT_EQ(std::set<int>(r.begin(), r.end()), std::set<int>{3});
    EXPECT_EQ(ref.workers(), std::vector<int>{3});  // earlier references see the new pool
    EXPECT_EQ(weft::remote(whoami)(), 3);
    weft::default_worker_pool(saved);
    EXPECT_EQ(weft::default_worker_pool().workers(), weft::workers());
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

// ---------------------------------------------------------------- pools sent to workers
// A WorkerPool sent to another process arrives as a proxy of the creator's pool (Julia's
// pools live behind a RemoteChannel on their creator): the receiver borrows the creator's
// workers, and the creator sees them busy.

class WorkerPool : public Pmap {};

TEST_F(WorkerPool, APoolSentToAWorkerLendsTheCreatorsWorkers) {
    weft::WorkerPool pool({3});
    weft::RemoteChannel<int> got(1, 1), gate(1, 1);
    auto f = weft::remotecall(borrow, 2, pool, got, gate);
    EXPECT_EQ(got.take(), 3);               // worker 2 took worker 3 from the master's pool
    EXPECT_FALSE(pool.isready());           // and the master sees it busy
    EXPECT_EQ(pool.workers(), std::vector<int>{3});
    bool mine = false;
    auto waiter = weft::async([&] {
        mine = pool.take() == 3;  // waits until worker 2 gives it back
    });
    gate.put(1);
    EXPECT_EQ(weft::fetch(f), 3);
    weft::wait(waiter);
    EXPECT_TRUE(mine);
    pool.put(3);
    EXPECT_TRUE(pool.isready());
}

TEST_F(WorkerPool, RemoteCallsOnAPoolWorkOnTheWorkerItWasSentTo) {
    weft::WorkerPool pool({4});
    // owner, caller, remotecall_fetch, remotecall, remotecall_wait, remote(), length, isready
    EXPECT_EQ(weft::remotecall_fetch(calls_through, 2, pool), (std::vector<int>{1, 2, 4, 4, 4, 4, 1, 1}));
    weft::wait(pool);
    EXPECT_EQ(pool.take(), 4);  // every call gave the worker back to the master's pool
    auto w = weft::remotecall(wait_on, 2, pool);
    pool.put(4);                // worker 2's wait(pool) returns once the worker is free
    EXPECT_TRUE(weft::fetch(w));
    EXPECT_TRUE(pool.isready());
    weft::WorkerPool empty;
    EXPECT_THROW(weft::remotecall_fetch(wait_on, 2, empty), weft::RemoteException);  // no workers: as here
}

TEST_F(WorkerPool, PmapOnAWorkerOverTheMastersPool) {
    weft::WorkerPool pool({3, 4});
    auto r = weft::remotecall_fetch(pmap_over, 2, pool, 50);
    ASSERT_EQ(r.size(), 50u);
    std::set<int> where;
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(r[i] / 100, i);  // in input order
        where.insert(r[i] % 100);
    }
    EXPECT_TRUE(std::includes(std::set<int>{3, 4}.begin(), std::set<int>{3, 4}.end(), where.begin(), where.end()));
    EXPECT_EQ(pool.length(), 2u);
    int a = pool.take(), b = pool.take();  // both given back
    EXPECT_EQ(std::set<int>({a, b}), std::set<int>({3, 4}));
    pool.put(a);
    pool.put(b);
}

TEST_F(WorkerPool, AProxyForwardedOrSentBackIsTheSamePool) {
    weft::WorkerPool pool({4});
    EXPECT_EQ(weft::remotecall_fetch(forward_pool, 2, pool, 3), 4);  // master -> 2 -> 3
    weft::WorkerPool back = weft::remotecall_fetch(echo_pool, 2, pool);
    EXPECT_EQ(back.owner(), 1);
    EXPECT_EQ(back.take(), 4);     // the master's pool itself, not a copy
    EXPECT_FALSE(pool.isready());
    pool.put(4);
    EXPECT_TRUE(back.isready());
}

TEST_F(WorkerPool, AWorkerThatDiesWaitingInTakeDoesNotKeepAWorker) {
    const int doomed = weft::addprocs(1)[0];
    weft::WorkerPool pool({3});
    EXPECT_EQ(pool.take(), 3);  // none free: the doomed worker's take waits on the master
    weft::RemoteChannel<int> ready(1, 1);
    auto f = weft::remotecall(announce_and_take, doomed, pool, ready);
    ready.take();
    // The doomed worker sent its take right after "ready"; a round trip to it makes sure
    // the master has received it (messages on one connection keep their order).
    EXPECT_EQ(weft::remotecall_fetch(whoami, doomed), doomed);
    ASSERT_EQ(::kill(weft::debug::ospid(doomed), SIGKILL), 0);
    EXPECT_THROW(weft::fetch(f), weft::ProcessExitedException);
    auto ps = weft::procs();
    for (int i = 0; i < 10000 && std::find(ps.begin(), ps.end(), doomed) != ps.end(); ++i) {
        weft::sleep(std::chrono::milliseconds(1));
        ps = weft::procs();
    }
    // A take of the master's own, waiting behind the dead worker's (waiters wake in order).
    auto mine = weft::async([&] { return pool.take(); });
    weft::yield();
    pool.put(3);  // the dead worker's take gets it first, and must give it back
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!weft::istaskdone(mine) && std::chrono::steady_clock::now() < deadline)
        weft::sleep(std::chrono::milliseconds(1));
    EXPECT_TRUE(weft::istaskdone(mine)) << "worker 3 was kept by the dead worker's take";
    if (!weft::istaskdone(mine)) pool.push(4);  // let the task end
    weft::wait(mine);
}

namespace {
/// A WorkerPool whose state can be watched (to see when its creator frees it).
struct WatchedPool : weft::WorkerPool {
    using weft::WorkerPool::WorkerPool;
    std::weak_ptr<weft::detail::PoolState> state() const { return s_; }
};
}  // namespace

TEST_F(WorkerPool, APoolLivesWhileAWorkerHoldsItAndIsFreedAfter) {
    std::weak_ptr<weft::detail::PoolState> state;
    {
        WatchedPool pool({3});
        state = pool.state();
        weft::remotecall_fetch(keep_pool, 2, static_cast<const weft::WorkerPool&>(pool));
    }  // the master's last handle is gone; worker 2 still holds a proxy
    EXPECT_FALSE(state.expired());
    EXPECT_EQ(weft::remotecall_fetch(use_kept_pool, 2), 3);
    weft::remotecall_fetch(drop_kept_pool, 2);
    // The proxy's reference is released asynchronously (distributed GC): poll for it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!state.expired() && std::chrono::steady_clock::now() < deadline) weft::sleep(std::chrono::milliseconds(1));
    EXPECT_TRUE(state.expired());
}

TEST_F(WorkerPool, ACachingPoolSentToAWorkerCachesPerProcess) {
    Payload p;
    p.table.resize(30);
    std::iota(p.table.begin(), p.table.end(), 500);
    const int before3 = weft::remotecall_fetch(payload_loads, 3);
    weft::CachingPool pool({3});
    auto r = weft::remotecall_fetch(pmap_cached, 2, pool, p);
    ASSERT_EQ(r.size(), 21u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(r[i], 500 + i);
    EXPECT_EQ(r[20], 81);
    EXPECT_EQ(weft::remotecall_fetch(payload_loads, 3) - before3, 1);  // worker 2's cache: sent once to 3
    EXPECT_TRUE(pool.isready());
}

// A stopped worker (SIGSTOP) no longer stalls a call or a pmap (issue 17 item 5): the
// caller's timeout gives TimeoutError naming the worker; pmap re-dispatches the batch to
// another worker and takes each result once. The timeouts are generous (5 s) so that the
// worker that still runs answers in time on a loaded machine; each test then lasts
// about one timeout.
class PmapTimeout : public Pmap {
  protected:
    void SetUp() override {
        ws_ = weft::addprocs(2);
        stopped_ = ws_[0];
        ::kill(weft::debug::ospid(stopped_), SIGSTOP);
    }
    void TearDown() override {
        ::kill(weft::debug::ospid(stopped_), SIGCONT);
        EXPECT_EQ(weft::remotecall_fetch(whoami, stopped_), stopped_);  // it answers again
        weft::rmprocs(ws_);
    }
    std::vector<int> ws_;
    int stopped_ = 0;
};

TEST_F(PmapTimeout, ACallToAStoppedWorkerTimesOutNamingIt) {
    try {
        weft::remotecall_fetch(weft::CallOptions{std::chrono::seconds(1)}, square, stopped_, 7);
        FAIL() << "no TimeoutError";
    } catch (const weft::TimeoutError& e) {
        EXPECT_EQ(e.pid(), stopped_);
        EXPECT_NE(std::string(e.what()).find("process " + std::to_string(stopped_) + " did not answer"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(weft::remotecall_fetch(weft::CallOptions{std::chrono::seconds(30)}, square, ws_[1], 7), 49);
}

TEST_F(PmapTimeout, PmapRedispatchesTheBatchOfAStoppedWorker) {
    weft::WorkerPool pool(ws_);
    weft::PmapOptions<int> o;
    o.timeout = std::chrono::seconds(5);
    auto where = weft::pmap([](int) { return weft::myid(); }, pool, iota(20), o);
    ASSERT_EQ(where.size(), 20u);
    for (int w : where) EXPECT_EQ(w, ws_[1]);  // every result once, all from the one that runs
    EXPECT_EQ(pool.length(), 2u);              // the silent one is back in the pool
}

TEST_F(PmapTimeout, WithNoOtherWorkerTheElementFailsWithTimeoutError) {
    weft::WorkerPool pool({stopped_});
    weft::PmapOptions<int> o;
    o.timeout = std::chrono::seconds(1);
    std::string message;
    o.on_error = [&](std::exception_ptr e) {
        try {
            std::rethrow_exception(e);
        } catch (const weft::TimeoutError& t) {
            message = t.what();
        }
        return -1;
    };
    EXPECT_EQ(weft::pmap(square, pool, iota(1), o), std::vector<int>{-1});
    EXPECT_NE(message.find("process " + std::to_string(stopped_)), std::string::npos) << message;
    EXPECT_NE(message.find("element 0 of the pmap"), std::string::npos) << message;
}
