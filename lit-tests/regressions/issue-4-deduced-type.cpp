// A captured `auto` variable is named by its deduced type, qualified once
// (printing the `auto` sugar gave `std::std::vector<double>`).
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <vector>
std::vector<double> make(int n) { return std::vector<double>(n); }
double sum(const std::vector<double>& v) { return v.size(); }
int main(int argc, char** argv) {
    weft::init(argc, argv);
    auto m = make(3);
#pragma weft spawnat(2)
    auto r = make(4);
#pragma weft fetch
    double s = sum(m) + sum(weft::fetch(r));
    return s > 0 ? 0 : 1;
}
// CHECK:     struct weft_closure_L15_C5 { std::vector<double> m{}; weft::Future<std::vector<double>> r{};
