// distributed reduce(op:var): the closure's operator() declares var at op's identity, runs
// the body and returns var; distributed_reduce combines on the workers, then the caller;
// finally var = var op total (nothing for an empty range). Every operator of SPEC §3.2.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
int coin(long i);
long pick(long a, long b);
void run(long n) {
    long nheads = 0;
#pragma weft distributed reduce(+:nheads)
    for (long i = 0; i < 200000000; ++i)
        nheads += coin(i);
    double p = 1, lo = 1e300, hi = -1e300;
    long band = -1, bor = 0, bxor = 0, best = 0;
    bool all = true, any = false;
#pragma weft distributed reduce(*:p)
    for (long i = 1; i < n; ++i) p *= 1.0 / static_cast<double>(i);
#pragma weft distributed reduce(min:lo)
    for (long i = 0; i < n; ++i) lo = i < lo ? i : lo;
#pragma weft distributed reduce(max:hi)
    for (long i = 0; i < n; ++i) hi = i > hi ? i : hi;
#pragma weft distributed reduce(&:band)
    for (long i = 0; i < n; ++i) band &= i;
#pragma weft distributed reduce(|:bor)
    for (long i = 0; i < n; ++i) bor |= i;
#pragma weft distributed reduce(^:bxor)
    for (long i = 0; i < n; ++i) bxor ^= i;
#pragma weft distributed reduce(&&:all)
    for (long i = 0; i < n; ++i) all = all && coin(i);
#pragma weft distributed reduce(||:any)
    for (long i = 0; i < n; ++i) any = any || coin(i);
#pragma weft distributed reduce(pick:best)
    for (auto i : weft::range(0, n)) best = pick(best, i);
}
// CHECK:      // #pragma weft distributed reduce(+:nheads)
// CHECK-NEXT:     struct weft_closure_L12_C5 {
// CHECK-NEXT: #line 13 "{{.*}}reduce.cpp"
// CHECK-NEXT:       auto operator()(long i) { using weft_T = std::remove_cvref_t<decltype(nheads)>; weft_T nheads = weft_T(0); { nheads += coin(i); } return nheads; }
// CHECK-NEXT: #line 12 "{{.*}}reduce.cpp"
// CHECK-NEXT:       void serialize(weft::OutArchive&) {} void serialize(weft::InArchive&) {} };
// CHECK-NEXT: #line 12 "{{.*}}reduce.cpp"
// CHECK-NEXT:     { auto weft_op = std::plus<>{}; auto weft_r = weft::range(0, 200000000, 1); if (!weft_r.empty()) nheads = weft_op(nheads, weft::distributed_reduce(weft_op, weft_r, weft_closure_L12_C5{}, weft::CallSite("{{.*}}reduce.cpp", 11, 14, "#pragma weft distributed"))); }
// CHECK:      {{.*}}weft_T p = weft_T(1);{{.*}}
// CHECK:          { auto weft_op = std::multiplies<>{}; {{.*}}
// CHECK:      {{.*}}weft_T lo = (std::numeric_limits<weft_T>::has_infinity ? std::numeric_limits<weft_T>::infinity() : std::numeric_limits<weft_T>::max());{{.*}}
// CHECK:          { auto weft_op = weft::min_op{}; {{.*}}
// CHECK:      {{.*}}weft_T hi = (std::numeric_limits<weft_T>::has_infinity ? -std::numeric_limits<weft_T>::infinity() : std::numeric_limits<weft_T>::lowest());{{.*}}
// CHECK:          { auto weft_op = weft::max_op{}; {{.*}}
// CHECK:      {{.*}}weft_T band = weft_T(~weft_T(0));{{.*}}
// CHECK:          { auto weft_op = std::bit_and<>{}; {{.*}}
// CHECK:      {{.*}}weft_T bor = weft_T(0);{{.*}}
// CHECK:          { auto weft_op = std::bit_or<>{}; {{.*}}
// CHECK:      {{.*}}weft_T bxor = weft_T(0);{{.*}}
// CHECK:          { auto weft_op = std::bit_xor<>{}; {{.*}}
// CHECK:      {{.*}}weft_T all = weft_T(true);{{.*}}
// CHECK:          { auto weft_op = std::logical_and<>{}; {{.*}}
// CHECK:      {{.*}}weft_T any = weft_T(false);{{.*}}
// CHECK:          { auto weft_op = std::logical_or<>{}; {{.*}}
// CHECK:      {{.*}}weft_T best = weft_T{};{{.*}}
// CHECK:          { auto weft_op = [](std::remove_cvref_t<decltype(best)> weft_a, std::remove_cvref_t<decltype(best)> weft_b) { return pick(weft_a, weft_b); }; auto weft_r = weft::range(0, n); {{.*}}
