// Uses the installed weft package: spawn, fetchfrom and everywhere, with a local header.
#include <weft/weft.hpp>

#include <cstdio>

#include "square.hpp"

// The target's C++ standard and compile options reach the translator too.
#if OUTSIDE_CXX_STANDARD == 23
static_assert(__cplusplus > 202002L, "parsed as C++23 (CMAKE_CXX_STANDARD 23)");
#else
static_assert(__cplusplus >= 202002L, "C++20 at least, from weft::runtime's compile feature");
#endif
static_assert(static_cast<char>(-1) > 0, "parsed with -funsigned-char");

int main(int argc, char** argv) {
    weft::init(argc, argv);
    int x = 7;
#pragma weft spawn
    auto a = square(x);
#pragma weft fetchfrom(weft::workers().front())
    int where = weft::myid();
    std::printf("%s: square=%d remote=%d\n", OUTSIDE_GREETING, weft::fetch(a), where != 1);
    return 0;
}
