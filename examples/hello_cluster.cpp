// examples/hello_cluster.cpp — every process says hello; run it with workers started by
// WEFT_PROCS or weftrun:  weftrun -p 3 ./hello_cluster
#include <cstdio>
#include <string>

#include <weft/weft.hpp>

std::string hello() { return "hello from process " + std::to_string(weft::myid()); }
WEFT_REMOTE(hello)

int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::printf("nprocs=%d nworkers=%d\n", weft::nprocs(), weft::nworkers());
    for (int p : weft::procs()) std::printf("%s\n", weft::remotecall_fetch(hello, p).c_str());
    return 0;
}
