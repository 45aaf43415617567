// runtime/cluster_state.hpp — what this process knows about the cluster: its id, the
// peers (address, connection, local process), the cookie; and how to reach a peer.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "asio.hpp"
#include "tasks/fiber.hpp"
#include "transport/connection.hpp"
#include "weft/cluster.hpp"
#include "weft/cluster_manager.hpp"

namespace weft::rt {

struct Peer {
    int pid = 0;
    std::string host;  ///< advertised IP
    int port = 0;
    int ospid = 0;
    std::shared_ptr<Connection> conn;         ///< the connection this process sends on
    std::shared_ptr<Event> connecting;        ///< a lazy connect in progress
    std::shared_ptr<WorkerConfig> config;     ///< master: how it was launched
    std::shared_ptr<ClusterManager> manager;  ///< master: who launched it (aliasing, not owning, for user managers)
    std::shared_ptr<Event> gone = std::make_shared<Event>();  ///< set when the peer is gone
    bool removing = false;                    ///< rmprocs asked it to exit
    bool user_manager = false;                ///< `manager` belongs to the user (may be gone at exit)
    bool deregister_when_gone = false;        ///< rmprocs gave up waiting: deregister it when it goes
    bool refused = false;                     ///< custom topology: no connection to it (connect_idents)
};

struct ClusterState {
    int myid = 1;
    bool is_worker = false;
    bool initialized = false;
    bool shutting_down = false;
    std::map<int, Peer> peers;  ///< every other live process
    std::map<int, std::string> departed;  ///< master: how each process that left ended
    int next_pid = 2;  ///< ids below it were handed out (on a worker: the highest it heard of, + 1)
    std::size_t round_robin = 0;
    Topology topology = Topology::all_to_all;
    std::optional<bool> lazy;  ///< master: AddProcsOptions::lazy of the workers present
    std::string cookie;
    std::string host;  ///< the address this process listens on (workers)
    int port = 0;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::shared_ptr<Event> exit_requested = std::make_shared<Event>();
    ClusterManager* worker_manager = nullptr;  ///< worker of a custom transport (init_worker)
    bool spmd = false;                          ///< started as a rank of srun/mpiexec
};
ClusterState& state();

/// The connection to send to `pid` on, connecting lazily (worker↔worker). Throws
/// ProcessExitedException if pid is gone, std::logic_error if the topology forbids it.
std::shared_ptr<Connection> connection_to(int pid);
/// The open connection to `pid`, or null (never connects).
std::shared_ptr<Connection> existing_connection(int pid);
/// Called when a peer is gone for good (exit, kill, removal): fails what waits on it.
void peer_gone(int pid, const std::string& reason);
/// Why calls to `pid`, which is no longer a peer, fail (how it ended, where known).
std::string departed_reason(int pid);
/// Accepts connections on the listening socket (workers), each authenticated on a task.
void start_accepting();
/// Connects a TCP socket to host:port on a task, with a timeout; keepalive set.
tcp::socket connect_tcp(const std::string& host, int port, std::chrono::nanoseconds timeout);
/// TCP keepalive and user timeout from WEFT_WORKER_TIMEOUT: a silent peer (host down, no
/// RST) is detected and its connection closed.
void set_keepalive(int fd);
/// The socket of a stream handed over by a manager (TCP or any other stream socket).
tcp::socket adopt_stream(weft::Connection stream);
/// The master's part of a join once the connection is authenticated: JoinPGRP,
/// JoinComplete, the peer registered. Throws std::runtime_error (`who` and `details`
/// name the worker in the message).
void finish_join(int pid, std::shared_ptr<Connection> conn, std::shared_ptr<WorkerConfig> cfg,
                 std::shared_ptr<ClusterManager> manager, Topology topology, std::chrono::seconds timeout,
                 const std::string& who);
/// Tells every worker about the new ones.
void announce_new_peers(const std::vector<int>& added);
/// Custom topology (master): whether workers a and b are connected, i.e. one's ident is in
/// the other's connect_idents. Throws std::invalid_argument for idents it cannot compare.
bool custom_linked(const WorkerConfig* a, const WorkerConfig* b);
/// lazy = false (master): each new worker connects now to every worker below it that it
/// may reach; returns once all those connections are made.
void connect_eagerly(const std::vector<int>& added);
/// Worker side: reads the cookie (o.cookie, else WEFT_COOKIE_FILE, else stdin), listens,
/// announces on o.out; closes stdin and sends stderr to stdout as `o` asks. worker.cpp
[[noreturn]] void run_worker(const std::string& bind, const StartWorkerOptions& o);
/// Worker side: stdout/stderr go to the master over its connection from now on.
void redirect_output_to_master();
/// SPMD start (managers/spmd.cpp): returns false when this process is not a rank of a
/// multi-rank launch; in a rank > 0 it becomes a worker and never returns.
bool spmd_start();
/// Authenticates an incoming connection on a task and serves it.
void accept_connection(tcp::socket sock);
/// Worker side: listens on `bind` (an IP, "ssh" for the address ssh reached, or
/// "route:IP" for the local address on the route to IP), sets state().host/port.
void listen_for_peers(const std::string& bind);
/// Worker side: waits until the master says exit, sends the last output, exits.
[[noreturn]] void serve_until_exit();
/// WEFT_WORKER_TIMEOUT or the given option, as a duration.
std::chrono::seconds worker_timeout();
/// Registers the peer and starts reading from its authenticated connection.
void adopt_connection(int pid, std::shared_ptr<Connection> c);

/// Sends one message to `pid`: `write(OutArchive&)` fills the body. Handles shipped inside
/// it are counted (see remote_refs.cpp) after the frame is queued.
template <class W>
void send_to(int pid, MsgType type, W&& write);

// remote_refs.cpp
void flush_deferred_refs();
void discard_deferred_refs();
void refs_peer_gone(int pid);

template <class W>
void send_to(int pid, MsgType type, W&& write) {
    auto c = connection_to(pid);
    auto& buf = c->begin(type);
    try {
        OutArchive ar(buf, pid);
        write(ar);
    } catch (...) {
        c->abandon();
        discard_deferred_refs();
        throw;
    }
    c->finish();
    flush_deferred_refs();
}

}  // namespace weft::rt
