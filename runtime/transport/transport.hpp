// runtime/transport/transport.hpp — the seam between a peer connection and how its frames
// travel. A Connection is always a TCP connection (the handshake, liveness: its EOF marks
// the peer dead); it may also have a FastPath, an engine that carries the frames instead
// (UCX shared memory, runtime/transport/ucx.cpp). Which one a connection sends over is
// settled right after the HMAC handshake, when the two sides exchange offers over the
// authenticated socket (docs/design.md, "Transports"): each side offers what it can receive
// on, and sends over the other's offer when WEFT_TRANSPORT allows it.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "asio.hpp"
#include "messages.hpp"
#include "weft/detail/buffer.hpp"

namespace weft::rt {

class Connection;

/// One connection's frames over another engine than its TCP socket. Runtime thread only.
class FastPath {
  public:
    virtual ~FastPath() = default;
    /// "ucx" when frames to the peer go this way; "tcp" when only the peer sends this way.
    virtual const char* name() const = 0;
    /// True when frames to the peer go this way (the peer took this side's offer).
    virtual bool sends() const = 0;
    /// Sends one frame (`frame` starts with the frame header of connection.hpp, type set;
    /// its external segments must stay valid until this returns). A task waits while big
    /// arrays are in flight; elsewhere they are copied. Throws ProcessExitedException.
    virtual void send(Connection& c, MsgType type, const detail::OutBuffer& frame) = 0;
    /// Nothing sent is still in flight.
    virtual bool idle() const = 0;
    /// The connection reads now: frames that came before are handed to process_message.
    virtual void start(Connection& c) = 0;
    /// The TCP connection saw EOF: hands over the frames the peer sent before it closed.
    virtual void drain() = 0;
    /// The connection closed: stops delivering, and lets go of the engine's endpoint
    /// without waiting for the peer (it may be dead).
    virtual void abandon() = 0;
};

/// The end of handshake_connect/handshake_accept, on a task: writes this process's offer
/// (none unless `offer`, WEFT_TRANSPORT and the build allow one) and reads the peer's
/// (bounded; within `timeout`); the connector writes first, the acceptor reads first.
/// Returns the connection's fast path, or nullptr when its frames go over TCP both ways.
/// Throws HandshakeError.
std::unique_ptr<FastPath> exchange_offers(tcp::socket& s, std::chrono::nanoseconds timeout, bool offer,
                                          bool connector);

/// Starts the fast path's engine in the background when WEFT_TRANSPORT and the build allow
/// one: a process calls it as soon as it knows it will connect to peers, so the engine's
/// start-up overlaps the rest of its own (exchange_offers waits for it).
void prestart_fast_path();

/// Settings for the fast path's engine that it reads when its library loads (so they
/// cannot be set at run time), for a worker started on this host; a variable the user set
/// is left out. Empty when WEFT_TRANSPORT=tcp or the build has no engine.
std::map<std::string, std::string> local_worker_env();

/// Bytes of arrays this process received straight into the values that hold them, with
/// no copy through a buffer (UCX rendezvous; 0 without UCX).
std::uint64_t bytes_received_in_place();

/// The transport frames to process `pid` take ("tcp", "ucx"; "" without a connection).
std::string transport_to(int pid);

}  // namespace weft::rt
