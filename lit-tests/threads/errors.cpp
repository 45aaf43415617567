// threads: every misuse is an error at the coordinates of what is wrong.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int f(int);
int g(int a, int b);
void run(int n, int* a, double x) {
#pragma weft threads
    while (n--) a[n] = 0;
    // CHECK: errors.cpp:[[@LINE-1]]:5: error: '#pragma weft threads' needs a 'for' loop over an integer range, 'for (T i = first; i < last; ++i)'
    int j = 0;
#pragma weft threads
    for (j = 0; j < n; ++j) a[j] = 0;
    // CHECK: errors.cpp:[[@LINE-1]]:10: error: '#pragma weft threads' needs the loop to declare one integer variable: 'for (T i = first; ...)'
#pragma weft threads
    for (double d = 0; d < x; ++d) a[0] = 1;
    // CHECK: errors.cpp:[[@LINE-1]]:17: error: loop variable 'd' has type 'double'; '#pragma weft threads' needs an integer type
#pragma weft threads
    for (int i = 0; i != n; ++i) a[i] = 0;
    // CHECK: errors.cpp:[[@LINE-1]]:21: error: '#pragma weft threads' needs the loop condition 'i < last' or 'i <= last'
#pragma weft threads
    for (int i = 0; i < n; i += 2) a[i] = 0;
    // CHECK: errors.cpp:[[@LINE-1]]:28: error: '#pragma weft threads' needs the loop increment '++i', 'i++' or 'i += 1', not this one
#pragma weft threads
    for (int i = 0; i < n; --i) a[i] = 0;
    // CHECK: errors.cpp:[[@LINE-1]]:28: error: '#pragma weft threads' needs the loop increment '++i', 'i++' or 'i += 1', not this one
#pragma weft threads
    for (int i = 0; i < n; ++i) { a[i] = 0; i += 1; }
    // CHECK: errors.cpp:[[@LINE-1]]:47: error: loop variable 'i' is modified inside the loop under '#pragma weft threads'; the iterations are handed out in advance
#pragma weft threads
    for (int i = 0; i < n; ++i) {
        if (a[i] < 0) break;
        // CHECK: errors.cpp:[[@LINE-1]]:23: error: 'break' cannot leave the statement under '#pragma weft threads': it runs in a generated function
        if (a[i] > 9) return;
        // CHECK: errors.cpp:[[@LINE-1]]:23: error: 'return' cannot leave the statement under '#pragma weft threads': it runs in a generated function
        while (a[i] == 3) continue;  // fine: the inner loop's
        for (int k = 0; k < 3; ++k)
            if (k == a[i]) break;  // fine: stays in the inner loop
    }
#pragma weft threads schedule(guided)
    // CHECK: errors.cpp:[[@LINE-1]]:31: error: bad 'schedule(guided)': use 'schedule(static)', 'schedule(dynamic)' or 'schedule(dynamic, <chunk>)'
    for (int i = 0; i < n; ++i) a[i] = 0;
#pragma weft threads schedule(static, 4)
    // CHECK: errors.cpp:[[@LINE-1]]:31: error: bad 'schedule(static, 4)': use
    for (int i = 0; i < n; ++i) a[i] = 0;
#pragma weft threads schedule(dynamic,)
    // CHECK: errors.cpp:[[@LINE-1]]:31: error: bad 'schedule(dynamic,)': use
    for (int i = 0; i < n; ++i) a[i] = 0;
    long s = 0;
#pragma weft threads reduce(s)
    // CHECK: errors.cpp:[[@LINE-1]]:29: error: bad 'reduce(s)': write 'reduce(op:var)' or 'reduce(op:var, var...)' with op one of + - * min max & | ^ && || or the name of a function 'T f(T, T)'
    for (int i = 0; i < n; ++i) s += a[i];
#pragma weft threads reduce(-=:s)
    // CHECK: errors.cpp:[[@LINE-1]]:29: error: incorrect reduction identifier '-=', expected one of '+', '-', '*', '&', '|', '^', '&&', '||', 'min', 'max' or the name of a function callable with two values of type 'long'
    for (int i = 0; i < n; ++i) s -= a[i];
#pragma weft threads reduce(+:total)
    // CHECK: errors.cpp:[[@LINE-1]]:31: error: reduction variable 'total' is not declared before the loop
    for (int i = 0; i < n; ++i) s += a[i];
#pragma weft threads reduce(+: i)
    // CHECK: errors.cpp:[[@LINE-1]]:32: error: reduction variable 'i' is the loop variable
    for (int i = 0; i < n; ++i) s += a[i];
#pragma weft threads reduce(g:s)
    // CHECK: errors.cpp:[[@LINE-1]]:31: warning: reduction variable 's' is not used in the loop
    for (int i = 0; i < n; ++i) a[i] = f(i);
#pragma weft threads
    int k = 0;
    // CHECK: errors.cpp:[[@LINE-1]]:5: error: '#pragma weft threads' needs a 'for' loop over an integer range
}
