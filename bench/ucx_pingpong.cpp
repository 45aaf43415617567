// bench_ucx_pingpong (issue 19): the baseline for weft over UCX — a plain UCP active-message
// ping-pong between two processes of this host, written against the C API as a program
// without weft would: 8-byte AM each way, one AM id, busy polling with sched_yield between
// ucp_worker_progress calls (the poll-then-yield of weft's spin), worker addresses swapped
// over a socketpair. Beside it, in the same run: weft remotecall_fetch of int -> int over
// WEFT_TRANSPORT=ucx (the variable is set here before weft::init).
//
//   bench_ucx_pingpong [--iters=N]        (taskset -c 0 for the pinned figure)
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <ucp/api/ucp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <weft/weft.hpp>

#include "core_common.hpp"

int bench_inc(int x) { return x + 1; }
WEFT_REMOTE(bench_inc)

namespace {
int g_got = 0;

ucs_status_t on_am(void*, const void*, size_t, void*, size_t, const ucp_am_recv_param_t*) {
    ++g_got;
    return UCS_OK;
}

void check(ucs_status_t s, const char* what) {
    if (s != UCS_OK) {
        std::fprintf(stderr, "%s: %s\n", what, ucs_status_string(s));
        std::exit(2);
    }
}

struct Ucx {
    ucp_context_h ctx = nullptr;
    ucp_worker_h worker = nullptr;
    ucp_ep_h ep = nullptr;
    std::string address;
    Ucx() {
        ucp_config_t* cfg;
        check(ucp_config_read(nullptr, nullptr, &cfg), "ucp_config_read");
        ucp_params_t p{};
        p.field_mask = UCP_PARAM_FIELD_FEATURES;
        p.features = UCP_FEATURE_AM;
        check(ucp_init(&p, cfg, &ctx), "ucp_init");
        ucp_config_release(cfg);
        ucp_worker_params_t wp{};
        wp.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
        wp.thread_mode = UCS_THREAD_MODE_SINGLE;
        check(ucp_worker_create(ctx, &wp, &worker), "ucp_worker_create");
        ucp_am_handler_param_t hp{};
        hp.field_mask = UCP_AM_HANDLER_PARAM_FIELD_ID | UCP_AM_HANDLER_PARAM_FIELD_CB;
        hp.id = 1;
        hp.cb = on_am;
        check(ucp_worker_set_am_recv_handler(worker, &hp), "set_am_recv_handler");
        ucp_address_t* a;
        size_t n;
        check(ucp_worker_get_address(worker, &a, &n), "ucp_worker_get_address");
        address.assign(reinterpret_cast<char*>(a), n);
        ucp_worker_release_address(worker, a);
    }
    void connect(const std::string& peer) {
        ucp_ep_params_t ep_params{};
        ep_params.field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS;
        ep_params.address = reinterpret_cast<const ucp_address_t*>(peer.data());
        check(ucp_ep_create(worker, &ep_params, &ep), "ucp_ep_create");
    }
    void send() {
        std::uint64_t v = 42;
        ucp_request_param_t p{};
        void* r = ucp_am_send_nbx(ep, 1, nullptr, 0, &v, sizeof v, &p);
        while (UCS_PTR_IS_PTR(r) && ucp_request_check_status(r) == UCS_INPROGRESS) ucp_worker_progress(worker);
        if (UCS_PTR_IS_PTR(r)) ucp_request_free(r);
    }
    void wait_one() {
        const int want = g_got + 1;
        while (g_got < want)
            if (!ucp_worker_progress(worker)) sched_yield();
    }
};

std::string swap_address(int fd, const std::string& mine) {
    const auto n = static_cast<std::uint32_t>(mine.size());
    if (::write(fd, &n, 4) != 4 || ::write(fd, mine.data(), n) != static_cast<ssize_t>(n)) std::exit(2);
    std::uint32_t m = 0;
    if (::read(fd, &m, 4) != 4) std::exit(2);
    std::string peer(m, '\0');
    std::size_t got = 0;
    while (got < m) {
        const ssize_t r = ::read(fd, peer.data() + got, m - got);
        if (r <= 0) std::exit(2);
        got += static_cast<std::size_t>(r);
    }
    return peer;
}

/// Median round trip of the C ping-pong, in microseconds (a forked echo child).
double c_pingpong(int iters) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) std::exit(2);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(sv[0]);
        Ucx u;
        u.connect(swap_address(sv[1], u.address));
        for (int i = 0; i < iters + 1000; ++i) {
            u.wait_one();
            u.send();
        }
        ::_exit(0);
    }
    ::close(sv[1]);
    Ucx u;
    u.connect(swap_address(sv[0], u.address));
    std::vector<double> t;
    for (int i = 0; i < iters + 1000; ++i) {
        auto t0 = bench::Clock::now();
        u.send();
        u.wait_one();
        if (i >= 1000) t.push_back(bench::seconds_since(t0));
    }
    ::waitpid(child, nullptr, 0);
    ::close(sv[0]);
    return bench::median(t) * 1e6;
}
}  // namespace

int main(int argc, char** argv) {
    int iters = 20000;
    for (int i = 1; i < argc; ++i)
        if (!std::strncmp(argv[i], "--iters=", 8)) iters = std::atoi(argv[i] + 8);
    ::setenv("WEFT_TRANSPORT", "ucx", 0);
    weft::init(argc, argv);
    const double c = c_pingpong(iters);  // forks before the worker exists: no weft in the child
    const int w = weft::addprocs(1)[0];
    std::vector<double> t;
    for (int i = 0; i < iters + 1000; ++i) {
        auto t0 = bench::Clock::now();
        if (weft::remotecall_fetch(bench_inc, w, i) != i + 1) return 1;
        if (i >= 1000) t.push_back(bench::seconds_since(t0));
    }
    bench::row("ucx_pingpong", "round trip, median", bench::median(t) * 1e6, c, "us", "<=1.5");
    return 0;
}
