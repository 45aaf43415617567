// bench_remotecall_latency (issue 3): round-trip latency of remotecall_fetch of a small
// call (int -> int) to one local worker, beside a raw C TCP ping-pong on loopback
// (TCP_NODELAY, blocking send/recv, 32-byte request, 24-byte reply, echo server in a
// forked child). Goal: ratio of medians <= 1.2 pinned (taskset -c 0), <= 1.1 unpinned.
//
//   bench_remotecall_latency [--iters=N] [--rounds=R] [--load=L]
// The two are measured in alternating blocks (R rounds of N/R calls each, after a
// warm-up) so that load from other processes falls on both alike. --load=L starts L busy
// loops (child processes, killed by pid at the end) to measure on oversubscribed CPUs
// (issue 17: the scheduler's spin); the calls/s rows are then the figures to compare.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include <weft/weft.hpp>

#include "core_common.hpp"

int bench_inc(int x) { return x + 1; }
WEFT_REMOTE(bench_inc)

namespace {

double weft_call(int pid, int i) {
    auto t0 = bench::Clock::now();
    int r = weft::remotecall_fetch(bench_inc, pid, i);
    double dt = bench::seconds_since(t0);
    if (r != i + 1) {
        std::fprintf(stderr, "wrong result %d for %d\n", r, i);
        std::exit(1);
    }
    return dt;
}

double raw_call(int fd) {
    char req[bench::small_request] = {1};
    char rep[bench::small_reply];
    auto t0 = bench::Clock::now();
    bench::send_all(fd, req, sizeof req);
    bench::recv_all(fd, rep, sizeof rep);
    return bench::seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const long iters = bench::option(argc, argv, "iters", 40000);
    const long rounds = bench::option(argc, argv, "rounds", 20);
    const long per_round = iters / rounds;
    std::vector<pid_t> busy;
    for (long k = 0; k < bench::option(argc, argv, "load", 0); ++k) {
        const pid_t child = ::fork();
        if (child == 0)
            for (;;) asm volatile("");  // a CPU-bound process, nothing else
        if (child < 0) bench::die("fork");
        busy.push_back(child);
    }

    bench::RawEcho raw(bench::EchoMode::small);
    int pid = weft::addprocs(1).at(0);

    for (int i = 0; i < 2000; ++i) {  // warm-up: connections, allocators, caches
        weft_call(pid, i);
        raw_call(raw.fd());
    }
    std::vector<double> ours, base;
    ours.reserve(iters);
    base.reserve(iters);
    for (long r = 0; r < rounds; ++r) {
        for (long i = 0; i < per_round; ++i) ours.push_back(weft_call(pid, static_cast<int>(i)));
        for (long i = 0; i < per_round; ++i) base.push_back(raw_call(raw.fd()));
    }

    bench::header("remotecall_latency", "remotecall_fetch(int->int) to a local worker vs raw TCP ping-pong");
    const char* goal = bench::pinned() ? "<=1.2" : "<=1.1";
    bench::row("remotecall_latency", "round trip, median", 1e6 * bench::median(ours), 1e6 * bench::median(base), "us",
               goal);
    bench::row("remotecall_latency", "round trip, p90", 1e6 * bench::quantile(ours, 0.9),
               1e6 * bench::quantile(base, 0.9), "us", "-");
    double ours_total = 0, base_total = 0;
    for (double t : ours) ours_total += t;
    for (double t : base) base_total += t;
    const std::string metric = "calls/s (" + std::to_string(busy.size()) + " busy loops)";
    bench::row("remotecall_latency", metric.c_str(),
               static_cast<double>(ours.size()) / ours_total, static_cast<double>(base.size()) / base_total, "calls/s",
               "-");
    for (pid_t b : busy) ::kill(b, SIGKILL);
    for (pid_t b : busy) ::waitpid(b, nullptr, 0);
    weft::rmprocs(pid);
    return 0;
}
