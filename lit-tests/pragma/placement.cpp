// A pragma must be followed by what its directive applies to.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int f(int);
#pragma weft spawn
// CHECK-DAG: placement.cpp:[[@LINE-1]]:14: error: '#pragma weft spawn' applies to a statement, not to a function declaration
int g(int x) { return x; }
#define SPAWN _Pragma("weft spawn")
void run(int x) {
    {
        f(x);
#pragma weft spawn
// CHECK-DAG: placement.cpp:[[@LINE-1]]:14: error: '#pragma weft spawn' must be followed by a statement
    }
    SPAWN f(x);
// CHECK-DAG: placement.cpp:[[@LINE-1]]:5: error: '#pragma weft' must be written as a '#pragma' line, not produced by _Pragma or a macro
    f(x
#pragma weft spawn
// CHECK-DAG: placement.cpp:[[@LINE-1]]:14: error: '#pragma weft spawn' must be followed by a statement
    );
}
#pragma weft everywhere
// CHECK-DAG: placement.cpp:[[@LINE-1]]:14: error: '#pragma weft everywhere' must be followed by a statement or a function declaration
