// test/cluster/mpi_sum_of_ranks.cpp — MPI and weft in one program under mpiexec (the
// seed's example): every rank joins an MPI_Reduce of its rank, then weft::init makes rank
// 0 process 1 and the other ranks its workers; rank 0 makes remote calls; the workers
// finalize MPI when the master lets them go (std::exit runs the atexit handler).
#include <mpi.h>

#include <cstdio>
#include <cstdlib>

#include <weft/weft.hpp>

int square(int x) { return x * x; }
WEFT_REMOTE(square)

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    std::atexit([] { MPI_Finalize(); });
    int rank = 0, size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int sr = 0;
    MPI_Reduce(&rank, &sr, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) std::printf("sum of ranks: %d\n", sr);
    weft::init(argc, argv);  // ranks > 0 serve here until rank 0 is done
    int total = 0;
    for (int w : weft::workers()) total += weft::remotecall_fetch(square, w, w);
    std::printf("nprocs=%d sum of squares of worker ids: %d\n", weft::nprocs(), total);
    return 0;
}
