// runtime/worker.cpp — worker mode: read the cookie from stdin, listen, announce
// `weft-worker <ip>:<port>` in one write(), wait for the master (WEFT_WORKER_TIMEOUT),
// join the cluster, serve until told to exit or until the master is gone.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>

#include "cluster_state.hpp"
#include "log.hpp"
#include "messages.hpp"

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
    std::string cookie;
    char c;
    while (::read(0, &c, 1) == 1 && c != '\n') cookie += c;
    if (cookie.empty())
        die("no cluster cookie on standard input; workers are started by weft::addprocs (or the launcher), "
            "which writes the cookie to their stdin");
    return cookie;
}

void on_sigint(int) { g_interrupt_pending.store(true); }
}  // namespace

void run_worker(const std::string& bind) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a local master that dies takes its workers along
    if (::getppid() == 1) die("the master is already gone");
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // user output reaches the master line by line
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    ::sigaction(SIGINT, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    auto& st = state();
    st.cookie = read_cookie();
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(bind, ec);
    if (ec) die("--weft-bind=" + bind + " is not an IP address (check WEFT_BIND_ADDR)");
    st.acceptor = std::make_unique<tcp::acceptor>(io());
    st.acceptor->open(addr.is_v6() ? tcp::v6() : tcp::v4(), ec);
    if (!ec) st.acceptor->bind(tcp::endpoint(addr, 0), ec);
    if (!ec) st.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) die("cannot listen on " + bind + ": " + ec.message());
    ::fcntl(st.acceptor->native_handle(), F_SETFD, FD_CLOEXEC);
    st.port = st.acceptor->local_endpoint().port();
    st.host = addr.is_unspecified() ? "127.0.0.1" : bind;
    std::string line = "weft-worker " + st.host + ":" + std::to_string(st.port) + "\n";
    if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) die("cannot write the announcement line");
    start_accepting();

    // A master that never arrives: give up after WEFT_WORKER_TIMEOUT.
    asio::steady_timer deadline(io(), worker_timeout());
    deadline.async_wait([](const boost::system::error_code& e) {
        if (!e && state().myid < 1)
            die("the master did not connect within " + std::to_string(worker_timeout().count()) +
                " s (raise WEFT_WORKER_TIMEOUT)");
    });
    st.exit_requested->wait();
    std::fflush(nullptr);
    ::_exit(0);
}

void handle_join_pgrp(Connection& c, const JoinPGRPMsg& m) {
    auto& st = state();
    if (c.peer() != 1 || st.myid >= 1) throw std::runtime_error("unexpected JoinPGRPMsg");
    st.myid = m.pid;
    st.topology = static_cast<Topology>(m.topology);
    set_log_level(static_cast<LogLevel>(m.log_level));
    for (auto& p : m.peers) {
        auto& peer = st.peers[p.pid];
        peer.pid = p.pid;
        peer.host = p.host;
        peer.port = p.port;
    }
    JoinCompleteMsg done{static_cast<std::int32_t>(::getpid())};
    auto& buf = c.begin(MsgType::join_complete);
    OutArchive ar(buf, 1);
    ar(done);
    c.finish();
    log_debug("joined the cluster as process ", m.pid);
}

void handle_peer_added(const PeerAddr& p) {
    auto& st = state();
    if (p.pid == st.myid) return;
    auto& peer = st.peers[p.pid];
    peer.pid = p.pid;
    peer.host = p.host;
    peer.port = p.port;
}

void handle_exit_request() {
    // As a task, so calls that arrived before it have started first.
    launch([] { state().exit_requested->set(); });
}

}  // namespace weft::rt
