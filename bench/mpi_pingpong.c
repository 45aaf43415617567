/* bench/mpi_pingpong.c (issue 19): the MPI baseline for weft's small-call latency — an
 * 8-byte MPI_Send/MPI_Recv ping-pong between ranks 0 and 1 of one host, as an MPI user's
 * program would; and the machine's copy rate (one memcpy of 32 MiB, the bound for a
 * 32 MiB echo on one host). Built and run by bench/run_transport.sh with MPICH's mpicc
 * and mpiexec (not by CMake: MPI is not a dependency of weft).
 *   mpiexec -n 2 mpi_pingpong [iters]
 * Prints `@base mpi_pingpong_us <median µs>`, `@base memcpy_32MiB_GBps <GB/s>` and
 * `@base cma_32MiB_GBps <GB/s>`: one process_vm_readv of 32 MiB, the copy UCX's CMA
 * transport makes for a big message between two processes of one host (the bound for an
 * array that is not in shared memory already). */
#define _GNU_SOURCE
#include <mpi.h>
#include <sys/uio.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static int cmp(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int iters = argc > 1 ? atoi(argv[1]) : 20000, warm = iters / 10;
    double* rt = malloc(sizeof(double) * (size_t)iters);
    long msg = 0;
    for (int i = -warm; i < iters; ++i) {
        double t0 = now();
        if (rank == 0) {
            MPI_Send(&msg, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&msg, 1, MPI_LONG, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&msg, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            ++msg;
            MPI_Send(&msg, 1, MPI_LONG, 0, 0, MPI_COMM_WORLD);
        }
        if (i >= 0) rt[i] = now() - t0;
    }
    if (rank == 0) {
        qsort(rt, (size_t)iters, sizeof(double), cmp);
        printf("@base mpi_pingpong_us %.3f\n", 1e6 * rt[iters / 2]);
        const size_t n = (size_t)32 << 20;
        char *a = malloc(n), *b = malloc(n);
        memset(a, 1, n);
        memset(b, 2, n);
        double best = 1e9;
        for (int r = 0; r < 20; ++r) {
            double t0 = now();
            memcpy(r % 2 ? a : b, r % 2 ? b : a, n);
            double t = now() - t0;
            if (t < best) best = t;
        }
        printf("@base memcpy_32MiB_GBps %.3f (check %d)\n", (double)n / best / 1e9, a[n / 2] + b[n / 3]);
        best = 1e9;
        for (int r = 0; r < 20; ++r) {
            struct iovec to = {r % 2 ? a : b, n}, from = {r % 2 ? b : a, n};
            double t0 = now();
            if (process_vm_readv(getpid(), &to, 1, &from, 1, 0) != (ssize_t)n) break;
            double t = now() - t0;
            if (t < best) best = t;
        }
        if (best < 1e9) printf("@base cma_32MiB_GBps %.3f\n", (double)n / best / 1e9);
        free(a);
        free(b);
    }
    free(rt);
    MPI_Finalize();
    return 0;
}
