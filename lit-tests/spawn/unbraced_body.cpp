// The body of an unbraced loop stays one statement: the rewrite is put in braces.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
void work(int i);
void run() {
    for (int i = 0; i < 4; ++i)
#pragma weft spawn
        work(i);
}
// CHECK:         { struct weft_closure_L9_C9 { int i{};
// CHECK:         weft::spawnat(weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}unbraced_body.cpp", 8, 14, "#pragma weft spawn")), weft_closure_L9_C9{i}); }
