// runtime/transport/handshake.hpp — mutual authentication of a new connection before
// anything is deserialized: both sides prove knowledge of the cluster cookie with
// HMAC-SHA256 over fresh nonces (the cookie never crosses the wire), and a protocol or
// version mismatch is refused with a clear message on both sides.
//
//   connector -> acceptor  HELLO   "WEFTHELO" u32 protocol, char[16] version, nonce_c[32], i32 pid
//   acceptor  -> connector ACCEPT  "WEFTACPT" u32 protocol, char[16] version, nonce_a[32],
//                                  mac_a = HMAC(cookie, "weft-accept" nonce_c nonce_a pid_a)[32], i32 pid_a
//                       or REFUSE  "WEFTRFSE" u32 length, text
//   connector -> acceptor  AUTH    "WEFTAUTH" mac_c = HMAC(cookie, "weft-connect" nonce_a nonce_c pid_c)[32]
//   acceptor  -> connector OKAY    "WEFTOKAY"   or REFUSE
//   connector -> acceptor  OFFER   u32 length, what it can receive frames on (0: TCP only;
//                                   transport.cpp)
//   acceptor  -> connector OFFER   (after it read the connector's)
#pragma once
#include <chrono>
#include <stdexcept>
#include <string>

#include "asio.hpp"
#include "transport/transport.hpp"

namespace weft::rt {

constexpr std::uint32_t protocol_version = 2;  // 2: the OFFERs after OKAY
const char* weft_version();

struct HandshakeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// On a task: authenticates an outgoing connection, then exchanges offers (transport.hpp);
/// returns the acceptor's process id (0 for a worker that has no id yet). `fast` receives
/// the connection's fast path (hand it to the Connection); without it, this side offers
/// nothing and sends over TCP. Throws HandshakeError.
int handshake_connect(tcp::socket& s, const std::string& cookie, int my_pid, std::chrono::nanoseconds timeout,
                      std::unique_ptr<FastPath>* fast = nullptr);
/// On a task: authenticates an incoming connection, then exchanges offers like
/// handshake_connect; returns the connector's process id. Throws HandshakeError (after
/// telling the peer why, where that is safe).
int handshake_accept(tcp::socket& s, const std::string& cookie, int my_pid, std::chrono::nanoseconds timeout,
                     std::unique_ptr<FastPath>* fast = nullptr);

/// Reads/writes exactly n bytes on a task, giving up after `timeout`. Throws HandshakeError.
void read_exact(tcp::socket& s, void* buf, std::size_t n, std::chrono::nanoseconds timeout);
void write_all(tcp::socket& s, const void* buf, std::size_t n, std::chrono::nanoseconds timeout);

}  // namespace weft::rt
