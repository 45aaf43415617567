// spawn prefers the process that owns a Future the expression fetches; a variable made by
// an earlier spawn is captured as the weft::Future it has become.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>

int twice(int x) { return 2 * x; }

int main(int argc, char** argv) {
    weft::init(argc, argv);
    int x = 21;
#pragma weft spawn
    auto r = twice(x);
#pragma weft spawn
    auto s = 1 + weft::fetch(r);
    return weft::fetch(s) == 43 ? 0 : 1;
}
// CHECK:     struct weft_closure_L15_C5 { weft::Future<int> r{};
// CHECK:     auto s = weft::spawnat(weft::detail::ProcAt(weft::detail::choose_proc({r.where()}), weft::CallSite("{{.*}}prefers_owner.cpp", 14, 14, "#pragma weft spawn")), weft_closure_L15_C5{r});
