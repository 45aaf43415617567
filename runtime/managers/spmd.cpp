// runtime/managers/spmd.cpp — SPMD start (SPEC §1): a program started as N ranks by
// `srun -n N`, `mpiexec -n N` (MPICH: PMI_RANK/PMI_SIZE; Open MPI: OMPI_COMM_WORLD_*) or
// Slurm (SLURM_PROCID/SLURM_STEP_NUM_TASKS) forms one cluster: rank 0 is process 1 and
// listens at WEFT_MASTER_ADDR (or, when every rank is on one host, 127.0.0.1 and the first
// free of eight ports derived from the launch) only until every rank has joined; rank r connects to it,
// proves the cookie (the handshake of SPEC §6), says its rank and listening address, and
// becomes process r+1. The cookie is WEFT_COOKIE, else a random one that rank 0 writes to
// a 0600 file in ~/.weft/spmd (a 0700 directory) for the other ranks to read.
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "config.hpp"
#include "cluster_state.hpp"
#include "log.hpp"
#include "transport/handshake.hpp"
#include "weft/task.hpp"

namespace weft::rt {

void prepare_worker_process();  // worker.cpp

namespace {
struct Launch {
    int rank = -1, size = 0;
    bool one_host = false;
    std::string key, launcher;
};

int env_int(const char* name, int dflt = -1) {
    const char* v = std::getenv(name);
    if (!v || !*v) return dflt;
    char* end = nullptr;
    long x = std::strtol(v, &end, 10);
    return end && *end == 0 ? static_cast<int>(x) : dflt;
}
std::string env_str(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

Launch detect() {
    Launch l;
    if (env_int("OMPI_COMM_WORLD_SIZE") > 0) {
        l.launcher = "Open MPI";
        l.rank = env_int("OMPI_COMM_WORLD_RANK");
        l.size = env_int("OMPI_COMM_WORLD_SIZE");
        l.one_host = env_int("OMPI_COMM_WORLD_LOCAL_SIZE") == l.size;
        l.key = "ompi:" + env_str("OMPI_MCA_ess_base_jobid");
    } else if (env_int("PMI_SIZE") > 0 && env_int("PMI_RANK") >= 0) {
        l.launcher = "mpiexec (PMI)";
        l.rank = env_int("PMI_RANK");
        l.size = env_int("PMI_SIZE");
        l.one_host = env_int("MPI_LOCALNRANKS") == l.size;
        l.key = "pmi:" + env_str("PMI_KVSNAME") + env_str("SLURM_JOB_ID");
    } else if (std::getenv("SLURM_STEP_ID") && env_int("SLURM_PROCID") >= 0) {
        l.launcher = "srun";
        l.rank = env_int("SLURM_PROCID");
        l.size = env_int("SLURM_STEP_NUM_TASKS", env_int("SLURM_NTASKS", 0));
        l.one_host = env_int("SLURM_STEP_NUM_NODES", env_int("SLURM_NNODES", 0)) == 1;
        l.key = "slurm:" + env_str("SLURM_JOB_ID") + "." + env_str("SLURM_STEP_ID");
    }
    // Ranks on one host share their parent (slurmstepd, hydra_pmi_proxy, mpirun/orted).
    if (l.one_host) l.key += ":" + std::to_string(::getppid());
    return l;
}

std::uint64_t fnv(const std::string& s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

std::pair<std::string, int> split_addr(const std::string& a) {
    auto colon = a.rfind(':');
    int port = colon == std::string::npos ? 0 : std::atoi(a.c_str() + colon + 1);
    if (colon == std::string::npos || port <= 0 || port > 65535)
        throw std::invalid_argument("weft: WEFT_MASTER_ADDR='" + a + "' is not <ip>:<port>");
    std::string host = a.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    return {host, port};
}

/// The default cookie of an SPMD start (no WEFT_COOKIE): rank 0 draws it at random and
/// writes it to a 0600 file in ~/.weft/spmd, a 0700 directory owned by the user (home
/// directories are shared by a cluster's nodes); the other ranks read it there once they
/// reach rank 0, which writes it before it listens and removes it once every rank joined.
/// Nobody but the user can read it (the cookie derived from the job id, uid and host
/// before could be computed by any local user).
struct CookieFile {
    std::string dir, path;
};

/// A missing or unsafe cookie file: the rank cannot go on.
struct CookieError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void no_cookie(const Launch& l, const std::string& why) {
    throw CookieError("weft: rank " + std::to_string(l.rank) + " of " + l.launcher +
                             " has no cluster cookie: " + why +
                             ". Set WEFT_COOKIE to the same secret on every rank (e.g. export "
                             "WEFT_COOKIE=$(openssl rand -hex 16) before the launch), or make ~/.weft/spmd a "
                             "directory only you can read, on a filesystem every rank's host shares");
}

CookieFile cookie_file(const Launch& l) {
    const char* home = std::getenv("HOME");
    if (!home || !*home) no_cookie(l, "HOME is not set, so there is no ~/.weft/spmd to share one in");
    CookieFile c;
    c.dir = std::string(home) + "/.weft/spmd";
    char name[40];
    std::snprintf(name, sizeof name, "/cookie-%016llx", static_cast<unsigned long long>(fnv("weft-spmd:" + l.key)));
    c.path = c.dir + name;
    return c;
}

/// Checks that `p` is ours and that neither group nor others may access it.
void check_private(const Launch& l, const std::string& p, bool is_dir) {
    struct stat sb {};
    if (::lstat(p.c_str(), &sb) != 0) no_cookie(l, "cannot examine " + p + ": " + std::strerror(errno));
    if ((is_dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode)) || sb.st_uid != ::getuid() || (sb.st_mode & 077))
        no_cookie(l, p + " must be a " + (is_dir ? "directory" : "file") + " owned by uid " +
                         std::to_string(::getuid()) + " that only its owner can access (mode " +
                         (is_dir ? "0700" : "0600") + ")");
}

/// Rank 0: a new random cookie in the file, replacing any earlier one.
std::string write_cookie_file(const Launch& l, const CookieFile& c) {
    const std::string parent = c.dir.substr(0, c.dir.rfind('/'));
    for (const std::string& d : {parent, c.dir})
        if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) no_cookie(l, "cannot create " + d + ": " + std::strerror(errno));
    check_private(l, c.dir, true);
    unsigned char b[16];
    if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) no_cookie(l, "getrandom failed");
    std::string cookie;
    for (unsigned char x : b) {
        cookie += "0123456789abcdef"[x >> 4];
        cookie += "0123456789abcdef"[x & 15];
    }
    const std::string tmp = c.path + ".tmp" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) no_cookie(l, "cannot create " + tmp + ": " + std::strerror(errno));
    const bool ok = ::write(fd, cookie.data(), cookie.size()) == static_cast<ssize_t>(cookie.size());
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), c.path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        no_cookie(l, "cannot write " + c.path + ": " + std::strerror(errno));
    }
    return cookie;
}

/// Another rank: the cookie rank 0 wrote ("" while the file is not there yet).
std::string read_cookie_file(const Launch& l, const CookieFile& c) {
    const int fd = ::open(c.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) return "";
        no_cookie(l, "cannot read " + c.path + ": " + std::strerror(errno));
    }
    ::close(fd);
    check_private(l, c.dir, true);
    check_private(l, c.path, false);
    const int fd2 = ::open(c.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    char buf[64];
    const ssize_t n = fd2 < 0 ? -1 : ::read(fd2, buf, sizeof buf);
    if (fd2 >= 0) ::close(fd2);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

struct Hello {
    std::int32_t rank = 0, port = 0;
    std::string host;
};

void write_hello(tcp::socket& s, int rank, const std::string& host, int port, std::chrono::seconds t) {
    std::string b = "WEFTRANK";
    std::int32_t r = rank, p = port;
    std::uint16_t n = static_cast<std::uint16_t>(host.size());
    b.append(reinterpret_cast<const char*>(&r), 4);
    b.append(reinterpret_cast<const char*>(&p), 4);
    b.append(reinterpret_cast<const char*>(&n), 2);
    b += host;
    write_all(s, b.data(), b.size(), t);
}

Hello read_hello(tcp::socket& s, std::chrono::seconds t) {
    char magic[8];
    read_exact(s, magic, 8, t);
    if (std::memcmp(magic, "WEFTRANK", 8)) throw std::runtime_error("not an SPMD rank's hello");
    Hello h;
    std::uint16_t n = 0;
    read_exact(s, &h.rank, 4, t);
    read_exact(s, &h.port, 4, t);
    read_exact(s, &n, 2, t);
    if (n > 255) throw std::runtime_error("bad SPMD hello");
    h.host.resize(n);
    read_exact(s, h.host.data(), n, t);
    return h;
}

void run_master(const Launch& l, const std::string& host, const std::vector<int>& ports, bool cookie_in_file) {
    auto& st = state();
    const auto timeout = worker_timeout();
    std::string cookie_path;
    if (cookie_in_file) {  // written before rank 0 listens: a rank that reached it can read it
        const CookieFile c = cookie_file(l);
        st.cookie = write_cookie_file(l, c);
        cookie_path = c.path;
    }
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) throw std::invalid_argument("weft: the SPMD master address '" + host + "' is not an IP address");
    tcp::acceptor acc(io());
    int port = 0;
    std::string tried;
    for (int candidate : ports) {  // the first free one of the ports the ranks will try
        acc.close(ec);
        acc.open(addr.is_v6() ? tcp::v6() : tcp::v4(), ec);
        if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acc.bind(tcp::endpoint(addr, static_cast<unsigned short>(candidate)), ec);
        if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
        if (!ec) {
            port = candidate;
            break;
        }
        tried += (tried.empty() ? "" : ", ") + std::to_string(candidate) + " (" + ec.message() + ")";
    }
    if (!port)
        throw std::runtime_error("weft: rank 0 of " + l.launcher + " cannot listen on " + host + " for the other ranks: " +
                                 "port " + tried + " (set WEFT_MASTER_ADDR=<ip>:<free port>)");
    log_debug("SPMD: rank 0 of ", l.size, " listening on ", host, ":", port);
    struct Arrived {
        std::shared_ptr<tcp::socket> sock;
        Hello hello;
        std::unique_ptr<FastPath> fast;  ///< from the handshake (transport.hpp)
    };
    // Shared with the handlers and handshake tasks, which may outlive this function (a
    // late or stray connection).
    struct Meeting {
        std::map<int, Arrived> ranks;
        Event progress;
        bool stop = false;
    };
    auto m = std::make_shared<Meeting>();
    const int size = l.size;
    const std::string cookie = st.cookie;
    std::function<void()> accept_next;
    accept_next = [&acc, m, size, cookie, timeout, &accept_next] {
        acc.async_accept([m, size, cookie, timeout, &accept_next](const boost::system::error_code& e, tcp::socket s) {
            if (e || m->stop) return;
            auto sock = std::make_shared<tcp::socket>(std::move(s));
            ::fcntl(sock->native_handle(), F_SETFD, FD_CLOEXEC);
            set_keepalive(sock->native_handle());
            launch([m, sock, size, cookie, timeout] {
                try {
                    std::unique_ptr<FastPath> fast;
                    handshake_accept(*sock, cookie, 1, timeout, &fast);
                    Hello h = read_hello(*sock, timeout);
                    if (h.rank <= 0 || h.rank >= size || m->ranks.count(h.rank))
                        throw std::runtime_error("rank " + std::to_string(h.rank) + " is unexpected");
                    if (!m->stop) m->ranks[h.rank] = {sock, h, std::move(fast)};
                } catch (const std::exception& ex) {
                    log_warn("SPMD: dropped a connection: ", ex.what());
                }
                m->progress.set();
            });
            accept_next();
        });
    };
    accept_next();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (static_cast<int>(m->ranks.size()) < l.size - 1) {
        m->progress.reset();
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds(0) || !m->progress.wait_for(left)) break;
    }
    m->stop = true;
    acc.close(ec);  // the master listens only until every rank has joined (SPEC §6)
    if (!cookie_path.empty()) ::unlink(cookie_path.c_str());  // every rank has it (or never will)
    auto& ranks = m->ranks;
    if (static_cast<int>(ranks.size()) < l.size - 1) {
        std::string missing;
        for (int r = 1; r < l.size; ++r)
            if (!ranks.count(r)) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
        throw std::runtime_error("weft: rank 0 of " + l.launcher + " waited " + std::to_string(timeout.count()) +
                                 " s at " + host + ":" + std::to_string(port) + " but rank(s) " + missing +
                                 " did not join (check WEFT_MASTER_ADDR is reachable from every rank, the same "
                                 "WEFT_COOKIE on all, or raise WEFT_WORKER_TIMEOUT)");
    }
    std::vector<int> added;
    for (auto& [rank, a] : ranks) {
        auto cfg = std::make_shared<WorkerConfig>();
        cfg->host = a.hello.host;
        cfg->port = a.hello.port;
        cfg->command = l.launcher + " rank " + std::to_string(rank);
        auto conn = std::make_shared<Connection>(std::move(*a.sock), a.hello.host + ":" + std::to_string(a.hello.port),
                                                 std::move(a.fast));
        finish_join(rank + 1, conn, cfg, nullptr, Topology::all_to_all, timeout,
                    "rank " + std::to_string(rank) + " of " + l.launcher);
        added.push_back(rank + 1);
    }
    st.next_pid = l.size + 1;
    announce_new_peers(added);
}

[[noreturn]] void run_rank(const Launch& l, const std::string& host, const std::vector<int>& ports, bool cookie_in_file) {
    auto& st = state();
    st.is_worker = true;
    st.myid = 0;
    prepare_worker_process();
    const auto timeout = worker_timeout();
    std::string bind = config::bind_addr();
    if (bind.empty()) bind = (host == "127.0.0.1" || host == "::1") ? host : "route:" + host;
    listen_for_peers(bind);
    start_accepting();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last;
    for (std::size_t attempt = 0;; ++attempt) {  // rank 0 may not listen yet; with derived
        const int port = ports[attempt % ports.size()];  // ports, on the first free candidate
        try {
            auto sock = connect_tcp(host, port, std::chrono::seconds(5));
            if (cookie_in_file) {  // rank 0 wrote it before it listened
                st.cookie = read_cookie_file(l, cookie_file(l));
                if (st.cookie.empty()) {
                    last = cookie_file(l).path + " is not there (rank 0 writes it; is ~/.weft/spmd shared by every host?)";
                    throw std::runtime_error(last);
                }
            }
            std::unique_ptr<FastPath> fast;
            handshake_connect(sock, st.cookie, 0, timeout, &fast);
            write_hello(sock, l.rank, st.host, st.port, timeout);
            auto conn = std::make_shared<Connection>(std::move(sock), host + ":" + std::to_string(port), std::move(fast));
            conn->set_peer(1);
            st.peers[1].pid = 1;
            st.peers[1].conn = conn;
            conn->start_reader();
            break;
        } catch (const CookieError& e) {
            std::fprintf(stderr, "%s\n", e.what());
            std::exit(1);
        } catch (const HandshakeError& e) {
            if (ports.size() == 1) {
                std::fprintf(stderr, "weft: rank %d of %s: the master at %s:%d refused it: %s\n", l.rank,
                             l.launcher.c_str(), host.c_str(), port, e.what());
                std::exit(1);
            }
            last = std::to_string(port) + ": " + e.what();  // another cluster's port: try the next
        } catch (const std::exception& e) {
            last = e.what();
        }
        if (std::chrono::steady_clock::now() > deadline) {
            std::fprintf(stderr, "weft: rank %d of %s could not reach rank 0 at %s (port %d%s) within %lld s (%s); "
                         "set WEFT_MASTER_ADDR or raise WEFT_WORKER_TIMEOUT\n",
                         l.rank, l.launcher.c_str(), host.c_str(), ports[0], ports.size() > 1 ? " or the next candidates" : "",
                         static_cast<long long>(timeout.count()), last.c_str());
            std::exit(1);
        }
        if ((attempt + 1) % ports.size() == 0) weft::sleep(std::chrono::milliseconds(20));
    }
    serve_until_exit();
}
}  // namespace

bool spmd_start() {
    if (!config::spmd()) return false;
    Launch l = detect();
    if (l.size <= 1 || l.rank < 0) return false;
    if (l.rank >= l.size) throw std::runtime_error("weft: " + l.launcher + " rank " + std::to_string(l.rank) +
                                                   " is not below the rank count " + std::to_string(l.size));
    auto& st = state();
    st.spmd = true;
    std::string host;
    std::vector<int> ports;
    if (const std::string m = config::master_addr(); !m.empty()) {
        auto [h, p] = split_addr(m);
        host = h;
        ports.push_back(p);
    } else if (l.one_host) {
        // Eight candidate ports derived from the launch, below the ephemeral range (where
        // any outgoing connection may hold a port): rank 0 listens on the first free one.
        host = "127.0.0.1";
        int low = 32768;
        if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
            if (std::fscanf(f, "%d", &low) != 1) low = 32768;
            std::fclose(f);
        }
        const int first = 10000, span = std::max(1000, low - first);
        for (int i = 0; i < 8; ++i) ports.push_back(first + static_cast<int>(fnv(l.key + "#" + std::to_string(i)) % span));
    } else {
        throw std::runtime_error("weft: started as rank " + std::to_string(l.rank) + " of " + std::to_string(l.size) +
                                 " by " + l.launcher + " on several hosts: set WEFT_MASTER_ADDR=<ip of rank 0's "
                                 "host>:<port> so the ranks can meet");
    }
    const bool cookie_in_file = st.cookie.empty();  // no WEFT_COOKIE: see CookieFile
    if (cookie_in_file) cookie_file(l);                // fails now, clearly, without HOME
    log_debug("SPMD: rank ", l.rank, " of ", l.size, " (", l.launcher, "), master at ", host, ":", ports[0]);
    if (l.rank == 0) {
        run_master(l, host, ports, cookie_in_file);
        return true;
    }
    run_rank(l, host, ports, cookie_in_file);
}

}  // namespace weft::rt
