// `auto a = e;` becomes a closure type with by-value captures (types as clang resolved
// them) and `auto a = weft::spawnat(...)`, a weft::Future; the output compiles.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <string>
#include <vector>

int count_heads(long n, const std::vector<double>& v, const std::string& s) { return static_cast<int>(n + v.size() + s.size()); }

int main(int argc, char** argv) {
    weft::init(argc, argv);
    long n = 1000;
    std::vector<double> v{1.0, 2.0};
    const std::string& s = "x";
#pragma weft spawn
    auto a = count_heads(n, v, s);
    return weft::fetch(a) > 0 ? 0 : 1;
}
// CHECK: #include <weft/weft.hpp>
// CHECK-NEXT: #line 1 "{{.*}}auto_decl.cpp"
// CHECK: // #pragma weft spawn
// CHECK-NEXT:     struct weft_closure_L17_C5 { long n{}; std::vector<double> v{}; std::string s{};
// CHECK-NEXT: #line 17 "{{.*}}auto_decl.cpp"
// CHECK-NEXT:       auto operator()() { return count_heads(n, v, s); }
// CHECK-NEXT: #line 17 "{{.*}}auto_decl.cpp"
// CHECK-NEXT:       void serialize(weft::OutArchive& weft_ar) { weft_ar(n, v, s); } void serialize(weft::InArchive& weft_ar) { weft_ar(n, v, s); } };
// CHECK-NEXT: #line 17 "{{.*}}auto_decl.cpp"
// CHECK-NEXT:     auto a = weft::spawnat(weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}auto_decl.cpp", 16, 14, "#pragma weft spawn")), weft_closure_L17_C5{n, v, s});
// CHECK-NEXT:     return weft::fetch(a) > 0 ? 0 : 1;
