// bench_launchers (issue 9): addprocs of 4 workers per launcher — local, ssh, ssh
// multiplexed, srun, mpiexec — beside the launcher's own bare start of 4 trivial
// processes (`true`) in the same run, waited to exit. addprocs includes the launcher,
// loading the program, the announcement, connect, handshake and join; rmprocs is not
// timed. A launcher that is not available here is skipped with the reason.
// Bring the engines up first (as root): scripts/engines-deps.sh,
// scripts/engines/sshd-up.sh, scripts/engines/slurm-up.sh; WEFT_SSH names the ssh to use
// (default /tmp/weft-ssh-ci/ssh, host alias localhost-ssh).
//
// srun is measured inside an allocation, as SlurmManager is meant to run (outside one,
// every srun waits for the scheduler to free the last job's CPUs):
//   bench_launchers [--reps=R] [--only=local|ssh|slurm|mpi]   (median of R rounds)
//   salloc -n 4 bench_launchers --only=slurm
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <weft/weft.hpp>

#include "core_common.hpp"

extern char** environ;

namespace {
int run_wait(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t p = 0;
    if (::posix_spawnp(&p, argv[0], &fa, nullptr, argv.data(), environ) != 0) return -1;
    posix_spawn_file_actions_destroy(&fa);
    int st = 0;
    ::waitpid(p, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/// n processes started at once, all waited for.
double bare_parallel(int n, const std::vector<std::string>& args) {
    auto t0 = bench::Clock::now();
    std::vector<pid_t> kids;
    for (int i = 0; i < n; ++i) {
        std::vector<std::string> a = args;
        std::vector<char*> argv;
        for (auto& s : a) argv.push_back(s.data());
        argv.push_back(nullptr);
        pid_t p = 0;
        if (::posix_spawnp(&p, argv[0], nullptr, nullptr, argv.data(), environ) != 0) bench::die("posix_spawn");
        kids.push_back(p);
    }
    for (pid_t p : kids) {
        int st = 0;
        ::waitpid(p, &st, 0);
    }
    return bench::seconds_since(t0);
}

double timed_add(const std::function<std::vector<int>()>& add) {
    auto t0 = bench::Clock::now();
    auto ids = add();
    double t = bench::seconds_since(t0);
    weft::rmprocs(ids);
    return t;
}

void compare(const char* metric, long reps, const std::function<std::vector<int>()>& add,
             const std::function<double()>& bare) {
    std::vector<double> ours, base;
    try {
        timed_add(add);  // warm-up: page cache, ssh host keys, slurm
        bare();
        for (long r = 0; r < reps; ++r) {
            ours.push_back(timed_add(add));
            base.push_back(bare());
        }
    } catch (const std::exception& e) {
        std::printf("   %-34s skipped: %s\n", metric, e.what());
        return;
    }
    bench::row("launchers", metric, bench::median(ours), bench::median(base), "s", "info");
}
}  // namespace

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const long reps = bench::option(argc, argv, "reps", 5);
    std::string only;
    for (int i = 1; i < argc; ++i)
        if (!std::strncmp(argv[i], "--only=", 7)) only = argv[i] + 7;
    auto want = [&](const char* what) { return only.empty() || only == what; };
    const char* sshv = std::getenv("WEFT_SSH");
    const std::string ssh = sshv && *sshv ? sshv : "/tmp/weft-ssh-ci/ssh";
    ::setenv("WEFT_SSH", ssh.c_str(), 1);
    bench::header("launchers", "addprocs of 4 workers vs the launcher starting 4 `true`");

    if (want("local"))
    compare("local addprocs(4)", reps, [] { return weft::addprocs(4); },
            [] { return bare_parallel(4, {"/bin/true"}); });

    if (!want("ssh")) {
    } else if (run_wait({ssh, "localhost-ssh", "true"}) == 0) {
        compare("ssh 4*localhost-ssh", reps, [] { return weft::addprocs({weft::Machine("localhost-ssh", 4)}); },
                [&] { return bare_parallel(4, {ssh, "localhost-ssh", "true"}); });
        weft::AddProcsOptions mx;
        mx.multiplex = true;
        compare("ssh multiplexed 4*localhost-ssh", reps,
                [&] { return weft::addprocs({weft::Machine("localhost-ssh", 4)}, mx); },
                [&] {
                    // bare: one control master, 4 commands through it, then the master ends
                    std::string path = "/tmp/weft-bench-mux-" + std::to_string(::getpid());
                    auto t0 = bench::Clock::now();
                    pid_t m = 0;
                    std::vector<std::string> a = {ssh, "-o", "ControlMaster=yes", "-o", "ControlPath=" + path, "-N", "localhost-ssh"};
                    std::vector<char*> av;
                    for (auto& s : a) av.push_back(s.data());
                    av.push_back(nullptr);
                    ::posix_spawnp(&m, av[0], nullptr, nullptr, av.data(), environ);
                    struct stat sb;
                    while (::stat(path.c_str(), &sb) != 0) ::usleep(2000);
                    double t = bench::seconds_since(t0);
                    t += bare_parallel(4, {ssh, "-o", "ControlMaster=no", "-o", "ControlPath=" + path, "localhost-ssh", "true"});
                    run_wait({ssh, "-o", "ControlPath=" + path, "-O", "exit", "localhost-ssh"});
                    int st;
                    ::waitpid(m, &st, 0);
                    return t;
                });
    } else {
        std::printf("   %-34s skipped: `%s localhost-ssh true` failed (run scripts/engines/sshd-up.sh)\n", "ssh", ssh.c_str());
    }

    if (!want("slurm")) {
    } else if (!std::getenv("SLURM_JOB_ID")) {
        std::printf("   %-34s skipped: not inside an allocation (run: salloc -n 4 %s --only=slurm)\n", "srun", argv[0]);
    } else if (run_wait({"srun", "--overlap", "-Q", "-n", "1", "true"}) == 0) {
        weft::SlurmManager sm(4);  // a manager must outlive its workers
        compare("srun SlurmManager(4)", reps, [&] { return weft::addprocs(sm); },
                [] {
                    auto t0 = bench::Clock::now();
                    run_wait({"srun", "--overlap", "-Q", "-n", "4", "true"});
                    return bench::seconds_since(t0);
                });
    } else {
        std::printf("   %-34s skipped: srun does not run here (run scripts/engines/slurm-up.sh)\n", "srun");
    }

    if (!want("mpi")) {
    } else if (run_wait({"mpiexec.mpich", "-n", "1", "true"}) == 0) {
        weft::MPIManager mm(4, "mpiexec.mpich");
        compare("mpiexec.mpich MPIManager(4)", reps, [&] { return weft::addprocs(mm); },
                [] {
                    auto t0 = bench::Clock::now();
                    run_wait({"mpiexec.mpich", "-n", "4", "true"});
                    return bench::seconds_since(t0);
                });
    } else {
        std::printf("   %-34s skipped: mpiexec.mpich is not installed (scripts/engines-deps.sh)\n", "mpiexec");
    }
    return 0;
}
