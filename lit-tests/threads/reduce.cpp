// threads reduce(op:var): each iteration reduces into a private var that starts at op's
// identity; parallel_reduce combines the partials and then the caller's var. Every
// operator of SPEC §3.2 and a named function.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <cstdint>
long bigger(long a, long b) { return a > b ? a : b; }
void run(const double* x, const long* v, int n) {
    double sum = 0, prod = 1, lo = 1e300, hi = -1e300;
    long band = -1, bor = 0, bxor = 0, best = 0;
    bool all = true, any = false;
#pragma weft threads reduce(+:sum)
    for (int i = 0; i < n; ++i) sum += x[i];
#pragma weft threads schedule(dynamic, 8) reduce(*:prod)
    for (int i = 0; i < n; ++i) prod *= x[i];
#pragma weft threads reduce(min:lo)
    for (int i = 0; i < n; ++i) lo = x[i] < lo ? x[i] : lo;
#pragma weft threads reduce(max:hi)
    for (int i = 0; i < n; ++i) hi = x[i] > hi ? x[i] : hi;
#pragma weft threads reduce(&:band)
    for (int i = 0; i < n; ++i) band &= v[i];
#pragma weft threads reduce(|:bor)
    for (int i = 0; i < n; ++i) bor |= v[i];
#pragma weft threads reduce(^:bxor)
    for (int i = 0; i < n; ++i) bxor ^= v[i];
#pragma weft threads reduce(&&:all)
    for (int i = 0; i < n; ++i) all = all && v[i] > 0;
#pragma weft threads reduce(||:any)
    for (int i = 0; i < n; ++i) any = any || v[i] > 0;
#pragma weft threads reduce(bigger:best)
    for (int i = 0; i < n; ++i) best = bigger(best, v[i]);
    // `continue` ends the iteration: the lambda returns its private value.
#pragma weft threads reduce(+:sum)
    for (int i = 0; i < n; ++i) {
        if (x[i] < 0) continue;
        sum += x[i];
    }
}
// CHECK:      { auto weft_op = std::plus<>{}; sum = weft::threads::parallel_reduce(0, n, sum, weft_op, [&](int i) { using weft_T = std::remove_cvref_t<decltype(sum)>; weft_T sum = weft_T(0); { sum += x[i]; } return sum; }); }
// CHECK:      { auto weft_op = std::multiplies<>{}; prod = weft::threads::parallel_reduce(0, n, prod, weft_op, [&](int i) { using weft_T = std::remove_cvref_t<decltype(prod)>; weft_T prod = weft_T(1); { prod *= x[i]; } return prod; }, weft::threads::Schedule::dynamic(8)); }
// CHECK:      { auto weft_op = [](const auto& weft_a, const auto& weft_b) { return weft_b < weft_a ? weft_b : weft_a; }; lo = {{.*}} weft_T lo = (std::numeric_limits<weft_T>::has_infinity ? std::numeric_limits<weft_T>::infinity() : std::numeric_limits<weft_T>::max()); {{.*}}
// CHECK:      { auto weft_op = [](const auto& weft_a, const auto& weft_b) { return weft_a < weft_b ? weft_b : weft_a; }; hi = {{.*}} weft_T hi = (std::numeric_limits<weft_T>::has_infinity ? -std::numeric_limits<weft_T>::infinity() : std::numeric_limits<weft_T>::lowest()); {{.*}}
// CHECK:      { auto weft_op = std::bit_and<>{}; {{.*}} weft_T band = weft_T(~weft_T(0)); {{.*}}
// CHECK:      { auto weft_op = std::bit_or<>{}; {{.*}} weft_T bor = weft_T(0); {{.*}}
// CHECK:      { auto weft_op = std::bit_xor<>{}; {{.*}} weft_T bxor = weft_T(0); {{.*}}
// CHECK:      { auto weft_op = std::logical_and<>{}; {{.*}} weft_T all = weft_T(true); {{.*}}
// CHECK:      { auto weft_op = std::logical_or<>{}; {{.*}} weft_T any = weft_T(false); {{.*}}
// CHECK:      { auto weft_op = [](const auto& weft_a, const auto& weft_b) { return bigger(weft_a, weft_b); }; best = weft::threads::parallel_reduce(0, n, best, weft_op, [&](int i) { using weft_T = std::remove_cvref_t<decltype(best)>; weft_T best = weft_T{}; { best = bigger(best, v[i]); } return best; }); }
// CHECK:      { auto weft_op = std::plus<>{}; sum = weft::threads::parallel_reduce(0, n, sum, weft_op, [&](int i) { using weft_T = std::remove_cvref_t<decltype(sum)>; weft_T sum = weft_T(0); {
// CHECK-NEXT:         if (x[i] < 0) return sum;
// CHECK-NEXT:         sum += x[i];
// CHECK-NEXT:     } return sum; }); }
