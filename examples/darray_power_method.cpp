// examples/darray_power_method.cpp — the manual's DistributedArrays examples:
//   dC = 2 .* dA ./ dB;  all(dC .≈ 4π)
// and power_method(M, v), written once as a template and run unchanged on local arrays
// and on DArrays (a 2x2 and a 2000x2000 matrix), checked against each other.
// Run: ./darray_power_method [n=2000] [workers=2]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <random>

#include <weft/weft.hpp>

using Mat = weft::Array<double, 2>;
using Vec = weft::Array<double, 1>;

// The serial operations power_method needs on local arrays.
Vec operator*(const Mat& m, const Vec& v) {
    Vec y({m.dim(0)});
    for (std::size_t j = 0; j < m.dim(1); ++j)
        for (std::size_t i = 0; i < m.dim(0); ++i) y[i] += m(i, j) * v[j];
    return y;
}
double norm(const Vec& v) {
    double s = 0;
    for (double x : v) s += x * x;
    return std::sqrt(s);
}
Vec& operator/=(Vec& v, double s) {
    for (double& x : v) x /= s;
    return v;
}

// Julia:  function power_method(M, v)
//             for i in 1:100; v = M*v; v /= norm(v); end
//             return v, norm(M*v) / norm(v)
//         end
template <class M, class V>
std::pair<V, double> power_method(const M& m, V v) {
    for (int i = 0; i < 100; ++i) {
        v = m * v;
        v /= norm(v);
    }
    return {v, norm(m * v) / norm(v)};
}

bool check_power(const Mat& m, const Vec& v) {
    auto [sv, slambda] = power_method(m, v);
    auto dM = weft::distribute(m);
    auto dv = weft::distribute(v);
    auto [dres, dlambda] = power_method(dM, dv);
    const Vec got = weft::gather(dres);
    double diff = 0;
    for (std::size_t i = 0; i < got.size(); ++i) diff = std::max(diff, std::abs(got[i] - sv[i]));
    const bool ok = std::abs(dlambda - slambda) <= 1e-9 * std::abs(slambda) && diff <= 1e-9;
    std::printf("power_method %zux%zu: distributed %.15g (%zu chunks of M on", m.dim(0), m.dim(1), dlambda, dM.nchunks());
    for (int p : dM.pids()) std::printf(" %d", p);
    std::printf("), serial %.15g, max |v - v_serial| = %.3g: %s\n", slambda, diff, ok ? "equal" : "DIFFERENT");
    if (m.dim(0) == 2) std::printf("  v = [%.6f, %.6f]\n", got[0], got[1]);
    return ok;
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
    if (weft::nprocs() == 1) weft::addprocs(argc > 2 ? std::atoi(argv[2]) : 2);

    // B = ones(10_000) ./ 2;  A = ones(10_000) .* π;  dC = 2 .* dA ./ dB
    auto dB = weft::distribute(std::vector<double>(10'000, 0.5));
    auto dA = weft::distribute(std::vector<double>(10'000, std::numbers::pi));
    auto dC = 2.0 * dA / dB;
    const bool approx = weft::all([](double x) { return std::abs(x - 4 * std::numbers::pi) <= 1e-12 * 4 * std::numbers::pi; }, dC);
    std::printf("dC = 2 .* dA ./ dB: DArray<double, 1> of %zu on %zu workers; all(dC .≈ 4π) = %s\n", dC.size(),
                dC.pids().size(), approx ? "true" : "false");

    bool ok = approx;
    Mat m2({2, 2}, {2.0, 1.0, 1.0, 1.0});  // [2 1; 1 1]
    Vec v2({2}, {0.40395, 0.445877});
    ok &= check_power(m2, v2);

    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0, 1);
    Mat m({n, n});
    for (auto& x : m) x = u(rng);
    Vec v({n});
    for (auto& x : v) x = u(rng);
    ok &= check_power(m, v);
    return ok ? 0 : 1;
}
