// async on `auto t = e;` makes t a weft::Task; on a statement, a task the enclosing sync
// waits for. An explicit type is an error with a fix-it.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
int compute(int x) { return x + 1; }
int main(int argc, char** argv) {
    weft::init(argc, argv);
    int x = 41;
#pragma weft async
    auto t = compute(x);
    int r = weft::fetch(t);
#pragma weft sync
    {
#pragma weft async
        r += compute(r);
    }
    return r > 0 ? 0 : 1;
}
// CHECK:     auto t = weft::async([&] { return compute(x); });
// CHECK:     weft::sync([&] {
// CHECK-NEXT: // #pragma weft async
// CHECK-NEXT:         weft::async([&] { r += compute(r); });
// CHECK-NEXT:     });
