// spawn turns the variable into a weft::Future: an explicit type is an error with a fix-it.
// RUN: not %weft-translate %s -o %t.cpp -- -fdiagnostics-parseable-fixits 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int f(int);
void g(int x) {
#pragma weft spawn
    int a = f(x);
    // CHECK: needs_auto.cpp:[[@LINE-1]]:9: error: '#pragma weft spawn' needs a variable declared 'auto': it becomes a weft::Future
    // CHECK: fix-it:"{{.*}}needs_auto.cpp":{[[@LINE-2]]:5-[[@LINE-2]]:8}:"auto"
}
