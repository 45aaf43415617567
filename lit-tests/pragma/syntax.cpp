// Wrong pragmas are errors at their exact coordinates.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int f(int);
void run(int x) {
#pragma weft
// CHECK: syntax.cpp:[[@LINE-1]]:13: error: expected a directive after '#pragma weft' (one of: spawn, spawnat, fetch, fetchfrom, everywhere, remote, sync, async{{(, [a-z]+)*}})
    f(x);
#pragma weft bogus
// CHECK: syntax.cpp:[[@LINE-1]]:14: error: unknown directive 'bogus' in '#pragma weft' (expected one of: spawn, spawnat, fetch, fetchfrom, everywhere, remote, sync, async{{(, [a-z]+)*}})
    f(x);
#pragma weft spawn reduce(+:x)
// CHECK: syntax.cpp:[[@LINE-1]]:20: error: unknown clause 'reduce' for '#pragma weft spawn' (expected one of: capture)
    f(x);
#pragma weft sync capture(x)
// CHECK: syntax.cpp:[[@LINE-1]]:19: error: unknown clause 'capture' for '#pragma weft sync' (it takes no clauses)
    { f(x); }
#pragma weft spawn capture(x) capture(x)
// CHECK: syntax.cpp:[[@LINE-1]]:31: error: clause 'capture' appears twice
    f(x);
#pragma weft spawn capture(x, 1)
// CHECK: syntax.cpp:[[@LINE-1]]:31: error: expected a variable name in 'capture(...)'
    f(x);
#pragma weft spawn capture(x,)
// CHECK: syntax.cpp:[[@LINE-1]]:29: error: expected a variable name in 'capture(...)'
    f(x);
#pragma weft spawn capture
// CHECK: syntax.cpp:[[@LINE-1]]:27: error: clause 'capture' needs an argument: 'capture(...)'
    f(x);
#pragma weft everywhere procs()
// CHECK: syntax.cpp:[[@LINE-1]]:31: error: 'procs()' needs an argument
    f(x);
#pragma weft spawn , capture(x)
// CHECK: syntax.cpp:[[@LINE-1]]:20: error: unexpected ',' in '#pragma weft spawn'; clauses are written 'name(arguments)'
    f(x);
}
