// Julia keeps the bindings a task uses alive: variables declared inside the enclosing
// sync statement (gone when sync waits) are captured by value, the rest by reference;
// without a sync around it, those declared inside the enclosing loops.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <vector>
int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::vector<int> out(16);
#pragma weft sync
    for (int i = 0; i < 4; ++i) {
        int base = 4 * i;
        for (int j = 0; j < 4; ++j) {
#pragma weft async
            out[base + j] = i * j;
        }
    }
    for (int i = 0; i < 4; ++i) {
        int k = i * 2;
#pragma weft sync
        {
#pragma weft async
            out[i] = k;
        }
    }
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
#pragma weft async
            out[j] = i;
        }
}
// CHECK:             weft::async([&, base, j, i]() mutable { out[base + j] = i * j; });
// CHECK:             weft::async([&] { out[i] = k; });
// CHECK:             weft::async([&, j, i]() mutable { out[j] = i; });
