// bench_pipelined_calls (issue 3): 1,000 small calls (int -> int) in flight to one local
// worker, beside a raw pipelined echo on loopback (TCP_NODELAY): the client writes 1,000
// 32-byte messages, one send() each, and reads the 24-byte replies; its socket is
// non-blocking and it reads replies whenever a send would block, so it cannot deadlock.
// The forked echo server reads what has arrived and sends one reply per message.
// Goal: calls/s >= 0.5 × the raw rate.
//
// The goal row: 1,000 tasks (weft::async) each doing remotecall_fetch, one message each
// way per call, all 1,000 calls in flight at once. Informative row: 1,000 remotecall (a
// Future each), then fetch all of them; Julia's semantics make every fetch of a remote
// Future a round trip of its own (ask the owner, get the value), so the fetch half is
// 1,000 sequential round trips.
//
//   bench_pipelined_calls [--calls=N] [--reps=R]   (median of R batches each, alternating)
#include <cerrno>
#include <cstdio>
#include <vector>

#include <fcntl.h>

#include <weft/weft.hpp>

#include "core_common.hpp"

int bench_inc(int x) { return x + 1; }
WEFT_REMOTE(bench_inc)

namespace {

void check(bool ok) {
    if (!ok) {
        std::fprintf(stderr, "pipelined_calls: wrong result\n");
        std::exit(1);
    }
}

double weft_futures(int pid, int calls) {
    auto t0 = bench::Clock::now();
    std::vector<weft::Future<int>> fs;
    fs.reserve(calls);
    for (int i = 0; i < calls; ++i) fs.push_back(weft::remotecall(bench_inc, pid, i));
    long sum = 0;
    for (auto& f : fs) sum += weft::fetch(f);
    fs.clear();
    double dt = bench::seconds_since(t0);
    check(sum == static_cast<long>(calls) * (calls + 1) / 2);
    return dt;
}

double weft_tasks(int pid, int calls) {
    auto t0 = bench::Clock::now();
    std::vector<weft::Task<int>> ts;
    ts.reserve(calls);
    for (int i = 0; i < calls; ++i) ts.push_back(weft::async([pid, i] { return weft::remotecall_fetch(bench_inc, pid, i); }));
    long sum = 0;
    for (auto& t : ts) sum += weft::fetch(t);
    ts.clear();
    double dt = bench::seconds_since(t0);
    check(sum == static_cast<long>(calls) * (calls + 1) / 2);
    return dt;
}

/// Reads what replies are there (all of them if `block`); returns the count of bytes.
std::size_t read_replies(int fd, char* buf, std::size_t cap, bool block) {
    if (block) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, -1);
    }
    ssize_t k = ::recv(fd, buf, cap, 0);
    if (k < 0) {
        if (errno == EAGAIN || errno == EINTR) return 0;
        bench::die("recv");
    }
    if (k == 0) bench::die("echo server gone");
    return static_cast<std::size_t>(k);
}

double raw_pipelined(int fd, int calls) {
    static char req[bench::small_request] = {1};
    static char buf[1 << 16];
    const std::size_t want = static_cast<std::size_t>(calls) * bench::small_reply;
    std::size_t got = 0;
    auto t0 = bench::Clock::now();
    for (int i = 0; i < calls; ++i) {
        std::size_t off = 0;
        while (off < sizeof req) {
            ssize_t k = ::send(fd, req + off, sizeof req - off, MSG_NOSIGNAL);
            if (k > 0) {
                off += static_cast<std::size_t>(k);
            } else if (k < 0 && errno == EAGAIN) {  // socket full: drain replies, then retry
                got += read_replies(fd, buf, sizeof buf, false);
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, 1);
            } else if (k < 0 && errno != EINTR) {
                bench::die("send");
            }
        }
    }
    while (got < want) got += read_replies(fd, buf, sizeof buf, true);
    return bench::seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const int calls = static_cast<int>(bench::option(argc, argv, "calls", 1000));
    const long reps = bench::option(argc, argv, "reps", 30);

    bench::RawEcho raw(bench::EchoMode::small);
    ::fcntl(raw.fd(), F_SETFL, ::fcntl(raw.fd(), F_GETFL) | O_NONBLOCK);
    int pid = weft::addprocs(1).at(0);

    for (int i = 0; i < 3; ++i) {  // warm-up
        weft_futures(pid, calls);
        weft_tasks(pid, calls);
        raw_pipelined(raw.fd(), calls);
    }
    std::vector<double> futures, tasks, base;
    for (long r = 0; r < reps; ++r) {
        futures.push_back(weft_futures(pid, calls));
        base.push_back(raw_pipelined(raw.fd(), calls));
        tasks.push_back(weft_tasks(pid, calls));
    }

    bench::header("pipelined_calls", "1,000 calls in flight to a local worker vs raw pipelined echo");
    auto rate = [&](double s) { return calls / s; };
    double b = rate(bench::median(base));
    bench::row("pipelined_calls", "remotecall x1000, fetch all", rate(bench::median(futures)), b, "calls/s", "-");
    bench::row("pipelined_calls", "1000 tasks x remotecall_fetch", rate(bench::median(tasks)), b, "calls/s", ">=0.5");
    weft::rmprocs(pid);
    return 0;
}
