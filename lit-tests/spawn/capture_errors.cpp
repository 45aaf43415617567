// More captures that cannot be sent: C arrays, structs with a member that cannot be
// sent, local tasks.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <weft/weft.hpp>
#include <mutex>
struct Guarded { int value; std::mutex* lock; };
int f(const int*);
int g(const Guarded&);
int h(int);
void run() {
    int arr[3] = {1, 2, 3};
    Guarded gd{1, nullptr};
#pragma weft spawn
    auto a = f(arr);
    // CHECK: capture_errors.cpp:[[@LINE-1]]:16: error: captured variable 'arr' is a C array ('int[3]'); use std::array or std::vector
#pragma weft spawn
    auto b = g(gd);
    // CHECK: capture_errors.cpp:[[@LINE-1]]:16: error: captured variable 'gd' has type 'Guarded', which is not serializable, because member 'lock' has type 'std::mutex *': pointers are not sent between processes
#pragma weft async
    auto t = h(1);
#pragma weft spawn
    auto c = h(weft::fetch(t));
    // CHECK: capture_errors.cpp:[[@LINE-1]]:28: error: captured variable 't' has type 'weft::Task<...>', which is not serializable: a local task cannot be sent
}
