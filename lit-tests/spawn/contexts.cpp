// Closures work inside function templates (dependent types via decltype), lambdas,
// generic lambdas, static member functions and namespaces; the output compiles.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <vector>

namespace physics {
template <class T>
T square(T x) { return x * x; }

template <class T>
T sum_squares(const std::vector<T>& v) {
    T total{};
    for (const T& x : v) {
#pragma weft fetch
        T y = square(x);
        total += y;
    }
    return total;
}

struct Grid {
    static int cells(int n) {
        int m = n + 1;
#pragma weft fetch
        int c = m * m;
        return c;
    }
};
}  // namespace physics

int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::vector<double> v{1, 2, 3};
    int k = 3;
    auto inner = [k](int j) {
#pragma weft fetch
        int r = k + j;
        return r;
    };
    auto generic = [](auto z) {
#pragma weft spawn
        auto f = z + 1;
        return weft::fetch(f);
    };
    double s = physics::sum_squares(v);
    return (s == 14 && inner(1) == 4 && generic(1) == 2 && physics::Grid::cells(1) == 4) ? 0 : 1;
}
// CHECK:         struct weft_closure_L17_C9 { T x{};
// CHECK:         T y = weft::remotecall_fetch(weft_closure_L17_C9{x}, weft::detail::ProcAt(weft::detail::choose_proc({}), weft::CallSite("{{.*}}contexts.cpp", 16, 14, "#pragma weft fetch")));
// CHECK:         struct weft_closure_L27_C9 { int m{};
// CHECK:         struct weft_closure_L39_C9 { int k{}; int j{};
// CHECK:         using weft_closure_L44_C9_z_t = std::remove_cvref_t<decltype(z)>; struct weft_closure_L44_C9 { weft_closure_L44_C9_z_t z{};
