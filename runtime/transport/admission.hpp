// runtime/transport/admission.hpp — what a process lets a connection do before it proves
// the cluster cookie: how many such connections it keeps (per peer address and in all),
// how long one may take over the handshake, what happens when accept runs out of
// descriptors, and how often it says so. See docs/design.md, "Limits and defences".
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "asio.hpp"

namespace weft::rt {

/// Connections still in the handshake that one peer address may hold; a new one past
/// this closes that address's oldest.
constexpr std::size_t max_pending_per_address = 16;
/// Connections still in the handshake in all; a new one past this closes the oldest.
constexpr std::size_t max_pending_total = 64;
/// The whole handshake of an accepted connection, from accept to the last byte.
constexpr std::chrono::seconds handshake_deadline{10};
/// How long accept pauses after it failed (e.g. out of descriptors).
constexpr std::chrono::milliseconds accept_backoff{100};

/// One accepted connection that has not finished the handshake. Destroying it (or
/// done()) ends its bookkeeping; the deadline or an eviction closes its socket, which
/// makes the handshake fail.
class PendingHandshake {
  public:
    PendingHandshake(std::shared_ptr<tcp::socket> s, std::string address);
    ~PendingHandshake();
    PendingHandshake(const PendingHandshake&) = delete;
    PendingHandshake& operator=(const PendingHandshake&) = delete;
    /// The handshake finished (or failed): stop the deadline, leave the list.
    void done();
    /// Closes the socket now (the handshake task then fails); `why` goes in the log.
    void evict(const char* why);
    const std::string& address() const { return address_; }

  private:
    friend std::shared_ptr<PendingHandshake> admit_connection(std::shared_ptr<tcp::socket> s);
    std::shared_ptr<tcp::socket> socket_;
    std::string address_;
    asio::steady_timer deadline_;
    bool listed_ = false;
};

/// Registers a freshly accepted connection (closing the oldest pending ones when a cap is
/// reached) and arms its deadline. Runtime thread only.
std::shared_ptr<PendingHandshake> admit_connection(std::shared_ptr<tcp::socket> s);
/// Connections accepted and not yet through the handshake (weft::debug::pending_handshakes).
std::size_t pending_handshake_count();

/// accept failed with `ec`: out of descriptors (EMFILE/ENFILE), takes the oldest waiting
/// connection off the backlog with the reserve descriptor and closes it, and closes the
/// oldest pending handshake; then calls `again` after accept_backoff instead of at once.
void accept_failed(tcp::acceptor& acceptor, const boost::system::error_code& ec, std::function<void()> again);
/// Opens the reserve descriptor (once), before the first accept.
void reserve_descriptor();

/// Warns that a connection from `from` was dropped before it authenticated, at most 10
/// times a minute; the rest are counted and reported with the next warning let through.
void warn_dropped(const std::string& from, const std::string& why);

}  // namespace weft::rt
