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
/// The "ip:port" a worker listens on (empty for the master).
std::string address(int pid);
/// The OS process id of cluster process `pid`.
int ospid(int pid);
}  // namespace weft::debug
