// sync: the block runs inside weft::sync([&] { ... }); only the braces change, so every
// line keeps its number. async inside runs as a task; a loop variable is taken by value.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <vector>
void fill_part(std::vector<int>& v, int p) {}
int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::vector<int> S(10);
#pragma weft sync
    {
        for (int p : weft::workers()) {
            #pragma weft async
            weft::remotecall_wait(fill_part, p, S, p);
        }
    }
#pragma weft sync
    for (int i = 0; i < 3; ++i) {
#pragma weft async
        S[i] = i;
    }
}
// CHECK: // #pragma weft sync
// CHECK-NEXT:     weft::sync([&] {
// CHECK-NEXT:         for (int p : weft::workers()) {
// CHECK-NEXT:             // #pragma weft async
// CHECK-NEXT:             weft::async([&, p]() mutable { weft::remotecall_wait(fill_part, p, S, p); });
// CHECK-NEXT:         }
// CHECK-NEXT:     });
// CHECK-NEXT: // #pragma weft sync
// CHECK-NEXT:     weft::sync([&] { for (int i = 0; i < 3; ++i) {
// CHECK-NEXT: // #pragma weft async
// CHECK-NEXT:         weft::async([&, i]() mutable { S[i] = i; });
// CHECK-NEXT:     } });
// CHECK: WEFT_REMOTE(fill_part)
