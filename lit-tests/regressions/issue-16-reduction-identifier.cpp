// issue 16: 'reduce(plus:s)' passed the translator and g++ failed at column 116 inside
// the generated code. A reduction operator is now checked at the pragma, as clang's
// OpenMP does: one of + - * & | ^ && || min max on a variable of a type it applies to,
// or a function callable with two values of the variable's type. The error is at the
// operator, with a fix-it when a built-in operator was meant.
// RUN: not %weft-translate %s -o %t.cpp --extra-arg=-fdiagnostics-parseable-fixits 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <string>
long pick(long a, long b);
int shorten(const std::string& a);
void run(long n) {
    long s = 0;
    double d = 0;
    std::string text;
#pragma weft sync
    {
#pragma weft distributed reduce(plus:s)
        // CHECK: issue-16-reduction-identifier.cpp:[[@LINE-1]]:33: error: incorrect reduction identifier 'plus', expected one of '+', '-', '*', '&', '|', '^', '&&', '||', 'min', 'max' or the name of a function callable with two values of type 'long'; did you mean '+'?
        // CHECK: fix-it:"{{.*}}issue-16-reduction-identifier.cpp":{[[@LINE-2]]:33-[[@LINE-2]]:37}:"+"
        for (long i = 0; i < n; ++i) s += i;
    }
#pragma weft threads reduce(combine:s)
    // CHECK: issue-16-reduction-identifier.cpp:[[@LINE-1]]:29: error: incorrect reduction identifier 'combine', expected one of '+', '-', '*', '&', '|', '^', '&&', '||', 'min', 'max' or the name of a function callable with two values of type 'long'{{$}}
    for (long i = 0; i < n; ++i) s += i;
#pragma weft threads reduce(&:d)
    // CHECK: issue-16-reduction-identifier.cpp:[[@LINE-1]]:29: error: reduction operator '&' needs a variable of integer type; 'd' has type 'double'; reduce it with a function instead: 'reduce(f:d)' with 'double f(double, double)'
    for (long i = 0; i < n; ++i) d += 1;
#pragma weft threads reduce(+:text)
    // CHECK: issue-16-reduction-identifier.cpp:[[@LINE-1]]:29: error: reduction operator '+' needs a variable of arithmetic type, or of a class with 'operator+' and a constructor from an integer; 'text' has type 'std::string'; reduce it with a function instead: 'reduce(f:text)' with 'std::string f(std::string, std::string)'
    for (long i = 0; i < n; ++i) text += "x";
#pragma weft threads reduce(shorten:text)
    // CHECK: issue-16-reduction-identifier.cpp:[[@LINE-1]]:29: error: reduction function 'shorten' cannot be called with two values of type 'std::string' {{.*}}(the type of 'text'); it needs to be callable as 'shorten(text, text)' and return a value assignable to 'text'
    for (long i = 0; i < n; ++i) text += "x";
#pragma weft threads reduce(pick:d)
    for (long i = 0; i < n; ++i) d += 1;
}
