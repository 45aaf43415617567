// everywhere before a function registers it for remote calls (WEFT_REMOTE at the end).
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <cstdlib>
#pragma weft everywhere
int rand2(int n) { return 2 * std::rand() % n; }
namespace util {
#pragma weft everywhere
double half(double x);
}
double util::half(double x) { return x / 2; }
// CHECK: // #pragma weft everywhere
// CHECK-NEXT: int rand2(int n) { return 2 * std::rand() % n; }
// CHECK: // weft-translate: functions registered for remote calls
// CHECK-NEXT: WEFT_REMOTE(rand2)
// CHECK-NEXT: WEFT_REMOTE(util::half)
