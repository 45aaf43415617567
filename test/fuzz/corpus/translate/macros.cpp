#include <weft/weft.hpp>
#define SPAWN _Pragma("weft spawn")
#define LOOP(n) for (long i = 0; i < (n); ++i)
int f(long);
int main() {
    long total = 0;
    SPAWN
    auto x = f(1);
#pragma weft distributed reduce(+:total)
    LOOP(10) total += f(i);
#pragma weft fetch
    int y = f(total);
    return weft::fetch(x) + y;
}
