// everywhere before a statement: a closure with only the capture(...) variables, run on
// every process (or on procs(...)) and waited for.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <string>
int counter = 5;
void load_table(const std::string& name) {}
int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::string file = "data.bin";
    int start = 7;
#pragma weft everywhere
    load_table("data.bin");
#pragma weft everywhere procs(weft::workers())
    counter = 0;
#pragma weft everywhere capture(file, start)
    {
        load_table(file);
        counter = start;
    }
}
// CHECK:     struct weft_closure_L14_C5 {
// CHECK-NEXT: #line 14 "{{.*}}statement.cpp"
// CHECK-NEXT:       auto operator()() { load_table("data.bin"); }
// CHECK:     weft::everywhere(weft_closure_L14_C5{}, weft::CallSite("{{.*}}statement.cpp", 13, 14, "#pragma weft everywhere"));
// CHECK:     weft::everywhere((weft::workers()), weft_closure_L16_C5{}, weft::CallSite("{{.*}}statement.cpp", 15, 14, "#pragma weft everywhere"));
// CHECK:     struct weft_closure_L18_C5 { std::string file{}; int start{};
// CHECK-NEXT: #line 18 "{{.*}}statement.cpp"
// CHECK-NEXT:       auto operator()() { {
// CHECK-NEXT:         load_table(file);
// CHECK-NEXT:         counter = start;
// CHECK-NEXT:     } }
// CHECK:     weft::everywhere(weft_closure_L18_C5{file, start}, weft::CallSite("{{.*}}statement.cpp", 17, 14, "#pragma weft everywhere"));
