// test/runtime/fault_test.cpp — failures stay contained: a worker killed with SIGKILL
// fails its pending futures with ProcessExitedException and the cluster goes on; a raw
// socket sending garbage, a wrong cookie or an oversize frame is dropped while the worker
// keeps answering everyone else.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <weft/weft.hpp>

namespace {
int whoami() { return weft::myid(); }
int block_forever() {
    weft::Future<int> never;  // nobody ever puts
    return weft::fetch(never);
}
int square(int x) { return x * x; }
int abort_with_last_words() {
    std::fprintf(stderr, "last words of worker %d before abort\n", weft::myid());
    std::abort();
}
int exit_with_status_3() { ::_exit(3); }
}  // namespace
WEFT_REMOTE(whoami, block_forever, square, abort_with_last_words, exit_with_status_3)

namespace {
/// A blocking client socket to a worker's listening address.
int connect_raw(const std::string& addr) {
    auto colon = addr.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(addr.substr(colon + 1))));
    inet_pton(AF_INET, addr.substr(0, colon).c_str(), &sa.sin_addr);
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

bool read_n(int fd, void* p, size_t n) {
    auto* c = static_cast<char*>(p);
    while (n) {
        ssize_t r = ::recv(fd, c, n, 0);
        if (r <= 0) return false;
        c += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

/// True when the peer closed the connection (EOF or reset) within the receive timeout.
bool closed_by_peer(int fd) {
    char b[256];
    for (;;) {
        ssize_t r = ::recv(fd, b, sizeof b, 0);
        if (r == 0 || (r < 0 && errno == ECONNRESET)) return true;
        if (r < 0) return false;  // timeout
    }
}

void mac(const std::string& cookie, const char* label, const unsigned char* n1, const unsigned char* n2, int32_t pid,
         unsigned char* out) {
    unsigned char msg[84] = {};
    std::memcpy(msg, label, std::strlen(label));
    std::memcpy(msg + 16, n1, 32);
    std::memcpy(msg + 48, n2, 32);
    std::memcpy(msg + 80, &pid, 4);
    unsigned int len = 32;
    HMAC(EVP_sha256(), cookie.data(), static_cast<int>(cookie.size()), msg, sizeof msg, out, &len);
}

/// Performs the client side of the handshake (see runtime/transport/handshake.hpp) with
/// `cookie`, claiming process id `pid`. Returns the 8-byte verdict ("WEFTOKAY"/"WEFTRFSE").
std::string handshake(int fd, const std::string& cookie, int32_t pid) {
    unsigned char hello[64] = {};
    std::memcpy(hello, "WEFTHELO", 8);
    uint32_t proto = 1;
    std::memcpy(hello + 8, &proto, 4);
    std::strncpy(reinterpret_cast<char*>(hello + 12), "0.1.0", 15);
    RAND_bytes(hello + 28, 32);
    std::memcpy(hello + 60, &pid, 4);
    ::send(fd, hello, sizeof hello, MSG_NOSIGNAL);
    unsigned char acc[96];
    if (!read_n(fd, acc, sizeof acc) || std::memcmp(acc, "WEFTACPT", 8)) return "no-accept";
    int32_t their_pid;
    std::memcpy(&their_pid, acc + 92, 4);
    unsigned char auth[40];
    std::memcpy(auth, "WEFTAUTH", 8);
    mac(cookie, "weft-connect", acc + 28, hello + 28, pid, auth + 8);
    ::send(fd, auth, sizeof auth, MSG_NOSIGNAL);
    char verdict[8];
    if (!read_n(fd, verdict, 8)) return "closed";
    return std::string(verdict, 8);
}
}  // namespace

class Fault : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 3) weft::addprocs(3 - weft::nprocs());
    }
    int target() { return weft::workers().back(); }
    void expect_everyone_answers() {
        for (int w : weft::workers()) EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    }
};

TEST_F(Fault, RandomBytesFromARawSocketAreDropped) {
    int fd = connect_raw(weft::debug::address(target()));
    ASSERT_GE(fd, 0);
    std::string junk(4096, '\0');
    for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 7919 + 13);
    ::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
    EXPECT_TRUE(closed_by_peer(fd));
    ::close(fd);
    expect_everyone_answers();
}

TEST_F(Fault, WrongCookieIsRefused) {
    int fd = connect_raw(weft::debug::address(target()));
    ASSERT_GE(fd, 0);
    EXPECT_EQ(handshake(fd, "not-the-cookie", 7), "WEFTRFSE");
    ::close(fd);
    expect_everyone_answers();
}

/// Authenticates with the real cookie, sends a frame header (declared length, type) and
/// `body_bytes` zero bytes, and expects the worker to drop the connection.
void expect_frame_dropped(const std::string& addr, int32_t claimed_pid, uint64_t len, uint8_t type, size_t body_bytes) {
    int fd = connect_raw(addr);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(handshake(fd, weft::cluster_cookie(), claimed_pid), "WEFTOKAY");
    std::string frame(9 + body_bytes, '\0');
    std::memcpy(frame.data(), &len, 8);
    frame[8] = static_cast<char>(type);
    ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    EXPECT_TRUE(closed_by_peer(fd));
    ::close(fd);
}

TEST_F(Fault, OversizeFrameAfterAuthenticationDropsOnlyThatPeer) {
    expect_frame_dropped(weft::debug::address(target()), 1000, (1ull << 30) + 1, 1, 0);  // over 1 GiB
    expect_everyone_answers();
}

TEST_F(Fault, UnknownMessageTypeDropsOnlyThatPeer) {
    expect_frame_dropped(weft::debug::address(target()), 1001, 5, 200, 4);
    expect_everyone_answers();
}

TEST_F(Fault, TruncatedMessageIsAnErrorNotACrash) {
    expect_frame_dropped(weft::debug::address(target()), 1002, 4, 1, 3);  // a CallMsg far too short
    expect_everyone_answers();
}

TEST_F(Fault, StreamedFrameCutShortDropsOnlyThatPeer) {
    // A CallMsg of 4 MiB is decoded as it arrives; the sender stops after 300 KiB.
    int fd = connect_raw(weft::debug::address(target()));
    ASSERT_GE(fd, 0);
    ASSERT_EQ(handshake(fd, weft::cluster_cookie(), 1003), "WEFTOKAY");
    const uint64_t len = 4u << 20;
    std::string frame(9 + 300 * 1024, '\0');
    std::memcpy(frame.data(), &len, 8);
    frame[8] = 2;  // CallFetchMsg
    ASSERT_EQ(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL), static_cast<ssize_t>(frame.size()));
    ::shutdown(fd, SHUT_WR);
    EXPECT_TRUE(closed_by_peer(fd));
    ::close(fd);
    expect_everyone_answers();
}

TEST_F(Fault, KilledWorkerFailsItsFuturesAndTheClusterGoesOn) {
    auto victim = weft::addprocs(1)[0];
    auto done = weft::remotecall(square, victim, 12);
    weft::wait(done);                                     // computed, stored on the victim
    auto pending = weft::remotecall(block_forever, victim);  // never finishes
    auto other = weft::remotecall(square, 2, 3);
    ::kill(weft::debug::ospid(victim), SIGKILL);
    try {
        weft::fetch(pending);
        FAIL() << "no exception";
    } catch (const weft::ProcessExitedException& e) {
        EXPECT_EQ(e.pid(), victim);
        EXPECT_NE(std::string(e.what()).find("was killed by signal 9 (SIGKILL)"), std::string::npos) << e.what();
    }
    EXPECT_THROW(weft::fetch(done), weft::ProcessExitedException);
    EXPECT_EQ(weft::fetch(other), 9);
    auto ws = weft::workers();
    EXPECT_EQ(std::count(ws.begin(), ws.end(), victim), 0);
    EXPECT_THROW(weft::remotecall_fetch(whoami, victim), weft::ProcessExitedException);
    expect_everyone_answers();
}

/// What a call to a worker that dies says (issue 17 item 13): how the process ended, and
/// the last lines it wrote to stderr, in the error of the call that was waiting and of
/// every later call.
TEST_F(Fault, AWorkerThatAbortsIsNamedWithItsSignalAndLastStderrLines) {
    auto victim = weft::addprocs(1)[0];
    const std::string words = "last words of worker " + std::to_string(victim) + " before abort";
    try {
        weft::remotecall_fetch(abort_with_last_words, victim);
        FAIL() << "no exception";
    } catch (const weft::ProcessExitedException& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.pid(), victim);
        EXPECT_NE(what.find("was killed by signal 6 (SIGABRT)"), std::string::npos) << what;
        EXPECT_NE(what.find(words), std::string::npos) << what;
    }
    try {
        weft::remotecall_fetch(whoami, victim);
        FAIL() << "no exception";
    } catch (const weft::ProcessExitedException& e) {
        EXPECT_NE(std::string(e.what()).find("killed by signal 6 (SIGABRT)"), std::string::npos) << e.what();
    }
    expect_everyone_answers();
}

TEST_F(Fault, AWorkerThatExitsIsNamedWithItsExitStatus) {
    auto victim = weft::addprocs(1)[0];
    try {
        weft::remotecall_fetch(exit_with_status_3, victim);
        FAIL() << "no exception";
    } catch (const weft::ProcessExitedException& e) {
        EXPECT_NE(std::string(e.what()).find("ended with exit status 3"), std::string::npos) << e.what();
    }
    expect_everyone_answers();
}
