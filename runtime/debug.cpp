// runtime/debug.cpp — weft::debug: what a process still stores and holds, connections
// waiting for the handshake, event-loop turns, addresses and OS pids.
#include "weft/debug.hpp"

#include <unistd.h>

#include "cluster_state.hpp"
#include "remote_refs.hpp"
#include "tasks/event_loop.hpp"
#include "transport/transport.hpp"
#include "weft/remote.hpp"
#include "weft/remotecall.hpp"

namespace weft::rt {
std::size_t pending_handshake_count();  // cluster.cpp
std::size_t stored_refs_here() { return stored_count(); }
std::vector<int> connected_here() {
    std::vector<int> v;
    for (auto& [p, peer] : state().peers)
        if (peer.conn && peer.conn->is_open()) v.push_back(p);
    return v;  // std::map order: ascending
}
std::size_t held_refs_here() { return handle_count(); }
std::size_t pending_handshakes_here() { return pending_handshake_count(); }
std::size_t event_loop_turns_here() { return io_turns(); }
std::uint64_t in_place_here() { return bytes_received_in_place(); }
}  // namespace weft::rt
WEFT_REMOTE_AS(weft_debug_stored_refs, &weft::rt::stored_refs_here)
WEFT_REMOTE_AS(weft_debug_connected, &weft::rt::connected_here)
WEFT_REMOTE_AS(weft_debug_held_refs, &weft::rt::held_refs_here)
WEFT_REMOTE_AS(weft_debug_pending_handshakes, &weft::rt::pending_handshakes_here)
WEFT_REMOTE_AS(weft_debug_event_loop_turns, &weft::rt::event_loop_turns_here)
WEFT_REMOTE_AS(weft_debug_in_place, &weft::rt::in_place_here)

namespace weft::debug {
std::size_t stored_refs(int pid) { return remotecall_fetch(&rt::stored_refs_here, pid); }
std::vector<int> connected_to(int pid) { return remotecall_fetch(&rt::connected_here, pid); }
std::size_t held_refs(int pid) {
    if (pid == myid()) return rt::handle_count();
    return remotecall_fetch(&rt::held_refs_here, pid);
}
std::size_t pending_handshakes(int pid) { return remotecall_fetch(&rt::pending_handshakes_here, pid); }
std::size_t event_loop_turns(int pid) {
    if (pid == myid()) return rt::io_turns();
    return remotecall_fetch(&rt::event_loop_turns_here, pid);
}
std::uint64_t bytes_received_in_place(int pid) {
    if (pid == myid()) return rt::bytes_received_in_place();
    return remotecall_fetch(&rt::in_place_here, pid);
}

std::string address(int pid) {
    auto& st = rt::state();
    if (pid == myid()) return st.port ? st.host + ":" + std::to_string(st.port) : std::string();
    auto it = st.peers.find(pid);
    if (it == st.peers.end() || it->second.port == 0) return {};
    return it->second.host + ":" + std::to_string(it->second.port);
}

int ospid(int pid) {
    if (pid == myid()) return ::getpid();
    auto it = rt::state().peers.find(pid);
    return it == rt::state().peers.end() ? 0 : it->second.ospid;
}
}  // namespace weft::debug
