// bench/arrays.cpp — SharedArray figures, each beside its baseline measured in the same run:
//   1. the seed's advection (n^3 doubles, default 500^3): advection_shared on the workers
//      vs advection_serial on the master (goal: >= 1.8x with 2 workers; the manual reports
//      830 ms serial vs 238 ms shared on 4 processes), plus the per-step distributed loop;
//   2. creating a SharedArray of n^3 doubles with a parallel init (first touch on the
//      workers) vs an anonymous mmap of the same size first-touched by one process.
// Each figure and its baseline are timed alternately, reps times each; the best of each
// is reported (load from other processes only slows a run down), with the medians.
// Run: bench_arrays [n=500] [reps=5] [workers=2]
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
double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
template <class F>
double time_ms(F f) {
    auto t0 = Clock::now();
    f();
    return ms_since(t0);
}
void row(const char* what, const std::vector<double>& ours, const char* base_name, const std::vector<double>& base,
         double goal) {
    const double r = best(base) / best(ours);
    std::printf("  %-40s %8.1f ms (median %8.1f)   %-28s %8.1f ms (median %8.1f)   %5.2fx  %s\n", what, best(ours),
                median(ours), base_name, best(base), median(base), r,
                goal <= 0 ? "(informative)" : (r >= goal ? "goal met" : "goal NOT met"));
}
}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 500;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    if (weft::nprocs() == 1) weft::addprocs(argc > 3 ? std::atoi(argv[3]) : 2);
    const std::size_t bytes = n * n * n * sizeof(double);
    std::printf("bench_arrays: n=%zu (%.2f GiB per array), %d workers, best of %d alternating runs\n", n,
                bytes / double(1ull << 30), weft::nworkers(), reps);

    // 2. creation + parallel first touch vs anonymous mmap + serial first touch, alternately.
    // Each run's memory is kept until all runs are done, so that no release overlaps a timing.
    const int create_reps = std::min(reps, 3);
    std::vector<double> t_create, t_mmap;
    {
        std::vector<Arr3> keep_shared;
        std::vector<void*> keep_anon;
        for (int r = 0; r < create_reps; ++r) {
            t_create.push_back(time_ms([&] {
                keep_shared.emplace_back(std::array<std::size_t, 3>{n, n, n},
                                         weft::SharedArrayOptions<double, 3>{.init = init_q});
            }));
            t_mmap.push_back(time_ms([&] {
                void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED) std::abort();
                auto* d = static_cast<double*>(p);
                const std::size_t plane = n * n;
                for (std::size_t k = 0; k < n * n * n; ++k) d[k] = k < plane ? 1.0 : 0.0;
                keep_anon.push_back(p);
            }));
        }
        for (auto& a : keep_shared) weft::finalize(a);
        for (void* p : keep_anon) ::munmap(p, bytes);
    }

    // 1. advection, the three versions alternately.
    Arr3 q({n, n, n}, {.init = init_q});
    Arr3 u({n, n, n}, {.init = init_u});
    advection_serial(q, u);  // warm: pages of the master's mapping
    advection_shared(q, u);  // warm: pages of the workers' mappings
    std::vector<double> t_serial, t_shared, t_parallel, t_omp;
    const int nw = weft::nworkers();
    for (int r = 0; r < reps; ++r) {
        t_serial.push_back(time_ms([&] { advection_serial(q, u); }));
        // What this machine allows: the same kernel with one OpenMP thread per worker.
        t_omp.push_back(time_ms([&] {
            double* qd = weft::sdata(q).data();
            const double* ud = weft::sdata(u).data();
            const long n0 = static_cast<long>(n), n1 = static_cast<long>(n);
            for (long t = 0; t + 1 < static_cast<long>(n); ++t) {
#pragma omp parallel for num_threads(nw) schedule(static)
                for (long j = 0; j < n1; ++j) {
                    const std::size_t here = static_cast<std::size_t>(n0 * (j + n1 * t)), next = here + n0 * n1;
                    for (long i = 0; i < n0; ++i) qd[next + i] = qd[here + i] + ud[here + i];
                }
            }
        }));
        t_shared.push_back(time_ms([&] { advection_shared(q, u); }));
        if (r < std::max(1, reps / 2)) t_parallel.push_back(time_ms([&] { advection_parallel(q, u); }));
    }

    row("advection_shared (workers, own j)", t_shared, "advection_serial (master)", t_serial, 1.8);
    row("advection_parallel (per-step loop)", t_parallel, "advection_serial (master)", t_serial, 0);
    row("(machine) OpenMP threads = workers", t_omp, "advection_serial (master)", t_serial, 0);
    row("SharedArray create + parallel init", t_create, "anon mmap + 1-process touch", t_mmap, 0);
    std::printf("@row arrays|advection shared vs serial|%.3f|%.3f|ms|<=0.556\n", best(t_shared), best(t_serial));
    std::printf("@row arrays|advection per-step loop vs serial|%.3f|%.3f|ms|-\n", best(t_parallel), best(t_serial));
    std::printf("@row arrays|SharedArray create+init vs anon mmap touch|%.3f|%.3f|ms|-\n", best(t_create), best(t_mmap));
    return 0;
}
