// bench_dashboard (issue 20): what the dashboard costs a pmap of batch size 1 (10,000
// trivial items on 2 workers): with the dashboard off (its counters are always there),
// on but unwatched (the server started, no request), and watched (a client thread asks
// for /api/state 4 times a second, so the workers report), in that order (watching
// cannot be undone at once: workers report for 10 s after the last request); each
// figure is the best of 40 runs (other load on the machine only slows a run down).
// Goals: on-unwatched <= 1.02x off, watched <= 1.05x.
//
//   bench_dashboard [--items=N] [--runs=N]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

#include "core_common.hpp"

int trivial(int x) { return x; }
WEFT_REMOTE(trivial)

namespace {
double pmap_us_per_item(const std::vector<int>& items) {
    weft::PmapOptions<int> o;
    o.batch_size = 1;
    auto t0 = bench::Clock::now();
    auto r = weft::pmap(trivial, items, o);
    if (r.back() != items.back()) std::exit(1);
    return bench::seconds_since(t0) / static_cast<double>(items.size()) * 1e6;
}

/// CPU seconds (user + system, all threads) the cluster's processes have used so far,
/// read from /proc/<pid>/stat (all run on this host).
double cluster_cpu_seconds() {
    double total = 0;
    for (int p : weft::procs()) {
        const std::string path = "/proc/" + std::to_string(weft::debug::ospid(p)) + "/stat";
        std::FILE* f = std::fopen(path.c_str(), "r");
        if (f == nullptr) bench::die("read /proc/<pid>/stat");
        char line[4096];
        const std::size_t got = std::fread(line, 1, sizeof line - 1, f);
        std::fclose(f);
        line[got] = 0;
        // Fields after the command's closing parenthesis: state is field 3; utime and
        // stime are fields 14 and 15.
        const char* q = std::strrchr(line, ')');
        unsigned long long utime = 0, stime = 0;
        if (q == nullptr ||
            std::sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
            bench::die("parse /proc/<pid>/stat");
        total += static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
    return total;
}

/// CPU seconds per second the idle cluster uses over `window` (the master's task sleeps).
double idle_cpu_per_second(std::chrono::seconds window) {
    const double c0 = cluster_cpu_seconds();
    const auto t0 = bench::Clock::now();
    weft::sleep(window);
    return (cluster_cpu_seconds() - c0) / bench::seconds_since(t0);
}

/// One GET of /api/state on 127.0.0.1:port; the reply is read and dropped.
void get_state(int port, const std::string& token) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) bench::die("connect to the dashboard");
    const std::string req = "GET /api/state HTTP/1.0\r\nAuthorization: Bearer " + token + "\r\n\r\n";
    bench::send_all(fd, req.data(), req.size());
    char buf[65536];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
    ::close(fd);
}
}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const long n = bench::option(argc, argv, "items", 10000);
    if (weft::nprocs() == 1) weft::addprocs(2);
    std::vector<int> items(static_cast<std::size_t>(n));
    std::iota(items.begin(), items.end(), 0);
    pmap_us_per_item(items);  // warm-up

    const int runs = static_cast<int>(bench::option(argc, argv, "runs", 40));
    std::vector<double> off, unwatched, watched;
    for (int k = 0; k < runs; ++k) off.push_back(pmap_us_per_item(items));

    const std::string url = weft::dashboard(0);
    const auto colon = url.find(':', 7);
    const int port = std::stoi(url.substr(colon + 1));
    const std::string token = url.substr(url.find("token=") + 6);
    for (int k = 0; k < runs; ++k) unwatched.push_back(pmap_us_per_item(items));
    const double idle_unwatched = idle_cpu_per_second(std::chrono::seconds(5));
    std::atomic<bool> stop{false};
    std::thread watcher([&] {
        while (!stop) {
            get_state(port, token);
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });
    weft::threadcall(get_state, port, token);  // watching has begun (off the runtime thread)
    for (int k = 0; k < runs; ++k) watched.push_back(pmap_us_per_item(items));
    const double idle_watched = idle_cpu_per_second(std::chrono::seconds(5));
    stop = true;
    watcher.join();
    bench::header("dashboard", "pmap batch 1, 10,000 trivial items, 2 workers: dashboard off / on / watched");
    auto best = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
    const double o = best(off), u = best(unwatched), w = best(watched);
    std::printf("   off %.2f us/item, on-unwatched %.2f us/item, watched %.2f us/item (best of %d)\n", o, u, w, runs);
    bench::row("dashboard", "on, unwatched vs off (us/item)", u, o, "us", "<=1.02");
    bench::row("dashboard", "watched vs off (us/item)", w, o, "us", "<=1.05");
    // What watching itself costs, free of the pmap's run-to-run noise: the CPU the idle
    // cluster uses while watched, less what it uses unwatched, per second of one CPU.
    std::printf("   idle cluster: %.2f ms of CPU per second unwatched, %.2f watched\n", idle_unwatched * 1e3,
                idle_watched * 1e3);
    bench::row("dashboard", "CPU of watching, idle cluster (ms/s)", (idle_watched - idle_unwatched) * 1e3, 1e3,
               "ms", "<=0.05");
    return 0;
}
