// test/config/probe.cpp — shows what the runtime does under the WEFT_* variables that are
// read once per process (test/config/CMakeLists.txt runs it with each set and unset and
// matches its output): `weft_config_probe <what>`.
#include <fcntl.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

extern char** environ;

namespace {
std::atomic<long> g_yields{0};

int whoami() { return weft::myid(); }
std::size_t length(const std::vector<char>& v) { return v.size(); }
int say_hello() {
    std::printf("hello from the worker\n");
    std::fflush(stdout);
    return 0;
}

/// Starts one worker (this program) whose stdout is a pipe the manager reads: the
/// announcement first, then everything else is copied to our stdout marked as the
/// worker's own, so a line the runtime relays over its connection looks different.
class OwnStdoutManager : public weft::ClusterManager {
  public:
    void launch(const weft::AddProcsOptions&, std::vector<weft::WorkerConfig>& launched,
                weft::LaunchNotifier& notify) override {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC)) return notify.fail("pipe failed");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        char exe[4096];
        const ssize_t len = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[len > 0 ? len : 0] = 0;
        char* argv[] = {exe, const_cast<char*>("--weft-worker"), nullptr};
        const int rc = posix_spawn(&pid_, exe, &fa, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(in[0]);
        ::close(out[1]);
        if (rc != 0) return notify.fail("posix_spawn failed");
        const std::string cookie = weft::cluster_cookie() + "\n";
        (void)!::write(in[1], cookie.data(), cookie.size());
        ::close(in[1]);
        std::string line;  // `weft-worker <ip>:<port>`
        for (char c; ::read(out[0], &c, 1) == 1 && c != '\n';) line += c;
        weft::WorkerConfig cfg;
        const auto colon = line.rfind(':');
        cfg.host = line.substr(12, colon - 12);
        cfg.port = std::stoi(line.substr(colon + 1));
        copier_ = std::thread([fd = out[0]] {
            std::string text;
            char buf[4096];
            for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
            ::close(fd);
            if (!text.empty()) std::printf("the worker's own stdout: %s", text.c_str());
        });
        launched.push_back(std::move(cfg));
        notify.notify();
    }
    void manage(int, weft::WorkerConfig&, weft::ManageOp op) override {
        if (op != weft::ManageOp::deregister) return;
        int status = 0;
        ::waitpid(pid_, &status, 0);
        copier_.join();
    }

  private:
    pid_t pid_ = 0;
    std::thread copier_;
};

/// The size of the mapping that holds `p`, from /proc/self/maps.
std::size_t mapping_size(const void* p) {
    std::ifstream maps("/proc/self/maps");
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    for (std::string line; std::getline(maps, line);) {
        std::uintptr_t lo = 0, hi = 0;
        char dash = 0;
        std::istringstream in(line);
        if (in >> std::hex >> lo >> dash >> hi && lo <= a && a < hi) return hi - lo;
    }
    return 0;
}
}  // namespace
WEFT_REMOTE(whoami, length, say_hello)

/// Counts the runtime's sched_yield calls (the idle spin of WEFT_SPIN_US yields between
/// polls): this definition takes the place of libc's for the whole program.
extern "C" int sched_yield() noexcept {
    g_yields.fetch_add(1, std::memory_order_relaxed);
    return static_cast<int>(::syscall(SYS_sched_yield));
}

int main(int argc, char** argv) {
    weft::init(argc, argv);
    const std::string what = argc > 1 ? argv[1] : "";
    if (what == "nprocs") {
        std::printf("nprocs=%d\n", weft::nprocs());
    } else if (what == "stack") {  // WEFT_TASK_STACK_KB: the stack a task runs on
        const std::size_t bytes = weft::fetch(weft::async([] {
            volatile char here = 0;
            return mapping_size(const_cast<const char*>(&here));
        }));
        std::printf("task stack: %zu KiB\n", bytes / 1024);
    } else if (what == "malloc") {  // WEFT_MALLOC_TUNING: is a 64 MiB block mmap'd of its own?
        const std::size_t before = mallinfo2().hblks;
        auto* p = static_cast<volatile char*>(std::malloc(64 << 20));
        p[0] = 1;
        std::printf("mmapped blocks: %zu more\n", mallinfo2().hblks - before);
        std::free(const_cast<char*>(p));
    } else if (what == "cookie") {  // WEFT_COOKIE
        std::printf("cookie: %s\n", weft::cluster_cookie().c_str());
    } else if (what == "spin") {  // WEFT_SPIN_US: does waiting for a reply poll first?
        const int w = weft::addprocs(1)[0];
        g_yields = 0;
        // The spin is skipped while the machine looks crowded (more runnable threads than
        // CPUs, sampled every 10 ms): on 2 CPUs the master, the worker and a passing thread
        // are enough for one sample, so keep calling for up to 2 s (about 200 samples).
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (g_yields.load() == 0 && std::chrono::steady_clock::now() < give_up) weft::remotecall_fetch(whoami, w);
        std::printf("yielded while waiting: %s\n", g_yields.load() > 0 ? "yes" : "no");
    } else if (what == "frame") {  // WEFT_MAX_FRAME: a 64 KiB argument
        const int w = weft::addprocs(1)[0];
        try {
            std::printf("64 KiB argument: %zu bytes arrived\n", weft::remotecall_fetch(length, w, std::vector<char>(64 << 10)));
        } catch (const std::exception& e) {
            std::printf("64 KiB argument: refused (%s)\n", e.what());
        }
    } else if (what == "bind") {  // WEFT_BIND_ADDR: where a worker listens
        const int w = weft::addprocs(1)[0];
        std::printf("worker address: %s\n", weft::debug::address(w).c_str());
    } else if (what == "output") {  // WEFT_OUTPUT_LOCAL: a worker's printf
        OwnStdoutManager manager;
        const int w = weft::addprocs(manager)[0];
        weft::remotecall_fetch(say_hello, w);
        weft::rmprocs(w);
    } else {
        std::fprintf(stderr, "usage: weft_config_probe nprocs|stack|malloc|cookie|spin|frame|bind|output\n");
        return 2;
    }
    return 0;
}
