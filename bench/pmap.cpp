// bench_pmap (issue 6): per-item overhead of pmap over 10,000 trivial items on 2 workers
// (batch size 1 and auto), beside Dask's client.map + gather and Python's
// ProcessPoolExecutor(2).map with chunksize 1 and 100, measured in the same run by
// bench/pmap_peers.py (Debian's /usr/bin/python3 with python3-distributed); and the
// manual's coin-flip distributed reduce (2·10⁸ flips) on 2 workers beside the serial loop.
// Goals: batch size 1 >= 50x cheaper than Dask and >= 2x cheaper than chunksize-1
// ProcessPoolExecutor; auto no dearer than chunksize-100; coin flips >= 1.8x speed-up.
//
//   bench_pmap [--items=N] [--flips=N] [--peers=0]
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <weft/weft.hpp>

#include "../examples/coin_flip.hpp"
#include "core_common.hpp"

#ifndef WEFT_BENCH_DIR
#define WEFT_BENCH_DIR "bench"
#endif

int trivial(int x) { return x; }
WEFT_REMOTE(trivial)

namespace {
double pmap_per_item_us(const std::vector<int>& items, std::size_t batch) {
    weft::PmapOptions<int> o;
    o.batch_size = batch;
    double best = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
        auto t0 = bench::Clock::now();
        auto r = weft::pmap(trivial, items, o);
        best = std::min(best, bench::seconds_since(t0));
        if (r.back() != items.back()) std::exit(1);
    }
    return best / static_cast<double>(items.size()) * 1e6;
}

std::map<std::string, double> run_peers(long n) {
    std::map<std::string, double> out;
    std::string cmd = "/usr/bin/python3 " WEFT_BENCH_DIR "/pmap_peers.py " + std::to_string(n) + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char line[512];
    while (std::fgets(line, sizeof line, p)) {
        char name[128];
        double us = 0;
        if (std::sscanf(line, "peer %127s %lf", name, &us) == 2) out[name] = us;
        else std::fprintf(stderr, "   (peers) %s", line);
    }
    ::pclose(p);
    return out;
}
}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const long n = bench::option(argc, argv, "items", 10000);
    const long flips = bench::option(argc, argv, "flips", 200000000);
    const bool peers = bench::option(argc, argv, "peers", 1) != 0;
    if (weft::nprocs() == 1) weft::addprocs(2);

    std::vector<int> items(static_cast<std::size_t>(n));
    std::iota(items.begin(), items.end(), 0);
    weft::pmap(trivial, items);  // warm-up: connections, pools
    const double b1 = pmap_per_item_us(items, 1);
    const double ba = pmap_per_item_us(items, weft::auto_batch);
    auto peer = peers ? run_peers(n) : std::map<std::string, double>{};

    bench::header("pmap", "per-item overhead, 10,000 trivial items, 2 workers; coin-flip reduce");
    std::printf("   weft pmap: batch 1 %.2f us/item, auto %.3f us/item\n", b1, ba);
    if (peer.count("dask")) bench::row("pmap", "batch 1 vs Dask map+gather (us)", b1, peer["dask"], "us", "<=0.02");
    else std::printf("   Dask: not measured (install python3-distributed)\n");
    if (peer.count("ppe_chunksize_1"))
        bench::row("pmap", "batch 1 vs PPE chunksize 1 (us)", b1, peer["ppe_chunksize_1"], "us", "<=0.5");
    if (peer.count("ppe_chunksize_100"))
        bench::row("pmap", "auto vs PPE chunksize 100 (us)", ba, peer["ppe_chunksize_100"], "us", "<=1.0");

    // Coin flips: the same per-flip body in a serial loop and split over the workers,
    // alternating, best of 3 each (other load only slows a run down).
    double ts = 1e30, td = 1e30;
    Flip flip;
    for (int rep = 0; rep < 3; ++rep) {
        auto t0 = bench::Clock::now();
        long serial = 0;
        for (long i = 0; i < flips; ++i) serial += flip(i);
        ts = std::min(ts, bench::seconds_since(t0));
        t0 = bench::Clock::now();
        long dist = weft::distributed_reduce(std::plus<>{}, weft::range(0L, flips), Flip{});
        td = std::min(td, bench::seconds_since(t0));
        if (dist < flips / 3 || serial < flips / 3) std::exit(1);
    }
    bench::row("pmap", "coin flips: speed-up (serial s / weft s)", ts / td, 1.0, "x", ">=1.8");
    std::printf("   coin flips: serial %.3f s, distributed_reduce on %d workers %.3f s (best of 3 each)\n", ts,
                weft::nworkers(), td);
    return 0;
}
