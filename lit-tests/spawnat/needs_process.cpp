// spawnat and fetchfrom need a process; spawn and fetch take none.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
int f();
void run() {
#pragma weft spawnat
// CHECK: needs_process.cpp:[[@LINE-1]]:21: error: '#pragma weft spawnat' needs a process: 'spawnat(<process id>)' or 'spawnat(any)'
    f();
#pragma weft fetchfrom()
// CHECK: needs_process.cpp:[[@LINE-1]]:24: error: 'fetchfrom()' needs an argument
    f();
#pragma weft spawn(2)
// CHECK: needs_process.cpp:[[@LINE-1]]:19: error: '#pragma weft spawn' takes no argument
    f();
#pragma weft spawnat(f(
// CHECK: needs_process.cpp:[[@LINE-1]]:21: error: missing ')' in '#pragma weft spawnat'
    f();
}
