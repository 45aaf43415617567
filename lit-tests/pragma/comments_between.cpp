// Comments and other preprocessor lines may stand between a pragma and its statement.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
#include <weft/weft.hpp>
int f(int);
void run(int x) {
#pragma weft spawn  // fire and forget
    // the call:
#if 1
    f(x);
#endif
}
// CHECK:     weft::spawnat(weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}comments_between.cpp", 6, 14, "#pragma weft spawn")), weft_closure_L9_C5{x});
