// runtime/remote_refs.hpp — the owner's side of remote references: values stored for the
// cluster under an RRID, with the per-client counts that decide when to free them.
#pragma once
#include <optional>
#include <unordered_map>
#include <vector>

#include "messages.hpp"
#include "tasks/fiber.hpp"
#include "weft/detail/call.hpp"

namespace weft::rt {

struct RemoteWaiter {
    int pid;
    std::uint64_t resp;
    FetchMode mode;
};

/// One value stored here for the cluster. Freed when every client count is zero and
/// nothing is running or waiting for it.
struct Stored {
    bool ready = false;
    detail::Value value;                 ///< typed value (calls and puts made here)
    std::optional<std::vector<char>> bytes;  ///< serialized value (puts from other processes)
    int bytes_peer = 0;
    /// Handles inside `bytes` (id, owner): the putter counted one reference for this
    /// process for each; forwarding the bytes counts one for the receiver, and freeing
    /// the entry pays this process's back.
    std::vector<std::pair<RRID, int>> embedded;
    std::optional<CapturedException> error;
    std::unordered_map<int, std::int64_t> clients;  ///< per process: adds minus dels (may dip below 0 in transit)
    int running = 0;
    Event ready_event;
    std::vector<RemoteWaiter> remote_waiters;
};

/// The largest count one RefAddMsg/RefDelMsg may carry (a process owes one per handle
/// copy it received; 2^40 is far beyond any real count and far from overflow).
constexpr std::int64_t max_ref_count_step = std::int64_t{1} << 40;

std::shared_ptr<Stored> stored_lookup(const RRID& id, bool create = true);
/// Add or subtract n (>= 0) for client pid; throw std::overflow_error when the count would
/// leave the range of std::int64_t (only a forged message can do that).
void stored_add_client(const RRID& id, int pid, std::int64_t n);
void stored_del_client(const RRID& id, int pid, std::int64_t n);
void stored_set_value(const RRID& id, detail::Value v);
void stored_set_error(const RRID& id, CapturedException e);
/// Marks a call running under id (pins the entry), with `caller` as a client.
void stored_begin_call(const RRID& id, int caller);
void stored_end_call(const RRID& id);
std::size_t stored_count();
/// Entries in this process's table of local handles (weft::debug::held_refs).
std::size_t handle_count();

/// Handles RefFetchMsg / RefPutMsg / RefAdd / RefDel from `peer`.
void handle_ref_fetch(int peer, const RefFetchMsg& m);
void handle_ref_put(int peer, const RefPutMsg& m, InArchive& value);
/// Writes a stored value or error as a ResultMsg body to `peer`.
void reply_with_stored(int peer, std::uint64_t resp, const Stored& s, FetchMode mode);

}  // namespace weft::rt
