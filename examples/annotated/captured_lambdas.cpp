// Closures that capture closures, annotated for weft-translate (issue 18): the spawned
// and fetched expressions call lambdas of the enclosing function. Translated, a lambda
// without captures travels as it is, and one that captures by value (here `scaled`,
// which captures `offset`, and `pipeline`, which captures `scaled` and `square`) becomes
// a struct with a serialize, so the closure that captures it can be sent. A function
// pointer to a registered function travels by its id. The serial build (the same file,
// not translated) prints the same; with workers, the work runs on them.
// Run with workers: WEFT_PROCS=2 ./annotated_captured_lambdas
#include <weft/weft.hpp>

#include <cstdio>
#include <string>
#include <vector>

#pragma weft remote
int negate(int x) { return -x; }

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const int offset = 10;
    std::vector<int> weights{1, 2, 3};
    auto square = [](int x) { return x * x; };
    auto scaled = [offset, weights](int x) {
        int s = 0;
        for (int w : weights) s += w * x;
        return s + offset;
    };
    auto pipeline = [scaled, square](int x) { return std::make_pair(scaled(square(x)), weft::myid()); };
    int (*sign)(int) = negate;

#pragma weft spawn
    auto a = pipeline(3);
#pragma weft fetch
    auto b = std::make_pair(sign(scaled(1)) + square(2), weft::myid());

    auto [va, wa] = weft::fetch(a);
    auto [vb, wb] = b;
    std::printf("pipeline(3) = %d\nsign(scaled(1)) + square(2) = %d\n", va, vb);
    // With workers, both ran on one (serially, on this process).
    const bool where_ok = weft::nprocs() > 1 ? (wa != weft::myid() && wb != weft::myid()) : (wa == 1 && wb == 1);
    if (!where_ok) std::printf("ran on the wrong process: %d and %d\n", wa, wb);
    return va == 64 && vb == -12 && where_ok ? 0 : 1;
}
