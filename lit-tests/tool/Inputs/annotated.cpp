#include <weft/weft.hpp>
#ifndef WEFT_TEST_VALUE
#define WEFT_TEST_VALUE 1
#endif
int twice(int x) { return 2 * x; }
int main(int argc, char** argv) {
    weft::init(argc, argv);
    int value = WEFT_TEST_VALUE;
#pragma weft spawn
    auto a = twice(value);
    return weft::fetch(a) == 2 * WEFT_TEST_VALUE ? 0 : 1;
}
