// A function called in template form but registered nowhere in the program: the link
// fails, naming the function and this file's line (test/e2e: link_fail.unregistered_function).
#include <weft/weft.hpp>

int count_heads(long n) { return static_cast<int>(n / 2); }

int main(int argc, char** argv) {
    weft::init(argc, argv);
    return weft::remotecall_fetch<count_heads>(weft::any, 1000L) == 500 ? 0 : 1;
}
