// weft-c++ translates an annotated source and compiles the translation with the same
// flags; errors point into the original file; unannotated sources compile as they are.
// RUN: %weft-cxx %cxx %cxxflags -c %s -o %t.o
// RUN: test -f %t.o.weft.cpp
// RUN: %weft-cxx %cxx %cxxflags -c %S/Inputs/plain.cpp -o %t.plain.o
// RUN: not test -e %t.plain.o.weft.cpp
// RUN: not %weft-cxx %cxx %cxxflags -DBREAK -c %s -o %t.o 2>&1 | FileCheck %s
// RUN: %weft-cxx %cxx %cxxflags -c %s -o %t.o -DQUOTE && test -f %t.o
#include <weft/weft.hpp>
#ifdef QUOTE
#include "Inputs/quoted.hpp"
#endif
int twice(int x) { return 2 * x; }
int run(int x) {
#pragma weft spawn
    auto a = twice(x);
#ifdef BREAK
    int y = a;
    // CHECK: weft_cxx.cpp:[[@LINE-1]]:{{9|13}}: {{error}}: {{cannot convert 'weft::Future<int>' to 'int' in initialization|no viable conversion from .*Future<int>.* to 'int'}}
#endif
    return weft::fetch(a);
}
