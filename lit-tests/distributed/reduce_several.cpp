// distributed with several reductions (SPEC §3.2: `reduce(op:var[, var...])`, one or more
// clauses): the closure's operator() declares each variable at its own operator's identity
// and returns a std::tuple of them; distributed_reduce combines the tuples component-wise
// with a captureless lambda (it travels to the workers), and each variable finally takes
// its own operator with its total. One variable keeps the plain form (reduce.cpp).
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
long value(long i);
long gcd(long a, long b);
struct Stats { long n = 0; double total = 0; template <class A> void serialize(A& ar) { ar(n, total); } };
Stats merge(const Stats& a, const Stats& b) { return {a.n + b.n, a.total + b.total}; }
void run(long n) {
    long lo = 1000, hi = -1000, sum = 0;
#pragma weft distributed reduce(min:lo) reduce(max:hi) reduce(+:sum)
    for (long i = 0; i < n; ++i) {
        lo = value(i) < lo ? value(i) : lo;
        hi = value(i) > hi ? value(i) : hi;
        if (value(i) < 0) continue;
        sum += value(i);
    }
    long a = 0, b = 0;
    double c = 0;
#pragma weft distributed reduce(+:a, b,c)
    for (auto i : weft::range(0, n, 2)) { a += i; b += 2 * i; c += 0.5; }
    long g = 0, x = 0;
    Stats st;
#pragma weft distributed reduce(gcd:g) reduce(^:x) reduce(merge:st)
    for (long i = 1; i <= n; ++i) {
        g = gcd(g, 6 * i);
        x ^= i;
        st = merge(st, Stats{1, static_cast<double>(i)});
    }
}
// CHECK:      // #pragma weft distributed reduce(min:lo) reduce(max:hi) reduce(+:sum)
// CHECK-NEXT:     struct weft_closure_L16_C5 {
// CHECK-NEXT: #line 16 "{{.*}}reduce_several.cpp"
// CHECK-NEXT:       auto operator()(long i) { using weft_T0 = std::remove_cvref_t<decltype(lo)>; using weft_T1 = std::remove_cvref_t<decltype(hi)>; using weft_T2 = std::remove_cvref_t<decltype(sum)>; weft_T0 lo = (std::numeric_limits<weft_T0>::has_infinity ? std::numeric_limits<weft_T0>::infinity() : std::numeric_limits<weft_T0>::max()); weft_T1 hi = (std::numeric_limits<weft_T1>::has_infinity ? -std::numeric_limits<weft_T1>::infinity() : std::numeric_limits<weft_T1>::lowest()); weft_T2 sum = weft_T2(0); { {
// CHECK-NEXT:         lo = value(i) < lo ? value(i) : lo;
// CHECK-NEXT:         hi = value(i) > hi ? value(i) : hi;
// CHECK-NEXT:         if (value(i) < 0) return std::tuple<weft_T0, weft_T1, weft_T2>(lo, hi, sum);
// CHECK-NEXT:         sum += value(i);
// CHECK-NEXT:     } } return std::tuple<weft_T0, weft_T1, weft_T2>(lo, hi, sum); }
// CHECK:          { auto weft_op0 = weft::min_op{}; auto weft_op1 = weft::max_op{}; auto weft_op2 = std::plus<>{}; auto weft_r = weft::range(0, n, 1); if (!weft_r.empty()) { auto weft_total = weft::distributed_reduce([](const auto& weft_a, const auto& weft_b) { return std::remove_cvref_t<decltype(weft_a)>(decltype(weft_op0){}(std::get<0>(weft_a), std::get<0>(weft_b)), decltype(weft_op1){}(std::get<1>(weft_a), std::get<1>(weft_b)), decltype(weft_op2){}(std::get<2>(weft_a), std::get<2>(weft_b))); }, weft_r, weft_closure_L16_C5{}, weft::CallSite("{{.*}}reduce_several.cpp", 15, 14, "#pragma weft distributed")); lo = weft_op0(lo, std::get<0>(weft_total)); hi = weft_op1(hi, std::get<1>(weft_total)); sum = weft_op2(sum, std::get<2>(weft_total)); } }
// CHECK:      {{.*}}weft_T0 a = weft_T0(0); weft_T1 b = weft_T1(0); weft_T2 c = weft_T2(0); { { a += i; b += 2 * i; c += 0.5; } } return std::tuple<weft_T0, weft_T1, weft_T2>(a, b, c); }
// CHECK:          { auto weft_op0 = std::plus<>{}; auto weft_op1 = std::plus<>{}; auto weft_op2 = std::plus<>{}; auto weft_r = weft::range(0, n, 2); {{.*}} a = weft_op0(a, std::get<0>(weft_total)); b = weft_op1(b, std::get<1>(weft_total)); c = weft_op2(c, std::get<2>(weft_total)); } }
// CHECK:      {{.*}}weft_T0 g = weft_T0{}; weft_T1 x = weft_T1(0); weft_T2 st = weft_T2{}; {{.*}}
// CHECK:          { auto weft_op0 = [](std::remove_cvref_t<decltype(g)> weft_a, std::remove_cvref_t<decltype(g)> weft_b) { return gcd(weft_a, weft_b); }; auto weft_op1 = std::bit_xor<>{}; auto weft_op2 = [](std::remove_cvref_t<decltype(st)> weft_a, std::remove_cvref_t<decltype(st)> weft_b) { return merge(weft_a, weft_b); }; {{.*}}
