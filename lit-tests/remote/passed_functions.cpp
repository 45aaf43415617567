// Functions passed by name to weft's remote-call API are registered automatically; a
// template instantiation or overload with WEFT_REMOTE_AS; each function once.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
int count_heads(int n) { return n / 2; }
template <class T> T square(T x) { return x * x; }
namespace ns { void hello() {} }
int main(int argc, char** argv) {
    weft::init(argc, argv);
    auto a = weft::remotecall(count_heads, 2, 10);
    int b = weft::remotecall_fetch(&square<int>, 2, 3);
    weft::remote_do(ns::hello, 2);
    weft::remotecall_wait(count_heads, 2, 1);
#pragma weft sync
    {
        weft::spawnat(2, ns::hello);
    }
    return weft::fetch(a) + b > 0 ? 0 : 1;
}
// CHECK: // weft-translate: functions registered for remote calls
// CHECK-NEXT: WEFT_REMOTE(count_heads)
// CHECK-NEXT: WEFT_REMOTE_AS(weft_fn_square_int__int_____int_, static_cast<int (*)(int)>(&square<int>))
// CHECK-NEXT: WEFT_REMOTE(ns::hello)
// CHECK-NOT: WEFT_REMOTE
