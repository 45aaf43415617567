// threadcall needs a call; nothing else can be sent to the threadcall pool.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <string>
int f(int);
void run(int x, std::string s) {
    // (pragma syntax is checked first, while the file is read)
#pragma weft threadcall schedule(static)
    // CHECK: errors.cpp:[[@LINE-1]]:25: error: unknown clause 'schedule' for '#pragma weft threadcall' (it takes no clauses)
    f(4);
#pragma weft threadcall
    auto y = x + 1;
    // CHECK: errors.cpp:[[@LINE-1]]:14: error: '#pragma weft threadcall' needs a function call: 'auto x = f(args);', 'x = f(args);' or 'f(args);'
#pragma weft threadcall
    s = s + "a";
    // CHECK: errors.cpp:[[@LINE-1]]:9: error: '#pragma weft threadcall' needs a function call
#pragma weft threadcall
    if (x) f(x);
    // CHECK: errors.cpp:[[@LINE-1]]:5: error: '#pragma weft threadcall' needs a function call
#pragma weft threadcall
    int a = f(1), b = f(2);
    // CHECK: errors.cpp:[[@LINE-1]]:5: error: '#pragma weft threadcall' needs exactly one variable: 'auto x = expr;'
#pragma weft threadcall
    int c{f(3)};
    // CHECK: errors.cpp:[[@LINE-1]]:9: error: '#pragma weft threadcall' needs the initializer written as 'x = expr'
    (void)y; (void)a; (void)b; (void)c;
}
