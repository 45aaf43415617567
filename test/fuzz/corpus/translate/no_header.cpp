// Without <weft/weft.hpp>: the cheapest inputs, where most of the pragma parsing is.
int f(int);
void g(int n) {
#pragma weft spawn
    auto a = f(n);
#pragma weft threads reduce(+:n)
    for (int i = 0; i < 10; ++i) n += i;
#pragma weft spawnat(any) capture(n)
    auto b = f(n + 1);
}
