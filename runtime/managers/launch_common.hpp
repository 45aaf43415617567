// runtime/managers/launch_common.hpp — what every launcher gives a worker: the extra
// environment (options.env, the timeout) and the variables it must not inherit.
#pragma once
#include <map>
#include <set>
#include <string>

#include "weft/cluster.hpp"

namespace weft::rt {

/// options.env plus WEFT_WORKER_TIMEOUT when options.timeout is set.
inline std::map<std::string, std::string> worker_env(const AddProcsOptions& o) {
    auto env = o.env;
    if (o.timeout) env["WEFT_WORKER_TIMEOUT"] = std::to_string(o.timeout->count());
    return env;
}

/// Workers never start workers of their own, and are not SPMD ranks of the master's launch;
/// they get the cookie on stdin (or in a 0600 file), never in their environment (which
/// every process they start inherits).
inline std::set<std::string> worker_env_unset() {
    return {"WEFT_PROCS", "WEFT_MACHINE_FILE", "WEFT_MASTER_ADDR", "WEFT_COOKIE"};
}

}  // namespace weft::rt
