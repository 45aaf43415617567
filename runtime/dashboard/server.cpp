// runtime/dashboard/server.cpp — the dashboard's HTTP server (Boost.Beast) on a thread of
// its own, with its own io_context: it answers while the master's runtime thread runs user
// code, and parsing HTTP never delays the runtime's messages. State comes from the runtime
// thread: each request posts a task there (dash::watch_and_snapshot) and waits at most
// `runtime_answer` for it; if the runtime does not answer in time (a master computing
// without yielding), the last snapshot is served, marked `master_responsive: false`.
// /api/events streams the state as server-sent events: one timer on this thread takes a
// snapshot every `event_interval` while any stream is open and writes it to each stream
// not still writing the previous one (a slow client skips events, nothing queues up); a
// stream whose client closes (a read completes) or stops reading (a write times out) is
// closed and dropped at once.
// docs/design.md ("The dashboard") says why.
#include "asio.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "cluster_state.hpp"
#include "config.hpp"
#include "dashboard/render.hpp"
#include "dashboard/stats.hpp"
#include "weft/dashboard.hpp"

namespace weft::rt::dash {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto report_interval = std::chrono::milliseconds(250);
constexpr auto runtime_answer = std::chrono::seconds(3);
constexpr auto request_timeout = std::chrono::seconds(30);
constexpr auto event_interval = std::chrono::milliseconds(250);  // at most 4 events a second

std::string random_token() {
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        throw std::runtime_error("weft: the dashboard cannot make an access token: OpenSSL's RAND_bytes failed");
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) {
        s += hex[c >> 4];
        s += hex[c & 15];
    }
    return s;
}

/// The value of query parameter `name` in a request target, or nullopt.
std::optional<std::string> query_param(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return std::nullopt;
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view kv = rest.substr(0, amp);
        const auto eq = kv.find('=');
        if (kv.substr(0, eq) == name) return std::string(eq == std::string_view::npos ? "" : kv.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

bool same_secret(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

class Server {
  public:
    Server(const std::string& bind, int port) : acceptor_(ioc_), tick_(ioc_) {
        boost::system::error_code ec;
        const auto addr = asio::ip::make_address(bind, ec);
        if (ec)
            throw std::invalid_argument("weft::dashboard: \"" + bind +
                                        "\" is not an IP address: use e.g. 127.0.0.1 (the default) or 0.0.0.0");
        const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
        acceptor_.open(ep.protocol(), ec);
        if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor_.bind(ep, ec);
        if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec)
            throw std::runtime_error("weft::dashboard: cannot listen on " + bind + ":" + std::to_string(port) + ": " +
                                     ec.message() + " (choose another port, or 0 for any free one)");
        token_ = random_token();
        const std::string shown = addr.is_unspecified() ? "127.0.0.1" : bind;
        url_ = "http://" + (addr.is_v6() ? "[" + shown + "]" : shown) + ":" +
               std::to_string(acceptor_.local_endpoint().port()) + "/?token=" + token_;
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
        thread_.detach();  // serves until the process exits
    }
    const std::string& url() const { return url_; }

  private:
    struct Session : std::enable_shared_from_this<Session> {
        Server& srv;
        beast::tcp_stream stream;
        beast::flat_buffer buf;
        http::request<http::string_body> req;
        // A server-sent event stream (/api/events) once it started:
        std::optional<http::response<http::empty_body>> head;
        std::optional<http::response_serializer<http::empty_body>> head_writer;
        bool streaming = false, writing = false, closed = false;
        std::string event;          // the one being written
        char sink[512];             // what the client sends on a stream (nothing, then EOF)
        Session(Server& s, tcp::socket sock) : srv(s), stream(std::move(sock)) {}
        void read() {
            req = {};
            stream.expires_after(request_timeout);
            http::async_read(stream, buf, req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return self->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
                self->respond();
            });
        }
        void respond() {
            if (srv.authorized_events(req)) return start_stream();
            auto res = std::make_shared<http::response<http::string_body>>(srv.handle(req));
            stream.expires_after(request_timeout);
            http::async_write(stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                if (ec || res->need_eof()) return (void)self->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
                self->read();
            });
        }
        void start_stream() {
            head.emplace(http::status::ok, req.version());
            head->set(http::field::server, "weft");
            head->set(http::field::content_type, "text/event-stream");
            head->set(http::field::cache_control, "no-store");
            head->keep_alive(false);  // the body ends when the connection does
            head_writer.emplace(*head);
            writing = true;
            stream.expires_after(request_timeout);
            http::async_write_header(stream, *head_writer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                self->writing = false;
                if (ec) return self->close();
                self->streaming = true;
                self->watch_for_close();
                self->srv.add_stream(self);
            });
        }
        /// The client sends nothing more on a stream: a read completes when it closes.
        void watch_for_close() {
            stream.socket().async_read_some(asio::buffer(sink), [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return self->close();
                self->watch_for_close();
            });
        }
        /// Writes one event unless the previous one is still being written (then skips it).
        void push(const std::shared_ptr<const std::string>& data) {
            if (closed || writing) return;
            writing = true;
            stream.expires_after(request_timeout);  // a client that stops reading is closed
            asio::async_write(stream, asio::buffer(*data), [self = shared_from_this(), data](beast::error_code ec, std::size_t) {
                self->writing = false;
                if (ec) self->close();
            });
        }
        void close() {
            if (closed) return;
            closed = true;
            beast::error_code ec;
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            stream.close();
        }
    };

    /// True for an authorized GET of /api/events (which then streams); other requests,
    /// refusals included, are answered by handle().
    bool authorized_events(const http::request<http::string_body>& req) {
        const std::string_view target(req.target().data(), req.target().size());
        return target.substr(0, target.find('?')) == "/api/events" && req.method() == http::verb::get &&
               authorized(req) == http::status::ok;
    }

    void add_stream(std::shared_ptr<Session> s) {
        streams_.push_back(std::move(s));
        if (streams_.size() == 1) {  // the first: an event at once, then every event_interval
            tick_.expires_after(std::chrono::milliseconds(0));
            tick_.async_wait([this](boost::system::error_code ec) { if (!ec) tick(); });
        }
    }

    /// One event to every open stream; stops when none is left.
    void tick() {
        std::erase_if(streams_, [](const std::shared_ptr<Session>& s) { return s->closed; });
        if (streams_.empty()) return;
        const auto s = snapshot();
        auto data = std::make_shared<const std::string>(
            s ? "data: " + state_json(*s) + "\n\n"
              : std::string("event: busy\ndata: {}\n\n"));  // no state yet: the runtime did not answer
        for (const auto& st : streams_) st->push(data);
        tick_.expires_after(event_interval);
        tick_.async_wait([this](boost::system::error_code ec) { if (!ec) tick(); });
    }

    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket sock) {
            if (!ec) std::make_shared<Session>(*this, std::move(sock))->read();
            accept();
        });
    }

    /// The cluster's state from the runtime thread, or the last one (marked) if it is busy.
    std::optional<Snapshot> snapshot() {
        auto done = std::make_shared<std::promise<Snapshot>>();
        auto got = done->get_future();
        post_to_runtime([done] {
            launch([done] {
                try {
                    done->set_value(watch_and_snapshot(report_interval));
                } catch (...) {
                    done->set_exception(std::current_exception());
                }
            });
        });
        if (got.wait_for(runtime_answer) == std::future_status::ready) {
            last_ = got.get();
            return last_;
        }
        if (!last_) return std::nullopt;
        Snapshot s = *last_;
        s.master_responsive = false;
        return s;
    }

    http::response<http::string_body> reply(const http::request<http::string_body>& req, http::status st,
                                            const char* type, std::string body) {
        http::response<http::string_body> res{st, req.version()};
        res.set(http::field::server, "weft");
        res.set(http::field::content_type, type);
        res.set(http::field::cache_control, "no-store");
        res.keep_alive(req.keep_alive());
        res.body() = std::move(body);
        res.prepare_payload();
        return res;
    }

    /// ok, unauthorized (no token given) or forbidden (a wrong one).
    http::status authorized(const http::request<http::string_body>& req) const {
        const std::string_view target(req.target().data(), req.target().size());
        std::optional<std::string> given = query_param(target, "token");
        if (auto auth = req.find(http::field::authorization); auth != req.end()) {
            const std::string_view v(auth->value().data(), auth->value().size());
            if (v.substr(0, 7) == "Bearer ") given = std::string(v.substr(7));
        }
        if (!given) return http::status::unauthorized;
        return same_secret(*given, token_) ? http::status::ok : http::status::forbidden;
    }

    http::response<http::string_body> handle(const http::request<http::string_body>& req) {
        const std::string_view target(req.target().data(), req.target().size());
        const std::string_view path = target.substr(0, target.find('?'));
        switch (authorized(req)) {
            case http::status::unauthorized: {
                auto res = reply(req, http::status::unauthorized, "text/plain; charset=utf-8",
                                 "weft dashboard: this needs the access token printed when the dashboard started: "
                                 "add ?token=<token> to the URL, or send 'Authorization: Bearer <token>'\n");
                res.set(http::field::www_authenticate, "Bearer");
                return res;
            }
            case http::status::forbidden:
                return reply(req, http::status::forbidden, "text/plain; charset=utf-8",
                             "weft dashboard: wrong access token: use the one printed when the dashboard started\n");
            default: break;
        }
        if (req.method() != http::verb::get && req.method() != http::verb::head)
            return reply(req, http::status::method_not_allowed, "text/plain; charset=utf-8",
                         "weft dashboard: only GET is served\n");
        if (path == "/") return reply(req, http::status::ok, "text/html; charset=utf-8", page_html);
        if (path == "/api/state" || path == "/api/status" || path == "/metrics") {
            const auto s = snapshot();
            if (!s)
                return reply(req, http::status::service_unavailable, "text/plain; charset=utf-8",
                             "weft dashboard: the master's runtime thread did not answer within 3 s (it is running "
                             "code that does not yield); try again\n");
            if (path == "/api/state") return reply(req, http::status::ok, "application/json", state_json(*s));
            if (path == "/api/status") return reply(req, http::status::ok, "text/plain; charset=utf-8", status_text(*s));
            return reply(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8", metrics_text(*s));
        }
        return reply(req, http::status::not_found, "text/plain; charset=utf-8",
                     "weft dashboard: no page " + std::string(path) +
                         " (try /, /api/state, /api/events, /api/status, /metrics)\n");
    }

    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::string token_, url_;
    std::optional<Snapshot> last_;  // the server's thread only
    asio::steady_timer tick_;       // the event streams' clock
    std::vector<std::shared_ptr<Session>> streams_;  // open event streams
    std::thread thread_;
};

Server* g_server = nullptr;  // never destroyed: serves until the process exits
}  // namespace

/// WEFT_DASHBOARD at weft::init (master only).
void start_dashboard_from_env() {
    if (auto a = config::dashboard()) weft::dashboard(a->port, a->ip);
}

}  // namespace weft::rt::dash

namespace weft::detail {
bool dashboard_on() { return rt::dash::g_server != nullptr; }
}  // namespace weft::detail

namespace weft {
std::string dashboard(int port, const std::string& bind) {
    auto& st = rt::state();
    if (st.is_worker || st.myid != 1)
        throw std::logic_error("weft::dashboard: only the master (process 1) serves the dashboard (this is process " +
                               std::to_string(st.myid) + "): call it from the master, or set WEFT_DASHBOARD for it");
    if (rt::dash::g_server) return rt::dash::g_server->url();
    if (port < 0 || port > 65535)
        throw std::invalid_argument("weft::dashboard: port " + std::to_string(port) +
                                    " is out of range: use 1 to 65535, or 0 for any free port");
    rt::dash::g_server = new rt::dash::Server(bind, port);
    std::fprintf(stderr, "weft: dashboard at %s\n", rt::dash::g_server->url().c_str());
    std::fflush(stderr);
    return rt::dash::g_server->url();
}
}  // namespace weft
