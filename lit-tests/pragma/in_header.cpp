// Pragmas in an included file are not translated (a warning); the main file has none,
// so it passes through unchanged.
// RUN: %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
// RUN: cmp %s %t.cpp
#include "../Inputs/annotated.hpp"
// CHECK: annotated.hpp:4:1: warning: '#pragma weft' in an included file is not translated; translate that file itself
int main() { return helper(1) == 2 ? 0 : 1; }
