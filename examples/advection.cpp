// examples/advection.cpp — the SharedArrays manual's advection kernel
//     q[i,j,t+1] = q[i,j,t] + u[i,j,t]
// run three ways on the same SharedArrays: serially on the master, distributed-loop style
// (every time step split over the workers along j, one call per worker and step), and
// advection_shared (each worker runs all time steps over its own j block). The results
// must be equal; the times are printed side by side (each version's second run, as the
// manual does).
// Run: ./advection [n=500] [workers=2]   (q and u are n x n x n doubles in /dev/shm)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <weft/weft.hpp>

#include "advection.hpp"

template <class F>
double time_second_run(F f) {
    f();
    auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 500;
    if (weft::nprocs() == 1) weft::addprocs(argc > 2 ? std::atoi(argv[2]) : 2);
    Arr3 q({n, n, n}, {.init = init_q});
    Arr3 u({n, n, n}, {.init = init_u});
    std::printf("advection of %zux%zux%zu on workers", n, n, n);
    for (int p : weft::procs(q)) std::printf(" %d", p);
    std::printf("\n");

    auto data = weft::sdata(q);
    const std::size_t plane = n * n;
    auto clear_result = [&] { std::fill(data.begin() + static_cast<std::ptrdiff_t>(plane), data.end(), 0.0); };

    const double t_serial = time_second_run([&] { advection_serial(q, u); });
    std::vector<double> want(data.begin(), data.end());
    clear_result();
    const double t_parallel = time_second_run([&] { advection_parallel(q, u); });
    const bool parallel_equal = std::equal(data.begin(), data.end(), want.begin());
    clear_result();
    const double t_shared = time_second_run([&] { advection_shared(q, u); });
    const bool shared_equal = std::equal(data.begin(), data.end(), want.begin());

    std::printf("advection_serial:   %10.3f ms\n", t_serial);
    std::printf("advection_parallel: %10.3f ms  (%zu calls per worker)\n", t_parallel, n - 1);
    std::printf("advection_shared:   %10.3f ms  (%.2fx serial)\n", t_shared, t_serial / t_shared);
    std::printf("results equal: parallel %s, shared %s\n", parallel_equal ? "yes" : "NO", shared_equal ? "yes" : "NO");
    return parallel_equal && shared_equal ? 0 : 1;
}
