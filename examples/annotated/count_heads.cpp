// The seed manual's first examples, annotated for weft-translate: count heads with
// `spawn` + `fetch`, a random matrix made with `spawnat` and summed with `fetch`, and a
// function defined `everywhere`. Run with workers: WEFT_PROCS=2 ./annotated_count_heads
// Compiled without translation it runs serially and prints the same results. Which process
// computed what goes to stderr (a worker's lines arrive as "From worker N: ...").
#include <weft/weft.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

// A deterministic coin, so that every build prints the same numbers.
#pragma weft everywhere
int count_heads(long n, std::uint64_t seed) {
    std::uint64_t x = seed;
    int heads = 0;
    for (long i = 0; i < n; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        heads += static_cast<int>(x >> 63);
    }
    std::fprintf(stderr, "process %d: count_heads(%ld, seed %llu) = %d\n", weft::myid(), n,
                 static_cast<unsigned long long>(seed), heads);
    return heads;
}

std::vector<double> rand_matrix(int rows, int cols, std::uint64_t seed) {
    std::vector<double> m(static_cast<std::size_t>(rows) * cols);
    for (double& e : m) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        e = static_cast<double>(seed >> 11) / 9007199254740992.0;  // [0, 1)
    }
    return m;
}

double sum(const std::vector<double>& m) {
    double s = 0;
    for (double e : m) s += e;
    std::fprintf(stderr, "process %d: sum of %zu numbers\n", weft::myid(), m.size());
    return s;
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::fprintf(stderr, "%d process(es): the master (process 1)", weft::nprocs());
    for (int w : weft::workers())
        if (w != 1) std::fprintf(stderr, ", worker %d", w);
    std::fprintf(stderr, "\n");
    long n = 20000000;

    // Julia: a = @spawn count_heads(n); b = @spawn count_heads(n); fetch(a) + fetch(b)
#pragma weft spawn
    auto a = count_heads(n, 1);
#pragma weft spawn
    auto b = count_heads(n, 2);
    std::printf("heads: %d of %ld\n", weft::fetch(a) + weft::fetch(b), 2 * n);

    // Julia: r = @spawnat 2 rand(100, 100); s = @spawnat 2 1 .+ fetch(r)
    int rows = 100, cols = 100;
#pragma weft spawnat(weft::workers().front())
    auto r = rand_matrix(rows, cols, 42);
#pragma weft spawnat(weft::workers().front())
    auto s = sum(weft::fetch(r)) + rows * cols;
    std::printf("sum of 1 .+ r: %.6f\n", weft::fetch(s));

    // Julia: @fetch over the workers
    double total = 0;
    for (int k = 0; k < 4; ++k) {
#pragma weft fetch
        double part = sum(rand_matrix(10, 10, 100 + k));
        total += part;
    }
    std::printf("fetched parts: %.6f\n", total);
    return 0;
}
