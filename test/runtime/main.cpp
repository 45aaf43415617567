// test/runtime/main.cpp — the main of every runtime test binary: weft::init first (a
// worker started by a test becomes a worker here and never returns), then the tests.
#include <gtest/gtest.h>

#include <weft/weft.hpp>

int main(int argc, char** argv) {
    weft::init(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
