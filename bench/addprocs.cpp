// bench_addprocs (issue 3): addprocs(4) — spawn 4 local workers, handshake, join — beside
// 4 bare posix_spawns of a trivial program (/bin/true) waited to exit. Goal: <= 3×.
// rmprocs of the 4 is timed too (informative), and so is posix_spawn of this benchmark's
// own binary with --bench-exit (it runs weft::init and returns: the cost of loading the
// program and its libraries, which every worker pays before it can say hello).
//
// The workers are removed one rmprocs(id) at a time; --rm-all removes the 4 with one
// rmprocs instead (that once crashed the master: peer_gone walked the peer map while a
// failed send erased from it; fixed, and 60 rounds of --rm-all ran clean since).
//
//   bench_addprocs [--reps=R] [--rm-all]     (median of R rounds, alternating)
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include <weft/weft.hpp>

#include "core_common.hpp"

extern char** environ;

namespace {

double spawn_and_wait(const char* path, const char* arg, int n) {
    auto t0 = bench::Clock::now();
    std::vector<pid_t> kids;
    for (int i = 0; i < n; ++i) {
        char* argv[] = {const_cast<char*>(path), const_cast<char*>(arg), nullptr};
        pid_t p = 0;
        if (::posix_spawn(&p, path, nullptr, nullptr, argv, environ) != 0) bench::die("posix_spawn");
        kids.push_back(p);
    }
    for (pid_t p : kids) {
        int st = 0;
        ::waitpid(p, &st, 0);
    }
    return bench::seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--bench-exit") == 0) return 0;
    const long reps = bench::option(argc, argv, "reps", 15);
    bool rm_all = false;
    for (int i = 1; i < argc; ++i) rm_all = rm_all || std::strcmp(argv[i], "--rm-all") == 0;
    char self[4096];
    ssize_t k = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) bench::die("readlink /proc/self/exe");
    self[k] = 0;

    std::vector<double> add, rm, bare, own;
    auto round = [&](bool keep) {
        auto t0 = bench::Clock::now();
        auto ids = weft::addprocs(4);
        double a = bench::seconds_since(t0);
        t0 = bench::Clock::now();
        if (rm_all) weft::rmprocs(ids);
        else for (int id : ids) weft::rmprocs(id);
        double r = bench::seconds_since(t0);
        double b = spawn_and_wait("/bin/true", nullptr, 4);
        double o = spawn_and_wait(self, "--bench-exit", 4);
        if (keep) {
            add.push_back(a);
            rm.push_back(r);
            bare.push_back(b);
            own.push_back(o);
        }
    };
    round(false);  // warm-up: page cache, dynamic loader
    for (long r = 0; r < reps; ++r) round(true);

    bench::header("addprocs", "addprocs(4) vs 4 posix_spawn(/bin/true) waited");
    double b = 1e3 * bench::median(bare);
    bench::row("addprocs", "addprocs(4), median", 1e3 * bench::median(add), b, "ms", "<=3");
    const char* rm_row = rm_all ? "rmprocs(all 4), median" : "4 x rmprocs(1), median";
    bench::row("addprocs", rm_row, 1e3 * bench::median(rm), b, "ms", "-");
    bench::row("addprocs", "4 x spawn self --bench-exit", 1e3 * bench::median(own), b, "ms", "-");
    return 0;
}
