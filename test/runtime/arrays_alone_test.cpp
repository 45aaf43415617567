// test/runtime/arrays_alone_test.cpp — SharedArray and DArray with no workers: process 1
// is the only participant and the only owner, and everything still works (SPEC §1).
#include <gtest/gtest.h>

#include <weft/weft.hpp>

namespace {
void fill_mine(weft::SharedArray<int, 2>& s) {
    for (auto i : weft::localindices(s)) s[static_cast<std::size_t>(i)] = 10 + weft::myid();
}
}  // namespace
WEFT_REMOTE(fill_mine)

TEST(ArraysAlone, SharedArrayOnTheMasterOnly) {
    ASSERT_EQ(weft::nprocs(), 1);
    weft::SharedArray<int, 2> s({3, 4}, {.init = fill_mine});
    EXPECT_EQ(weft::procs(s), std::vector<int>{1});
    EXPECT_EQ(weft::indexpids(s), 0);
    EXPECT_EQ(weft::localindices(s), (weft::Range{0, 12, 1}));
    for (int v : weft::sdata(s)) EXPECT_EQ(v, 11);
}

TEST(ArraysAlone, DArrayOnTheMasterOnly) {
    ASSERT_EQ(weft::nprocs(), 1);
    auto d = weft::dones<double>({5, 6});
    EXPECT_EQ(weft::procs(d), std::vector<int>{1});
    EXPECT_EQ(weft::localpart(d).size(), 30u);
    EXPECT_EQ(weft::localindices(d)[1], (weft::Range{0, 6, 1}));
    auto e = 3.0 * d - 1.0;
    EXPECT_EQ(weft::sum(e), 60.0);
    EXPECT_EQ(e(4, 5), 2.0);
    EXPECT_EQ(e(weft::Range{1, 3}, weft::Range{2, 4}).size(), 4u);
    weft::Array<double, 2> m({2, 2}, {2.0, 1.0, 1.0, 1.0});
    auto y = weft::distribute(m) * weft::distribute(std::vector<double>{1.0, 1.0});
    EXPECT_EQ(weft::gather(y).vector(), (std::vector<double>{3.0, 2.0}));
}
