// bench_threads: weft::threads beside OpenMP (libgomp) measured in the same run, as ratios:
// fork-join cost of an empty loop (back to back, between serial work, after the threads
// went to sleep), a 5 ms loop after they slept, a sum of 10^8 doubles, and the CPU an idle
// pool burns. Figures of record: docs/threads.md.
//
//   bench_threads [--quick]          WEFT_NUM_THREADS (default here 2) sets both pools' size
#include <weft/weft.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <thread>
#include <vector>

#include <sched.h>

namespace {

namespace th = weft::threads;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double process_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void pause_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

/// Lets both pools' threads give up spinning (libgomp spins for a few ms) so that one
/// side's spinners do not steal the CPUs the other side is measured on.
void settle() {
    pause_ms(60);
}

void row(const char* what, double weft, double omp, const char* unit, const char* goal) {
    std::printf("%-40s %12.4g %12.4g %8.2fx   %s %s\n", what, weft, omp, weft / omp, unit, goal);
}

struct Options {
    int rounds = 7;
    int loops = 100000;
    long reduce_n = 100'000'000;
    int reduce_reps = 5;
    int cold_samples = 30;
};

/// Back-to-back empty loops, one iteration per thread; per-loop microseconds, median of
/// rounds, rounds of the two sides interleaved.
void fork_join(const Options& o, int nt) {
    std::vector<double> weft, omp;
    auto body = [](int i) { asm volatile("" ::"r"(i)); };
    for (int r = 0; r < o.rounds; ++r) {
        settle();
        auto t0 = Clock::now();
        for (int k = 0; k < o.loops; ++k) th::parallel_for(0, nt, body);
        weft.push_back(seconds_since(t0) * 1e6 / o.loops);
        settle();
        t0 = Clock::now();
        for (int k = 0; k < o.loops; ++k) {
#pragma omp parallel for num_threads(nt) schedule(static)
            for (int i = 0; i < nt; ++i) body(i);
        }
        omp.push_back(seconds_since(t0) * 1e6 / o.loops);
    }
    row("fork-join, back to back", median(weft), median(omp), "us/loop", "(goal <= 1.2x)");
}

void busy_wait_us(double us) {
    const auto t0 = Clock::now();
    while (seconds_since(t0) * 1e6 < us) {
    }
}

/// Empty loops separated by 100 us of serial work on thread 0 (shorter than the pool's
/// spin, so its threads should still be awake): only the loops are timed.
void fork_join_gap(const Options& o, int nt) {
    std::vector<double> weft, omp;
    auto body = [](int i) { asm volatile("" ::"r"(i)); };
    const int loops = std::max(100, o.loops / 50);
    for (int r = 0; r < o.rounds; ++r) {
        settle();
        double w = 0, p = 0;
        for (int k = 0; k < loops; ++k) {
            busy_wait_us(100);
            const auto t0 = Clock::now();
            th::parallel_for(0, nt, body);
            w += seconds_since(t0);
        }
        settle();
        for (int k = 0; k < loops; ++k) {
            busy_wait_us(100);
            const auto t0 = Clock::now();
#pragma omp parallel for num_threads(nt) schedule(static)
            for (int i = 0; i < nt; ++i) body(i);
            p += seconds_since(t0);
        }
        weft.push_back(w * 1e6 / loops);
        omp.push_back(p * 1e6 / loops);
    }
    row("fork-join, 100 us serial work between", median(weft), median(omp), "us/loop", "");
}

/// One empty loop after the threads have gone to sleep: the wake-up path.
void fork_join_cold(const Options& o, int nt) {
    std::vector<double> weft, omp;
    auto body = [](int i) { asm volatile("" ::"r"(i)); };
    for (int r = 0; r < o.cold_samples; ++r) {
        settle();
        auto t0 = Clock::now();
        th::parallel_for(0, nt, body);
        weft.push_back(seconds_since(t0) * 1e6);
        settle();
        t0 = Clock::now();
#pragma omp parallel for num_threads(nt) schedule(static)
        for (int i = 0; i < nt; ++i) body(i);
        omp.push_back(seconds_since(t0) * 1e6);
    }
    row("fork-join, threads asleep", median(weft), median(omp), "us/loop", "");
}

/// A loop of 5 ms of work per thread after the threads have gone to sleep: where the
/// woken threads run (beside thread 0 or on their own CPU) shows here.
void heavy_cold(const Options& o, int nt) {
    std::vector<double> weft, omp;
    auto body = [](int) { busy_wait_us(5000); };
    for (int r = 0; r < std::max(5, o.cold_samples / 3); ++r) {
        settle();
        auto t0 = Clock::now();
        th::parallel_for(0, nt, body);
        weft.push_back(seconds_since(t0) * 1e3);
        settle();
        t0 = Clock::now();
#pragma omp parallel for num_threads(nt) schedule(static)
        for (int i = 0; i < nt; ++i) body(i);
        omp.push_back(seconds_since(t0) * 1e3);
    }
    row("5 ms per thread, threads asleep", median(weft), median(omp), "ms/loop", "(ideal 5)");
}

void reduce_sum(const Options& o, int nt) {
    const long n = o.reduce_n;
    std::vector<double> a(static_cast<std::size_t>(n));
#pragma omp parallel for num_threads(nt) schedule(static)
    for (long i = 0; i < n; ++i) a[static_cast<std::size_t>(i)] = 1.0 / static_cast<double>(1 + i % 1000);
    const double* p = a.data();
    std::vector<double> weft, omp;
    double s_weft = 0, s_omp = 0;
    for (int r = 0; r < o.reduce_reps; ++r) {
        settle();
        auto t0 = Clock::now();
        s_weft = th::parallel_reduce(0L, n, 0.0, std::plus<>{}, [p](long i) { return p[i]; });
        weft.push_back(seconds_since(t0));
        settle();
        t0 = Clock::now();
        double s = 0;
#pragma omp parallel for num_threads(nt) schedule(static) reduction(+ : s)
        for (long i = 0; i < n; ++i) s += p[i];
        omp.push_back(seconds_since(t0));
        s_omp = s;
    }
    char what[64];
    std::snprintf(what, sizeof what, "sum of %.0e doubles", static_cast<double>(n));
    row(what, median(weft), median(omp), "s", "(goal <= 1.1x)");
    std::printf("%-40s %12.10g %12.10g\n", "  (the sums)", s_weft, s_omp);
}

/// CPU the whole process uses over 1 s while the main thread sleeps right after a loop:
/// the pool's spin before it sleeps, then nothing.
void idle_cpu(int nt) {
    auto body = [](int i) { asm volatile("" ::"r"(i)); };
    pause_ms(200);
    th::parallel_for(0, nt, body);
    double c0 = process_cpu_seconds();
    pause_ms(1000);
    const double weft = process_cpu_seconds() - c0;
    pause_ms(200);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int i = 0; i < nt; ++i) body(i);
    c0 = process_cpu_seconds();
    pause_ms(1000);
    const double omp = process_cpu_seconds() - c0;
    row("idle CPU over 1 s after a loop", weft, omp, "s", "(goal ~0)");
}

}  // namespace

int main(int argc, char** argv) {
    ::setenv("WEFT_NUM_THREADS", "2", 0);  // the figures of record are for 2 threads
    weft::init(argc, argv);
    Options o;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--quick") == 0) o = {3, 20000, 20'000'000, 3, 10};

    const int nt = th::nthreads();
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    const char* spin = std::getenv("WEFT_THREADS_SPIN_US");
    std::printf("weft::threads vs OpenMP (libgomp), %d threads, %d CPUs available, "
                "WEFT_THREADS_SPIN_US=%s, OMP_WAIT_POLICY=%s\n",
                nt, CPU_COUNT(&set), spin ? spin : "(default)",
                std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(default)");
    std::printf("%-40s %12s %12s %9s\n", "", "weft", "OpenMP", "ratio");
    fork_join(o, nt);
    fork_join_gap(o, nt);
    fork_join_cold(o, nt);
    heavy_cold(o, nt);
    reduce_sum(o, nt);
    idle_cpu(nt);
    return 0;
}
