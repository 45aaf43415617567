// test/runtime/dashboard_test.cpp — weft::dashboard's contract: bad ports and addresses,
// a port in use, a worker calling it, a second call, and what /api/state says about a
// registered function running on a worker. test/dashboard/ checks the HTTP side from
// outside (tokens, /metrics' format, the page in a browser).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include <weft/weft.hpp>

namespace {
int wait_at_gate(weft::RemoteChannel<int> gate) { return gate.take(); }

/// Worker side: n tasks that wait on a local channel until release_blocked puts n values.
weft::Channel<int>& local_gate() {
    static auto* c = new weft::Channel<int>(64);
    return *c;
}
int block_tasks_on_channel(int n) {
    for (int k = 0; k < n; ++k) weft::async([] { return local_gate().take(); });
    return n;
}
int release_blocked(int n) {
    for (int k = 0; k < n; ++k) local_gate().put(k);
    return n;
}

/// The number `field` of process `pid` in /api/state's JSON, or -1 if it is not there.
long long process_field(const std::string& state, int pid, const std::string& field) {
    const auto at = state.find("{\"id\":" + std::to_string(pid) + ",");
    if (at == std::string::npos) return -1;
    const auto end = state.find("\"calls\":", at);  // the process's own fields come first
    const auto f = state.find("\"" + field + "\":", at);
    if (f == std::string::npos || f > end) return -1;
    return std::stoll(state.substr(f + field.size() + 3));
}

std::string dashboard_error_on_worker() {
    try {
        weft::dashboard(0);
    } catch (const std::logic_error& e) {
        return e.what();
    }
    return "no error";
}

/// GET `target` from 127.0.0.1:port over HTTP/1.0; the whole response. Blocking: call it
/// through weft::threadcall, so the process keeps serving meanwhile.
std::string http_get(int port, std::string target, std::string header) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot connect to the dashboard on port " + std::to_string(port));
    }
    const std::string req = "GET " + target + " HTTP/1.0\r\n" + header + "\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        ::close(fd);
        throw std::runtime_error("cannot send the request");
    }
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
}
}  // namespace

WEFT_REMOTE(wait_at_gate, dashboard_error_on_worker, block_tasks_on_channel, release_blocked)

namespace {
class Dashboard : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 3) weft::addprocs(3 - weft::nprocs());
    }
};

TEST_F(Dashboard, RefusesBadPortsAndAddresses) {
    EXPECT_THROW(weft::dashboard(-1), std::invalid_argument);
    EXPECT_THROW(weft::dashboard(65536), std::invalid_argument);
    try {
        weft::dashboard(0, "not-an-ip");
        FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("\"not-an-ip\" is not an IP address"), std::string::npos) << e.what();
    }
}

TEST_F(Dashboard, OnlyTheMasterServesIt) {
    const std::string why = weft::remotecall_fetch(dashboard_error_on_worker, 2);
    EXPECT_NE(why.find("only the master (process 1) serves the dashboard (this is process 2)"), std::string::npos)
        << why;
}

TEST_F(Dashboard, APortInUseIsNamedThenAnotherWorksAndStays) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    socklen_t len = sizeof a;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    const int taken = ntohs(a.sin_port);
    try {
        weft::dashboard(taken);
        FAIL() << "no error for a port in use";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(taken)), std::string::npos)
            << e.what();
    }
    ::close(fd);
    const std::string url = weft::dashboard(0);
    EXPECT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
    EXPECT_EQ(url.size() - url.find("?token=") - 7, 32u) << url;
    EXPECT_EQ(weft::dashboard(0), url);  // the running one
}

TEST_F(Dashboard, StateNamesTheRegisteredFunctionRunningOnAWorker) {
    const std::string url = weft::dashboard(0);
    const int port = std::stoi(url.substr(url.find(':', 7) + 1));
    const std::string token = url.substr(url.find("token=") + 6);
    weft::RemoteChannel<int> gate(1, 1);
    auto running = weft::remotecall(wait_at_gate, 2, gate);
    const std::string expected = "\"calls\":[{\"name\":\"wait_at_gate\",\"seconds\":";
    std::string state;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (state.find(expected) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        // Polls until worker 2's report shows the call (each answer is a fresh snapshot).
        state = weft::threadcall(http_get, port, std::string("/api/state"), "Authorization: Bearer " + token + "\r\n");
        weft::sleep(std::chrono::milliseconds(50));
    }
    EXPECT_NE(state.find("HTTP/1.0 200 OK"), std::string::npos) << state.substr(0, 200);
    EXPECT_NE(state.find(expected), std::string::npos) << state;
    gate.put(7);
    EXPECT_EQ(weft::fetch(running), 7);
    const std::string refused = weft::threadcall(http_get, port, std::string("/api/state"), std::string());
    EXPECT_EQ(refused.rfind("HTTP/1.0 401 Unauthorized", 0), 0u) << refused;
}

TEST_F(Dashboard, StateCountsTheTasksBlockedOnAWorker) {
    const std::string url = weft::dashboard(0);
    const int port = std::stoi(url.substr(url.find(':', 7) + 1));
    const std::string auth = "Authorization: Bearer " + url.substr(url.find("token=") + 6) + "\r\n";
    constexpr int n = 5;
    ASSERT_EQ(weft::remotecall_fetch(block_tasks_on_channel, 3, n), n);
    std::string state;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (process_field(state, 3, "tasks_blocked") != n && std::chrono::steady_clock::now() < deadline) {
        // Until worker 3's report shows them (each answer is a fresh snapshot).
        state = weft::threadcall(http_get, port, std::string("/api/state"), auth);
        weft::sleep(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(process_field(state, 3, "tasks_blocked"), n) << state;
    EXPECT_GE(process_field(state, 3, "tasks"), n) << state;
    const std::string metrics = weft::threadcall(http_get, port, std::string("/metrics"), auth);
    EXPECT_NE(metrics.find("# TYPE weft_tasks_blocked gauge"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("weft_tasks_blocked{worker=\"3\"} "), std::string::npos) << metrics;
    ASSERT_EQ(weft::remotecall_fetch(release_blocked, 3, n), n);
    while (process_field(state, 3, "tasks_blocked") != 0 && std::chrono::steady_clock::now() < deadline) {
        state = weft::threadcall(http_get, port, std::string("/api/state"), auth);
        weft::sleep(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(process_field(state, 3, "tasks_blocked"), 0) << state;
}
}  // namespace
