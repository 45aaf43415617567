// A non-serializable result must be a compile error that names the type.
#include <weft/weft.hpp>

struct Opaque {
    void* p;
};
Opaque make() { return Opaque{nullptr}; }
WEFT_REMOTE(make)

int main(int argc, char** argv) {
    weft::init(argc, argv);
    auto f = weft::remotecall(make, 2);
    return 0;
}
