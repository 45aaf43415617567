// A file that does not compile gets clang's own error, exit 1, and no output.
// RUN: rm -f %t.cpp
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s
// RUN: not test -e %t.cpp
int f(int);
void run() {
#pragma weft spawn
    f(undeclared_variable);
    // CHECK: compile_error.cpp:[[@LINE-1]]:7: error: use of undeclared identifier 'undeclared_variable'
}
