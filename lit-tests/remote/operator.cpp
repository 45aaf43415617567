// Operators have no name to register.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
struct V { int x; };
#pragma weft remote
V operator+(V a, V b) { return {a.x + b.x}; }
// CHECK: operator.cpp:[[@LINE-1]]:3: error: '#pragma weft remote' needs a function declaration, not an operator
