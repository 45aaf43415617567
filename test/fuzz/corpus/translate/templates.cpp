#include <weft/weft.hpp>
template <class T> struct Box { static T twice(T x) { return x + x; } };
template <class T>
T run(T v) {
#pragma weft fetch
    T r = Box<T>::twice(v);
#pragma weft threads
    for (int i = 0; i < 4; ++i) { (void)i; }
    return r;
}
struct S {
#pragma weft remote
    static int f(int x) { return x; }
};
int main() { return run(1) + run(2.0) > 0 ? 0 : 1; }
