// runtime/cluster_state.hpp — what this process knows about the cluster: its id, the
// peers (address, connection, local process), the cookie; and how to reach a peer.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>

#include "asio.hpp"
#include "tasks/fiber.hpp"
#include "transport/connection.hpp"
#include "weft/cluster.hpp"

namespace weft::rt {

class LocalProcess;  // managers/local_manager.hpp

struct Peer {
    int pid = 0;
    std::string host;  ///< advertised IP
    int port = 0;
    int ospid = 0;
    std::shared_ptr<Connection> conn;         ///< the connection this process sends on
    std::shared_ptr<Event> connecting;        ///< a lazy connect in progress
    std::shared_ptr<LocalProcess> proc;       ///< master: the process we launched
    std::shared_ptr<Event> gone = std::make_shared<Event>();  ///< set when the peer is gone
    bool removing = false;                    ///< rmprocs asked it to exit
};

struct ClusterState {
    int myid = 1;
    bool is_worker = false;
    bool initialized = false;
    bool shutting_down = false;
    std::map<int, Peer> peers;  ///< every other live process
    int next_pid = 2;
    std::size_t round_robin = 0;
    Topology topology = Topology::all_to_all;
    std::string cookie;
    std::string host;  ///< the address this process listens on (workers)
    int port = 0;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::shared_ptr<Event> exit_requested = std::make_shared<Event>();
};
ClusterState& state();

/// The connection to send to `pid` on, connecting lazily (worker↔worker). Throws
/// ProcessExitedException if pid is gone, std::logic_error if the topology forbids it.
std::shared_ptr<Connection> connection_to(int pid);
/// The open connection to `pid`, or null (never connects).
std::shared_ptr<Connection> existing_connection(int pid);
/// Called when a peer is gone for good (exit, kill, removal): fails what waits on it.
void peer_gone(int pid, const std::string& reason);
/// Accepts connections on the listening socket (workers), each authenticated on a task.
void start_accepting();
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
