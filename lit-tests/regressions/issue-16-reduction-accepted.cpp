// issue 16: what the reduction check accepts, translated and compiled: '-' (combined
// with +, as OpenMP's), a function found by name, one found beside the variable's type
// (argument-dependent lookup), a qualified name, one taking a type the variable converts
// to, + on a class with operator+ and a constructor from an integer (std::complex), and a
// variable of a dependent type (left to the compiler).
// RUN: %weft-translate %s -o - | FileCheck %s --implicit-check-not='{{warning|error}}:'
#include <weft/weft.hpp>

#include <complex>
long pick(long a, long b);
double widest(double a, double b);
namespace geo {
struct P {
    double x = 0;
    template <class A> void serialize(A& ar) { ar(x); }
};
P join(const P& a, const P& b);
}  // namespace geo
namespace util { long larger(long a, long b); }
template <class T> T total(const std::vector<T>& v) {
    T s{};
#pragma weft threads reduce(+:s)
    for (long i = 0; i < static_cast<long>(v.size()); ++i) s += v[i];
    return s;
}
void run(long n) {
    long s = 0, b = 0;
    float f = 0;
    geo::P p;
    std::complex<double> z;
#pragma weft threads reduce(-:s)
    for (long i = 0; i < n; ++i) s -= i;
#pragma weft threads reduce(pick:b)
    for (long i = 0; i < n; ++i) b = pick(b, i);
#pragma weft threads reduce(util::larger:b)
    for (long i = 0; i < n; ++i) b = util::larger(b, i);
#pragma weft threads reduce(+:z)
    for (long i = 0; i < n; ++i) z += std::complex<double>(0, 1);
#pragma weft threads reduce(widest:f)
    for (long i = 0; i < n; ++i) f += 1;
#pragma weft sync
    {
#pragma weft distributed reduce(join:p)
        for (long i = 0; i < n; ++i) p.x += 1;
#pragma weft distributed reduce(-:s)
        for (long i = 0; i < n; ++i) s -= i;
    }
}
// CHECK: { auto weft_op = std::plus<>{}; s = weft::threads::parallel_reduce(0, n, s, weft_op,{{.*}}
// CHECK: { auto weft_op = [](std::remove_cvref_t<decltype(p)> weft_a, std::remove_cvref_t<decltype(p)> weft_b) { return join(weft_a, weft_b); };{{.*}}
// CHECK: { auto weft_op = std::plus<>{}; auto weft_r{{.*}}
