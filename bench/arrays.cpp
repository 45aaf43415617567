// bench/arrays.cpp — SharedArray figures, each beside its baseline measured in the same run:
//   1. the seed's advection (n^3 doubles, default 500^3): advection_shared on the workers
//      vs advection_serial on the master (goal: >= 1.8x with 2 workers; the manual reports
//      830 ms serial vs 238 ms shared on 4 processes), plus the per-step distributed loop;
//   2. creating a SharedArray of n^3 doubles with a parallel init (first touch on the
//      workers) vs an anonymous mmap of the same size first-touched by one process.
// Run: bench_arrays [n=500] [reps=5] [workers=2]   (medians of reps runs)
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <weft/weft.hpp>

#include "../examples/advection.hpp"

namespace {
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
template <class F>
double median_ms(int reps, F f) {
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
        auto t0 = Clock::now();
        f();
        t.push_back(ms_since(t0));
    }
    return median(t);
}
void row(const char* what, double ours, const char* base_name, double base, const char* goal) {
    std::printf("  %-44s %10.1f ms   %-26s %10.1f ms   ratio %5.2fx  %s\n", what, ours, base_name, base, base / ours, goal);
}
}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 500;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    if (weft::nprocs() == 1) weft::addprocs(argc > 3 ? std::atoi(argv[3]) : 2);
    const std::size_t bytes = n * n * n * sizeof(double);
    std::printf("bench_arrays: n=%zu (%.2f GiB per array), %d workers, median of %d runs\n", n,
                bytes / double(1ull << 30), weft::nworkers(), reps);

    // 2. creation + parallel first touch vs anonymous mmap + serial first touch.
    const double t_create = median_ms(reps, [&] {
        Arr3 a({n, n, n}, {.init = init_q});
        weft::finalize(a);
    });
    const double t_mmap = median_ms(reps, [&] {
        void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) std::abort();
        auto* d = static_cast<double*>(p);
        const std::size_t plane = n * n;
        for (std::size_t k = 0; k < n * n * n; ++k) d[k] = k < plane ? 1.0 : 0.0;
        ::munmap(p, bytes);
    });

    // 1. advection.
    Arr3 q({n, n, n}, {.init = init_q});
    Arr3 u({n, n, n}, {.init = init_u});
    advection_serial(q, u);  // warm: pages of the master's mapping
    advection_shared(q, u);  // warm: pages of the workers' mappings
    const double t_serial = median_ms(reps, [&] { advection_serial(q, u); });
    const double t_shared = median_ms(reps, [&] { advection_shared(q, u); });
    const double t_parallel = median_ms(std::max(1, reps / 2), [&] { advection_parallel(q, u); });

    std::printf("  %-44s %13s   %-26s %13s   %12s  %s\n", "weft", "", "baseline (same run)", "", "base/ours", "goal");
    row("advection_shared (workers, own j blocks)", t_shared, "advection_serial (master)", t_serial,
        t_serial / t_shared >= 1.8 ? ">= 1.8x: met" : ">= 1.8x: NOT met");
    row("advection_parallel (per-step loop)", t_parallel, "advection_serial (master)", t_serial, "(informative)");
    row("SharedArray create + parallel init", t_create, "anon mmap + 1-process touch", t_mmap, "(informative)");
    std::printf("@row arrays|advection shared vs serial|%.3f|%.3f|ms|<=0.556\n", t_shared, t_serial);
    std::printf("@row arrays|advection per-step loop vs serial|%.3f|%.3f|ms|-\n", t_parallel, t_serial);
    std::printf("@row arrays|SharedArray create+init vs anon mmap touch|%.3f|%.3f|ms|-\n", t_create, t_mmap);
    return 0;
}
