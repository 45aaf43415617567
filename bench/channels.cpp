// bench_channels (issue 5): channel round trips.
//  1. Local: two tasks ping-pong an int through two weft::Channel<int>(1), beside the same
//     ping-pong through two boost::fibers::buffered_channel<int> between two plain Boost
//     fibers on the same scheduler. Goal: ratio <= 1.3.
//  2. Remote: the master puts into a RemoteChannel on worker 2, a task there takes and
//     puts the answer into a RemoteChannel on the master, which the master takes; beside
//     one remotecall_fetch of a small function. Goal: ratio <= 1.5. Also shown: put then
//     take by the master on a channel on the worker (two round trips; informative).
//
//   bench_channels [--iters=N] [--rounds=R]
// Ours and the baseline run in alternating blocks so that other load falls on both alike.
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/fiber.hpp>

#include <cstdio>
#include <vector>

#include <weft/weft.hpp>

#include "core_common.hpp"

int bench_inc(int x) { return x + 1; }
void echo_plus_one(weft::RemoteChannel<int> in, weft::RemoteChannel<int> out) {
    for (;;) {
        int v = in.take();
        if (v < 0) return;
        out.put(v + 1);
    }
}
WEFT_REMOTE(bench_inc, echo_plus_one)

namespace {

/// Seconds per round trip of `n` local ping-pongs through weft channels.
double weft_local(int n) {
    weft::Channel<int> a(1), b(1);
    auto t0 = bench::Clock::now();
    auto peer = weft::async([a, b, n]() mutable {
        for (int i = 0; i < n; ++i) b.put(a.take() + 1);
    });
    for (int i = 0; i < n; ++i) {
        a.put(i);
        if (b.take() != i + 1) std::exit(1);
    }
    weft::wait(peer);
    return bench::seconds_since(t0) / n;
}

/// The same with Boost.Fiber's own channels and fibers.
double boost_local(int n) {
    boost::fibers::buffered_channel<int> a(2), b(2);
    auto t0 = bench::Clock::now();
    boost::fibers::fiber peer([&] {
        for (int i = 0; i < n; ++i) {
            int v = 0;
            a.pop(v);
            b.push(v + 1);
        }
    });
    for (int i = 0; i < n; ++i) {
        a.push(i);
        int v = 0;
        b.pop(v);
        if (v != i + 1) std::exit(1);
    }
    peer.join();
    return bench::seconds_since(t0) / n;
}

}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const long iters = bench::option(argc, argv, "iters", 200000);
    const long rounds = bench::option(argc, argv, "rounds", 10);
    if (weft::nprocs() == 1) weft::addprocs(1);
    const int w = weft::workers()[0];

    bench::header("channels", "local ping-pong per round trip; remote round trips");
    std::vector<double> ours, base;
    const int per = static_cast<int>(iters / rounds);
    weft_local(1000);
    boost_local(1000);
    for (long r = 0; r < rounds; ++r) {
        ours.push_back(weft_local(per));
        base.push_back(boost_local(per));
    }
    bench::row("channels", "local Channel ping-pong (ns)", bench::median(ours) * 1e9, bench::median(base) * 1e9,
               "ns", "<=1.3");

    weft::RemoteChannel<int> to(w, 1), back(1, 1);
    weft::remote_do(echo_plus_one, w, to, back);
    const int rn = static_cast<int>(std::max(1L, iters / 20 / rounds));
    auto remote_pingpong = [&](int n) {
        auto t0 = bench::Clock::now();
        for (int i = 0; i < n; ++i) {
            to.put(i);
            if (back.take() != i + 1) std::exit(1);
        }
        return bench::seconds_since(t0) / n;
    };
    auto fetch_calls = [&](int n) {
        auto t0 = bench::Clock::now();
        for (int i = 0; i < n; ++i)
            if (weft::remotecall_fetch(bench_inc, w, i) != i + 1) std::exit(1);
        return bench::seconds_since(t0) / n;
    };
    weft::RemoteChannel<int> there(w, 1);
    auto put_take = [&](int n) {
        auto t0 = bench::Clock::now();
        for (int i = 0; i < n; ++i) {
            there.put(i);
            if (there.take() != i) std::exit(1);
        }
        return bench::seconds_since(t0) / n;
    };
    remote_pingpong(200);
    fetch_calls(200);
    std::vector<double> rp, rf, pt;
    for (long r = 0; r < rounds; ++r) {
        rp.push_back(remote_pingpong(rn));
        rf.push_back(fetch_calls(rn));
        pt.push_back(put_take(rn));
    }
    bench::row("channels", "RemoteChannel ping-pong (us)", bench::median(rp) * 1e6, bench::median(rf) * 1e6, "us",
               "<=1.5");
    bench::row("channels", "put+take on worker's channel (us)", bench::median(pt) * 1e6, bench::median(rf) * 1e6,
               "us", "-");
    to.put(-1);
    return 0;
}
