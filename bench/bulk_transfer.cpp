// bench_bulk_transfer (issue 3): a 32 MiB std::vector<double> argument round trip —
// remotecall_fetch of a function that returns its argument, so the 32 MiB travel to the
// worker and back — beside raw TCP bulk transfer of the same bytes there and back
// (TCP_NODELAY, blocking send/recv, the forked echo server reads all 32 MiB, then sends
// them back; both ends reuse their buffers). Throughput = 2 × 32 MiB / round-trip time.
// Goal: ratio >= 0.8.
//
// A second weft row sends the vector with an int after it, (vector, int) -> (vector, int),
// so that neither frame ends with the array's bytes; it is informative, and it is measured
// first because the plain echo has been seen to hang (a frame that ends with a big array
// the fast path only partly wrote). A watchdog turns a hang into a `hung` row and exit 3.
//
//   bench_bulk_transfer [--reps=N] [--kib=K] [--watchdog=S]
//       median of N round trips each, weft and raw alternating; K KiB instead of 32 MiB;
//       give up after S seconds without progress.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>
#include <vector>

#include <weft/weft.hpp>

#include "core_common.hpp"

std::vector<double> bench_echo_vector(std::vector<double> v) { return v; }
std::pair<std::vector<double>, int> bench_echo_vector_tagged(std::vector<double> v, int tag) {
    return {std::move(v), tag};
}
WEFT_REMOTE(bench_echo_vector, bench_echo_vector_tagged)

namespace {

/// Exits the process with a `hung` row when `beat()` is not called for `limit` seconds.
class Watchdog {
  public:
    explicit Watchdog(long limit) : limit_(limit), thread_([this] { run(); }) {}
    ~Watchdog() {
        {
            std::lock_guard<std::mutex> l(m_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    void beat(const char* doing) {
        std::lock_guard<std::mutex> l(m_);
        doing_ = doing;
        ++beats_;
        cv_.notify_all();
    }

  private:
    void run() {
        std::unique_lock<std::mutex> l(m_);
        for (;;) {
            long seen = beats_;
            if (cv_.wait_for(l, std::chrono::seconds(limit_), [&] { return stop_ || beats_ != seen; })) {
                if (stop_) return;
                continue;
            }
            std::printf("   %-34s %14s %14s %8s  %-8s %s  NOT met (no progress in %ld s)\n", doing_, "hung", "-", "-",
                        "GB/s", ">=0.8", limit_);
            std::printf("@row bulk_transfer|%s|nan|nan|GB/s|>=0.8\n", doing_);
            std::fflush(stdout);
            std::_Exit(3);
        }
    }
    long limit_;
    std::mutex m_;
    std::condition_variable cv_;
    const char* doing_ = "start";
    long beats_ = 0;
    bool stop_ = false;
    std::thread thread_;
};

std::size_t n_doubles = 32u * 1024 * 1024 / sizeof(double);

void check(bool ok) {
    if (!ok) {
        std::fprintf(stderr, "bulk_transfer: the vector came back wrong\n");
        std::exit(1);
    }
}

double weft_round_trip(int pid, const std::vector<double>& v) {
    auto t0 = bench::Clock::now();
    auto back = weft::remotecall_fetch(bench_echo_vector, pid, v);
    double dt = bench::seconds_since(t0);
    check(back.size() == v.size() && back.front() == v.front() && back.back() == v.back());
    return dt;
}

double weft_round_trip_tagged(int pid, const std::vector<double>& v) {
    auto t0 = bench::Clock::now();
    auto back = weft::remotecall_fetch(bench_echo_vector_tagged, pid, v, 7);
    double dt = bench::seconds_since(t0);
    check(back.second == 7 && back.first.size() == v.size() && back.first.back() == v.back());
    return dt;
}

double raw_round_trip(int fd, const std::vector<double>& v, std::vector<double>& back) {
    auto t0 = bench::Clock::now();
    bench::send_all(fd, v.data(), v.size() * sizeof(double));
    bench::recv_all(fd, back.data(), back.size() * sizeof(double));
    return bench::seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const long reps = bench::option(argc, argv, "reps", 15);
    n_doubles = static_cast<std::size_t>(bench::option(argc, argv, "kib", 32 * 1024)) * 1024 / sizeof(double);
    const double bytes_each_way = static_cast<double>(n_doubles * sizeof(double));
    Watchdog dog(bench::option(argc, argv, "watchdog", 20));

    std::vector<double> v(n_doubles);
    std::iota(v.begin(), v.end(), 0.5);
    std::vector<double> back(n_doubles, 0.0);
    bench::RawEcho raw(bench::EchoMode::bulk, n_doubles * sizeof(double));
    int pid = weft::addprocs(1).at(0);

    bench::header("bulk_transfer", "32 MiB vector<double> there and back: remotecall_fetch(echo) vs raw TCP");
    auto gbps = [&](double s) { return 2 * bytes_each_way / s / 1e9; };
    std::vector<double> tagged, plain, base;
    const char* tagged_row = "(vector,int) echo, median";
    const char* plain_row = "vector echo, median";

    dog.beat(tagged_row);
    weft_round_trip_tagged(pid, v);  // warm-up
    raw_round_trip(raw.fd(), v, back);
    for (long r = 0; r < reps; ++r) {
        tagged.push_back(weft_round_trip_tagged(pid, v));
        base.push_back(raw_round_trip(raw.fd(), v, back));
        dog.beat(tagged_row);
    }
    bench::row("bulk_transfer", tagged_row, gbps(bench::median(tagged)), gbps(bench::median(base)), "GB/s", "-");

    dog.beat(plain_row);
    weft_round_trip(pid, v);  // warm-up
    for (long r = 0; r < reps; ++r) {
        plain.push_back(weft_round_trip(pid, v));
        base.push_back(raw_round_trip(raw.fd(), v, back));
        dog.beat(plain_row);
    }
    bench::row("bulk_transfer", plain_row, gbps(bench::median(plain)), gbps(bench::median(base)), "GB/s", ">=0.8");
    bench::row("bulk_transfer", "vector echo, best", gbps(bench::quantile(plain, 0)), gbps(bench::quantile(base, 0)),
               "GB/s", "-");
    weft::rmprocs(pid);
    return 0;
}
