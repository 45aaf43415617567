// runtime/transport/admission.cpp — caps, deadline, accept back-off and rate-limited
// warnings for connections that have not authenticated (admission.hpp).
#include "transport/admission.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <list>
#include <unordered_map>

#include "log.hpp"

namespace weft::rt {
namespace {
std::list<PendingHandshake*> g_pending;  // oldest first
std::unordered_map<std::string, std::size_t> g_per_address;
int g_reserve_fd = -1;

std::string address_of(const tcp::socket& s) {
    boost::system::error_code ec;
    auto ep = s.remote_endpoint(ec);
    return ec ? std::string("?") : ep.address().to_string();
}

struct RateLimit {
    std::chrono::steady_clock::time_point window{};
    int shown = 0;
    std::size_t suppressed = 0;
    /// True when a warning may be written now; `extra` then says how many were not.
    bool allow(std::string& extra) {
        const auto now = std::chrono::steady_clock::now();
        if (now - window >= std::chrono::minutes(1)) {
            window = now;
            shown = 0;
        }
        if (shown >= 10) {
            ++suppressed;
            return false;
        }
        ++shown;
        if (suppressed) extra = " (" + std::to_string(std::exchange(suppressed, 0)) + " similar warnings not shown)";
        return true;
    }
};
RateLimit g_drop_log, g_accept_log;
}  // namespace

PendingHandshake::PendingHandshake(std::shared_ptr<tcp::socket> s, std::string address)
    : socket_(std::move(s)), address_(std::move(address)), deadline_(socket_->get_executor()) {}

PendingHandshake::~PendingHandshake() { done(); }

void PendingHandshake::done() {
    deadline_.cancel();
    if (!listed_) return;
    listed_ = false;
    g_pending.remove(this);
    auto it = g_per_address.find(address_);
    if (it != g_per_address.end() && --it->second == 0) g_per_address.erase(it);
}

void PendingHandshake::evict(const char* why) {
    log_debug("closing a connection from ", address_, " before its handshake ended: ", why);
    done();
    boost::system::error_code ignored;
    socket_->close(ignored);  // the handshake's pending read ends with an error
}

std::shared_ptr<PendingHandshake> admit_connection(std::shared_ptr<tcp::socket> s) {
    auto p = std::make_shared<PendingHandshake>(s, address_of(*s));
    if (g_per_address[p->address()] >= max_pending_per_address) {
        for (auto* q : g_pending)
            if (q->address() == p->address()) {
                q->evict("too many connections from its address are in the handshake");
                break;
            }
    }
    if (g_pending.size() >= max_pending_total) g_pending.front()->evict("too many connections are in the handshake");
    g_pending.push_back(p.get());
    ++g_per_address[p->address()];
    p->listed_ = true;
    p->deadline_.expires_after(handshake_deadline);
    p->deadline_.async_wait([w = std::weak_ptr<PendingHandshake>(p)](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto q = w.lock()) q->evict("handshake deadline passed");
    });
    return p;
}

std::size_t pending_handshake_count() { return g_pending.size(); }

void reserve_descriptor() {
    if (g_reserve_fd < 0) g_reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void accept_failed(tcp::acceptor& acceptor, const boost::system::error_code& ec, std::function<void()> again) {
    const bool out_of_fds = ec.value() == EMFILE || ec.value() == ENFILE;
    if (out_of_fds) {
        // As nginx and libuv do: give up the reserve descriptor for a moment to take the
        // oldest connection off the backlog and close it, so that it does not stay ready
        // (and the reactor does not report it again and again); then shed the oldest
        // connection still in the handshake.
        if (g_reserve_fd >= 0) {
            ::close(g_reserve_fd);
            g_reserve_fd = -1;
        }
        const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0) ::close(fd);
        reserve_descriptor();
        if (!g_pending.empty()) g_pending.front()->evict("out of file descriptors");
    }
    std::string extra;
    if (g_accept_log.allow(extra))
        log_warn("accepting a connection failed: ", ec.message(), extra,
                 out_of_fds ? "; closed the oldest waiting connection (raise the descriptor limit, ulimit -n, if "
                              "this process needs more connections)"
                            : "",
                 "; accepting again in ", accept_backoff.count(), " ms");
    auto t = std::make_shared<asio::steady_timer>(acceptor.get_executor(), accept_backoff);
    t->async_wait([t, again = std::move(again)](const boost::system::error_code& e) {
        if (!e) again();
    });
}

void warn_dropped(const std::string& from, const std::string& why) {
    std::string extra;
    if (g_drop_log.allow(extra)) log_warn("dropped a connection from ", from, ": ", why, extra);
}

}  // namespace weft::rt
