// everywhere does not see the caller's locals unless capture(...) lists them (Julia's $x).
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
void set(int);
int g;
void run(int n) {
#pragma weft everywhere
    set(n);
    // CHECK: local_needs_capture.cpp:[[@LINE-1]]:9: error: '#pragma weft everywhere' runs on every process, where local variable 'n' does not exist; list it in capture(n) to send its value
#pragma weft everywhere capture(g, n, m)
    // CHECK: local_needs_capture.cpp:[[@LINE-1]]:39: warning: capture(m): the statement does not use 'm'
    set(n + g);
#pragma weft everywhere
    int local = 3;
    // CHECK: local_needs_capture.cpp:[[@LINE-1]]:5: error: '#pragma weft everywhere' before a local declaration: the variable would exist only inside the generated function
#pragma weft everywhere
    { if (true) return; }
    // CHECK: local_needs_capture.cpp:[[@LINE-1]]:17: error: 'return' cannot leave the statement under '#pragma weft everywhere': it runs in a generated function
}
