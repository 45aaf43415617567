#include <weft/weft.hpp>
int f(int);
int main() {
#pragma weft sync
    for (int i = 0; i < 3; ++i) {
#pragma weft async
        {
#pragma weft fetch
            int a = f(i);
#pragma weft spawn
            auto b = f(a);
            (void)weft::fetch(b);
        }
    }
    auto l = [&](int z) {
#pragma weft fetch
        int q = f(z);
        return q;
    };
    return l(1);
}
