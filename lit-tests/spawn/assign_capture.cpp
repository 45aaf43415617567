// Assigning to a captured variable changes the closure's copy only: a warning.
// RUN: %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <vector>
int f(int);
void run() {
    int x = 1;
    std::vector<int> v(3);
#pragma weft spawn
    auto a = f(x = 2);
    // CHECK: assign_capture.cpp:[[@LINE-1]]:18: warning: assignment to captured variable 'x' has no effect in the caller
#pragma weft spawn
    auto b = f(v[0] += 1);
    // CHECK: assign_capture.cpp:[[@LINE-1]]:21: warning: assignment to captured variable 'v' has no effect in the caller
#pragma weft spawn
    auto c = f(++x);
    // CHECK: assign_capture.cpp:[[@LINE-1]]:16: warning: assignment to captured variable 'x' has no effect in the caller
}
