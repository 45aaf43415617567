// weft/debug.hpp — introspection for tests and troubleshooting.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace weft::debug {
/// Number of remote references (Future values, remote channels) process `pid` still
/// stores for the cluster. Blocks the calling task for one round trip.
std::size_t stored_refs(int pid);
/// The processes `pid` has an open connection with, ascending. Blocks the calling task
/// for one round trip (none for this process).
std::vector<int> connected_to(int pid);
/// Number of entries in process `pid`'s table of local handles (Futures and remote
/// channels it holds for values stored elsewhere or here). Each goes when the last copy of
/// its handle is dropped, fetched or not. Blocks the calling task for one round trip (none
/// for myid()). Example: `EXPECT_EQ(weft::debug::held_refs(1), 0u);`
std::size_t held_refs(int pid);
/// Number of connections process `pid` has accepted that have not finished the handshake
/// yet (bounded by the caps of docs/design.md, "Limits and defences"). Blocks the calling
/// task for one round trip.
std::size_t pending_handshakes(int pid);
/// The "ip:port" a worker listens on (empty for the master).
std::string address(int pid);
/// The OS process id of cluster process `pid`.
int ospid(int pid);
/// How many times process `pid`'s runtime thread has looked for I/O (slept in, or polled,
/// its epoll set) since it started. An idle process sleeps: a short weft::sleep adds a
/// handful of looks, a loop that never sleeps (a descriptor reported ready again and
/// again) adds thousands. Blocks the calling task for one round trip (none for myid()).
/// Example: `auto t0 = weft::debug::event_loop_turns(2);`
std::size_t event_loop_turns(int pid);
/// How many bytes of big arrays (a call's arguments or result of 1 MiB or more) process
/// `pid` received straight into the vectors that hold them, copied by no CPU of its own
/// (over UCX: CMA on one host, RDMA across hosts); 0 over TCP. Blocks the calling task
/// for one round trip (none for myid()).
/// Example: `auto b = weft::debug::bytes_received_in_place(2);`
std::uint64_t bytes_received_in_place(int pid);
/// How this process's messages to process `pid` travel: "tcp" or "ucx" (WEFT_TRANSPORT,
/// docs/runtime.md); "" when it has no connection to `pid`. Non-blocking; runtime thread
/// (the main program's) only. Example: `EXPECT_EQ(weft::debug::transport(2), "ucx");`
std::string transport(int pid);
}  // namespace weft::debug
