// distributed: a non-reducing loop that no enclosing sync waits for, and writes to
// captured (non-shared) arrays, are warnings (SPEC §3.2).
// RUN: %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <vector>
void work(long i);
void run(long n, std::vector<double> a, long total) {
#pragma weft distributed
    for (long i = 0; i < n; ++i) work(i);
    // CHECK: warnings.cpp:[[@LINE-2]]:14: warning: '#pragma weft distributed' without reduce returns at once, and no enclosing '#pragma weft sync' waits for it; put the loop inside a sync block, or wait for the Futures of weft::distributed_for
#pragma weft sync
    {
#pragma weft distributed
        for (long i = 0; i < n; ++i) a[i] = 2.0 * i;
        // CHECK: warnings.cpp:[[@LINE-1]]:43: warning: assignment to captured variable 'a' has no effect in the caller
    }
#pragma weft distributed reduce(+:total)
    for (long i = 0; i < n; ++i) { total += i; a[0] = 1; }
    // CHECK: warnings.cpp:[[@LINE-1]]:53: warning: assignment to captured variable 'a' has no effect in the caller
}
// Writes through a SharedArray reach the shared memory: no warning.
void shared(long n, weft::SharedArray<double, 1> s) {
#pragma weft sync
    {
#pragma weft distributed
        for (long i = 0; i < n; ++i) s[i] = 1.0 * i;
    }
}
