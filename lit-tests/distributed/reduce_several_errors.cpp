// distributed with several reductions: a variable listed twice in one clause, a variable
// in two clauses (two operators for one variable), an unknown operator in one of several
// clauses and a malformed list are errors at the coordinates of what is wrong, with what
// to do; a repeated variable gets a note where it was first listed. Every clause is
// checked, so one pragma can report several errors.
// RUN: not %weft-translate %s -o %t.cpp --extra-arg=-fdiagnostics-parseable-fixits 2>&1 | FileCheck %s --implicit-check-not='{{warning|error|note}}:'
#include <weft/weft.hpp>
long value(long i);
void run(long n) {
    long lo = 0, hi = 0, sum = 0;
#pragma weft distributed reduce(+:sum, lo, sum)
    // CHECK: reduce_several_errors.cpp:[[@LINE-1]]:44: error: reduction variable 'sum' is listed twice in 'reduce(+:sum, lo, sum)'; list each variable once
    // CHECK: reduce_several_errors.cpp:[[@LINE-2]]:35: note: 'sum' is first listed here
    for (long i = 0; i < n; ++i) { sum += value(i); lo += i; }
#pragma weft distributed reduce(min:lo) reduce(max:hi) reduce(+:lo)
    // CHECK: reduce_several_errors.cpp:[[@LINE-1]]:65: error: reduction variable 'lo' appears in two reduce clauses, with 'min' and with '+'; a variable has one reduction operator: keep one clause, or reduce into a second variable and combine the two after the loop
    // CHECK: reduce_several_errors.cpp:[[@LINE-2]]:37: note: 'lo' is first listed here
    for (long i = 0; i < n; ++i) { lo = value(i) < lo ? value(i) : lo; hi = value(i) > hi ? value(i) : hi; }
#pragma weft distributed reduce(min:lo) reduce(maximum:hi) reduce(%:sum)
    // CHECK: reduce_several_errors.cpp:[[@LINE-1]]:48: error: incorrect reduction identifier 'maximum', expected one of '+', '-', '*', '&', '|', '^', '&&', '||', 'min', 'max' or the name of a function callable with two values of type 'long'; did you mean 'max'?
    // CHECK: fix-it:"{{.*}}reduce_several_errors.cpp":{[[@LINE-2]]:48-[[@LINE-2]]:55}:"max"
    // CHECK: reduce_several_errors.cpp:[[@LINE-3]]:67: error: incorrect reduction identifier '%', expected one of
    for (long i = 0; i < n; ++i) { lo = value(i) < lo ? value(i) : lo; hi = value(i) > hi ? value(i) : hi; sum %= i + 1; }
#pragma weft distributed reduce(+:sum,) reduce(max:hi lo)
    // CHECK: reduce_several_errors.cpp:[[@LINE-1]]:33: error: bad 'reduce(+:sum,)': write 'reduce(op:var)' or 'reduce(op:var, var...)' with op one of + - * min max & | ^ && || or the name of a function 'T f(T, T)'
    // CHECK: reduce_several_errors.cpp:[[@LINE-2]]:48: error: bad 'reduce(max:hi lo)': write
    for (long i = 0; i < n; ++i) { sum += i; hi = i; lo = i; }
#pragma weft distributed reduce(+:sum) reduce(+:undeclared, i)
    // CHECK: reduce_several_errors.cpp:[[@LINE-1]]:49: error: reduction variable 'undeclared' is not declared before the loop
    // CHECK: reduce_several_errors.cpp:[[@LINE-2]]:61: error: reduction variable 'i' is the loop variable
    for (long i = 0; i < n; ++i) sum += i;
}
