// test/runtime/darray_test.cpp — DArray: distributions, construction, localpart and
// localindices on the owners, element and block reads across chunk borders, gather,
// handles crossing processes, and every whole-array operation against a serial
// computation.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <weft/weft.hpp>

using weft::Array;
using weft::DArray;
using weft::Range;

namespace {

// What each owner sees of its own chunk.
struct LocalInfo {
    std::array<Range, 2> idx;
    std::vector<double> data;
    template <class A> void serialize(A& ar) { ar(idx, data); }
};
LocalInfo local_info(DArray<double, 2> d) {
    auto& p = weft::localpart(d);
    return {weft::localindices(d), std::vector<double>(p.begin(), p.end())};
}
void scale_local(DArray<double, 2> d, double s) {
    for (auto& x : weft::localpart(d)) x *= s;
}
double remote_sum(DArray<double, 2> d) { return weft::sum(d); }
double read_from(DArray<double, 2> d, std::size_t i, std::size_t j) { return d(i, j); }
}  // namespace
WEFT_REMOTE(local_info, scale_local, remote_sum, read_from)

namespace {

/// A serial array with a(i, j) = i + 1000 j.
Array<double, 2> pattern(std::size_t m, std::size_t n) {
    Array<double, 2> a({m, n});
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < m; ++i) a(i, j) = static_cast<double>(i + 1000 * j);
    return a;
}

class DArrayTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() == 1) weft::addprocs(4);
    }
};

}  // namespace

TEST(DArrayDist, DefaultDistLikeJulia) {
    using A2 = std::array<std::size_t, 2>;
    using A3 = std::array<std::size_t, 3>;
    EXPECT_EQ(weft::detail::default_dist(A2{100, 100}, 4), (A2{2, 2}));
    EXPECT_EQ(weft::detail::default_dist(A2{100, 100}, 2), (A2{1, 2}));   // ties: the last dimension
    EXPECT_EQ(weft::detail::default_dist(A2{1000, 10}, 4), (A2{4, 1}));
    EXPECT_EQ(weft::detail::default_dist(A3{100, 100, 10}, 6), (A3{2, 3, 1}));
    EXPECT_EQ(weft::detail::default_dist(A2{2, 2}, 3), (A2{1, 1}));      // 3 does not fit: one process used
    EXPECT_EQ(weft::detail::default_dist(std::array<std::size_t, 1>{10}, 5), (std::array<std::size_t, 1>{5}));
    EXPECT_EQ(weft::detail::default_dist(A2{100, 100}, 12), (A2{4, 3}));  // 3 to dim 1, then 2 and 2 to dim 0
}

TEST(DArrayDist, CutsCoverEveryIndexOnce) {
    for (std::size_t sz : {0u, 1u, 3u, 10u, 17u, 1000u})
        for (std::size_t nc = 1; nc <= 7; ++nc) {
            auto c = weft::detail::make_cuts(sz, nc);
            ASSERT_EQ(c.size(), nc + 1);
            EXPECT_EQ(c.front(), 0u);
            EXPECT_EQ(c.back(), sz);
            for (std::size_t k = 0; k < nc; ++k) {
                EXPECT_LE(c[k], c[k + 1]);
                EXPECT_EQ(c[k], k * sz / nc);
            }
        }
}

TEST_F(DArrayTest, LayoutOwnersAndLocalParts) {
    auto a = pattern(10, 7);
    auto d = weft::distribute(a, weft::workers(), {2, 2});
    EXPECT_EQ(d.pids(), weft::workers());
    EXPECT_EQ(weft::dist(d), (std::array<std::size_t, 2>{2, 2}));
    EXPECT_EQ(d.cuts(0), (std::vector<std::size_t>{0, 5, 10}));
    EXPECT_EQ(d.cuts(1), (std::vector<std::size_t>{0, 3, 7}));
    for (std::size_t c = 0; c < 4; ++c) {
        const int owner = d.pids()[c];
        auto info = weft::remotecall_fetch(local_info, owner, d);
        EXPECT_EQ(info.idx, d.indices(c));
        std::vector<double> want;
        for (auto j : info.idx[1])
            for (auto i : info.idx[0]) want.push_back(a(i, j));
        EXPECT_EQ(info.data, want) << "chunk " << c << " on " << owner;
    }
    // The master owns none.
    EXPECT_EQ(weft::localpart(d).size(), 0u);
    EXPECT_TRUE(weft::localindices(d)[0].empty());
    EXPECT_EQ(weft::gather(d), a);
}

TEST_F(DArrayTest, ProductOfDistMustMatch) {
    EXPECT_THROW(weft::dzeros<double>({4, 4}, weft::workers(), {3, 1}), std::invalid_argument);
}

TEST_F(DArrayTest, ElementAndBlockReadsAcrossBorders) {
    const std::size_t m = 13, n = 11;
    auto a = pattern(m, n);
    auto d = weft::distribute(a);  // default dist over 4 workers: 2x2
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < m; ++i) ASSERT_EQ(d(i, j), a(i, j)) << i << "," << j;
    EXPECT_THROW(d(m, 0), std::out_of_range);
    // Blocks inside a chunk, across one border, across both, the whole, and empty.
    const std::vector<std::array<Range, 2>> blocks = {
        {Range{0, 2}, Range{0, 2}}, {Range{4, 9}, Range{1, 3}}, {Range{5, 8}, Range{2, 9}},
        {Range{0, 13}, Range{0, 11}}, {Range{12, 13}, Range{10, 11}}, {Range{3, 3}, Range{0, 4}}};
    for (auto& I : blocks) {
        auto b = d(I[0], I[1]);
        const auto rows = static_cast<std::size_t>(I[0].size()), cols = static_cast<std::size_t>(I[1].size());
        ASSERT_EQ(b.dims(), (std::array<std::size_t, 2>{rows, cols}));
        for (std::size_t j = 0; j < cols; ++j)
            for (std::size_t i = 0; i < rows; ++i)
                EXPECT_EQ(b(i, j), a(I[0].first + i, I[1].first + j));
    }
    // A worker reads from the others (worker-to-worker).
    EXPECT_EQ(weft::remotecall_fetch(read_from, d.pids()[0], d, 12, 10), a(12, 10));
}

TEST_F(DArrayTest, ThreeDimensionsAndOneDimension) {
    Array<int, 3> a({5, 4, 6});
    std::iota(a.begin(), a.end(), 0);
    auto d = weft::distribute(a, weft::workers(), {1, 2, 2});
    EXPECT_EQ(weft::gather(d), a);
    EXPECT_EQ(d(4, 3, 5), a(4, 3, 5));
    auto b = d(Range{1, 4}, Range{1, 3}, Range{2, 5});
    EXPECT_EQ(b(2, 1, 2), a(3, 2, 4));

    std::vector<double> v(10);
    std::iota(v.begin(), v.end(), 1.0);
    auto dv = weft::distribute(v);
    EXPECT_EQ(dv.nchunks(), 4u);
    EXPECT_EQ(weft::gather(dv).vector(), v);
    EXPECT_EQ(weft::sum(dv), 55.0);
}

TEST_F(DArrayTest, Constructors) {
    auto z = weft::dzeros<double>({6, 6});
    auto o = weft::dones<double>({6, 6});
    auto f = weft::dfill(2.5, {6, 6});
    auto r = weft::drand<double>({50, 50});
    auto g = weft::drandn<double>({200, 200});
    EXPECT_EQ(weft::sum(z), 0.0);
    EXPECT_EQ(weft::sum(o), 36.0);
    EXPECT_EQ(weft::sum(f), 90.0);
    EXPECT_GE(weft::minimum(r), 0.0);
    EXPECT_LT(weft::maximum(r), 1.0);
    EXPECT_NE(weft::gather(r)[0], weft::gather(r)[2499]);
    EXPECT_NEAR(weft::sum(g) / 40000.0, 0.0, 0.05);
    EXPECT_NEAR(std::pow(weft::norm(g), 2) / 40000.0, 1.0, 0.05);
    // The init constructor: chunk values from the indices, on a subset of processes.
    DArray<double, 2> d(
        [](std::array<Range, 2> I) {
            const auto rows = static_cast<std::size_t>(I[0].size()), cols = static_cast<std::size_t>(I[1].size());
            Array<double, 2> a({rows, cols});
            for (std::size_t j = 0; j < cols; ++j)
                for (std::size_t i = 0; i < rows; ++i)
                    a(i, j) = static_cast<double>((I[0].first + i) + 1000 * (I[1].first + j));
            return a;
        },
        {9, 8}, {2, 3}, {1, 2});
    EXPECT_EQ(weft::procs(d), (std::vector<int>{2, 3}));
    EXPECT_EQ(weft::gather(d), pattern(9, 8));
}

TEST_F(DArrayTest, HandleCrossesProcessesAndLocalpartIsTheChunk) {
    auto d = weft::distribute(pattern(8, 8));
    const double s = weft::sum(d);
    EXPECT_EQ(weft::remotecall_fetch(remote_sum, 3, d), s);
    for (int p : d.pids()) weft::remotecall_wait(scale_local, p, d, 2.0);
    EXPECT_EQ(weft::sum(d), 2 * s);
    EXPECT_EQ(d(7, 7), 2 * pattern(8, 8)(7, 7));
}

TEST_F(DArrayTest, ElementWiseAgainstSerial) {
    auto A = pattern(9, 7);
    Array<double, 2> B({9, 7});
    for (std::size_t i = 0; i < B.size(); ++i) B[i] = 1.0 + static_cast<double>(i % 5);
    auto dA = weft::distribute(A), dB = weft::distribute(B);
    auto check = [](const DArray<double, 2>& d, auto serial) {
        auto g = weft::gather(d);
        for (std::size_t i = 0; i < g.size(); ++i) ASSERT_DOUBLE_EQ(g[i], serial(i)) << i;
    };
    check(dA + dB, [&](std::size_t i) { return A[i] + B[i]; });
    check(dA - dB, [&](std::size_t i) { return A[i] - B[i]; });
    check(dA * dB, [&](std::size_t i) { return A[i] * B[i]; });
    check(dA / dB, [&](std::size_t i) { return A[i] / B[i]; });
    check(2.0 * dA / dB, [&](std::size_t i) { return 2.0 * A[i] / B[i]; });
    check(dA + 1, [&](std::size_t i) { return A[i] + 1; });
    check(10.0 - dA, [&](std::size_t i) { return 10.0 - A[i]; });
    check(dA / 4.0, [&](std::size_t i) { return A[i] / 4.0; });
    check(-dA, [&](std::size_t i) { return -A[i]; });
    auto dC = dA;
    dC /= 2.0;
    check(dC, [&](std::size_t i) { return A[i] / 2.0; });
    check(dA, [&](std::size_t i) { return A[i]; });  // dA itself unchanged
    check(weft::map([](double a, double b) { return std::max(a, b * 100); }, dA, dB),
          [&](std::size_t i) { return std::max(A[i], B[i] * 100); });
    auto big = weft::map([](double a) { return a > 3000; }, dA);
    static_assert(std::is_same_v<decltype(big), DArray<std::uint8_t, 2>>);
    std::size_t nbig = 0;
    for (auto x : A) nbig += x > 3000;
    EXPECT_EQ(weft::sum(weft::map([](std::uint8_t b) { return static_cast<double>(b); }, big)), static_cast<double>(nbig));
    // Different distributions are refused.
    auto other = weft::distribute(A, weft::workers(), {4, 1});
    EXPECT_THROW(dA + other, std::invalid_argument);
}

TEST_F(DArrayTest, ReductionsAgainstSerial) {
    Array<double, 2> A({17, 5});
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(-3, 3);
    for (auto& x : A) x = u(rng);
    auto d = weft::distribute(A);
    double s = 0, s2 = 0, mx = A[0], mn = A[0];
    for (auto x : A) s += x, s2 += x * x, mx = std::max(mx, x), mn = std::min(mn, x);
    EXPECT_NEAR(weft::sum(d), s, 1e-12);
    EXPECT_NEAR(weft::norm(d), std::sqrt(s2), 1e-12);
    EXPECT_EQ(weft::maximum(d), mx);
    EXPECT_EQ(weft::minimum(d), mn);
    EXPECT_TRUE(weft::all([](double x) { return x > -3.0; }, d));
    EXPECT_FALSE(weft::all([](double x) { return x > 0.0; }, d));
    EXPECT_TRUE(weft::any_of([](double x) { return x > 0.0; }, d));
    EXPECT_FALSE(weft::any_of([](double x) { return x > 3.0; }, d));
    EXPECT_TRUE(weft::all(weft::dones<int>({3, 3})));
    EXPECT_FALSE(weft::any_of(weft::dzeros<int>({3, 3})));
    // Empty arrays.
    auto e = weft::dzeros<double>({0, 4});
    EXPECT_EQ(weft::sum(e), 0.0);
    EXPECT_THROW(weft::maximum(e), std::invalid_argument);
}

TEST_F(DArrayTest, MatrixVectorAgainstSerial) {
    for (auto dist : {std::array<std::size_t, 2>{2, 2}, {4, 1}, {1, 4}}) {
        const std::size_t m = 23, n = 19;
        Array<double, 2> M({m, n});
        std::vector<double> v(n);
        for (std::size_t j = 0; j < n; ++j) {
            v[j] = 1.0 / (1.0 + static_cast<double>(j));
            for (std::size_t i = 0; i < m; ++i) M(i, j) = std::sin(static_cast<double>(i * n + j));
        }
        auto dM = weft::distribute(M, weft::workers(), dist);
        auto dv = weft::distribute(v, {3, 5}, {2});
        auto dy = dM * dv;
        ASSERT_EQ(dy.dim(0), m);
        auto y = weft::gather(dy);
        for (std::size_t i = 0; i < m; ++i) {
            double want = 0;
            for (std::size_t j = 0; j < n; ++j) want += M(i, j) * v[j];
            EXPECT_NEAR(y[i], want, 1e-12) << "row " << i << " dist " << dist[0] << "x" << dist[1];
        }
    }
}

TEST_F(DArrayTest, ChunksFreedWithTheLastHandle) {
    auto before = weft::debug::stored_refs(2);
    {
        auto d = weft::dzeros<double>({100, 100});
        auto e = d + 1.0;
        EXPECT_EQ(weft::sum(e), 10000.0);
        EXPECT_GT(weft::debug::stored_refs(2), before);
    }
    // The dels went to worker 2 before this request, on the same connection.
    EXPECT_EQ(weft::debug::stored_refs(2), before);
}
