// examples/coin_flips.cpp — the manual's @distributed (+) loop with the runtime API:
//   nheads = @distributed (+) for i = 1:200000000  Int(rand(Bool))  end
// Each worker counts the heads of its contiguous chunk of the 2·10⁸ flips, then the
// caller adds the partial counts. (examples/annotated/ has the `#pragma weft distributed
// reduce(+:nheads)` form of the same loop.)
#include <cstdio>
#include <functional>

#include <weft/weft.hpp>

#include "coin_flip.hpp"

int main(int argc, char** argv) {
    weft::init(argc, argv);
    if (weft::nprocs() == 1) weft::addprocs(2);
    const long flips = 200000000;
    long nheads = weft::distributed_reduce(std::plus<>{}, weft::range(0L, flips), Flip{});
    const double fraction = static_cast<double>(nheads) / static_cast<double>(flips);
    std::printf("%ld heads in %ld flips on %d workers (%.4f)\n", nheads, flips, weft::nworkers(), fraction);
    return fraction > 0.499 && fraction < 0.501 ? 0 : 1;
}
