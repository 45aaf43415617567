// spawnat(p) runs on process p: any integer expression, or `any` (weft::any).
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
int twice(int x) { return 2 * x; }
int main(int argc, char** argv) {
    weft::init(argc, argv);
    int x = 1;
    auto ws = weft::workers();
#pragma weft spawnat(2)
    auto a = twice(x);
#pragma weft spawnat(ws.back())
    auto b = twice(x);
#pragma weft spawnat(any)
    auto c = 1 + weft::fetch(a);
    return weft::fetch(b) + weft::fetch(c) > 0 ? 0 : 1;
}
// CHECK:     auto a = weft::spawnat(weft::detail::ProcAt((2), weft::CallSite("{{.*}}spawnat.cpp", 10, 14, "#pragma weft spawnat")), weft_closure_L11_C5{x});
// CHECK:     auto b = weft::spawnat(weft::detail::ProcAt((ws.back()), weft::CallSite("{{.*}}spawnat.cpp", 12, 14, "#pragma weft spawnat")), weft_closure_L13_C5{x});
// CHECK:     struct weft_closure_L15_C5 { weft::Future<int> a{};
// CHECK:     auto c = weft::spawnat(weft::detail::ProcAt(weft::any, weft::CallSite("{{.*}}spawnat.cpp", 14, 14, "#pragma weft spawnat")), weft_closure_L15_C5{a});
