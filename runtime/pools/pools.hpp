// runtime/pools/pools.hpp — what the cluster tells worker pools.
#pragma once

namespace weft::rt {
/// A worker joined or left the cluster: pools drop exited workers, the default pool takes
/// new ones, and tasks waiting in take() re-check. Never blocks (called from I/O handlers).
void pools_workers_changed();
}  // namespace weft::rt
