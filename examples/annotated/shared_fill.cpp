// The seed manual's SharedArray loop, annotated for weft-translate:
//   a = SharedArray{Float64}(10)
//   @sync @distributed for i = 1:10  a[i] = i  end
// The non-reducing loop is asynchronous: the sync block waits for it; the workers write
// straight into the shared memory, so the caller sees every element. Compiled without
// translation the loop runs serially and prints the same.
// Run with workers: WEFT_PROCS=2 ./annotated_shared_fill
#include <weft/weft.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    weft::init(argc, argv);
    weft::SharedArray<double, 1> a({10});
#pragma weft sync
    {
#pragma weft distributed
        for (long i = 0; i < 10; ++i) a[i] = static_cast<double>(i + 1);
    }
    std::printf("a:");
    for (long i = 0; i < 10; ++i) std::printf(" %g", a[i]);
    std::printf("\n");
    return 0;
}
