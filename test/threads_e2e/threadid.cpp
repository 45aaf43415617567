// The seed's first threads example: `Threads.@threads for i = 1:10 a[i] = Threads.threadid() end`
// gives 1 1 1 2 2 2 3 3 4 4 on 4 threads; weft's ids are 0-based (SPEC §3.6).
// Run: WEFT_NUM_THREADS=4 ./threads_e2e_threadid
#include <weft/weft.hpp>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::vector<int> a(10);
#pragma weft threads
    for (int i = 0; i < 10; ++i) a[i] = weft::threads::threadid();

    std::printf("nthreads: %d\na:", weft::threads::nthreads());
    for (int t : a) std::printf(" %d", t);
    std::printf("\nJulia's threadid():");
    for (int t : a) std::printf(" %d", t + 1);
    std::printf("\n");
    return 0;
}
