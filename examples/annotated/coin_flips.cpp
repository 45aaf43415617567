// The seed manual's @distributed (+) loop, annotated for weft-translate:
//   nheads = @distributed (+) for i = 1:200000000  Int(rand(Bool))  end
// Translated, the 2·10⁸ flips are split into one contiguous chunk per worker, each worker
// counts its heads and the caller adds the counts. The coin is a hash of the flip's index,
// so the serial build (the same file, not translated) prints the same count.
// Run with workers: WEFT_PROCS=2 ./annotated_coin_flips
#include <weft/weft.hpp>

#include <cstdint>
#include <cstdio>

/// Flip number i: 1 for heads (the top bit of splitmix64(i)).
int coin(long i) {
    std::uint64_t z = static_cast<std::uint64_t>(i) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<int>((z ^ (z >> 31)) >> 63);
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const long flips = 200000000;
    long nheads = 0;
#pragma weft distributed reduce(+:nheads)
    for (long i = 0; i < flips; ++i)
        nheads += coin(i);
    const double fraction = static_cast<double>(nheads) / static_cast<double>(flips);
    std::printf("%ld heads in %ld flips (%.4f)\n", nheads, flips, fraction);
    return fraction > 0.499 && fraction < 0.501 ? 0 : 1;
}
