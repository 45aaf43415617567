// threads with several reductions: the same checks as distributed's
// (distributed/reduce_several_errors.cpp): a variable listed twice, a variable in two
// clauses, an operator that does not fit one of the variables.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error|note}}:'
#include <weft/weft.hpp>
void run(const double* x, int n) {
    double lo = 0, hi = 0;
#pragma weft threads reduce(min:lo,lo)
    // CHECK: reduce_several_errors.cpp:[[@LINE-1]]:36: error: reduction variable 'lo' is listed twice in 'reduce(min:lo,lo)'; list each variable once
    // CHECK: reduce_several_errors.cpp:[[@LINE-2]]:33: note: 'lo' is first listed here
    for (int i = 0; i < n; ++i) lo = x[i] < lo ? x[i] : lo;
#pragma weft threads schedule(dynamic) reduce(max:hi) reduce(min:lo, hi)
    // CHECK: reduce_several_errors.cpp:[[@LINE-1]]:70: error: reduction variable 'hi' appears in two reduce clauses, with 'max' and with 'min'; a variable has one reduction operator
    // CHECK: reduce_several_errors.cpp:[[@LINE-2]]:51: note: 'hi' is first listed here
    for (int i = 0; i < n; ++i) { lo = x[i] < lo ? x[i] : lo; hi = x[i] > hi ? x[i] : hi; }
#pragma weft threads reduce(min:lo) reduce(^:hi)
    // CHECK: reduce_several_errors.cpp:[[@LINE-1]]:44: error: reduction operator '^' needs a variable of integer type; 'hi' has type 'double'
    for (int i = 0; i < n; ++i) { lo = x[i] < lo ? x[i] : lo; hi = x[i] > hi ? x[i] : hi; }
}
