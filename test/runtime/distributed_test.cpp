// test/runtime/distributed_test.cpp — Range, distributed_for (asynchronous, waited by
// sync) and distributed_reduce with every reduction operator, against serial results.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include <weft/weft.hpp>

namespace {
std::vector<std::int64_t> g_done;  // per process: indices this process ran
void mark(std::int64_t i) { g_done.push_back(i); }
std::vector<std::int64_t> done_here() { return g_done; }
void clear_done() { g_done.clear(); }
int where_am_i() { return weft::myid(); }
long square(std::int64_t i) { return static_cast<long>(i * i); }
long gcd_op(long a, long b) { return b == 0 ? a : gcd_op(b, a % b); }
void fail_at_7(std::int64_t i) {
    if (i == 7) throw std::runtime_error("iteration 7 failed");
}

// A translator-style closure: captured data travels with the body.
struct Scaled {
    long factor = 0;
    long operator()(std::int64_t i) const { return factor * static_cast<long>(i); }
    template <class A> void serialize(A& a) { a(factor); }
};
}  // namespace

WEFT_REMOTE(mark, done_here, clear_done, where_am_i, square, gcd_op, fail_at_7)

class Distributed : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 4) weft::addprocs(4 - weft::nprocs());
    }
};

TEST(Range, SizesAndElements) {
    EXPECT_EQ(weft::range(0, 10).size(), 10);
    EXPECT_EQ(weft::range(0, 10, 3).size(), 4);
    EXPECT_EQ(weft::range(10, 0, -3).size(), 4);
    EXPECT_EQ(weft::range(5, 5).size(), 0);
    EXPECT_EQ(weft::range(5, 1).size(), 0);
    std::vector<std::int64_t> v(weft::range(10, 0, -3).begin(), weft::range(10, 0, -3).end());
    EXPECT_EQ(v, (std::vector<std::int64_t>{10, 7, 4, 1}));
    EXPECT_THROW(weft::range(0, 3, 0), std::invalid_argument);
}

TEST(Range, SplitGivesTheExtrasToTheFirstChunksAsJuliaSplitrange) {
    auto chunks = [](weft::Range r, int np) {
        std::vector<std::pair<std::int64_t, std::int64_t>> v;
        for (int k = 0; k < np; ++k) {
            auto p = r.split(k, np);
            v.emplace_back(p.empty() ? 0 : p.first, p.empty() ? 0 : p.last);
        }
        return v;
    };
    using V = std::vector<std::pair<std::int64_t, std::int64_t>>;
    EXPECT_EQ(chunks(weft::range(1, 12), 3), (V{{1, 5}, {5, 9}, {9, 12}}));  // Julia: 1:4, 5:8, 9:11
    EXPECT_EQ(chunks(weft::range(0, 10), 4), (V{{0, 3}, {3, 6}, {6, 8}, {8, 10}}));
    EXPECT_EQ(chunks(weft::range(0, 2), 4), (V{{0, 1}, {1, 2}, {0, 0}, {0, 0}}));
}

TEST(Range, SplitIsContiguousAndCoversEverything) {
    for (int np = 1; np <= 7; ++np)
        for (std::int64_t n : {0, 1, 5, 12, 100}) {
            auto r = weft::range(std::int64_t{3}, 3 + 2 * n, std::int64_t{2});
            std::vector<std::int64_t> all;
            for (int k = 0; k < np; ++k) {
                auto part = r.split(k, np);
                EXPECT_EQ(part.size(), n / np + (k < n % np ? 1 : 0));  // extras to the first chunks
                for (auto i : part) all.push_back(i);
            }
            EXPECT_EQ(all, std::vector<std::int64_t>(r.begin(), r.end()));
        }
}

TEST_F(Distributed, ForRunsEveryIndexOnceInOneChunkPerWorker) {
    for (int p : weft::workers()) weft::remotecall_fetch(clear_done, p);
    std::vector<weft::Future<void>> parts;
    weft::sync([&] { parts = weft::distributed_for(weft::range(0, 100), mark); });
    EXPECT_EQ(parts.size(), 3u);
    std::vector<std::int64_t> all;
    for (int p : weft::workers()) {
        auto mine = weft::remotecall_fetch(done_here, p);
        ASSERT_FALSE(mine.empty()) << "worker " << p;
        // one contiguous ascending chunk per worker
        for (std::size_t k = 1; k < mine.size(); ++k) EXPECT_EQ(mine[k], mine[k - 1] + 1);
        all.insert(all.end(), mine.begin(), mine.end());
    }
    std::sort(all.begin(), all.end());
    std::vector<std::int64_t> want(100);
    for (int i = 0; i < 100; ++i) want[i] = i;
    EXPECT_EQ(all, want);
}

TEST_F(Distributed, ForErrorsAreCollectedBySync) {
    try {
        weft::sync([&] { weft::distributed_for(weft::range(0, 30), fail_at_7); });
        FAIL() << "sync did not throw";
    } catch (const weft::CompositeException& e) {
        ASSERT_EQ(e.exceptions().size(), 1u) << e.what();
        try {
            std::rethrow_exception(e.exceptions()[0]);
        } catch (const weft::RemoteException& r) {
            EXPECT_EQ(r.pid(), 2);
            EXPECT_NE(std::string(r.what()).find("iteration 7 failed"), std::string::npos) << r.what();
        }
    }
}

TEST_F(Distributed, ReduceWithEveryOperatorMatchesSerial) {
    const auto r = weft::range(1, 41);
    auto serial = [&](auto op, auto body) {
        auto acc = body(r[0]);
        for (std::int64_t k = 1; k < r.size(); ++k) acc = op(acc, body(r[k]));
        return acc;
    };
    auto sq = [](std::int64_t i) { return static_cast<long>(i * i); };
    auto bits = [](std::int64_t i) { return static_cast<unsigned>(i * 2654435761u); };
    auto odd = [](std::int64_t i) { return i % 2 == 1; };
    auto small = [](std::int64_t i) { return i < 100; };
    auto mixed = [](std::int64_t i) { return static_cast<double>((i * 37) % 41) - 20.5; };
    EXPECT_EQ(weft::distributed_reduce(std::plus<>{}, r, square), serial(std::plus<>{}, sq));
    EXPECT_EQ(weft::distributed_reduce(std::multiplies<>{}, weft::range(1, 15), [](std::int64_t i) { return i; }),
              87178291200);
    EXPECT_EQ(weft::distributed_reduce(weft::min_op{}, r, mixed), serial(weft::min_op{}, mixed));
    EXPECT_EQ(weft::distributed_reduce(weft::max_op{}, r, mixed), serial(weft::max_op{}, mixed));
    EXPECT_EQ(weft::distributed_reduce(std::bit_and<>{}, r, bits), serial(std::bit_and<>{}, bits));
    EXPECT_EQ(weft::distributed_reduce(std::bit_or<>{}, r, bits), serial(std::bit_or<>{}, bits));
    EXPECT_EQ(weft::distributed_reduce(std::bit_xor<>{}, r, bits), serial(std::bit_xor<>{}, bits));
    EXPECT_EQ(weft::distributed_reduce(std::logical_and<>{}, r, odd), false);
    EXPECT_EQ(weft::distributed_reduce(std::logical_and<>{}, r, small), true);
    EXPECT_EQ(weft::distributed_reduce(std::logical_or<>{}, r, odd), true);
    EXPECT_EQ(weft::distributed_reduce(gcd_op, weft::range(1, 31), [](std::int64_t i) { return 12L * i; }), 12L);
    EXPECT_EQ(weft::distributed_reduce(std::plus<>{}, r, Scaled{3}), 3L * 20 * 41);
}

TEST_F(Distributed, ReduceUsesEveryWorker) {
    auto who = weft::distributed_reduce(
        [](std::vector<int> a, std::vector<int> b) { a.insert(a.end(), b.begin(), b.end()); return a; },
        weft::range(0, 6), [](std::int64_t) { return std::vector<int>{weft::myid()}; });
    EXPECT_EQ(who, (std::vector<int>{2, 2, 3, 3, 4, 4}));
}

TEST_F(Distributed, ReduceOfEmptyRangeIsAnError) {
    EXPECT_THROW(weft::distributed_reduce(std::plus<>{}, weft::range(3, 3), square), std::invalid_argument);
}
