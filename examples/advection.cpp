// examples/advection.cpp — the SharedArrays manual's advection kernel
//     q[i,j,t+1] = q[i,j,t] + u[i,j,t]
// run three ways on the same SharedArrays: serially on the master, distributed-loop style
// (every time step split over the workers along j, one call per worker and step), and
// advection_shared (each worker runs all time steps over its own j block). The results
// must be equal; the times are printed side by side (each version's second run, as the
// manual does).
// Run: ./advection [n=500] [workers=2]   (q and u are n x n x n doubles in /dev/shm)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <weft/weft.hpp>

using Arr3 = weft::SharedArray<double, 3>;

void advection_chunk(const Arr3& q, const Arr3& u, weft::Range irange, weft::Range jrange, weft::Range trange) {
    double* qd = weft::sdata(q).data();
    const double* ud = weft::sdata(u).data();
    const std::size_t n0 = q.dim(0), n1 = q.dim(1);
    for (auto t : trange)
        for (auto j : jrange) {
            const std::size_t here = n0 * (static_cast<std::size_t>(j) + n1 * static_cast<std::size_t>(t));
            const std::size_t next = here + n0 * n1;
            for (auto i : irange) qd[next + i] = qd[here + i] + ud[here + i];
        }
}

/// The (irange, jrange) of this worker: the manual's myrange, splitting dimension 2.
std::pair<weft::Range, weft::Range> myrange(const Arr3& q) {
    const int idx = weft::indexpids(q);
    if (idx < 0) return {weft::Range{}, weft::Range{}};
    const auto nchunks = static_cast<double>(weft::procs(q).size());
    const auto n1 = static_cast<double>(q.dim(1));
    auto split = [&](int k) { return static_cast<std::int64_t>(std::lround(k * n1 / nchunks)); };
    return {weft::Range{0, static_cast<std::int64_t>(q.dim(0))}, weft::Range{split(idx), split(idx + 1)}};
}

void advection_shared_chunk(Arr3 q, Arr3 u) {
    auto [ir, jr] = myrange(q);
    advection_chunk(q, u, ir, jr, weft::Range{0, static_cast<std::int64_t>(q.dim(2)) - 1});
}
void advection_step_chunk(Arr3 q, Arr3 u, weft::Range jrange, std::int64_t t) {
    advection_chunk(q, u, weft::Range{0, static_cast<std::int64_t>(q.dim(0))}, jrange, weft::Range{t, t + 1});
}
// First touch in parallel: each participant initialises its share of the pages.
void init_u(Arr3& u) {
    for (auto k : weft::localindices(u)) u[static_cast<std::size_t>(k)] = std::sin(0.001 * static_cast<double>(k % 100003));
}
void init_q(Arr3& q) {
    const std::size_t plane = q.dim(0) * q.dim(1);
    for (auto k : weft::localindices(q)) q[static_cast<std::size_t>(k)] = static_cast<std::size_t>(k) < plane ? 1.0 : 0.0;
}
WEFT_REMOTE(advection_shared_chunk, advection_step_chunk, init_u, init_q)

void advection_serial(const Arr3& q, const Arr3& u) {
    advection_chunk(q, u, weft::Range{0, static_cast<std::int64_t>(q.dim(0))},
                    weft::Range{0, static_cast<std::int64_t>(q.dim(1))}, weft::Range{0, static_cast<std::int64_t>(q.dim(2)) - 1});
}

/// @distributed-style: for every t, the j loop split over the workers, waited for.
void advection_parallel(const Arr3& q, const Arr3& u) {
    const auto ws = weft::procs(q);
    const auto n1 = static_cast<std::int64_t>(q.dim(1));
    const auto np = static_cast<std::int64_t>(ws.size());
    std::vector<weft::Future<void>> calls;
    for (std::int64_t t = 0; t + 1 < static_cast<std::int64_t>(q.dim(2)); ++t) {
        calls.clear();
        for (std::int64_t k = 0; k < np; ++k)
            calls.push_back(weft::remotecall(advection_step_chunk, ws[static_cast<std::size_t>(k)], q, u,
                                             weft::Range{k * n1 / np, (k + 1) * n1 / np}, t));
        for (auto& c : calls) weft::wait(c);
    }
}

/// Each worker all time steps over its own j block.
void advection_shared(const Arr3& q, const Arr3& u) {
    std::vector<weft::Future<void>> calls;
    for (int p : weft::procs(q)) calls.push_back(weft::remotecall(advection_shared_chunk, p, q, u));
    for (auto& c : calls) weft::wait(c);
}

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
