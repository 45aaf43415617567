// runtime/cluster.cpp — membership and connections: init, addprocs, rmprocs, the queries
// (nprocs, workers, ...), lazy worker↔worker connections, and what happens when a peer
// goes away (its pending requests fail with ProcessExitedException, its references are
// dropped, the other workers are told).
#include <sys/random.h>
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "arrays/startup.hpp"
#include "cluster_state.hpp"
#include "pools/pools.hpp"
#include "log.hpp"
#include "managers/local_manager.hpp"
#include "pending.hpp"
#include "remote_refs.hpp"
#include "transport/handshake.hpp"
#include "weft/cluster.hpp"

namespace weft::rt {

void run_worker(const std::string& bind);  // worker.cpp

ClusterState& state() {
    static ClusterState* s = new ClusterState();  // never destroyed: used during exit
    return *s;
}

std::chrono::seconds worker_timeout() {
    static const std::chrono::seconds t = [] {
        long v = 60;
        if (const char* s = std::getenv("WEFT_WORKER_TIMEOUT"); s && *s) {
            char* end = nullptr;
            long x = std::strtol(s, &end, 10);
            if (end && *end == 0 && x > 0) v = x;
            else log_warn("WEFT_WORKER_TIMEOUT='", s, "' is not a positive number of seconds; using 60");
        }
        return std::chrono::seconds(v);
    }();
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

/// Connects a TCP socket to host:port on a task, with a timeout.
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
    return s;
}

std::string endpoint_text(const tcp::socket& s) {
    boost::system::error_code ec;
    auto ep = s.remote_endpoint(ec);
    return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

/// The master's part of bringing up one local worker: announcement, connect, handshake,
/// JoinPGRP, JoinComplete. Throws std::runtime_error describing what failed.
void join_worker(const std::shared_ptr<LocalProcess>& proc, const AddProcsOptions& o) {
    const auto timeout = o.timeout ? *o.timeout : worker_timeout();
    auto [host, port] = proc->wait_announcement(timeout);
    auto& st = state();
    const int pid = proc->pid();
    std::shared_ptr<Connection> conn;
    try {
        log_debug("connecting to worker ", pid, " at ", host, ":", port);
        auto sock = connect_tcp(host, port, timeout);
        handshake_connect(sock, st.cookie, 1, timeout);
        conn = std::make_shared<Connection>(std::move(sock), host + ":" + std::to_string(port));
    } catch (const std::exception& e) {
        throw std::runtime_error("weft: worker " + std::to_string(pid) + " (`" + proc->command() + "`) announced " +
                                 host + ":" + std::to_string(port) + " but the master could not reach it: " + e.what() +
                                 ". Its last stderr lines:\n" + proc->stderr_tail() +
                                 "(raise WEFT_WORKER_TIMEOUT or AddProcsOptions::timeout if it is only slow)");
    }
    conn->set_peer(pid);
    PendingJoin join;
    join.conn = conn;
    g_joins[pid] = &join;
    conn->start_reader();
    JoinPGRPMsg m;
    m.pid = pid;
    m.topology = static_cast<std::uint8_t>(o.topology);
    m.log_level = static_cast<int>(log_level());
    for (auto& [p, peer] : st.peers)
        if (p != 1 && !peer.host.empty()) m.peers.push_back({p, peer.host, peer.port});
    auto& buf = conn->begin(MsgType::join_pgrp);
    OutArchive ar(buf, pid);
    ar(m);
    conn->finish();
    bool ok = join.joined.wait_for(timeout);
    g_joins.erase(pid);
    if (!ok || !conn->is_open()) {
        conn->close("join failed");
        throw std::runtime_error("weft: worker " + std::to_string(pid) + " at " + host + ":" + std::to_string(port) +
                                 (ok ? " closed its connection while joining" : " did not complete joining within " +
                                  std::to_string(timeout.count()) + " s") + ". Its last stderr lines:\n" +
                                 proc->stderr_tail());
    }
    Peer peer;
    peer.pid = pid;
    peer.host = host;
    peer.port = port;
    peer.ospid = join.ospid;
    peer.conn = conn;
    peer.proc = proc;
    st.peers[pid] = std::move(peer);
    pools_workers_changed();
}

/// Big arrays cross processes as fresh std::vectors; glibc serves each allocation over
/// 32 MiB with a new mmap, so every transfer paid a page fault per 4 KiB (0.34x raw TCP for
/// 32 MiB vectors, 0.58x with this). Keep freed blocks up to 256 MiB in the heap for reuse.
/// WEFT_MALLOC_TUNING=0 leaves glibc's defaults alone.
void tune_malloc() {
    const char* v = std::getenv("WEFT_MALLOC_TUNING");
    if (v && !std::strcmp(v, "0")) return;
    ::mallopt(M_MMAP_THRESHOLD, 256 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

void shutdown_at_exit() {
    auto& st = state();
    if (st.is_worker || !st.initialized || !on_runtime_thread()) return;
    std::vector<int> ws;
    for (auto& [p, peer] : st.peers) ws.push_back(p);
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
}  // namespace

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
            throw ProcessExitedException(pid, "it is not (or no longer) part of the cluster");
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
            auto sock = connect_tcp(host, port, worker_timeout());
            handshake_connect(sock, st.cookie, st.myid, worker_timeout());
            conn = std::make_shared<Connection>(std::move(sock), host + ":" + std::to_string(port));
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
    st.acceptor->async_accept([](const boost::system::error_code& ec, tcp::socket sock) {
        auto& st = state();
        if (ec) {
            if (ec != asio::error::operation_aborted) log_warn("accept failed: ", ec.message());
            if (st.acceptor && st.acceptor->is_open()) start_accepting();
            return;
        }
        ::fcntl(sock.native_handle(), F_SETFD, FD_CLOEXEC);
        auto holder = std::make_shared<tcp::socket>(std::move(sock));
        launch([holder] {
            auto& st = state();
            const std::string from = endpoint_text(*holder);
            int peer = 0;
            try {
                peer = handshake_accept(*holder, st.cookie, st.myid, std::chrono::seconds(10));
            } catch (const std::exception& e) {
                log_warn("dropped a connection from ", from, ": ", e.what());
                return;
            }
            auto conn = std::make_shared<Connection>(std::move(*holder), from);
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
        start_accepting();
    });
}

void peer_gone(int pid, const std::string& reason) {
    auto& st = state();
    auto it = st.peers.find(pid);
    if (it == st.peers.end()) return;
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
        if (!it->second.removing) {
            // Fail what waits on it now; say how it ended once it is reaped (a handler
            // must not block).
            auto proc = it->second.proc;
            int ospid = it->second.ospid;
            peer_gone(pid, "its connection closed (" + reason + ")");
            launch([proc, pid, ospid, reason] {
                std::string how = reason;
                if (proc && proc->wait_exit(std::chrono::seconds(2))) how = proc->exit_description();
                log_warn("worker ", pid, " (pid ", ospid, ") is gone: ", how);
            });
        } else {
            peer_gone(pid, "removed by rmprocs");
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

void init(int& argc, char**& argv) {
    auto& st = state();
    if (st.initialized) return;
    bool worker = false;
    std::string bind = "127.0.0.1";
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--weft-worker") worker = true;
        else if (a.rfind("--weft-bind=", 0) == 0) bind = a.substr(12);
        else argv[out++] = argv[i];
    }
    argc = out;
    argv[argc] = nullptr;
    install_scheduler();
    install_thread_loop_hook();  // runtime/threads/loop_hook.cpp
    tune_malloc();
    st.initialized = true;
    if (worker) {
        st.is_worker = true;
        st.myid = 0;  // until the master's JoinPGRPMsg
        run_worker(bind);  // never returns
    }
    if (st.cookie.empty()) st.cookie = random_cookie();
    detail::shm_remove_stale();  // segments of SharedArrays whose creator was killed
    thread_local ExitGuard guard;
    (void)guard;
    if (const char* mf = std::getenv("WEFT_MACHINE_FILE"); mf && *mf)
        throw std::runtime_error(std::string("weft: WEFT_MACHINE_FILE=") + mf +
                                 " asks for SSH workers, which this build of weft cannot start yet; unset it and use "
                                 "WEFT_PROCS for local workers");
    if (const char* p = std::getenv("WEFT_PROCS"); p && *p) {
        int n = 0;
        if (!std::strcmp(p, "auto")) {
            n = static_cast<int>(std::thread::hardware_concurrency());
        } else {
            char* end = nullptr;
            long v = std::strtol(p, &end, 10);
            if (!end || *end || v < 0 || v > 4096)
                throw std::invalid_argument(std::string("weft: WEFT_PROCS='") + p +
                                            "' is not a worker count (0-4096) or 'auto'");
            n = static_cast<int>(v);
        }
        if (n > 0) addprocs(n);
    }
}

std::vector<int> addprocs(int n, AddProcsOptions o) {
    require_master("add workers");
    if (n < 0) throw std::invalid_argument("weft: addprocs(" + std::to_string(n) + "): the count must be >= 0");
    auto& st = state();
    if (!st.initialized) throw std::logic_error("weft: call weft::init(argc, argv) first in main");
    std::vector<std::shared_ptr<LocalProcess>> procs;
    std::vector<std::string> errors;
    for (int i = 0; i < n; ++i) {
        try {
            procs.push_back(LocalProcess::spawn(st.next_pid++, o, st.cookie));
        } catch (const std::exception& e) {
            errors.push_back(e.what());
        }
    }
    // Join them concurrently: each on its own task.
    struct Slot { Event done; std::string error; };
    std::vector<std::unique_ptr<Slot>> slots;
    for (auto& p : procs) {
        slots.push_back(std::make_unique<Slot>());
        Slot* s = slots.back().get();
        launch([p, s, &o] {
            try {
                join_worker(p, o);
            } catch (const std::exception& e) {
                s->error = e.what();
                p->signal(SIGKILL);
            }
            s->done.set();
        });
    }
    std::vector<int> added;
    for (std::size_t i = 0; i < procs.size(); ++i) {
        slots[i]->done.wait();
        if (slots[i]->error.empty()) added.push_back(procs[i]->pid());
        else errors.push_back(slots[i]->error);
    }
    st.topology = o.topology;
    // Tell every worker about the new ones (new workers learnt the older ones when joining).
    for (int np : added) {
        PeerAddr a{np, st.peers[np].host, st.peers[np].port};
        std::vector<std::shared_ptr<Connection>> others;
        for (auto& [p, peer] : st.peers)
            if (p != np && peer.conn && peer.conn->is_open()) others.push_back(peer.conn);
        for (auto& c : others) {
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
    if (!errors.empty()) {
        std::string msg = "weft: addprocs: " + std::to_string(errors.size()) + " of " + std::to_string(n) +
                          " workers could not be started (the " + std::to_string(added.size()) +
                          " that started are kept):";
        for (auto& e : errors) msg += "\n" + e;
        throw std::runtime_error(msg);
    }
    return added;
}

void rmprocs(const std::vector<int>& pids, std::optional<std::chrono::milliseconds> waitfor) {
    require_master("remove workers");
    auto& st = state();
    struct Wait { std::shared_ptr<Event> gone; std::shared_ptr<LocalProcess> proc; std::shared_ptr<Connection> conn; int pid; };
    std::vector<Wait> waits;
    if (std::count(pids.begin(), pids.end(), 1))
        throw std::invalid_argument("weft: rmprocs: process 1 (the master) cannot be removed");
    for (int p : pids) {
        auto it = st.peers.find(p);
        if (it == st.peers.end()) continue;  // already gone
        it->second.removing = true;
        waits.push_back({it->second.gone, it->second.proc, it->second.conn, p});
    }
    for (auto& w : waits) {  // a failing send may remove the peer: nothing here points into the map
        try {
            if (w.conn && w.conn->is_open()) {
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
        if (ok && w.proc) ok = w.proc->wait_exit(left());
        if (!ok) late.push_back(w.pid);
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
        if (it != state().peers.end() && it->second.proc) it->second.proc->signal(SIGINT);
    }
}
void interrupt() { interrupt(workers()); }

std::string cluster_cookie() {
    auto& st = state();
    if (st.cookie.empty()) st.cookie = random_cookie();
    return st.cookie;
}
std::string cluster_cookie(std::string cookie) {
    if (cookie.empty()) throw std::invalid_argument("weft: cluster_cookie: the cookie must not be empty");
    if (cookie.find('\n') != std::string::npos) throw std::invalid_argument("weft: cluster_cookie: no newlines");
    state().cookie = std::move(cookie);
    return state().cookie;
}

}  // namespace weft
