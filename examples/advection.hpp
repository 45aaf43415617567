// examples/advection.hpp — the SharedArrays manual's advection kernel and its three
// drivers (serial, distributed-loop style, advection_shared), shared by
// examples/advection.cpp and bench/arrays.cpp.
#pragma once
#include <cmath>
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
            double* out = qd + next;
            const double* in = qd + here;
            const double* add = ud + here;
            for (std::int64_t i = irange.first; i < irange.last; ++i) out[i] = in[i] + add[i];  // irange has step 1
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

