// fetchfrom(p) runs on p and fetches the value; the type stays as written.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
int main(int argc, char** argv) {
    weft::init(argc, argv);
#pragma weft fetchfrom(2)
    int id = weft::myid();
    return id == 2 ? 0 : 1;
}
// CHECK:     struct weft_closure_L8_C5 {
// CHECK-NEXT: #line 8 "{{.*}}fetchfrom.cpp"
// CHECK-NEXT:       auto operator()() { return weft::myid(); }
// CHECK-NEXT: #line 8 "{{.*}}fetchfrom.cpp"
// CHECK-NEXT:       void serialize(weft::OutArchive&) {} void serialize(weft::InArchive&) {} };
// CHECK-NEXT: #line 8 "{{.*}}fetchfrom.cpp"
// CHECK-NEXT:     int id = weft::remotecall_fetch(weft_closure_L8_C5{}, weft::detail::ProcAt((2), weft::CallSite("{{.*}}fetchfrom.cpp", 7, 14, "#pragma weft fetchfrom")));
