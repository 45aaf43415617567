// A statement produced by a macro cannot be rewritten: an error at the pragma.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int f(int);
#define CALL_TWICE(x) f(x); f(x)
void run(int x) {
#pragma weft spawn
// CHECK: macro_statement.cpp:[[@LINE-1]]:14: error: '#pragma weft spawn' cannot translate a statement that comes from a macro expansion
    CALL_TWICE(x);
}
