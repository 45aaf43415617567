// threads: each accepted loop form becomes parallel_for over [first, last) with the body
// in place (captures by reference); schedules map to weft::threads::Schedule.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <vector>
int f(long i) { return static_cast<int>(i % 7); }
void run(std::vector<int>& a, int n) {
#pragma weft threads
    for (int i = 0; i < n; ++i) a[i] = weft::threads::threadid();
#pragma weft threads schedule(dynamic, 64)
    for (long i = 1; n >= i; i++) {
        a[i - 1] += f(i);
    }
#pragma weft threads schedule(dynamic)
    for (std::size_t i = 0; i < a.size(); i += 1)
        if (a[i] > 3)
            a[i] = 3;
#pragma weft threads schedule( static )
    for (auto i = 0u; i < 4u; ++i) a[i] = 0;
#pragma weft threads
    for (int i = 0; i < n; ++i) {
        if (a[i] == 0) continue;  // ends this iteration: the lambda returns
        for (int k = 0; k < 3; ++k)
            if (k == a[i]) continue;  // the inner loop's: unchanged
        a[i] = 1;
    }
}
// The loop header over several lines: the body keeps its line numbers.
void multiline(std::vector<int>& a, int n) {
#pragma weft threads
    for (int i = 0;
         i < n;
         ++i) {
        a[i] = 1;
    }
}
// Directives nested in the body are translated too.
int compress(int x) { return x / 2; }
void nested(std::vector<int>& a, int n) {
#pragma weft threads
    for (int i = 0; i < n; ++i) {
#pragma weft threadcall
        a[i] = compress(a[i]);
    }
}
// CHECK:      // #pragma weft threads
// CHECK-NEXT:     weft::threads::parallel_for(0, n, [&](int i) { a[i] = weft::threads::threadid(); });
// CHECK-NEXT: // #pragma weft threads schedule(dynamic, 64)
// CHECK-NEXT:     weft::threads::parallel_for(1, (n) + 1, [&](long i) {
// CHECK-NEXT:         a[i - 1] += f(i);
// CHECK-NEXT:     }, weft::threads::Schedule::dynamic(64));
// CHECK-NEXT: // #pragma weft threads schedule(dynamic)
// CHECK-NEXT:     weft::threads::parallel_for(0, a.size(), [&](std::size_t i) {
// CHECK-NEXT: #line 17 "{{.*}}loops.cpp"
// CHECK-NEXT:         if (a[i] > 3)
// CHECK-NEXT:             a[i] = 3; }, weft::threads::Schedule::dynamic());
// CHECK-NEXT: // #pragma weft threads schedule( static )
// CHECK-NEXT:     weft::threads::parallel_for(0u, 4u, [&](unsigned int i) { a[i] = 0; }, weft::threads::Schedule::static_());
// CHECK-NEXT: // #pragma weft threads
// CHECK-NEXT:     weft::threads::parallel_for(0, n, [&](int i) {
// CHECK-NEXT:         if (a[i] == 0) return;  // ends this iteration: the lambda returns
// CHECK-NEXT:         for (int k = 0; k < 3; ++k)
// CHECK-NEXT:             if (k == a[i]) continue;  // the inner loop's: unchanged
// CHECK-NEXT:         a[i] = 1;
// CHECK-NEXT:     });
// CHECK:      // #pragma weft threads
// CHECK-NEXT:     weft::threads::parallel_for(0, n, [&](int i)
// CHECK-NEXT: #line 34 "{{.*}}loops.cpp"
// CHECK-NEXT:          {
// CHECK-NEXT:         a[i] = 1;
// CHECK-NEXT:     });
// CHECK:      // #pragma weft threads
// CHECK-NEXT:     weft::threads::parallel_for(0, n, [&](int i) {
// CHECK-NEXT: // #pragma weft threadcall
// CHECK-NEXT:         a[i] = weft::threadcall([&](auto&&... weft_args) -> decltype(auto) { return compress(static_cast<decltype(weft_args)&&>(weft_args)...); }, a[i]);
// CHECK-NEXT:     });
