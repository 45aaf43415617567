// runtime/worker.cpp — worker mode: read the cookie (stdin, or the 0600 file named by
// WEFT_COOKIE_FILE), listen, announce `weft-worker <ip>:<port>` in one write(), wait for
// the master (WEFT_WORKER_TIMEOUT), join the cluster, send stdout/stderr to the master
// over weft's connection as whole lines, serve until told to exit or the master is gone.
// Also the custom-transport entry points (init_worker, process_messages).
#include <algorithm>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define WEFT_HAS_SANITIZER_DEATH_CALLBACK 1
#endif
#endif
#if !defined(WEFT_HAS_SANITIZER_DEATH_CALLBACK) && defined(__SANITIZE_ADDRESS__)
#define WEFT_HAS_SANITIZER_DEATH_CALLBACK 1
#endif
#if WEFT_HAS_SANITIZER_DEATH_CALLBACK
#include <sanitizer/common_interface_defs.h>
#endif

#include "config.hpp"
#include "cluster_state.hpp"
#include "log.hpp"
#include "messages.hpp"
#include "transport/transport.hpp"
#include "weft/task.hpp"

namespace weft::rt {

std::atomic<bool> g_interrupt_pending{false};

namespace {
[[noreturn]] void die(const std::string& msg) {
    std::string line = "weft worker (pid " + std::to_string(::getpid()) + "): " + msg + "\n";
    (void)!::write(2, line.data(), line.size());
    std::fflush(nullptr);
    ::_exit(1);
}

std::string read_cookie() {
    if (const std::string f = config::cookie_file(); !f.empty()) {
        std::ifstream in(f);
        std::string cookie;
        if (!in || !std::getline(in, cookie) || cookie.empty())
            die("cannot read the cluster cookie from WEFT_COOKIE_FILE=" + f);
        return cookie;
    }
    std::string cookie;
    char c;
    while (::read(0, &c, 1) == 1 && c != '\n') cookie += c;
    if (cookie.empty())
        die("no cluster cookie on standard input; workers are started by weft::addprocs (or the launcher), "
            "which writes the cookie to their stdin");
    return cookie;
}

/// The local address of the route towards `ip` (UDP connect + getsockname: no packet sent).
std::string route_address(const std::string& ip) {
    sockaddr_storage sa{};
    socklen_t len = 0;
    if (ip.find(':') != std::string::npos) {
        auto* a6 = reinterpret_cast<sockaddr_in6*>(&sa);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(9);
        if (::inet_pton(AF_INET6, ip.c_str(), &a6->sin6_addr) != 1) return "";
        len = sizeof *a6;
    } else {
        auto* a4 = reinterpret_cast<sockaddr_in*>(&sa);
        a4->sin_family = AF_INET;
        a4->sin_port = htons(9);
        if (::inet_pton(AF_INET, ip.c_str(), &a4->sin_addr) != 1) return "";
        len = sizeof *a4;
    }
    int fd = ::socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "";
    std::string out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), len) == 0) {
        sockaddr_storage me{};
        socklen_t ml = sizeof me;
        char buf[INET6_ADDRSTRLEN] = {};
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&me), &ml) == 0) {
            const void* src = me.ss_family == AF_INET6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&me)->sin6_addr)
                                                       : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&me)->sin_addr);
            if (::inet_ntop(me.ss_family, src, buf, sizeof buf)) out = buf;
        }
    }
    ::close(fd);
    return out;
}

/// The IP to bind and advertise: WEFT_BIND_ADDR, else what --weft-bind asks for.
std::string resolve_bind(std::string bind) {
    if (std::string b = config::bind_addr(); !b.empty()) return b;
    if (bind.empty()) return "127.0.0.1";
    if (bind == "ssh") {  // the address the master's ssh reached: SSH_CONNECTION's third field
        const char* sc = std::getenv("SSH_CONNECTION");
        std::istringstream in(sc ? sc : "");
        std::string client, cport, server;
        if (!(in >> client >> cport >> server))
            die("--weft-bind=ssh but SSH_CONNECTION is not set (set WEFT_BIND_ADDR to this host's IP)");
        return server;
    }
    if (bind == "slurm") {  // srun tasks: the address on the route back to the launch node
        const char* ip = std::getenv("SLURM_LAUNCH_NODE_IPADDR");
        bind = std::string("route:") + (ip && *ip ? ip : "127.0.0.1");
    }
    if (bind.rfind("route:", 0) == 0) {
        std::string a = route_address(bind.substr(6));
        if (a.empty()) die("no route to " + bind.substr(6) + " to choose an address from (set WEFT_BIND_ADDR)");
        return a;
    }
    return bind;
}

void on_sigint(int) { g_interrupt_pending.store(true); }

// Output relay: fds 1 and 2 become pipes read by a thread; whole lines go to the master
// as OutputMsg frames, sent on the runtime thread.
struct OutputRelay {
    int rd[2] = {-1, -1};
    std::thread reader;
    Event done;  // set (on the runtime thread) after the last bytes were sent
};
OutputRelay* g_relay = nullptr;
bool g_stderr_to_stdout = false;  // StartWorkerOptions::stderr_to_stdout: the relay sends fd 2's lines as stdout
int g_launch_stderr = -1;  // the stderr the worker was started with (the launcher's pipe)

/// A fatal signal kills the relay thread with the process: what the worker wrote to
/// stderr just before (an assertion, a sanitizer's report) would be lost. This copies what
/// is still in the relay's stderr pipe to the stderr the worker was started with, which
/// the launcher (the master, for a local worker) reads. Async-signal-safe: read and write.
/// The relay thread's copy of the last stderr bytes it read: those not yet sent to the
/// master (read - sent of them) are written out first. 64 KiB: a sanitizer's report with
/// its symbolized stack (C++ template names) is often 10-20 KiB, and its first line says
/// what happened.
struct StderrBacklog {
    static constexpr std::uint64_t cap = 65536;
    char ring[cap];
    std::atomic<std::uint64_t> read{0}, sent{0};
    /// Set while the relay thread holds bytes it took from the pipe and has not yet put in
    /// the ring: a drain waits for them (a line written just before abort() is usually
    /// read at that very moment). Once `draining` is set the relay thread reads no more.
    std::atomic<bool> reading{false}, draining{false};
};
StderrBacklog g_backlog;

void drain_relay_stderr() {
    if (!g_relay || g_launch_stderr < 0) return;
    g_backlog.draining.store(true);
    for (int i = 0; i < 1000 && g_backlog.reading.load(); ++i) ::sched_yield();
    const std::uint64_t end = g_backlog.read.load(std::memory_order_acquire);
    std::uint64_t at = std::max(g_backlog.sent.load(std::memory_order_acquire), end > StderrBacklog::cap ? end - StderrBacklog::cap : 0);
    while (at < end) {
        const std::uint64_t off = at % StderrBacklog::cap;
        const std::uint64_t len = std::min(end - at, StderrBacklog::cap - off);
        (void)!::write(g_launch_stderr, g_backlog.ring + off, static_cast<std::size_t>(len));
        at += len;
    }
    char chunk[4096];
    ssize_t n;
    while ((n = ::read(g_relay->rd[1], chunk, sizeof chunk)) > 0)
        (void)!::write(g_launch_stderr, chunk, static_cast<std::size_t>(n));
}

void drain_and_die(int sig) {
    drain_relay_stderr();
    ::raise(sig);  // SA_RESETHAND restored the default action
}

/// For the fatal signals nobody else handles (a sanitizer keeps its own, and reports
/// through its death callback instead).
void keep_stderr_on_fatal_signals() {
    g_launch_stderr = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
    struct sigaction sa {};
    sa.sa_handler = drain_and_die;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = static_cast<int>(SA_RESETHAND | SA_NODEFER);
    for (int s : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) {
        struct sigaction old {};
        if (::sigaction(s, nullptr, &old) == 0 && !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
            ::sigaction(s, &sa, nullptr);
    }
#if WEFT_HAS_SANITIZER_DEATH_CALLBACK
    __sanitizer_set_death_callback(drain_relay_stderr);
#endif
}

void send_output(std::uint8_t stream, std::string text) {
    auto c = existing_connection(1);
    if (!c) return;  // the master is gone: nobody to show it to
    try {
        auto& buf = c->begin(MsgType::output);
        OutArchive ar(buf, 1);
        const std::size_t len = text.size();
        ar(OutputMsg{stream, std::move(text)});
        c->finish();
        if (stream == 2) g_backlog.sent.fetch_add(len, std::memory_order_release);
    } catch (const std::exception&) {
    }
}

void relay_thread(OutputRelay* r) {
    std::string buf[2];
    pollfd fds[2] = {{r->rd[0], POLLIN, 0}, {r->rd[1], POLLIN, 0}};
    int open = 2;
    char chunk[65536];
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (i == 1) {
                g_backlog.reading.store(true);
                if (g_backlog.draining.load()) {  // the process is dying: the drain reads the rest
                    g_backlog.reading.store(false);
                    return;
                }
            }
            ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
                if (i == 1) g_backlog.reading.store(false, std::memory_order_release);
                continue;
            }
            if (n <= 0) {
                if (!buf[i].empty()) buf[i] += '\n';
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            } else {
                buf[i].append(chunk, static_cast<std::size_t>(n));
                if (i == 1) {  // stderr: remembered until sent (see drain_relay_stderr)
                    const std::uint64_t at = g_backlog.read.load(std::memory_order_relaxed);
                    for (ssize_t k = 0; k < n; ++k) g_backlog.ring[(at + static_cast<std::uint64_t>(k)) % StderrBacklog::cap] = chunk[k];
                    g_backlog.read.store(at + static_cast<std::uint64_t>(n), std::memory_order_release);
                }
            }
            if (i == 1) g_backlog.reading.store(false, std::memory_order_release);
            auto last = buf[i].rfind('\n');
            if (last == std::string::npos) continue;
            std::string lines = buf[i].substr(0, last + 1);
            buf[i].erase(0, last + 1);
            post_to_runtime([s = static_cast<std::uint8_t>(i + 1), t = std::move(lines)]() mutable {
                send_output(s, std::move(t));
            });
        }
    }
    post_to_runtime([r] { r->done.set(); });
}
}  // namespace

void redirect_output_to_master() {
    if (g_relay) return;
    auto* r = new OutputRelay();  // lives until _exit
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) {
        log_warn("cannot create pipes for the output relay: ", std::strerror(errno), "; output stays local");
        delete r;
        return;
    }
    std::fflush(nullptr);
    keep_stderr_on_fatal_signals();
    ::fcntl(err[0], F_SETFL, ::fcntl(err[0], F_GETFL) | O_NONBLOCK);  // the drain must not block
    ::dup2(out[1], 1);
    ::dup2(g_stderr_to_stdout ? out[1] : err[1], 2);  // stderr_to_stdout: one pipe, one order
    ::close(out[1]);
    ::close(err[1]);
    r->rd[0] = out[0];
    r->rd[1] = err[0];
    g_relay = r;
    r->reader = std::thread(relay_thread, r);
    r->reader.detach();
}

void listen_for_peers(const std::string& bind_spec) {
    auto& st = state();
    const std::string bind = resolve_bind(bind_spec);
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(bind, ec);
    if (ec) die("'" + bind + "' is not an IP address to listen on (check --weft-bind / WEFT_BIND_ADDR)");
    st.acceptor = std::make_unique<tcp::acceptor>(io());
    st.acceptor->open(addr.is_v6() ? tcp::v6() : tcp::v4(), ec);
    if (!ec) st.acceptor->bind(tcp::endpoint(addr, 0), ec);
    if (!ec) st.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) die("cannot listen on " + bind + ": " + ec.message());
    ::fcntl(st.acceptor->native_handle(), F_SETFD, FD_CLOEXEC);
    st.port = st.acceptor->local_endpoint().port();
    st.host = addr.is_unspecified() ? "127.0.0.1" : bind;
}

void serve_until_exit() {
    auto& st = state();
    {
        WaitUncounted idle;  // not one of the program's blocked tasks (the dashboard)
        st.exit_requested->wait();
    }
    std::fflush(nullptr);
    if (g_relay) {
        // Close our ends of the pipes: the relay thread reads the rest, sends it, stops.
        int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::close(null);
        g_relay->done.wait_for(std::chrono::seconds(5));
    }
    auto master = existing_connection(1);
    for (int i = 0; i < 500 && master && master->is_open() && !master->idle(); ++i)
        weft::sleep(std::chrono::milliseconds(10));
    // Leave with FIN, not RST: end what we send on every connection, then wait for the
    // master to close its end. A socket closed with unread bytes in it (a message the master
    // sent meanwhile, such as another worker's departure) is reset, and a reset makes the
    // master drop whatever of ours it had not read yet: the last lines of output.
    std::vector<std::shared_ptr<Connection>> conns;
    for (auto& [p, peer] : st.peers)
        if (peer.conn) conns.push_back(peer.conn);
    for (auto& c : conns) c->shutdown_send();
    if (master) master->wait_closed(std::chrono::seconds(5));
    if (st.spmd) std::exit(0);  // a rank of srun/mpiexec: let atexit handlers run (MPI_Finalize)
    ::_exit(0);
}

void prepare_worker_process() {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // user output reaches the master line by line
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    ::sigaction(SIGINT, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

void run_worker(const std::string& bind, const StartWorkerOptions& o) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a local master (or ssh/srun) that dies takes its workers along
    if (::getppid() == 1) die("the master is already gone");
    if (o.stderr_to_stdout) {
        ::dup2(1, 2);
        g_stderr_to_stdout = true;
    }
    prepare_worker_process();

    auto& st = state();
    st.cookie = o.cookie.empty() ? read_cookie() : o.cookie;
    if (st.cookie.size() < 16) st.cookie.resize(16, ' ');  // as cluster_cookie(): Julia's padding
    if (o.close_stdin) {
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || ::dup2(null, 0) < 0) die(std::string("cannot close stdin: ") + std::strerror(errno));
        ::close(null);
    }
    prestart_fast_path();  // UCX starts while the master hears of this worker and connects
    listen_for_peers(bind);
    std::string line = "weft-worker " + st.host + ":" + std::to_string(st.port) + "\n";
    if (::write(o.out, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        die("cannot write the announcement line to fd " + std::to_string(o.out) + ": " + std::strerror(errno));
    start_accepting();

    // A master that never arrives: give up after WEFT_WORKER_TIMEOUT.
    asio::steady_timer deadline(io(), worker_timeout());
    deadline.async_wait([](const boost::system::error_code& e) {
        if (!e && state().myid < 1)
            die("the master did not connect within " + std::to_string(worker_timeout().count()) +
                " s (raise WEFT_WORKER_TIMEOUT)");
    });
    serve_until_exit();
}

void handle_join_pgrp(Connection& c, const JoinPGRPMsg& m) {
    auto& st = state();
    if (c.peer() != 1 || st.myid >= 1) throw std::runtime_error("unexpected JoinPGRPMsg");
    st.myid = m.pid;
    st.next_pid = std::max(st.next_pid, m.pid + 1);
    st.topology = static_cast<Topology>(m.topology);
    set_log_level(static_cast<LogLevel>(m.log_level));
    for (auto& p : m.peers) {
        auto& peer = st.peers[p.pid];
        peer.pid = p.pid;
        peer.host = p.host;
        peer.port = p.port;
        peer.refused = p.refused;
        st.next_pid = std::max(st.next_pid, p.pid + 1);
    }
    JoinCompleteMsg done{static_cast<std::int32_t>(::getpid())};
    auto& buf = c.begin(MsgType::join_complete);
    OutArchive ar(buf, 1);
    ar(done);
    c.finish();
    log_debug("joined the cluster as process ", m.pid);
    if (!config::output_local()) redirect_output_to_master();
}

void handle_peer_added(const PeerAddr& p) {
    auto& st = state();
    if (p.pid == st.myid) return;
    auto& peer = st.peers[p.pid];
    peer.pid = p.pid;
    peer.host = p.host;
    peer.port = p.port;
    peer.refused = p.refused;
    // Ids are handed out in order and never reused: one below this that is not a peer has
    // left, and calls to it are ProcessExitedException, not "no such process".
    st.next_pid = std::max(st.next_pid, p.pid + 1);
}

void handle_exit_request() {
    // As a task, so calls that arrived before it have started first.
    launch([] { state().exit_requested->set(); });
}

void handle_interrupt_request() { g_interrupt_pending.store(true); }

}  // namespace weft::rt

namespace weft {

void init_worker(std::string cookie, ClusterManager& manager) {
    auto& st = rt::state();
    if (st.initialized) throw std::logic_error("weft: init_worker: this process already called weft::init");
    if (cookie.size() < 16) cookie.resize(16, ' ');  // as cluster_cookie(): Julia's padding
    rt::install_scheduler();
    st.initialized = true;
    st.is_worker = true;
    st.myid = 0;
    st.cookie = std::move(cookie);
    st.worker_manager = &manager;
    ::signal(SIGPIPE, SIG_IGN);
}

void process_messages(Connection stream) {
    auto& st = rt::state();
    if (!st.worker_manager) throw std::logic_error("weft: process_messages: call weft::init_worker first");
    rt::accept_connection(rt::adopt_stream(std::move(stream)));
}

void run_worker_loop() {
    if (!rt::state().worker_manager) throw std::logic_error("weft: run_worker_loop: call weft::init_worker first");
    rt::serve_until_exit();
}

}  // namespace weft
