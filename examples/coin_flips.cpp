// examples/coin_flips.cpp — the manual's @distributed (+) loop with the runtime API:
//   nheads = @distributed (+) for i = 1:200000000  Int(rand(Bool))  end
// Each worker counts the heads of its contiguous chunk of the 2·10⁸ flips, then the
// caller adds the partial counts. (examples/annotated/ has the `#pragma weft distributed
// reduce(+:nheads)` form of the same loop.)
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>

#include <weft/weft.hpp>

/// One flip: 1 for heads. Each process draws from its own generator.
struct Flip {
    long operator()(std::int64_t) const {
        thread_local std::mt19937_64 rng(std::random_device{}());
        thread_local std::uint64_t bits = 0;
        thread_local int left = 0;
        if (left == 0) {
            bits = rng();
            left = 64;
        }
        --left;
        long heads = static_cast<long>(bits & 1);
        bits >>= 1;
        return heads;
    }
};

int main(int argc, char** argv) {
    weft::init(argc, argv);
    if (weft::nprocs() == 1) weft::addprocs(2);
    const long flips = 200000000;
    long nheads = weft::distributed_reduce(std::plus<>{}, weft::range(0L, flips), Flip{});
    const double fraction = static_cast<double>(nheads) / static_cast<double>(flips);
    std::printf("%ld heads in %ld flips on %d workers (%.4f)\n", nheads, flips, weft::nworkers(), fraction);
    return fraction > 0.499 && fraction < 0.501 ? 0 : 1;
}
