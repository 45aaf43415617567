// The seed's atomics examples: `@threads for id in 1:4 old_is[id] = atomic_add!(i, id)`,
// then a racy `acc[] += 1` beside `atomic_add!(acc, 1)` over 1:1000 (and a bigger count
// that makes the race visible), and the same sum with `reduce(+:...)`.
// Run: WEFT_NUM_THREADS=4 ./threads_e2e_atomics
#include <weft/weft.hpp>

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

namespace th = weft::threads;

int main(int argc, char** argv) {
    weft::init(argc, argv);

    th::Atomic<int> i{0};
    std::vector<int> ids(4), old_is(4);
#pragma weft threads
    for (int id = 1; id <= 4; ++id) {
        old_is[id - 1] = th::atomic_add(i, id);
        ids[id - 1] = id;
    }
    // The four atomic_adds happened one after another in some order: sorted by the value
    // each saw, every one saw the total of those before it.
    std::vector<std::pair<int, int>> seen;  // (old value, id)
    for (int k = 0; k < 4; ++k) seen.emplace_back(old_is[k], ids[k]);
    std::sort(seen.begin(), seen.end());
    bool consistent = seen[0].first == 0;
    for (int k = 0; k + 1 < 4; ++k) consistent &= seen[k + 1].first == seen[k].first + seen[k].second;
    consistent &= seen[3].first + seen[3].second == i.load();
    std::printf("ids: %d %d %d %d\n", ids[0], ids[1], ids[2], ids[3]);
    std::printf("i: %d, old values consistent: %s\n", i.load(), consistent ? "yes" : "no");

    for (long n : {1000L, 10000000L}) {
        long racy = 0;
#pragma weft threads
        for (long k = 0; k < n; ++k) {
            racy = racy + 1;  // the classic race: loads and stores of several threads interleave
            asm volatile("" : "+m"(racy));  // keep the compiler from summing each block at once
        }
        th::Atomic<long> acc{0};
#pragma weft threads
        for (long k = 0; k < n; ++k) th::atomic_add(acc, 1L);
        long reduced = 0;
#pragma weft threads reduce(+:reduced)
        for (long k = 0; k < n; ++k) reduced += 1;
        std::printf("n = %ld: racy sum %ld (printed only), atomic_add sum %ld, reduce(+) sum %ld\n", n, racy, acc.load(),
                    reduced);
    }
    return 0;
}
