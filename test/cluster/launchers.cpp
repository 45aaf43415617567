// test/cluster/launchers.cpp — one program for the cluster-manager tests: it adds workers
// with the manager named by its first argument, checks them, and prints what the test
// scripts (test/cluster/*.sh) compare. Modes:
//   local N | ssh HOST... | slurm | mpi MPIEXEC N | spmd | custom | topology
// Options: --ssh=PATH --tunnel --multiplex --max-parallel=N --lines=K --timeout=S
//          --down-cmd=CMD (multihost: run CMD, then expect the first worker's futures to fail)
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <weft/weft.hpp>

extern char** environ;

std::string info() { return std::to_string(weft::myid()) + " " + weft::debug::address(weft::myid()); }
int ask_peer(int other) { return weft::remotecall_fetch([] { return weft::myid(); }, other); }
int print_lines(int k) {
    for (int i = 0; i < k; ++i)
        std::printf("line %d %d abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n", weft::myid(), i);
    std::fflush(stdout);
    return k;
}
int nap(int seconds) {
    weft::sleep(std::chrono::seconds(seconds));
    return seconds;
}
int spin_until_interrupted() {
    for (;;) weft::yield();
}
WEFT_REMOTE(info, ask_peer, print_lines, nap, spin_until_interrupted)

namespace {
/// A custom transport: each worker is this program started with `--custom-worker`, its
/// end of a Unix socket pair on fd 3, the cookie on stdin.
class UnixPairManager : public weft::ClusterManager {
  public:
    explicit UnixPairManager(int n) : n_(n) {}
    void launch(const weft::AddProcsOptions&, std::vector<weft::WorkerConfig>& launched,
                weft::LaunchNotifier& notify) override {
        for (int i = 0; i < n_; ++i) {
            int sv[2], in[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) || ::pipe2(in, O_CLOEXEC))
                throw std::runtime_error("socketpair failed");
            posix_spawn_file_actions_t fa;
            posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
            posix_spawn_file_actions_adddup2(&fa, in[0], 0);
            char exe[4096];
            ssize_t len = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
            exe[len > 0 ? len : 0] = 0;
            char* argv[] = {exe, const_cast<char*>("--custom-worker"), nullptr};
            pid_t pid = 0;
            if (posix_spawn(&pid, exe, &fa, nullptr, argv, environ) != 0) throw std::runtime_error("spawn failed");
            posix_spawn_file_actions_destroy(&fa);
            ::close(sv[1]);
            ::close(in[0]);
            std::string c = weft::cluster_cookie() + "\n";
            (void)!::write(in[1], c.data(), c.size());
            ::close(in[1]);
            weft::WorkerConfig cfg;
            cfg.userdata = std::make_pair(sv[0], static_cast<int>(pid));
            cfg.host = "unix-socket-pair";  // nothing to announce: the stream exists
            cfg.port = 1;
            cfg.command = std::string(exe) + " --custom-worker";
            launched.push_back(std::move(cfg));
            notify.notify();
        }
    }
    weft::Connection connect(int, weft::WorkerConfig& cfg) override {
        auto [fd, pid] = std::any_cast<std::pair<int, int>>(cfg.userdata);
        return weft::Connection(fd, "unix socket pair to pid " + std::to_string(pid));
    }
    void manage(int, weft::WorkerConfig& cfg, weft::ManageOp op) override {
        if (op == weft::ManageOp::deregister) {
            int st = 0;
            ::waitpid(std::any_cast<std::pair<int, int>>(cfg.userdata).second, &st, 0);
            ++deregistered;
        }
    }
    std::string name() const override { return "unix-pair"; }
    int deregistered = 0;

  private:
    int n_;
};

class NoStreams : public weft::ClusterManager {
  public:
    void launch(const weft::AddProcsOptions&, std::vector<weft::WorkerConfig>&, weft::LaunchNotifier&) override {}
};

std::string opt(const std::vector<std::string>& a, const std::string& name, const std::string& dflt = "") {
    for (auto& s : a)
        if (s.rfind("--" + name + "=", 0) == 0) return s.substr(name.size() + 3);
    return dflt;
}
bool flag(const std::vector<std::string>& a, const std::string& name) {
    for (auto& s : a)
        if (s == "--" + name) return true;
    return false;
}

bool g_interrupt = false;

int check_cluster(const std::vector<int>& ws, int lines) {
    std::printf("nprocs=%d\n", weft::nprocs());
    if (g_interrupt && !ws.empty()) {  // over weft's connection, whatever the launcher
        auto f = weft::remotecall(spin_until_interrupted, ws.back());
        weft::interrupt({ws.back()});
        try {
            weft::fetch(f);
        } catch (const weft::RemoteException& e) {
            std::printf("interrupted: %s\n", e.captured().type.c_str());
        }
    }
    for (int w : ws) std::printf("worker %s\n", weft::remotecall_fetch(info, w).c_str());
    if (ws.size() >= 2 && weft::remotecall_fetch(ask_peer, ws[0], ws[1]) != ws[1]) {
        std::printf("worker-to-worker call failed\n");
        return 1;
    }
    if (lines > 0) {
        std::vector<weft::Future<int>> fs;
        for (int w : ws) fs.push_back(weft::remotecall(print_lines, w, lines));
        for (auto& f : fs) weft::fetch(f);
    }
    std::fflush(stdout);
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && !std::strcmp(argv[1], "--custom-worker")) {
        std::string cookie;
        std::getline(std::cin, cookie);
        static UnixPairManager self(0);
        weft::init_worker(cookie, self);
        weft::process_messages(weft::Connection(3, "the master"));
        weft::run_worker_loop();
    }
    weft::init(argc, argv);
    std::vector<std::string> a(argv + 1, argv + argc);
    std::vector<std::string> pos;
    for (auto& s : a)
        if (s.rfind("--", 0) != 0) pos.push_back(s);
    if (pos.empty()) {
        std::fprintf(stderr, "usage: launchers local N | ssh HOST... | slurm | mpi MPIEXEC N | spmd | custom | topology\n");
        return 2;
    }
    const std::string mode = pos[0];
    const int lines = std::atoi(opt(a, "lines", "0").c_str());
    g_interrupt = flag(a, "interrupt");
    weft::AddProcsOptions o;
    o.tunnel = flag(a, "tunnel");
    o.multiplex = flag(a, "multiplex");
    o.max_parallel = std::atoi(opt(a, "max-parallel", "10").c_str());
    o.exename = opt(a, "exename");
    if (auto t = opt(a, "timeout"); !t.empty()) o.timeout = std::chrono::seconds(std::atoi(t.c_str()));
    try {
        std::vector<int> ws;
        if (mode == "local") {
            ws = weft::addprocs(std::atoi(pos.at(1).c_str()), o);
        } else if (mode == "ssh") {
            std::vector<weft::Machine> ms;
            for (std::size_t i = 1; i < pos.size(); ++i) {
                auto star = pos[i].find('*');
                if (star == std::string::npos) ms.emplace_back(pos[i]);
                else if (pos[i].substr(0, star) == "auto") ms.emplace_back(pos[i].substr(star + 1), weft::Machine::auto_count);
                else ms.emplace_back(pos[i].substr(star + 1), std::atoi(pos[i].substr(0, star).c_str()));
            }
            weft::SSHManager m(ms);
            if (auto s = opt(a, "ssh"); !s.empty()) m.ssh = s;
            ws = weft::addprocs(m, o);
            int rc = check_cluster(ws, lines);
            if (auto down = opt(a, "down-cmd"); !down.empty()) {
                // The first worker's host goes silent: its futures fail, the others go on.
                auto f1 = weft::remotecall(nap, ws[0], 600);
                auto f2 = weft::remotecall(nap, ws[1], 1);
                weft::sleep(std::chrono::milliseconds(200));  // let the calls reach them (not a sync point)
                if (std::system(down.c_str()) != 0) return 3;
                std::printf("other host: %d\n", weft::fetch(f2));
                try {
                    weft::fetch(f1);
                    std::printf("no exception\n");
                } catch (const weft::ProcessExitedException& e) {
                    std::printf("silent host: ProcessExitedException pid=%d\n", e.pid());
                }
                std::printf("nprocs after=%d\n", weft::nprocs());
            }
            weft::rmprocs(weft::workers());
            return rc;
        } else if (mode == "slurm") {
            weft::SlurmManager m;
            ws = weft::addprocs(m, o);
            int rc = check_cluster(ws, lines);
            weft::rmprocs(weft::workers());
            return rc;
        } else if (mode == "mpi") {
            weft::MPIManager m(std::atoi(pos.at(2).c_str()), pos.at(1));
            ws = weft::addprocs(m, o);
            int rc = check_cluster(ws, lines);
            weft::rmprocs(weft::workers());
            return rc;
        } else if (mode == "spmd") {
            ws = weft::workers();
            if (ws == std::vector<int>{1}) ws.clear();
        } else if (mode == "custom") {
            UnixPairManager m(2);
            ws = weft::addprocs(m, o);
            int rc = check_cluster({ws[0]}, lines);
            std::printf("custom ids %d %d\n", ws[0], ws[1]);
            weft::rmprocs(ws);
            std::printf("deregistered %d\n", m.deregistered);
            try {
                NoStreams none;
                weft::addprocs(none, o);
                std::printf("empty launch ok nprocs=%d\n", weft::nprocs());
            } catch (const std::exception& e) {
                std::printf("error: %s\n", e.what());
            }
            return rc;
        } else if (mode == "topology") {
            o.topology = weft::Topology::master_worker;
            ws = weft::addprocs(2, o);
            try {
                weft::remotecall_fetch(ask_peer, ws[0], ws[1]);
                std::printf("worker-to-worker call was not refused\n");
                return 1;
            } catch (const weft::RemoteException& e) {
                std::printf("refused: %s\n", e.what());
            }
            return 0;
        } else {
            std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
            return 2;
        }
        return check_cluster(ws, lines);
    } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
        std::fflush(stdout);
        return 1;
    }
}
