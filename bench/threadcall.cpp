// bench_threadcall: round trip of weft::threadcall (the calling task suspends, a pool
// thread runs the call, the wake-up is posted back to the runtime thread) beside a direct
// call and beside std::async(std::launch::async, f).get() (a new thread per call), all in
// the same run. Also the round trip while another task keeps the runtime thread busy
// yielding, and N concurrent threadcalls from N tasks. Figures of record:
// docs/performance.md.
//
//   bench_threadcall [--quick]
#include <weft/weft.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[gnu::noinline]] int work(int x) { return x + 1; }

template <class T>
void keep(T&& v) {
    asm volatile("" : : "r,m"(v) : "memory");
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// Median over `rounds` of the mean seconds per call of `n` calls of f.
template <class F>
double per_call(int rounds, int n, F f) {
    std::vector<double> r;
    for (int k = 0; k < rounds; ++k) {
        auto t0 = Clock::now();
        for (int i = 0; i < n; ++i) f(i);
        r.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / n);
    }
    return median(r);
}

}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const bool quick = argc > 1 && !std::strcmp(argv[1], "--quick");
    const int rounds = quick ? 3 : 7;
    const int n = quick ? 2000 : 20000;

    weft::threadcall(work, 0);  // start the pool
    double direct = per_call(rounds, n * 100, [](int i) { keep(work(i)); });
    double tc = per_call(rounds, n, [](int i) { keep(weft::threadcall(work, i)); });
    double as = per_call(rounds, n / 4, [](int i) { keep(std::async(std::launch::async, work, i).get()); });

    // The same round trip while another task of the process is ready to run all along.
    bool stop = false;
    auto spinner = weft::async([&] {
        while (!stop) weft::yield();
    });
    double tc_busy = per_call(rounds, n, [](int i) { keep(weft::threadcall(work, i)); });
    stop = true;
    weft::wait(spinner);

    // 4 tasks each making threadcalls at once (the pool's 4 threads): time per call overall.
    const int per_task = n / 4;
    std::vector<double> conc;
    for (int k = 0; k < rounds; ++k) {
        auto t0 = Clock::now();
        std::vector<weft::Task<void>> ts;
        for (int t = 0; t < 4; ++t)
            ts.push_back(weft::async([per_task] {
                for (int i = 0; i < per_task; ++i) keep(weft::threadcall(work, i));
            }));
        for (auto& t : ts) weft::wait(t);
        conc.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / (4.0 * per_task));
    }
    double tc4 = median(conc);

    std::printf("%-48s %12s %12s %9s\n", "round trip of a trivial call", "weft", "baseline", "ratio");
    std::printf("%-48s %10.2f us %10.4f us %8.0fx   (baseline: direct call)\n", "threadcall vs direct call", tc * 1e6,
                direct * 1e6, tc / direct);
    std::printf("%-48s %10.2f us %10.2f us %8.2fx   (baseline: std::async(launch::async).get())\n",
                "threadcall vs std::async", tc * 1e6, as * 1e6, tc / as);
    std::printf("%-48s %10.2f us %10.2f us %8.2fx   (baseline: threadcall, runtime idle)\n",
                "threadcall, another task always ready", tc_busy * 1e6, tc * 1e6, tc_busy / tc);
    std::printf("%-48s %10.2f us %10.2f us %8.2fx   (baseline: one caller)\n", "threadcall, 4 tasks at once (per call)",
                tc4 * 1e6, tc * 1e6, tc4 / tc);
    return 0;
}
