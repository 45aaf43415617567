// bench_soak_futures (issue 17): growth over many Futures. Does N fetch(remotecall(...))
// to 2 local workers (default 250,000) and prints the master's RSS at the start, the
// middle and the end, with the size of the caller's handle table
// (weft::debug::held_refs) and what the owners still store (weft::debug::stored_refs).
// A figure, not a test: docs/performance.md records it; the tests that the tables return
// to zero are in test/runtime/future_test.cpp.
//
//   bench_soak_futures [--n=N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <weft/weft.hpp>

int soak_inc(int x) { return x + 1; }
WEFT_REMOTE(soak_inc)

namespace {
long rss_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

void report(const char* when, long done) {
    std::size_t stored = 0;
    for (int p : weft::procs()) stored += weft::debug::stored_refs(p);
    std::printf("%-6s after %8ld fetched Futures: master RSS %7.1f MiB, caller's handle table %zu, owners store %zu\n",
                when, done, static_cast<double>(rss_kib()) / 1024.0, weft::debug::held_refs(weft::myid()), stored);
    std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    long n = 250000;
    for (int i = 1; i < argc; ++i)
        if (!std::strncmp(argv[i], "--n=", 4)) n = std::atol(argv[i] + 4);
    if (weft::nprocs() < 3) weft::addprocs(3 - weft::nprocs());
    const auto ws = weft::workers();
    report("start", 0);
    for (long i = 0; i < n; ++i) {
        const int w = ws[static_cast<std::size_t>(i) % ws.size()];
        if (weft::fetch(weft::remotecall(soak_inc, w, static_cast<int>(i))) != static_cast<int>(i) + 1) {
            std::fprintf(stderr, "bench_soak_futures: wrong result at call %ld\n", i);
            return 1;
        }
        if (i + 1 == n / 2) report("middle", i + 1);
    }
    report("end", n);
    return 0;
}
