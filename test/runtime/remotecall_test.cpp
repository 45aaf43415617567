// test/runtime/remotecall_test.cpp — remotecall, remotecall_fetch, remotecall_wait,
// remote_do, spawnat, fetchfrom; registration; errors; ordering; big arguments.
#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/weft.hpp>

namespace {
int twice(int x) { return 2 * x; }
std::string greet(const std::string& who, int n) { return "hello " + who + " x" + std::to_string(n) + " from " + std::to_string(weft::myid()); }
int where_am_i() { return weft::myid(); }
void throws_out_of_range() { std::vector<int> v; (void)v.at(3); }
int throws_custom(int) { throw std::invalid_argument("bad input 42"); }
std::vector<double> echo_vec(std::vector<double> v) { return v; }
double sum_vec(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
int not_registered(int x) { return x; }
void append(int& counter_unused) { (void)counter_unused; }

std::vector<int> g_seen;  // per process
void record(int i) { g_seen.push_back(i); }
std::vector<int> seen() { return g_seen; }
void clear_seen() { g_seen.clear(); }

// A call that blocks in fetch on a Future another call fills, on the same worker.
int wait_for(weft::Future<int> f) { return weft::fetch(f) + 1; }
void fill(weft::Future<int> f, int v) { weft::put(f, v); }

struct Point {
    double x = 0, y = 0;
    template <class A> void serialize(A& a) { a(x, y); }
};
Point mirror(Point p) { return {p.y, p.x}; }
}  // namespace

WEFT_REMOTE(twice, greet, where_am_i, throws_out_of_range, throws_custom, echo_vec, sum_vec, record, seen, clear_seen,
            wait_for, fill, mirror)

class RemoteCall : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 4) weft::addprocs(4 - weft::nprocs());
    }
};

TEST_F(RemoteCall, RemotecallAndFetch) {
    auto f = weft::remotecall(twice, 2, 21);
    EXPECT_EQ(f.where(), 2);
    EXPECT_EQ(weft::fetch(f), 42);
    EXPECT_EQ(weft::remotecall_fetch(twice, 3, 5), 10);
    EXPECT_EQ(weft::remotecall_fetch(greet, 2, std::string("ann"), 3), "hello ann x3 from 2");
    EXPECT_EQ(weft::remotecall_fetch(where_am_i, 4), 4);
}

TEST_F(RemoteCall, ArgumentsConvertToParameterTypes) {
    EXPECT_EQ(weft::remotecall_fetch(greet, 2, "literal", 7L), "hello literal x7 from 2");
}

TEST_F(RemoteCall, UserTypes) {
    Point p = weft::remotecall_fetch(mirror, 3, Point{1.5, -2});
    EXPECT_EQ(p.x, -2);
    EXPECT_EQ(p.y, 1.5);
}

TEST_F(RemoteCall, RemotecallWaitAndRemoteDo) {
    auto f = weft::remotecall_wait(twice, 2, 8);
    EXPECT_TRUE(weft::isready(f));
    EXPECT_EQ(weft::fetch(f), 16);
    weft::remote_do(clear_seen, 3);
    weft::remote_do(record, 3, 7);
    EXPECT_EQ(weft::remotecall_fetch(seen, 3), std::vector<int>{7});
}

TEST_F(RemoteCall, SpawnatAnyRoundRobinsOverWorkers) {
    std::vector<int> where;
    for (int i = 0; i < 6; ++i) where.push_back(weft::fetch(weft::spawnat(weft::any, where_am_i)));
    for (int w : weft::workers()) EXPECT_EQ(std::count(where.begin(), where.end(), w), 2) << "worker " << w;
    EXPECT_EQ(weft::fetchfrom(3, where_am_i), 3);
    EXPECT_EQ(weft::remotecall_fetch(where_am_i, weft::any) > 1, true);
}

TEST_F(RemoteCall, TenThousandRemoteDosArriveInOrder) {
    weft::remote_do(clear_seen, 2);
    for (int i = 0; i < 10000; ++i) weft::remote_do(record, 2, i);
    std::vector<int> got = weft::remotecall_fetch(seen, 2);
    ASSERT_EQ(got.size(), 10000u);
    for (int i = 0; i < 10000; ++i) ASSERT_EQ(got[i], i);
}

TEST_F(RemoteCall, RemoteExceptionNamesTypeMessageAndWorker) {
    try {
        weft::remotecall_fetch(throws_out_of_range, 3);
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.pid(), 3);
        EXPECT_EQ(e.captured().type, "std::out_of_range");
        EXPECT_EQ(std::string(e.what()).rfind("On worker 3: std::out_of_range: ", 0), 0u) << e.what();
    }
    auto f = weft::remotecall(throws_custom, 2, 1);
    try {
        weft::fetch(f);
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_STREQ(e.what(), "On worker 2: std::invalid_argument: bad input 42");
    }
    // A later fetch rethrows without asking again, and wait rethrows too.
    EXPECT_THROW(weft::fetch(f), weft::RemoteException);
    EXPECT_THROW(weft::remotecall_wait(throws_custom, 4, 0), weft::RemoteException);
}

TEST_F(RemoteCall, UnregisteredFunctionIsALogicErrorNamingIt) {
    try {
        weft::remotecall_fetch(not_registered, 2, 1);
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("not_registered"), std::string::npos) << m;
        EXPECT_NE(m.find("WEFT_REMOTE("), std::string::npos) << m;
        EXPECT_NE(m.find("#pragma weft remote"), std::string::npos) << m;
    }
}

TEST_F(RemoteCall, CaptorlessLambdasAndFunctionObjects) {
    EXPECT_EQ(weft::remotecall_fetch([](int a, int b) { return a * b + weft::myid(); }, 2, 6, 7), 44);
    struct Scale {  // the shape of a translator closure: non-template serialize overloads
        double k = 1;
        double operator()(double x) const { return k * x; }
        void serialize(weft::OutArchive& a) { a(k); }
        void serialize(weft::InArchive& a) { a(k); }
    };
    EXPECT_EQ(weft::remotecall_fetch(Scale{2.5}, 3, 4.0), 10.0);
}

TEST_F(RemoteCall, BigVectorRoundTrip) {
    std::vector<double> v(4 << 20);  // 32 MiB
    std::iota(v.begin(), v.end(), 0.0);
    auto back = weft::remotecall_fetch(echo_vec, 2, v);
    EXPECT_EQ(back, v);
    EXPECT_EQ(weft::remotecall_fetch(sum_vec, 3, v), std::accumulate(v.begin(), v.end(), 0.0));
}

TEST_F(RemoteCall, BlockedCallDoesNotBlockTheWorker) {
    weft::Future<int> box(2);                      // stored on worker 2
    auto waiting = weft::remotecall(wait_for, 2, box);  // blocks in fetch on worker 2
    EXPECT_FALSE(weft::isready(waiting));
    weft::remotecall_wait(fill, 2, box, 41);         // a second call on the same worker fills it
    EXPECT_EQ(weft::fetch(waiting), 42);
}

TEST_F(RemoteCall, CallToSelfRunsLocally) {
    EXPECT_EQ(weft::remotecall_fetch(twice, 1, 4), 8);
    EXPECT_EQ(weft::fetch(weft::remotecall(where_am_i, 1)), 1);
    EXPECT_THROW(weft::remotecall_fetch(throws_custom, 1, 0), weft::RemoteException);
}

TEST_F(RemoteCall, UnknownProcessIsAClearError) {
    EXPECT_THROW(weft::remotecall_fetch(twice, 99, 1), std::invalid_argument);
}

TEST_F(RemoteCall, SyncWaitsForSpawnsAndCollectsErrors) {
    std::vector<weft::Future<int>> fs;
    weft::sync([&] {
        for (int w : weft::workers()) fs.push_back(weft::spawnat(w, where_am_i));
    });
    for (auto& f : fs) EXPECT_TRUE(weft::isready(f));
    try {
        weft::sync([&] {
            weft::spawnat(2, throws_custom, 1);
            weft::spawnat(3, throws_custom, 2);
            weft::spawnat(4, twice, 3);
        });
        FAIL() << "no exception";
    } catch (const weft::CompositeException& e) {
        EXPECT_EQ(e.exceptions().size(), 2u);
    }
}

TEST_F(RemoteCall, EverywhereRunsOnEveryProcess) {
    weft::everywhere(clear_seen);
    weft::everywhere([] { record(weft::myid()); });
    for (int p : weft::procs()) EXPECT_EQ(weft::remotecall_fetch(seen, p), std::vector<int>{p});
    EXPECT_THROW(weft::everywhere(std::vector<int>{2, 3}, [] { throw std::runtime_error("x"); }), weft::CompositeException);
}

TEST_F(RemoteCall, EverywhereRunsOncePerListedEntryInOrder) {
    weft::everywhere(clear_seen);
    const int me = weft::myid();
    weft::everywhere(std::vector<int>{me, 2, me, me, 2}, [] { record(static_cast<int>(seen().size())); });
    EXPECT_EQ(weft::remotecall_fetch(seen, me), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(weft::remotecall_fetch(seen, 2), (std::vector<int>{0, 1}));
    EXPECT_EQ(weft::remotecall_fetch(seen, 3), std::vector<int>{});
}

TEST_F(RemoteCall, EverywhereOnOneProcessThrowsItsRemoteException) {
    auto fail_here = [] { throw std::runtime_error("failed on " + std::to_string(weft::myid())); };
    try {
        weft::everywhere(std::vector<int>{3}, fail_here);
        FAIL() << "no exception";
    } catch (const weft::RemoteException& e) {
        EXPECT_EQ(e.pid(), 3);
        EXPECT_NE(std::string(e.what()).find("failed on 3"), std::string::npos) << e.what();
    }
}

TEST_F(RemoteCall, EverywhereErrorsComeInTheOrderOfTheList) {
    auto fail_here = [] { throw std::runtime_error("failed on " + std::to_string(weft::myid())); };
    try {
        weft::everywhere(std::vector<int>{3, weft::myid(), 2}, fail_here);
        FAIL() << "no exception";
    } catch (const weft::CompositeException& e) {
        std::vector<int> where;
        for (auto& x : e.exceptions()) {
            try {
                std::rethrow_exception(x);
            } catch (const weft::RemoteException& r) {
                where.push_back(r.pid());
            }
        }
        EXPECT_EQ(where, (std::vector<int>{3, weft::myid(), 2}));
    }
}

// Compile-time contract: the concept accepts what cereal can carry and rejects the rest.
struct NoSerialize { int x; };
static_assert(weft::Serializable<int> && weft::Serializable<std::string> && weft::Serializable<std::vector<Point>>);
static_assert(weft::Serializable<std::tuple<int, std::optional<double>>> && weft::Serializable<weft::Future<int>>);
static_assert(!weft::Serializable<NoSerialize> && !weft::Serializable<int*>);

// Arrays of numbers are read straight out of the message, wherever they sit in it.
TEST(Archive, ArraysAtAnyAlignmentAndTruncatedOnes) {
    std::vector<double> v(100000);
    std::iota(v.begin(), v.end(), 0.5);
    std::vector<std::int16_t> w = {1, -2, 3};
    weft::detail::OutBuffer buf;
    weft::OutArchive out(buf);
    out(std::uint8_t{7}, v, std::uint8_t{9}, w);  // v at offset 1 + size tag: not aligned
    const std::vector<char> bytes = buf.flatten();
    std::uint8_t a = 0, b = 0;
    std::vector<double> v2;
    std::vector<std::int16_t> w2;
    weft::InArchive in(bytes.data(), bytes.size());
    in(a, v2, b, w2);
    EXPECT_EQ(a, 7);
    EXPECT_EQ(v2, v);
    EXPECT_EQ(b, 9);
    EXPECT_EQ(w2, w);
    EXPECT_EQ(in.remaining(), 0u);
    weft::InArchive cut(bytes.data(), bytes.size() / 2);  // the array's bytes are not all there
    EXPECT_THROW(cut(a, v2), cereal::Exception);
}
