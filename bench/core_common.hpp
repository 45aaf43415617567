// bench/core_common.hpp — what the runtime-core benchmarks (issue 3) share: timing and
// statistics, result rows, and the raw TCP baseline (a forked echo server on loopback
// with TCP_NODELAY and plain blocking send/recv) that each weft figure is set beside.
//
// A result row is printed twice: aligned for people, and as one `@row` line that
// bench/run_core.sh parses:  @row <bench>|<metric>|<ours>|<baseline>|<unit>|<goal>
// where <goal> is "<=X" (ours/baseline must not exceed X), ">=X", or "-" (informative).
#pragma once
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <csignal>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// The q-quantile (0..1) of `v` (nearest rank).
inline double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}
inline double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

/// True when this process may run on one CPU only (`taskset -c 0`).
inline bool pinned() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return false;
    return CPU_COUNT(&set) == 1;
}

inline void header(const char* bench, const char* what) {
    std::printf("== %s (%s): %s\n", bench, pinned() ? "pinned to one CPU" : "unpinned", what);
    std::printf("   %-34s %14s %14s %8s  %-8s %s\n", "metric", "weft", "raw", "ratio", "unit", "goal");
}

/// Prints one result row; see the file comment for the `@row` format.
inline void row(const char* bench, const char* metric, double ours, double base, const char* unit,
                const char* goal) {
    double ratio = ours / base;
    const char* met = "";
    if (goal[0] == '<' || goal[0] == '>') {
        double g = std::atof(goal + 2);
        bool ok = goal[0] == '<' ? ratio <= g : ratio >= g;
        met = ok ? "  met" : "  NOT met";
    }
    std::printf("   %-34s %14.4g %14.4g %7.3fx  %-8s %s%s\n", metric, ours, base, ratio, unit, goal, met);
    std::printf("@row %s|%s|%.6g|%.6g|%s|%s\n", bench, metric, ours, base, unit, goal);
    std::fflush(stdout);
}

[[noreturn]] inline void die(const char* what) {
    std::fprintf(stderr, "bench: %s: %s\n", what, std::strerror(errno));
    std::exit(2);
}

/// Integer option `--name=value`, else `def`.
inline long option(int argc, char** argv, const char* name, long def) {
    std::string pre = std::string("--") + name + "=";
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], pre.c_str(), pre.size()) == 0) return std::atol(argv[i] + pre.size());
    return def;
}

inline void set_nodelay(int fd) {
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("TCP_NODELAY");
}

inline void send_all(int fd, const void* p, std::size_t n) {
    auto* c = static_cast<const char*>(p);
    while (n > 0) {
        ssize_t k = ::send(fd, c, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            die("send");
        }
        c += k;
        n -= static_cast<std::size_t>(k);
    }
}

inline void recv_all(int fd, void* p, std::size_t n) {
    auto* c = static_cast<char*>(p);
    while (n > 0) {
        ssize_t k = ::recv(fd, c, n, 0);
        if (k <= 0) {
            if (k < 0 && errno == EINTR) continue;
            die("recv");
        }
        c += k;
        n -= static_cast<std::size_t>(k);
    }
}

/// Message sizes of the small-call baseline: about the size of weft's frames for an
/// int -> int call (9-byte frame header + call fields + argument; result frame likewise).
constexpr std::size_t small_request = 32;
constexpr std::size_t small_reply = 24;

/// What the raw server does with its one connection.
enum class EchoMode {
    small,  ///< for every complete small_request it has read, one send() of small_reply bytes
    bulk,   ///< reads `bulk_bytes`, then sends them back; repeatedly
};

/// A raw TCP echo server in a forked child process (blocking sockets, TCP_NODELAY) and
/// the client's connection to it. The child serves one connection until EOF, then exits.
/// Fork it before addprocs so that it holds no worker connection.
class RawEcho {
  public:
    RawEcho(EchoMode mode, std::size_t bulk_bytes = 0) {
        int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd < 0) die("socket");
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind");
        if (::listen(lfd, 1) != 0) die("listen");
        socklen_t len = sizeof a;
        if (::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len) != 0) die("getsockname");
        // The buffers are allocated before fork: the child makes system calls only.
        std::vector<char> buf(mode == EchoMode::bulk ? bulk_bytes : 1 << 16);
        std::vector<char> replies(mode == EchoMode::small ? small_reply : 0, 'r');
        child_ = ::fork();
        if (child_ < 0) die("fork");
        if (child_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            int fd = ::accept(lfd, nullptr, nullptr);
            if (fd < 0) _exit(3);
            set_nodelay(fd);
            if (mode == EchoMode::small) serve_small(fd, buf, replies);
            else serve_bulk(fd, buf);
            _exit(0);
        }
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) die("socket");
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
        set_nodelay(fd_);
        ::close(lfd);
    }
    RawEcho(const RawEcho&) = delete;
    RawEcho& operator=(const RawEcho&) = delete;
    ~RawEcho() {
        ::close(fd_);
        int st = 0;
        ::waitpid(child_, &st, 0);
    }
    int fd() const { return fd_; }

  private:
    static void serve_small(int fd, std::vector<char>& buf, const std::vector<char>& reply) {
        std::size_t have = 0;
        for (;;) {
            ssize_t k = ::recv(fd, buf.data() + have, buf.size() - have, 0);
            if (k <= 0) return;
            have += static_cast<std::size_t>(k);
            std::size_t done = 0;
            for (; have - done >= small_request; done += small_request) send_all(fd, reply.data(), reply.size());
            std::memmove(buf.data(), buf.data() + done, have - done);
            have -= done;
        }
    }
    static void serve_bulk(int fd, std::vector<char>& buf) {
        for (;;) {
            std::size_t have = 0;
            while (have < buf.size()) {
                ssize_t k = ::recv(fd, buf.data() + have, buf.size() - have, 0);
                if (k <= 0) return;
                have += static_cast<std::size_t>(k);
            }
            send_all(fd, buf.data(), buf.size());
        }
    }
    pid_t child_ = -1;
    int fd_ = -1;
};

}  // namespace bench
