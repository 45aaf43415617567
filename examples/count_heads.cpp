// examples/count_heads.cpp — the main demo: count heads in 2·10⁸ coin flips on two
// workers with remotecall/fetch (Julia manual, "Parallel Computing"). Starts 2 local
// workers unless WEFT_PROCS already started some.
#include <cstdio>
#include <random>

#include <weft/weft.hpp>

long count_heads(long n) {
    std::mt19937_64 rng(std::random_device{}());
    long c = 0;
    for (long i = 0; i < n; i += 64) {
        std::uint64_t bits = rng();
        int take = n - i < 64 ? static_cast<int>(n - i) : 64;
        if (take < 64) bits &= (std::uint64_t{1} << take) - 1;
        c += __builtin_popcountll(bits);
    }
    return c;
}
WEFT_REMOTE(count_heads)

int main(int argc, char** argv) {
    weft::init(argc, argv);
    if (weft::nprocs() == 1) weft::addprocs(2);
    const long n = 100000000;
    auto ws = weft::workers();
    auto a = weft::remotecall(count_heads, ws[0], n);
    auto b = weft::remotecall(count_heads, ws[1 % ws.size()], n);
    long heads = weft::fetch(a) + weft::fetch(b);
    std::printf("%ld heads in %ld flips on workers %d and %d (%.4f)\n", heads, 2 * n, a.where(), b.where(),
                static_cast<double>(heads) / (2.0 * n));
    return 0;
}
