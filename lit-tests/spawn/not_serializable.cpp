// A captured variable whose type cannot be sent is an error naming the variable and type.
// RUN: not %weft-translate %s -o %t.cpp 2>&1 | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <mutex>
#include <vector>
int f(int);
int g(const std::mutex&);
int h(const int*);
int k(const std::vector<std::mutex*>&);
void run() {
    std::mutex mu;
    int x = 1;
    int* p = &x;
    std::vector<std::mutex*> ms;
#pragma weft spawn
    auto a = g(mu);
    // CHECK: not_serializable.cpp:[[@LINE-1]]:16: error: captured variable 'mu' has type 'std::mutex', which is not serializable
#pragma weft spawn
    auto b = h(p);
    // CHECK: not_serializable.cpp:[[@LINE-1]]:16: error: captured variable 'p' has type 'int *', which is not serializable: pointers are not sent between processes
#pragma weft fetch
    int c = k(ms);
    // CHECK: not_serializable.cpp:[[@LINE-1]]:15: error: captured variable 'ms' has type 'std::vector<std::mutex *>', which is not serializable
}
