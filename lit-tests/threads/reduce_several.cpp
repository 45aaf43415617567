// threads with several reductions (SPEC §3.6 and §3.2: `reduce(op:var[, var...])`, one or
// more clauses): each iteration returns a std::tuple of private variables, each at its own
// operator's identity; parallel_reduce starts from a tuple of the caller's values and
// combines component-wise; each variable is then assigned its component. One variable
// keeps the plain form (reduce.cpp).
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <complex>
long bigger(long a, long b) { return a > b ? a : b; }
void run(const double* x, const long* v, int n) {
    double lo = 1e300, hi = -1e300;
#pragma weft threads reduce(min:lo) reduce(max:hi)
    for (int i = 0; i < n; ++i) { lo = x[i] < lo ? x[i] : lo; hi = x[i] > hi ? x[i] : hi; }
    double s = 0, s2 = 0;
#pragma weft threads schedule(dynamic, 16) reduce(+:s,s2)
    for (int i = 0; i < n; ++i)
        s += x[i], s2 += x[i] * x[i];
    long best = 0, bits = -1;
    bool all = true;
    std::complex<double> z = 0;
#pragma weft threads reduce(bigger:best) reduce(&:bits) reduce(&&:all) reduce(*:z)
    for (int i = 0; i < n; ++i) {
        if (v[i] < 0) continue;
        best = bigger(best, v[i]);
        bits &= v[i];
        all = all && v[i] > 0;
        z *= std::complex<double>(0, x[i]);
    }
}
// CHECK:      { auto weft_op0 = [](const auto& weft_a, const auto& weft_b) { return weft_b < weft_a ? weft_b : weft_a; }; auto weft_op1 = [](const auto& weft_a, const auto& weft_b) { return weft_a < weft_b ? weft_b : weft_a; }; auto weft_total = weft::threads::parallel_reduce(0, n, std::tuple<std::remove_cvref_t<decltype(lo)>, std::remove_cvref_t<decltype(hi)>>(lo, hi), [&](const auto& weft_a, const auto& weft_b) { return std::remove_cvref_t<decltype(weft_a)>(weft_op0(std::get<0>(weft_a), std::get<0>(weft_b)), weft_op1(std::get<1>(weft_a), std::get<1>(weft_b))); }, [&](int i) { using weft_T0 = std::remove_cvref_t<decltype(lo)>; using weft_T1 = std::remove_cvref_t<decltype(hi)>; weft_T0 lo = (std::numeric_limits<weft_T0>::has_infinity ? std::numeric_limits<weft_T0>::infinity() : std::numeric_limits<weft_T0>::max()); weft_T1 hi = (std::numeric_limits<weft_T1>::has_infinity ? -std::numeric_limits<weft_T1>::infinity() : std::numeric_limits<weft_T1>::lowest()); { lo = x[i] < lo ? x[i] : lo; hi = x[i] > hi ? x[i] : hi; } return std::tuple<weft_T0, weft_T1>(lo, hi); }); lo = std::get<0>(weft_total); hi = std::get<1>(weft_total); }
// The header over two lines: the body keeps its line.
// CHECK:      { auto weft_op0 = std::plus<>{}; auto weft_op1 = std::plus<>{}; auto weft_total = weft::threads::parallel_reduce(0, n, std::tuple<std::remove_cvref_t<decltype(s)>, std::remove_cvref_t<decltype(s2)>>(s, s2), {{.*}} [&](int i) { using weft_T0 = std::remove_cvref_t<decltype(s)>; using weft_T1 = std::remove_cvref_t<decltype(s2)>; weft_T0 s = weft_T0(0); weft_T1 s2 = weft_T1(0); {
// CHECK-NEXT: #line 18 "{{.*}}reduce_several.cpp"
// CHECK-NEXT:         s += x[i], s2 += x[i] * x[i]; } return std::tuple<weft_T0, weft_T1>(s, s2); }, weft::threads::Schedule::dynamic(16)); s = std::get<0>(weft_total); s2 = std::get<1>(weft_total); }
// CHECK:      { auto weft_op0 = [](const auto& weft_a, const auto& weft_b) { return bigger(weft_a, weft_b); }; auto weft_op1 = std::bit_and<>{}; auto weft_op2 = std::logical_and<>{}; auto weft_op3 = std::multiplies<>{}; {{.*}} weft_T0 best = weft_T0{}; weft_T1 bits = weft_T1(~weft_T1(0)); weft_T2 all = weft_T2(true); weft_T3 z = weft_T3(1); {
// CHECK-NEXT:         if (v[i] < 0) return std::tuple<weft_T0, weft_T1, weft_T2, weft_T3>(best, bits, all, z);
// CHECK:      {{.*}} return std::tuple<weft_T0, weft_T1, weft_T2, weft_T3>(best, bits, all, z); }); best = std::get<0>(weft_total); bits = std::get<1>(weft_total); all = std::get<2>(weft_total); z = std::get<3>(weft_total); }
