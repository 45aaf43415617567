// A closure cannot carry `this`: an error that says what to do.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int f(int);
struct Sim {
    int steps = 3;
    void run() {
#pragma weft spawn
        auto a = f(steps);
        // CHECK: uses_this.cpp:[[@LINE-1]]:20: error: '#pragma weft spawn' cannot send 'this' to another process; copy the members it needs into local variables first
    }
};
