// runtime/cluster.cpp — membership and connections: init, addprocs, rmprocs, the queries
// (nprocs, workers, ...), lazy worker↔worker connections, and what happens when a peer
// goes away (its pending requests fail with ProcessExitedException, its references are
// dropped, the other workers are told).
#include <sys/random.h>
#include <malloc.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "arrays/startup.hpp"
#include "config.hpp"
#include "cluster_state.hpp"
#include "pools/pools.hpp"
#include "log.hpp"
#include "managers/process.hpp"
#include "pending.hpp"
#include "dashboard/stats.hpp"
#include "remote_refs.hpp"
#include "stack_traces.hpp"
#include "transport/admission.hpp"
#include "transport/handshake.hpp"
#include "transport/transport.hpp"
#include "weft/cluster.hpp"

namespace weft::rt {

ClusterState& state() {
    static ClusterState* s = new ClusterState();  // never destroyed: used during exit
    return *s;
}

std::chrono::seconds worker_timeout() {
    static const std::chrono::seconds t = config::worker_timeout();
    return t;
}

namespace {
/// Joins in progress on the master: worker id -> (its connection's join event, ospid).
struct PendingJoin {
    std::shared_ptr<Connection> conn;
    Event joined;
    int ospid = 0;
};
std::map<int, PendingJoin*> g_joins;

std::string random_cookie() {
    unsigned char b[16];
    if (::getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b))
        throw std::runtime_error("weft: getrandom failed: cannot make a cluster cookie");
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) { s += hex[c >> 4]; s += hex[c & 15]; }
    return s;
}

void require_master(const char* what) {
    if (state().myid != 1)
        throw std::logic_error(std::string("weft: only process 1 can ") + what + " (this is process " +
                               std::to_string(state().myid) + ")");
}

std::string endpoint_text(const tcp::socket& s) {
    boost::system::error_code ec;
    auto ep = s.remote_endpoint(ec);
    return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

/// The master's part of bringing up one launched worker: its announcement (from the
/// launcher's output) unless the manager gave host/port, the manager's connect, the
/// handshake, then finish_join. Throws std::runtime_error describing what failed.
void join_worker(int pid, std::shared_ptr<WorkerConfig> cfg, std::shared_ptr<ClusterManager> mgr,
                 const AddProcsOptions& o) {
    const auto timeout = o.timeout ? *o.timeout : worker_timeout();
    auto& st = state();
    std::string who = "worker " + std::to_string(pid) + (cfg->machine.empty() ? "" : " on " + cfg->machine);
    if (!cfg->process && cfg->io) cfg->process = Process::adopt(*cfg->io, cfg->command);
    if (cfg->process) cfg->process->set_label("From worker " + std::to_string(pid) + ": ");
    if ((!cfg->host || !cfg->port) && !cfg->connect_at) {
        if (!cfg->process)
            throw std::runtime_error("weft: " + who + ": the " + mgr->name() +
                                     " manager gave neither host/port, connect_at, io nor a process to read the "
                                     "worker's announcement from");
        auto [host, port] = cfg->process->wait_announcement(timeout, who);
        cfg->host = host;
        cfg->port = port;
    }
    const std::string addr = cfg->connect_at ? *cfg->connect_at : *cfg->host + ":" + std::to_string(*cfg->port);
    const std::string cmd = cfg->command.empty() && cfg->process ? cfg->process->command() : cfg->command;
    auto tail = [&] { return cfg->process ? cfg->process->stderr_tail() : std::string("  (not available)\n"); };
    std::shared_ptr<Connection> conn;
    try {
        log_debug("connecting to ", who, " at ", addr);
        auto sock = adopt_stream(mgr->connect(pid, *cfg));
        std::unique_ptr<FastPath> fast;
        handshake_connect(sock, st.cookie, 1, timeout, &fast);
        std::string remote = endpoint_text(sock);
        conn = std::make_shared<Connection>(std::move(sock), remote == "?" ? addr : remote, std::move(fast));
    } catch (const std::exception& e) {
        throw std::runtime_error("weft: " + who + " (`" + cmd + "`) announced " + addr +
                                 " but the master could not reach it: " + e.what() + ". Its last stderr lines:\n" +
                                 tail() + "(raise WEFT_WORKER_TIMEOUT or AddProcsOptions::timeout if it is only slow)");
    }
    try {
        finish_join(pid, conn, cfg, mgr, o.topology, timeout, who + " at " + addr);
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string(e.what()) + ". Its last stderr lines:\n" + tail());
    }
}

/// Big arrays cross processes as fresh std::vectors; glibc serves each allocation over
/// 32 MiB with a new mmap, so every transfer paid a page fault per 4 KiB (0.34x raw TCP for
/// 32 MiB vectors, 0.58x with this). Keep freed blocks up to 256 MiB in the heap for reuse.
/// WEFT_MALLOC_TUNING=0 leaves glibc's defaults alone.
void tune_malloc() {
    if (!config::malloc_tuning()) return;
    ::mallopt(M_MMAP_THRESHOLD, 256 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

void shutdown_at_exit() {
    auto& st = state();
    if (st.is_worker || !st.initialized || !on_runtime_thread()) return;
    std::vector<int> ws;
    for (auto& [p, peer] : st.peers) {
        ws.push_back(p);
        // A user's manager object may already be destroyed (a local of main): use only ours.
        if (peer.user_manager) peer.manager.reset();
    }
    for (int p : ws) {  // the managers hear that the master is finishing
        auto& peer = st.peers[p];
        if (!peer.manager || !peer.config) continue;
        try {
            peer.manager->manage(p, *peer.config, ManageOp::finalize);
        } catch (const std::exception& e) {
            log_warn("at exit: finalizing worker ", p, ": ", e.what());
        }
    }
    if (!ws.empty()) {
        try {
            rmprocs(ws, std::chrono::milliseconds(10000));
        } catch (const std::exception& e) {
            log_warn("at exit: ", e.what());
        }
    }
    st.shutting_down = true;
}

/// Thread-local destructors run before atexit handlers, in reverse order of construction;
/// this one is constructed after the fiber scheduler's, so at exit it runs while tasks
/// can still block: the workers are told to exit and their last output is relayed.
struct ExitGuard {
    ~ExitGuard() { shutdown_at_exit(); }
};

/// Runs the manager's deregister for a worker that is gone, on a task (it may block).
void deregister_later(int pid, std::shared_ptr<WorkerConfig> cfg, std::shared_ptr<ClusterManager> mgr,
                      std::string reason, bool report = true) {
    launch([pid, cfg, mgr, reason, report] {
        try {
            if (mgr && cfg) mgr->manage(pid, *cfg, ManageOp::deregister);
        } catch (const std::exception& e) {
            log_warn("deregistering worker ", pid, ": ", e.what());
        }
        if (!report) return;
        std::string how = reason;
        if (cfg && cfg->process && cfg->process->exited()) how = cfg->process->exit_description();
        log_warn("worker ", pid, (cfg && cfg->ospid ? " (pid " + std::to_string(*cfg->ospid) + ")" : std::string()),
                 " is gone: ", how);
    });
}
}  // namespace

void set_keepalive(int fd) {
    const int t = static_cast<int>(worker_timeout().count());
    int on = 1, idle = std::max(1, t / 4), intvl = std::max(1, t / 8), cnt = 3;
    unsigned user_ms = static_cast<unsigned>(t) * 1000u;
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms, sizeof user_ms);
}

tcp::socket connect_tcp(const std::string& host, int port, std::chrono::nanoseconds timeout) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("'" + host + "' is not an IP address");
    tcp::socket s(io());
    auto ev = std::make_shared<Event>();
    auto res = std::make_shared<boost::system::error_code>();
    s.async_connect(tcp::endpoint(addr, static_cast<unsigned short>(port)), [ev, res](const boost::system::error_code& e) {
        *res = e;
        ev->set();
    });
    if (!ev->wait_for(timeout)) {
        s.cancel(ec);
        ev->wait();
        throw std::runtime_error("connecting to " + host + ":" + std::to_string(port) + " timed out");
    }
    if (*res) throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " + res->message());
    ::fcntl(s.native_handle(), F_SETFD, FD_CLOEXEC);
    set_keepalive(s.native_handle());
    return s;
}

tcp::socket adopt_stream(weft::Connection stream) {
    if (stream.fd() < 0) throw std::runtime_error("the cluster manager's connect() returned no stream");
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    ::getsockname(stream.fd(), reinterpret_cast<sockaddr*>(&sa), &len);
    ::fcntl(stream.fd(), F_SETFD, FD_CLOEXEC);
    tcp::socket s(io());
    boost::system::error_code ec;
    s.assign(sa.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), stream.fd(), ec);
    if (ec) throw std::runtime_error("cannot use the stream from the cluster manager: " + ec.message());
    stream.release();
    return s;
}

void finish_join(int pid, std::shared_ptr<Connection> conn, std::shared_ptr<WorkerConfig> cfg,
                 std::shared_ptr<ClusterManager> manager, Topology topology, std::chrono::seconds timeout,
                 const std::string& who) {
    auto& st = state();
    conn->set_peer(pid);
    PendingJoin join;
    join.conn = conn;
    g_joins[pid] = &join;
    conn->start_reader();
    JoinPGRPMsg m;
    m.pid = pid;
    m.topology = static_cast<std::uint8_t>(topology);
    m.log_level = static_cast<int>(log_level());
    for (auto& [p, peer] : st.peers)
        if (p != 1 && !peer.host.empty())
            m.peers.push_back({p, peer.host, peer.port,
                               topology == Topology::custom && !custom_linked(cfg.get(), peer.config.get())});
    try {
        auto& buf = conn->begin(MsgType::join_pgrp);
        OutArchive ar(buf, pid);
        ar(m);
        conn->finish();
    } catch (const std::exception&) {
    }
    bool ok = join.joined.wait_for(timeout);
    g_joins.erase(pid);
    if (!ok || !conn->is_open()) {
        conn->close("join failed");
        throw std::runtime_error("weft: " + who +
                                 (ok ? " closed its connection while joining"
                                     : " did not complete joining within " + std::to_string(timeout.count()) + " s"));
    }
    Peer peer;
    peer.pid = pid;
    peer.host = cfg && cfg->host ? *cfg->host : "";
    peer.port = cfg && cfg->port ? *cfg->port : 0;
    peer.ospid = join.ospid;
    if (cfg) cfg->ospid = join.ospid;
    peer.conn = conn;
    peer.config = cfg;
    peer.manager = manager;
    st.peers[pid] = std::move(peer);
    if (manager && cfg) manager->manage(pid, *cfg, ManageOp::register_);
    pools_workers_changed();
}

void announce_new_peers(const std::vector<int>& added) {
    auto& st = state();
    for (int np : added) {
        auto it = st.peers.find(np);
        if (it == st.peers.end()) continue;
        PeerAddr a{np, it->second.host, it->second.port};
        auto cfg = it->second.config;
        std::vector<std::pair<std::shared_ptr<Connection>, bool>> others;  // and whether np is refused to it
        for (auto& [p, peer] : st.peers)
            if (p != np && peer.conn && peer.conn->is_open())
                others.emplace_back(peer.conn, st.topology == Topology::custom &&
                                                   !custom_linked(cfg.get(), peer.config.get()));
        for (auto& [c, refused] : others) {
            a.refused = refused;
            try {
                if (!c->is_open()) continue;
                auto& buf = c->begin(MsgType::peer_added);
                OutArchive ar(buf, c->peer());
                ar(a);
                c->finish();
            } catch (const std::exception&) {
            }
        }
    }
}

void handle_worker_output(Connection& c, const OutputMsg& m) {
    const std::string prefix = "From worker " + std::to_string(c.peer()) + ": ";
    std::string out;
    out.reserve(m.text.size() + 64);
    std::size_t start = 0;
    while (start < m.text.size()) {
        auto nl = m.text.find('\n', start);
        if (nl == std::string::npos) nl = m.text.size();
        out += prefix;
        out.append(m.text, start, nl - start);
        out += '\n';
        start = nl + 1;
    }
    if (m.stream == 2) {  // kept for the error that says how the worker ended
        auto p = state().peers.find(c.peer());
        if (p != state().peers.end() && p->second.config && p->second.config->process) {
            std::string_view text(m.text);
            while (!text.empty()) {
                auto nl = text.find('\n');
                p->second.config->process->note_stderr_line(text.substr(0, nl));
                text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
            }
        }
    }
    const int fd = m.stream == 2 ? 2 : 1;
    std::fflush(fd == 2 ? stderr : stdout);
    const char* p = out.data();
    std::size_t left = out.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

std::shared_ptr<Connection> existing_connection(int pid) {
    auto it = state().peers.find(pid);
    if (it == state().peers.end() || !it->second.conn || !it->second.conn->is_open()) return nullptr;
    return it->second.conn;
}

std::shared_ptr<Connection> connection_to(int pid) {
    auto& st = state();
    for (;;) {
        auto it = st.peers.find(pid);
        if (it == st.peers.end()) {
            if (pid == st.myid) throw std::logic_error("weft: internal error: a message to this process itself");
            throw ProcessExitedException(pid, departed_reason(pid));
        }
        Peer& p = it->second;
        if (p.conn && p.conn->is_open()) return p.conn;
        if (p.connecting) {  // another task is connecting: wait for it
            auto ev = p.connecting;
            ev->wait();
            continue;
        }
        if (st.topology == Topology::master_worker && st.myid != 1 && pid != 1)
            throw std::logic_error("weft: process " + std::to_string(st.myid) + " cannot call process " +
                                   std::to_string(pid) + ": the cluster uses topology master_worker "
                                   "(worker-to-worker calls are disabled; use all_to_all)");
        if (p.refused)
            throw std::logic_error("weft: process " + std::to_string(st.myid) + " cannot call process " +
                                   std::to_string(pid) + ": the cluster uses topology custom and the cluster "
                                   "manager did not connect them (neither ident is in the other's "
                                   "WorkerConfig::connect_idents); route the call through process 1");
        if (p.host.empty() || p.port == 0)
            throw ProcessExitedException(pid, "its connection is closed and its address is unknown");
        auto ev = std::make_shared<Event>();
        p.connecting = ev;
        const std::string host = p.host;
        const int port = p.port;
        std::shared_ptr<Connection> conn;
        std::string error;
        try {
            log_debug("connecting to process ", pid, " at ", host, ":", port);
            tcp::socket sock(io());
            if (st.worker_manager) {  // a custom transport supplies worker-to-worker streams
                WorkerConfig cfg;
                cfg.host = host;
                cfg.port = port;
                sock = adopt_stream(st.worker_manager->connect(pid, cfg));
            } else {
                sock = connect_tcp(host, port, worker_timeout());
            }
            std::unique_ptr<FastPath> fast;
            handshake_connect(sock, st.cookie, st.myid, worker_timeout(), &fast);
            conn = std::make_shared<Connection>(std::move(sock), host + ":" + std::to_string(port), std::move(fast));
        } catch (const std::exception& e) {
            error = e.what();
        }
        auto it2 = st.peers.find(pid);
        if (it2 != st.peers.end()) it2->second.connecting.reset();
        ev->set();
        if (!conn) throw ProcessExitedException(pid, error);
        adopt_connection(pid, conn);
        if (it2 == st.peers.end()) throw ProcessExitedException(pid, "it left the cluster while connecting");
    }
}

void adopt_connection(int pid, std::shared_ptr<Connection> c) {
    c->set_peer(pid);
    auto& p = state().peers[pid];
    p.pid = pid;
    if (!p.conn || !p.conn->is_open()) p.conn = c;  // the first one is used for sending; both are read
    c->start_reader();
}

void start_accepting() {
    auto& st = state();
    reserve_descriptor();
    st.acceptor->async_accept([](const boost::system::error_code& ec, tcp::socket sock) {
        auto& st = state();
        if (ec) {
            if (ec == asio::error::operation_aborted || !st.acceptor || !st.acceptor->is_open()) return;
            accept_failed(*st.acceptor, ec, [] {
                if (state().acceptor && state().acceptor->is_open()) start_accepting();
            });
            return;
        }
        ::fcntl(sock.native_handle(), F_SETFD, FD_CLOEXEC);
        set_keepalive(sock.native_handle());
        accept_connection(std::move(sock));
        start_accepting();
    });
}

void accept_connection(tcp::socket sock) {
    auto holder = std::make_shared<tcp::socket>(std::move(sock));
    auto admitted = admit_connection(holder);  // caps and the deadline (transport/admission.hpp)
    launch([holder, admitted, from = endpoint_text(*holder)] {
        auto& st = state();
        int peer = 0;
        std::unique_ptr<FastPath> fast;
        try {
            peer = handshake_accept(*holder, st.cookie, st.myid, handshake_deadline, &fast);
        } catch (const std::exception& e) {
            admitted->done();
            warn_dropped(from, e.what());
            return;
        }
        admitted->done();
        auto conn = std::make_shared<Connection>(std::move(*holder), from, std::move(fast));
        if (peer == 1 && st.peers.count(1) == 0 && st.myid <= 1) {
            conn->set_peer(1);  // the master; its JoinPGRPMsg makes us a member
            state().peers[1].pid = 1;
            state().peers[1].conn = conn;
            conn->start_reader();
            return;
        }
        if (peer <= 1) {
            log_warn("dropped a connection from ", from, ": it claims to be process ", peer, ", already connected");
            conn->close("duplicate master");
            return;
        }
        adopt_connection(peer, conn);
    });
}

std::string departed_reason(int pid) {
    auto& st = state();
    auto it = st.departed.find(pid);
    return it == st.departed.end() ? std::string("it is no longer part of the cluster")
                                   : "it is no longer part of the cluster: " + it->second;
}

void peer_gone(int pid, const std::string& reason) {
    auto& st = state();
    auto it = st.peers.find(pid);
    if (it == st.peers.end()) return;
    st.departed[pid] = reason;
    Peer peer = std::move(it->second);
    st.peers.erase(it);
    if (peer.conn) peer.conn->close(reason);
    pending_peer_gone(pid, reason);
    refs_peer_gone(pid);
    pools_workers_changed();
    peer.gone->set();
    if (st.myid == 1) {
        // A failing send closes its connection, which may remove that peer from the map:
        // collect the connections first.
        std::vector<std::shared_ptr<Connection>> others;
        for (auto& [p, other] : st.peers)
            if (other.conn && other.conn->is_open()) others.push_back(other.conn);
        for (auto& c : others) {
            try {
                if (!c->is_open()) continue;
                auto& buf = c->begin(MsgType::peer_removed);
                OutArchive ar(buf, c->peer());
                ar(PeerRemovedMsg{pid});
                c->finish();
            } catch (const std::exception&) {
            }
        }
    }
}

void on_connection_closed(Connection& c, const std::string& reason) {
    auto& st = state();
    const int pid = c.peer();
    if (pid == 0) {
        log_warn("dropped a connection from ", c.remote(), ": ", reason);
        return;
    }
    if (auto j = g_joins.find(pid); j != g_joins.end()) {
        j->second->joined.set();
        return;
    }
    auto it = st.peers.find(pid);
    if (it == st.peers.end()) return;
    if (st.is_worker && pid == 1) {
        if (st.exit_requested && st.exit_requested->is_set()) return;  // serve_until_exit waits for this
        log_debug("the master's connection closed (", reason, "); exiting");
        std::fflush(nullptr);
        ::_exit(0);
    }
    if (it->second.conn.get() != &c) {
        // A second (receive-only) connection from that peer: nothing depends on it.
        if (reason.find("closed by the peer") == std::string::npos) log_warn("dropped a connection from process ", pid, ": ", reason);
        return;
    }
    if (st.myid == 1) {
        auto cfg = it->second.config;
        auto mgr = it->second.manager;
        if (!it->second.removing) {
            if (cfg && cfg->process && cfg->ospid && cfg->process->ospid() == *cfg->ospid) {
                // The worker is our child: its callers learn how it ended (exit status or
                // signal, last stderr lines) once it is reaped, which follows the closed
                // connection within milliseconds unless it is still alive.
                launch([pid, cfg, mgr, reason] {
                    const bool ended = cfg->process->wait_exit(std::chrono::seconds(2));
                    std::string how = "its connection closed (" + reason + ")";
                    if (ended)
                        how = "its process (pid " + std::to_string(*cfg->ospid) + ") " +
                              (cfg->process->exit_description().rfind("killed", 0) == 0 ? "was " : "ended with ") +
                              cfg->process->exit_description() + " and " + how;
                    how += "; its last lines on stderr:\n" + cfg->process->stderr_tail();
                    peer_gone(pid, how);
                    deregister_later(pid, cfg, mgr, reason);
                });
                return;
            }
            // Fail what waits on it now; the manager's deregister (which may wait for the
            // launcher to exit) and the report of how it ended run on a task.
            peer_gone(pid, "its connection closed (" + reason + ")");
            deregister_later(pid, cfg, mgr, reason);
        } else {
            const bool later = it->second.deregister_when_gone;
            peer_gone(pid, "removed by rmprocs");
            if (later) deregister_later(pid, cfg, mgr, "removed by rmprocs", false);
        }
        return;
    }
    // Worker↔worker: the peer may be dead or may only have dropped us; callers waiting on
    // it fail now, and a later call reconnects (or learns it is gone).
    if (reason.find("closed by the peer") == std::string::npos) log_warn("connection to process ", pid, " lost: ", reason);
    it->second.conn.reset();
    pending_peer_gone(pid, "connection lost: " + reason);
    if (it->second.host.empty()) st.peers.erase(it);  // never announced by the master: forget it
}

void handle_join_complete(Connection& c, const JoinCompleteMsg& m) {
    auto it = g_joins.find(c.peer());
    if (it == g_joins.end()) return;
    it->second->ospid = m.ospid;
    it->second->joined.set();
}

}  // namespace weft::rt

namespace weft {
using namespace weft::rt;

namespace {
/// What every process of the cluster does first (init, start_worker).
void set_up_process(bool worker) {
    try {
        rt::config::check_all();  // a bad WEFT_* value stops the program here, named
    } catch (const std::invalid_argument& e) {
        if (!worker) throw;
        std::fprintf(stderr, "weft worker (pid %d): %s\n", static_cast<int>(::getpid()), e.what());
        std::_Exit(1);
    }
    install_scheduler();
    install_thread_loop_hook();  // runtime/threads/loop_hook.cpp
    install_terminate_handler();  // runtime/stack_traces.cpp
    tune_malloc();
    state().initialized = true;
}

[[noreturn]] void start_worker_process(const std::string& bind, const StartWorkerOptions& o) {
    set_up_process(true);
    state().is_worker = true;
    state().myid = 0;  // until the master's JoinPGRPMsg
    run_worker(bind, o);
}
}  // namespace

void start_worker(StartWorkerOptions o) {
    if (state().initialized)
        throw std::logic_error("weft::start_worker: this process already called weft::init or weft::init_worker; "
                               "a worker's main calls start_worker instead of init");
    start_worker_process("", o);
}

void init(int& argc, char**& argv) {
    auto& st = state();
    if (st.initialized) return;
    bool worker = false;
    std::string bind;
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--weft-worker") worker = true;
        else if (a.rfind("--weft-bind=", 0) == 0) bind = a.substr(12);
        else argv[out++] = argv[i];
    }
    argc = out;
    argv[argc] = nullptr;
    if (worker) {
        StartWorkerOptions o;  // weft's own managers write the cookie to stdin and keep the two streams apart
        o.close_stdin = false;
        o.stderr_to_stdout = false;
        start_worker_process(bind, o);  // never returns
    }
    set_up_process(false);
    if (st.cookie.empty()) st.cookie = rt::config::cookie();
    detail::shm_remove_stale();  // segments of SharedArrays whose creator was killed
    if (spmd_start()) {  // rank 0 of srun/mpiexec: the other ranks have joined
        thread_local ExitGuard spmd_guard;
        (void)spmd_guard;
        dash::start_dashboard_from_env();
        return;
    }
    if (st.cookie.empty()) st.cookie = random_cookie();
    thread_local ExitGuard guard;
    (void)guard;
    dash::start_dashboard_from_env();
    if (const std::string mf = rt::config::machine_file(); !mf.empty()) addprocs(parse_machine_file(mf));
    if (const int n = rt::config::procs().value_or(0); n > 0) addprocs(n);
}

namespace {
/// Adds the workers a manager launches: each is joined on its own task as soon as the
/// manager notifies it, while the manager goes on launching.
std::vector<int> add_workers(std::shared_ptr<ClusterManager> mgr, bool user_manager, const AddProcsOptions& o) {
    require_master("add workers");
    auto& st = state();
    if (!st.initialized) throw std::logic_error("weft: call weft::init(argc, argv) first in main");
    if (st.lazy && !st.peers.empty() && *st.lazy != o.lazy)  // as Julia's ArgumentError
        throw std::invalid_argument(std::string("weft: addprocs: the workers present were added with lazy=") +
                                    (*st.lazy ? "true" : "false") + "; cannot add workers with lazy=" +
                                    (o.lazy ? "true" : "false") + " (remove them first, or use the same setting)");
    struct Slot {
        int pid = 0;
        Event done;
        std::string error;
    };
    struct Notifier : LaunchNotifier {
        std::vector<WorkerConfig>* launched = nullptr;
        std::size_t taken = 0;
        std::vector<std::unique_ptr<Slot>> slots;
        std::vector<std::string> errors;
        std::shared_ptr<ClusterManager> mgr;
        bool user = false;
        const AddProcsOptions* o = nullptr;
        void notify() override {
            for (; taken < launched->size(); ++taken) {
                auto cfg = std::make_shared<WorkerConfig>(std::move((*launched)[taken]));
                slots.push_back(std::make_unique<Slot>());
                Slot* s = slots.back().get();
                s->pid = state().next_pid++;
                launch([s, cfg, m = mgr, user = user, o = o] {
                    try {
                        join_worker(s->pid, cfg, m, *o);
                        if (user) state().peers[s->pid].user_manager = true;
                    } catch (const std::exception& e) {
                        s->error = e.what();
                        if (cfg->process) cfg->process->signal(SIGKILL);
                    }
                    s->done.set();
                });
            }
        }
        void fail(const std::string& error) override { errors.push_back(error); }
    };
    std::vector<WorkerConfig> launched;
    Notifier n;
    n.launched = &launched;
    n.mgr = mgr;
    n.user = user_manager;
    n.o = &o;
    prestart_fast_path();  // UCX's start-up overlaps the workers' (they start theirs too)
    try {
        mgr->launch(o, launched, n);
    } catch (const std::exception& e) {
        n.errors.push_back(e.what());
    }
    n.notify();
    std::vector<int> added;
    for (auto& s : n.slots) {
        s->done.wait();
        if (s->error.empty()) added.push_back(s->pid);
        else n.errors.push_back(s->error);
    }
    st.topology = o.topology;
    st.lazy = o.lazy;
    announce_new_peers(added);
    if (!o.lazy) connect_eagerly(added);
    if (!n.errors.empty()) {
        std::string msg = "weft: addprocs (" + mgr->name() + "): " + std::to_string(n.errors.size()) +
                          " worker(s) could not be started (the " + std::to_string(added.size()) +
                          " that started are kept):";
        for (auto& e : n.errors) msg += "\n" + e;
        throw std::runtime_error(msg);
    }
    return added;
}
}  // namespace

std::vector<int> addprocs(int n, AddProcsOptions o) {
    require_master("add workers");
    if (n < 0) throw std::invalid_argument("weft: addprocs(" + std::to_string(n) + "): the count must be >= 0");
    return add_workers(std::make_shared<LocalManager>(n), false, o);
}

std::vector<int> addprocs(ClusterManager& manager, AddProcsOptions o) {
    return add_workers(std::shared_ptr<ClusterManager>(std::shared_ptr<ClusterManager>(), &manager), true, o);
}

std::vector<int> addprocs(const std::vector<Machine>& machines, AddProcsOptions o) {
    return add_workers(std::make_shared<SSHManager>(machines), false, o);
}

void rmprocs(const std::vector<int>& pids, std::optional<std::chrono::milliseconds> waitfor) {
    require_master("remove workers");
    auto& st = state();
    struct Wait {
        std::shared_ptr<Event> gone;
        std::shared_ptr<WorkerConfig> cfg;
        std::shared_ptr<ClusterManager> mgr;
        std::shared_ptr<rt::Connection> conn;
        int pid;
    };
    std::vector<Wait> waits;
    if (std::count(pids.begin(), pids.end(), 1))
        throw std::invalid_argument("weft: rmprocs: process 1 (the master) cannot be removed");
    for (int p : pids) {
        auto it = st.peers.find(p);
        if (it == st.peers.end()) continue;  // already gone
        it->second.removing = true;
        waits.push_back({it->second.gone, it->second.config, it->second.manager, it->second.conn, p});
    }
    for (auto& w : waits) {  // a failing send may remove the peer: nothing here points into the map
        try {
            if (w.mgr && w.cfg) {
                w.mgr->kill(w.pid, *w.cfg);
            } else if (w.conn && w.conn->is_open()) {
                w.conn->begin(MsgType::exit);
                w.conn->finish();
            }
        } catch (const std::exception&) {
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + (waitfor ? *waitfor : std::chrono::hours(24 * 365));
    std::vector<int> late;
    for (auto& w : waits) {
        auto left = [&] { return std::max(std::chrono::nanoseconds(0), deadline - std::chrono::steady_clock::now()); };
        bool ok = w.gone->wait_for(left());
        if (!ok) late.push_back(w.pid);
    }
    for (auto& w : waits) {
        if (std::count(late.begin(), late.end(), w.pid)) {  // deregistered when it goes
            if (auto it = st.peers.find(w.pid); it != st.peers.end()) it->second.deregister_when_gone = true;
            continue;
        }
        try {
            if (w.mgr && w.cfg) w.mgr->manage(w.pid, *w.cfg, ManageOp::deregister);
        } catch (const std::exception& e) {
            log_warn("deregistering worker ", w.pid, ": ", e.what());
        }
    }
    if (!late.empty()) {
        std::string ids;
        for (int p : late) ids += (ids.empty() ? "" : ", ") + std::to_string(p);
        throw std::runtime_error("weft: rmprocs: worker(s) " + ids + " did not exit within " +
                                 std::to_string(waitfor ? waitfor->count() : 0) + " ms");
    }
}

int myid() { return state().myid < 1 ? 1 : state().myid; }

std::vector<int> procs() {
    std::vector<int> v{myid()};
    for (auto& [p, peer] : state().peers) v.push_back(p);
    std::sort(v.begin(), v.end());
    return v;
}

int nprocs() { return static_cast<int>(state().peers.size()) + 1; }
int nworkers() { return nprocs() == 1 ? 1 : nprocs() - 1; }

std::vector<int> workers() {
    std::vector<int> v;
    for (int p : procs())
        if (p != 1) v.push_back(p);
    if (v.empty()) v.push_back(1);
    return v;
}

std::vector<int> procs(int pid) {
    auto& st = state();
    auto host_of = [&](int p) -> std::string {
        if (p == myid()) return st.host.empty() ? "127.0.0.1" : st.host;
        auto it = st.peers.find(p);
        if (it == st.peers.end() || it->second.host.empty()) return "127.0.0.1";
        return it->second.host;
    };
    if (pid != myid() && !st.peers.count(pid))
        throw std::invalid_argument("weft: procs(" + std::to_string(pid) + "): no such process");
    std::string h = host_of(pid);
    std::vector<int> v;
    for (int p : procs())
        if (host_of(p) == h) v.push_back(p);
    return v;
}

void interrupt(const std::vector<int>& pids) {
    require_master("interrupt workers");
    for (int p : pids) {
        auto it = state().peers.find(p);
        if (it == state().peers.end()) continue;
        auto cfg = it->second.config;
        auto mgr = it->second.manager;
        try {
            if (mgr && cfg) mgr->manage(p, *cfg, ManageOp::interrupt);
            else send_to(p, MsgType::interrupt, [](OutArchive&) {});
        } catch (const std::exception& e) {
            log_warn("interrupting worker ", p, ": ", e.what());
        }
    }
}
void interrupt() { interrupt(workers()); }

std::string cluster_cookie() {
    auto& st = state();
    if (st.cookie.empty()) st.cookie = random_cookie();
    return st.cookie;
}
std::string cluster_cookie(std::string cookie) {
    if (cookie.find('\n') != std::string::npos) throw std::invalid_argument("weft: cluster_cookie: no newlines");
    if (cookie.find_first_not_of(' ') == std::string::npos)
        log_warn("cluster_cookie: an empty cookie is no protection: anyone who can reach a worker's port can run "
                 "code there; use a random secret (weft::cluster_cookie() makes one)");
    // As Julia: a cookie shorter than 16 characters is padded with spaces to 16.
    if (cookie.size() < 16) cookie.resize(16, ' ');
    state().cookie = std::move(cookie);
    return state().cookie;
}

weft::Connection::Connection(int fd, std::string description) : fd_(fd), description_(std::move(description)) {}
weft::Connection::Connection(weft::Connection&& o) noexcept : fd_(o.fd_), description_(std::move(o.description_)) { o.fd_ = -1; }
weft::Connection& weft::Connection::operator=(weft::Connection&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        description_ = std::move(o.description_);
        o.fd_ = -1;
    }
    return *this;
}
weft::Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}
int weft::Connection::release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
}

void ClusterManager::manage(int id, WorkerConfig&, ManageOp op) {
    if (op == ManageOp::interrupt && rt::existing_connection(id))
        rt::send_to(id, rt::MsgType::interrupt, [](OutArchive&) {});
}

weft::Connection ClusterManager::connect(int, WorkerConfig& cfg) {
    std::string host;
    int port = 0;
    if (cfg.connect_at) {
        auto colon = cfg.connect_at->rfind(':');
        if (colon == std::string::npos)
            throw std::invalid_argument("connect_at '" + *cfg.connect_at + "' is not host:port");
        host = cfg.connect_at->substr(0, colon);
        port = std::atoi(cfg.connect_at->c_str() + colon + 1);
    } else {
        if (!cfg.host || !cfg.port) throw std::invalid_argument("the worker's host and port are unknown");
        host = *cfg.host;
        port = *cfg.port;
    }
    auto s = rt::connect_tcp(host, port, rt::worker_timeout());
    // release(), not dup(): a descriptor left in Asio's epoll set through a duplicate
    // would keep reporting this socket's traffic to a reactor that has forgotten it.
    return weft::Connection(s.release(), host + ":" + std::to_string(port));
}

void ClusterManager::kill(int pid, WorkerConfig&) {
    if (auto c = rt::existing_connection(pid)) {
        c->begin(rt::MsgType::exit);
        c->finish();
    }
}

}  // namespace weft
