// runtime/dashboard/server.cpp — the dashboard's HTTP server (Boost.Beast) on a thread of
// its own, with its own io_context: it answers while the master's runtime thread runs user
// code, and parsing HTTP never delays the runtime's messages. State comes from the runtime
// thread: each request posts a task there (dash::watch_and_snapshot) and waits at most
// `runtime_answer` for it; if the runtime does not answer in time (a master computing
// without yielding), the last snapshot is served, marked `master_responsive: false`.
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
    Server(const std::string& bind, int port) : acceptor_(ioc_) {
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
            auto res = std::make_shared<http::response<http::string_body>>(srv.handle(req));
            stream.expires_after(request_timeout);
            http::async_write(stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                if (ec || res->need_eof()) return (void)self->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
                self->read();
            });
        }
    };

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

    http::response<http::string_body> handle(const http::request<http::string_body>& req) {
        const std::string_view target(req.target().data(), req.target().size());
        const std::string_view path = target.substr(0, target.find('?'));
        std::optional<std::string> given = query_param(target, "token");
        if (auto auth = req.find(http::field::authorization); auth != req.end()) {
            const std::string_view v(auth->value().data(), auth->value().size());
            if (v.substr(0, 7) == "Bearer ") given = std::string(v.substr(7));
        }
        if (!given) {
            auto res = reply(req, http::status::unauthorized, "text/plain; charset=utf-8",
                             "weft dashboard: this needs the access token printed when the dashboard started: "
                             "add ?token=<token> to the URL, or send 'Authorization: Bearer <token>'\n");
            res.set(http::field::www_authenticate, "Bearer");
            return res;
        }
        if (!same_secret(*given, token_))
            return reply(req, http::status::forbidden, "text/plain; charset=utf-8",
                         "weft dashboard: wrong access token: use the one printed when the dashboard started\n");
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
                     "weft dashboard: no page " + std::string(path) + " (try /, /api/state, /api/status, /metrics)\n");
    }

    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::string token_, url_;
    std::optional<Snapshot> last_;  // the server's thread only
    std::thread thread_;
};

Server* g_server = nullptr;  // never destroyed: serves until the process exits
}  // namespace

/// WEFT_DASHBOARD at weft::init (master only).
void start_dashboard_from_env() {
    if (auto a = config::dashboard()) weft::dashboard(a->port, a->ip);
}

}  // namespace weft::rt::dash

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
