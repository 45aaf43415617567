// fetch runs the expression somewhere and fetches its value: the type stays as written;
// on an assignment `x = e;` any x.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <vector>
double heavy(const std::vector<double>& v) { return v.size() * 1.5; }
int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::vector<double> x{1, 2};
#pragma weft fetch
    double v = heavy(x);
#pragma weft fetch
    v = heavy(x) + 1;
    return v > 0 ? 0 : 1;
}
// CHECK:     struct weft_closure_L12_C5 { std::vector<double> x{};
// CHECK:     double v = weft::remotecall_fetch(weft_closure_L12_C5{x}, weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}fetch.cpp", 11, 14, "#pragma weft fetch")));
// CHECK:     v = weft::remotecall_fetch(weft_closure_L14_C5{x}, weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}fetch.cpp", 13, 14, "#pragma weft fetch")));
