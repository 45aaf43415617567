// Built with `g++ pkgconfig_app.cpp $(pkg-config --cflags --libs weft)` against the
// installed package (install.pkgconfig) and run with 2 workers.
#include <weft/weft.hpp>

#include <cstdio>

int twice(int x) { return 2 * x; }
WEFT_REMOTE(twice)

int main(int argc, char** argv) {
    weft::init(argc, argv);
    auto f = weft::remotecall(twice, weft::workers().back(), 21);
    std::printf("pkg-config: %d from process %d of %d\n", weft::fetch(f), f.where(), weft::nprocs());
    return 0;
}
