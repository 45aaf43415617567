// bench_soak (issue 17): growth over long runs, in three phases on 2 local workers —
//   calls    N remotecall_fetch round trips (default 1,000,000)
//   futures  N fetch(remotecall(...)), each a Future with an entry in the handle tables
//            (default 250,000)
//   blocked  N tasks blocked at once in take() on a RemoteChannel of worker 2, then
//            released by N puts (default 10,000)
// For each phase it prints, at the start, the middle (for `blocked`: while all N wait) and
// the end, the RSS of the master and of each worker, the size of the caller's handle
// table (weft::debug::held_refs) and what the owners still store
// (weft::debug::stored_refs). A figure, not a test: docs/performance.md records it; the
// tests that the tables return to zero are in test/runtime/future_test.cpp.
//
// --repeat=R runs the phases R times: what a phase keeps (task stacks in the pool, the
// allocator's free lists) must not grow from one round to the next.
//
//   bench_soak [--phase=calls|futures|blocked|all] [--calls=N] [--futures=N] [--tasks=N] [--repeat=R]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <weft/weft.hpp>

int soak_inc(int x) { return x + 1; }
WEFT_REMOTE(soak_inc)

long soak_rss_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}
WEFT_REMOTE(soak_rss_kib)

namespace {

void report(const char* phase, const char* when, long done) {
    std::size_t stored = 0;
    for (int p : weft::procs()) stored += weft::debug::stored_refs(p);
    std::printf("%-7s %-6s %9ld: RSS master %6.1f MiB", phase, when, done,
                static_cast<double>(soak_rss_kib()) / 1024.0);
    for (int w : weft::workers())
        std::printf(", worker %d %6.1f MiB", w, static_cast<double>(weft::remotecall_fetch(soak_rss_kib, w)) / 1024.0);
    std::printf("; caller's handle table %zu, owners store %zu\n", weft::debug::held_refs(weft::myid()), stored);
    std::fflush(stdout);
}

[[noreturn]] void fail(const char* phase, long i) {
    std::fprintf(stderr, "bench_soak: %s: wrong result at %ld\n", phase, i);
    std::exit(1);
}

void calls(long n, const std::vector<int>& ws) {
    report("calls", "start", 0);
    for (long i = 0; i < n; ++i) {
        const int w = ws[static_cast<std::size_t>(i) % ws.size()];
        if (weft::remotecall_fetch(soak_inc, w, static_cast<int>(i)) != static_cast<int>(i) + 1) fail("calls", i);
        if (i + 1 == n / 2) report("calls", "middle", i + 1);
    }
    report("calls", "end", n);
}

void futures(long n, const std::vector<int>& ws) {
    report("futures", "start", 0);
    for (long i = 0; i < n; ++i) {
        const int w = ws[static_cast<std::size_t>(i) % ws.size()];
        if (weft::fetch(weft::remotecall(soak_inc, w, static_cast<int>(i))) != static_cast<int>(i) + 1)
            fail("futures", i);
        if (i + 1 == n / 2) report("futures", "middle", i + 1);
    }
    report("futures", "end", n);
}

void blocked(long n, const std::vector<int>& ws) {
    report("blocked", "start", 0);
    {
        weft::RemoteChannel<long> rc(ws.front(), 1);
        std::vector<weft::Task<long>> tasks;
        tasks.reserve(static_cast<std::size_t>(n));
        std::atomic<long> waiting = 0;  // tasks that reached take(): each then sends it and waits for the owner
        for (long i = 0; i < n; ++i) tasks.push_back(weft::async([rc, &waiting]() mutable {
            ++waiting;
            return rc.take();
        }));
        while (waiting < n) weft::yield();
        report("blocked", "middle", n);
        for (long i = 0; i < n; ++i) rc.put(i);
        long sum = 0;
        for (auto& t : tasks) sum += weft::fetch(t);
        if (sum != n * (n - 1) / 2) fail("blocked", sum);
    }
    report("blocked", "end", n);
}

}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    std::string phase = "all";
    long n_calls = 1000000, n_futures = 250000, n_tasks = 10000, repeat = 1;
    for (int i = 1; i < argc; ++i) {
        if (!std::strncmp(argv[i], "--phase=", 8)) phase = argv[i] + 8;
        else if (!std::strncmp(argv[i], "--calls=", 8)) n_calls = std::atol(argv[i] + 8);
        else if (!std::strncmp(argv[i], "--futures=", 10)) n_futures = std::atol(argv[i] + 10);
        else if (!std::strncmp(argv[i], "--tasks=", 8)) n_tasks = std::atol(argv[i] + 8);
        else if (!std::strncmp(argv[i], "--repeat=", 9)) repeat = std::atol(argv[i] + 9);
        else {
            std::fprintf(stderr, "bench_soak: unknown argument '%s'\n"
                         "usage: bench_soak [--phase=calls|futures|blocked|all] [--calls=N] [--futures=N] [--tasks=N] "
                         "[--repeat=R]\n",
                         argv[i]);
            return 2;
        }
    }
    if (phase != "all" && phase != "calls" && phase != "futures" && phase != "blocked") {
        std::fprintf(stderr, "bench_soak: --phase=%s: use calls, futures, blocked or all\n", phase.c_str());
        return 2;
    }
    if (weft::nprocs() < 3) weft::addprocs(3 - weft::nprocs());
    const auto ws = weft::workers();
    for (long r = 0; r < repeat; ++r) {
        if (phase == "all" || phase == "calls") calls(n_calls, ws);
        if (phase == "all" || phase == "futures") futures(n_futures, ws);
        if (phase == "all" || phase == "blocked") blocked(n_tasks, ws);
    }
    return 0;
}
