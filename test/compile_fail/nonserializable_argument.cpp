// A non-serializable argument must be a compile error that names the type.
#include <weft/weft.hpp>

struct HoldsAFileHandle {
    int fd;
};
int use(HoldsAFileHandle h) { return h.fd; }
WEFT_REMOTE(use)

int main(int argc, char** argv) {
    weft::init(argc, argv);
    return weft::remotecall_fetch(use, 2, HoldsAFileHandle{3});
}
