// runtime/transport/ucx.hpp — the UCX fast path (ucx.cpp; built with WEFT_UCX): one UCP
// context and worker per process, built on a thread of its own (prestart, or the first
// offer), then used on the runtime thread only.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "transport/transport.hpp"

namespace weft::rt::ucx {

/// Starts building UCX's context and worker on a thread of its own (they cost 8-20 ms of
/// CPU), so that the first new_link finds them ready. Runtime thread; once per process.
void prestart();
/// What UCX reads when libucs loads, for a worker started on this host: without RDMA,
/// no malloc hooks (UCX_MEM_EVENTS=n) and no InfiniBand modules (UCX_MODULES). Empty with
/// RDMA. The caller leaves out what the user set.
std::map<std::string, std::string> load_time_env();
/// Whether this host has an RDMA device (a non-empty /sys/class/infiniband): UCX then
/// reaches peers on other hosts that have one too (WEFT_TRANSPORT=auto).
bool rdma_here();
/// Bytes of big arrays UCX wrote straight into the memory of the value that holds them
/// (rendezvous of a split frame: CMA on one host, RDMA across), no copy through a buffer.
std::uint64_t bytes_received_in_place();
/// A new link for one connection: frames the peer sends with `token` arrive on it.
/// Fills this worker's address. Starts UCX on first use (or waits for prestart's thread);
/// nullptr when UCX cannot start here (said once, in the log).
std::unique_ptr<FastPath> new_link(std::uint64_t& token, std::string& address);
/// Makes the link send to the peer's worker, with the peer's token. When UCX cannot reach
/// that address, the link stays receive-only (frames go over TCP, no error). `same_host`:
/// the peer shares this process's memory domain (WEFT_UCX_IN_PLACE=auto splits big frames
/// only to peers that do not).
void connect(FastPath& link, std::uint64_t peer_token, const std::string& peer_address, bool same_host);

}  // namespace weft::rt::ucx
