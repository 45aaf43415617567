// An expression statement is fired: weft::spawnat(...); the enclosing sync keeps the Future.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
#include <weft/weft.hpp>

void do_side_effect(int x);

void run(int x) {
#pragma weft spawn
    do_side_effect(x);
}
// CHECK:     struct weft_closure_L9_C5 { int x{};
// CHECK-NEXT: #line 9 "{{.*}}expression_statement.cpp"
// CHECK-NEXT:       auto operator()() { return do_side_effect(x); }
// CHECK: {{^}}    weft::spawnat(weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}expression_statement.cpp", 8, 14, "#pragma weft spawn")), weft_closure_L9_C5{x});
