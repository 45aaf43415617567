// threads takes schedule(...) and reduce(...) only; schedule at most once (reduce may repeat: reduce_several.cpp).
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
void run(int n, long* a) {
    long s = 0;
#pragma weft threads reduce(+:s) capture(s)
    // CHECK: clauses.cpp:[[@LINE-1]]:34: error: unknown clause 'capture' for '#pragma weft threads' (expected one of: schedule, reduce)
    for (int i = 0; i < n; ++i) s += a[i];
#pragma weft threads schedule(static) schedule(dynamic)
    // CHECK: clauses.cpp:[[@LINE-1]]:39: error: clause 'schedule' appears twice
    for (int i = 0; i < n; ++i) a[i] = 0;
#pragma weft threads(4)
    // CHECK: clauses.cpp:[[@LINE-1]]:21: error: '#pragma weft threads' takes no argument
    for (int i = 0; i < n; ++i) a[i] = 0;
}
