// remote registers functions: WEFT_REMOTE for a plain (or static member) function,
// WEFT_REMOTE_AS with a static_cast for an overload.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#pragma weft remote
int count_heads(int n);
int count_heads(int n) { return n / 2; }
namespace geo {
#pragma weft remote
double area(double r) { return 3 * r * r; }
double area(double w, double h) { return w * h; }
struct Tools {
#pragma weft remote
    static int twice(int x) { return 2 * x; }
};
}  // namespace
// CHECK: // weft-translate: functions registered for remote calls
// CHECK-NEXT: WEFT_REMOTE(count_heads)
// CHECK-NEXT: WEFT_REMOTE_AS(weft_fn_geo__area_double_____double_, static_cast<double (*)(double)>(&geo::area))
// CHECK-NEXT: WEFT_REMOTE(geo::Tools::twice)
