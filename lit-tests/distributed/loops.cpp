// distributed: the body becomes a closure type with by-value captures whose
// operator()(T i) runs one iteration; without reduce, weft::distributed_for (asynchronous,
// waited by the enclosing sync), over weft::range(first, last, step).
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <cstdio>
void work(long i, int scale);
void run(long n, int scale) {
#pragma weft sync
    {
#pragma weft distributed
        for (long i = 0; i < n; ++i) work(i, scale);
#pragma weft distributed
        for (long i = 1; i <= n; i += 4) {
            work(i, 2 * scale);
        }
#pragma weft distributed
        for (auto i : weft::range(0, n, 3)) work(i, 1);
    }
    long total = 0;
#pragma weft distributed reduce(+:total)
    for (long i = 0; i < n; ++i) {
        if (i % 2) continue;
        total += i;
    }
}
// CHECK:      // #pragma weft distributed
// CHECK-NEXT:         struct weft_closure_L13_C9 { int scale{};
// CHECK-NEXT: #line 13 "{{.*}}loops.cpp"
// CHECK-NEXT:           auto operator()(long i) { work(i, scale); }
// CHECK-NEXT: #line 13 "{{.*}}loops.cpp"
// CHECK-NEXT:           void serialize(weft::OutArchive& weft_ar) { weft_ar(scale); } void serialize(weft::InArchive& weft_ar) { weft_ar(scale); } };
// CHECK-NEXT: #line 13 "{{.*}}loops.cpp"
// CHECK-NEXT:         weft::distributed_for(weft::range(0, n, 1), weft_closure_L13_C9{scale}, weft::CallSite("{{.*}}loops.cpp", 12, 14, "#pragma weft distributed"));
// CHECK-NEXT: // #pragma weft distributed
// CHECK-NEXT:         struct weft_closure_L15_C9 { int scale{};
// CHECK-NEXT: #line 15 "{{.*}}loops.cpp"
// CHECK-NEXT:           auto operator()(long i) { {
// CHECK-NEXT:             work(i, 2 * scale);
// CHECK-NEXT:         } }
// CHECK:              weft::distributed_for(weft::range(1, (n) + 1, 4), weft_closure_L15_C9{scale}, weft::CallSite("{{.*}}loops.cpp", 14, 14, "#pragma weft distributed"));
// CHECK-NEXT: #line 17 "{{.*}}loops.cpp"
// CHECK:              struct weft_closure_L19_C9 {
// CHECK-NEXT: #line 19 "{{.*}}loops.cpp"
// CHECK-NEXT:           auto operator()({{(std::)?}}int64_t i) { work(i, 1); }
// CHECK:              weft::distributed_for(weft::range(0, n, 3), weft_closure_L19_C9{}, weft::CallSite("{{.*}}loops.cpp", 18, 14, "#pragma weft distributed"));
// CHECK:            auto operator()(long i) { using weft_T = std::remove_cvref_t<decltype(total)>; weft_T total = weft_T(0); { {
// CHECK-NEXT:         if (i % 2) return total;
// CHECK-NEXT:         total += i;
// CHECK-NEXT:     } } return total; }
