// examples/pmap_unbalanced.cpp — pmap over items whose cost varies from 1 to 50 ms: the
// free worker takes the next item, so the workers finish close together although the
// work is unbalanced. Prints the work each worker did and checks every result.
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include <weft/weft.hpp>

/// Stands for a computation of `ms` milliseconds; returns (ms, the worker that ran it).
std::pair<int, int> work(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return {ms, weft::myid()};
}
WEFT_REMOTE(work)

int main(int argc, char** argv) {
    weft::init(argc, argv);
    if (weft::nprocs() == 1) weft::addprocs(2);
    std::vector<int> costs;
    for (int i = 0; i < 40; ++i) costs.push_back(1 + (i * 37) % 50);  // 1..50 ms, shuffled
    int total = 0;
    for (int c : costs) total += c;

    auto t0 = std::chrono::steady_clock::now();
    auto results = weft::pmap(work, costs);
    std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - t0;

    bool ok = results.size() == costs.size();
    std::map<int, int> per_worker;
    for (std::size_t i = 0; ok && i < costs.size(); ++i) {
        ok = results[i].first == costs[i];
        per_worker[results[i].second] += costs[i];
    }
    for (auto [w, ms] : per_worker) std::printf("worker %d: %d ms of work\n", w, ms);
    std::printf("%zu unbalanced items (%d ms of work) on %d workers in %.0f ms; results %s\n", costs.size(), total,
                weft::nworkers(), elapsed.count(), ok ? "in input order" : "WRONG");
    return ok ? 0 : 1;
}
