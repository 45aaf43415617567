// distributed: loops it cannot split are errors at the coordinates of what is wrong.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <weft/weft.hpp>
#include <vector>
struct Handle { int fd; Handle(const Handle&) = delete; Handle(int f) : fd(f) {} };
int f(long);
void run(long n, std::vector<int> v) {
    long s = 0;
#pragma weft distributed reduce(+:s)
    for (int x : v) s += x;
    // CHECK: errors.cpp:[[@LINE-1]]:18: error: '#pragma weft distributed' needs a 'for' loop over an integer range, 'for (T i = first; i < last; ++i)' or a range-for over 'weft::range(first, last, step)'
#pragma weft distributed reduce(+:s)
    while (n--) s += n;
    // CHECK: errors.cpp:[[@LINE-1]]:5: error: '#pragma weft distributed' needs a 'for' loop over an integer range
#pragma weft distributed reduce(+:s)
    for (long i = 0; i < n; i *= 2) s += i;
    // CHECK: errors.cpp:[[@LINE-1]]:29: error: '#pragma weft distributed' needs the loop increment '++i', 'i++' or 'i += step', not this one
#pragma weft distributed reduce(+:s)
    for (long i = 0; i < n; ++i) {
        if (f(i) < 0) break;
        // CHECK: errors.cpp:[[@LINE-1]]:23: error: 'break' cannot leave the statement under '#pragma weft distributed': it runs in a generated function
        s += f(i);
    }
#pragma weft distributed reduce(%:s)
    // CHECK: errors.cpp:[[@LINE-1]]:33: error: incorrect reduction identifier '%', expected one of '+', '-', '*', '&', '|', '^', '&&', '||', 'min', 'max' or the name of a function callable with two values of type 'long'
    for (long i = 0; i < n; ++i) s += i;
#pragma weft distributed reduce(+:t)
    // CHECK: errors.cpp:[[@LINE-1]]:35: error: reduction variable 't' is not declared before the loop
    for (long i = 0; i < n; ++i) s += i;
    Handle h(3);
#pragma weft distributed reduce(+:s)
    for (long i = 0; i < n; ++i) s += h.fd;
    // CHECK: errors.cpp:[[@LINE-1]]:39: error: captured variable 'h' has type 'Handle', which is not serializable
}
