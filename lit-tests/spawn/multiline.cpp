// A statement over several lines: operator() keeps the expression's lines (#line), and
// the code after the statement is back on its own line numbers.
// RUN: %weft-translate-only %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// RUN: %weft-translate-only %s -o %t.cpp && not %cxx %cxxflags -fsyntax-only %t.cpp 2>&1 | FileCheck %s --check-prefix=CXX
#include <weft/weft.hpp>
int add(int a, int b) { return a + b; }
void run(int a, int b) {
#pragma weft spawn
    auto r =
        add(a,
            b);
    int after = r;
}
// CHECK:     struct weft_closure_L9_C5 { int a{}; int b{};
// CHECK-NEXT: #line 10 "{{.*}}multiline.cpp"
// CHECK-NEXT:       auto operator()() { return add(a,
// CHECK-NEXT:             b); }
// CHECK-NEXT: #line 9 "{{.*}}multiline.cpp"
// CHECK-NEXT:       void serialize{{.*}}
// CHECK-NEXT: #line 9 "{{.*}}multiline.cpp"
// CHECK-NEXT:     auto r = weft::spawnat(weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}multiline.cpp", 8, 14, "#pragma weft spawn")), weft_closure_L9_C5{a, b});
// CHECK-NEXT: #line 11 "{{.*}}multiline.cpp"
// CHECK-EMPTY:
// CHECK-NEXT:     int after = r;
// CXX: multiline.cpp:12:{{[0-9]+}}: {{error}}: {{cannot convert|no viable conversion}} {{.*}}
