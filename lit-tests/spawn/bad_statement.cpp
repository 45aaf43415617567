// spawn needs `auto x = e;`, `x = e;` with x a Future, or an expression statement.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <weft/weft.hpp>
int f(int);
void run(int x) {
    int y = 0;
#pragma weft spawn
    if (x) f(x);
    // CHECK: bad_statement.cpp:[[@LINE-1]]:5: error: '#pragma weft spawn' needs a declaration 'auto x = expr;', an assignment 'x = expr;' or an expression statement
#pragma weft spawn
    y = f(x);
    // CHECK: bad_statement.cpp:[[@LINE-1]]:5: error: '#pragma weft spawn' on an assignment needs a left-hand side of type weft::Future<T>, not 'int'
#pragma weft spawn
    auto a = f(x), b = f(y);
    // CHECK: bad_statement.cpp:[[@LINE-1]]:5: error: '#pragma weft spawn' needs exactly one variable: 'auto x = expr;'
#pragma weft spawn
    auto c{f(x)};
    // CHECK: bad_statement.cpp:[[@LINE-1]]:10: error: '#pragma weft spawn' needs the initializer written as 'x = expr'
#pragma weft spawn
    int arr[2] = {1, 2};
    // CHECK: bad_statement.cpp:[[@LINE-1]]:9: error: '#pragma weft spawn' needs a variable declared 'auto': it becomes a weft::Future
}
