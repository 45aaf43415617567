#include <weft/weft.hpp>
#include <vector>
int twice(int x) { return 2 * x; }
#pragma weft remote
int add(int a, int b) { return a + b; }
#pragma weft everywhere
int helper(int x) { return x + 1; }
int main() {
    weft::addprocs(2);
    int k = 3;
    std::vector<double> v(100, 1.0);
#pragma weft spawn capture(k)
    auto a = twice(k);
#pragma weft spawnat(2)
    auto b = add(k, 1);
#pragma weft fetch
    int c = twice(k);
#pragma weft fetchfrom(2)
    int d = add(c, k);
#pragma weft everywhere procs(weft::workers())
    helper(k);
    double s = 0;
#pragma weft distributed reduce(+:s)
    for (long i = 0; i < 100; ++i) s += i;
#pragma weft sync
    {
#pragma weft async
        twice(1);
    }
#pragma weft threads schedule(dynamic, 8) reduce(max:s)
    for (long i = 0; i < 100; ++i) s = v[i] > s ? v[i] : s;
#pragma weft threadcall
    int e = twice(d);
    return weft::fetch(a) + weft::fetch(b) + c + e > 0 ? 0 : 1;
}
