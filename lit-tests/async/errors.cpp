// async: an explicit type is an error with a fix-it; jumps cannot leave the task.
// RUN: not %weft-translate %s -o %t.cpp -- -fdiagnostics-parseable-fixits 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int compute(int);
int run(int x) {
#pragma weft async
    int t = compute(x);
    // CHECK: errors.cpp:[[@LINE-1]]:9: error: '#pragma weft async' needs a variable declared 'auto': it becomes a weft::Task
    // CHECK: fix-it:"{{.*}}errors.cpp":{[[@LINE-2]]:5-[[@LINE-2]]:8}:"auto"
    while (x--) {
#pragma weft async
        if (x == 3) break;
        // CHECK: errors.cpp:[[@LINE-1]]:21: error: 'break' cannot leave the statement under '#pragma weft async': it runs in a generated function
    }
    return t;
}
