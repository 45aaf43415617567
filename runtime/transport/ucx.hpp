// runtime/transport/ucx.hpp — the UCX fast path (ucx.cpp; built with WEFT_UCX): one UCP
// context and worker per process, on the runtime thread, started by the first offer.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "transport/transport.hpp"

namespace weft::rt::ucx {

/// A new link for one connection: frames the peer sends with `token` arrive on it.
/// Fills this worker's address. Starts UCX on first use; nullptr when UCX cannot start
/// here (said once, in the log).
std::unique_ptr<FastPath> new_link(std::uint64_t& token, std::string& address);
/// Makes the link send to the peer's worker, with the peer's token. When UCX cannot reach
/// that address, the link stays receive-only (frames go over TCP, no error).
void connect(FastPath& link, std::uint64_t peer_token, const std::string& peer_address);

}  // namespace weft::rt::ucx
