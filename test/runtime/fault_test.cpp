// test/runtime/fault_test.cpp — failures stay contained: a worker killed with SIGKILL
// fails its pending futures with ProcessExitedException and the cluster goes on; a raw
// socket sending garbage, a wrong cookie or an oversize frame is dropped while the worker
// keeps answering everyone else.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <weft/weft.hpp>

#include "raw_peer.hpp"

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
/// A crash report as a sanitizer writes one: a first line that says what happened, then a
/// long stack (25 KB here), then the end of the process.
int abort_after_a_long_report() {
    std::fprintf(stderr, "head of a long report from worker %d\n", weft::myid());
    for (int i = 0; i < 400; ++i) std::fprintf(stderr, "    #%d a frame of a long stack, about sixty bytes of text\n", i);
    std::fprintf(stderr, "tail of a long report\n");
    std::fflush(stderr);
    std::abort();
}
}  // namespace
WEFT_REMOTE(whoami, block_forever, square, abort_with_last_words, exit_with_status_3, abort_after_a_long_report)

using namespace weft_test;

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
/// A new worker that writes its last words to stderr and aborts; the error of the call
/// that was waiting ("" if there was none), with the last words and the worker's id.
struct Aborted {
    int victim;
    std::string words, what;
    int pid = 0;
};
Aborted abort_a_new_worker() {
    Aborted a{weft::addprocs(1)[0], "", ""};
    a.words = "last words of worker " + std::to_string(a.victim) + " before abort";
    try {
        weft::remotecall_fetch(abort_with_last_words, a.victim);
    } catch (const weft::ProcessExitedException& e) {
        a.what = e.what();
        a.pid = e.pid();
    }
    return a;
}

TEST_F(Fault, AWorkerThatAbortsIsNamedWithItsSignalAndLastStderrLines) {
    const Aborted a = abort_a_new_worker();
    const int victim = a.victim;
    ASSERT_FALSE(a.what.empty()) << "no exception";
    EXPECT_EQ(a.pid, victim);
    EXPECT_NE(a.what.find("was killed by signal 6 (SIGABRT)"), std::string::npos) << a.what;
    EXPECT_NE(a.what.find(a.words), std::string::npos) << a.what;
    try {
        weft::remotecall_fetch(whoami, victim);
        FAIL() << "no exception";
    } catch (const weft::ProcessExitedException& e) {
        EXPECT_NE(std::string(e.what()).find("killed by signal 6 (SIGABRT)"), std::string::npos) << e.what();
    }
    expect_everyone_answers();
}

/// The stress test of the race above: the relay thread takes the line from the pipe at the
/// very moment the worker aborts, and the drain must wait for it (1 to 5 in 10 runs lost it).
TEST_F(Fault, LastWordsBeforeAnAbortAreNeverLost) {
    for (int round = 0; round < 20; ++round) {
        const Aborted a = abort_a_new_worker();
        ASSERT_FALSE(a.what.empty()) << "round " << round << ": no exception";
        ASSERT_NE(a.what.find(a.words), std::string::npos) << "round " << round << ": " << a.what;
    }
    expect_everyone_answers();
}

/// A dying worker's report reaches the master whole, its first line included: what the
/// relay had read but not yet sent (the runtime thread was running the crashing call) is
/// written out by the worker as it dies. It kept only the last 8 KiB, so a sanitizer's
/// report lost the line that says what happened.
TEST_F(Fault, ALongReportWrittenJustBeforeAWorkerDiesArrivesWhole) {
    auto victim = weft::addprocs(1)[0];
    testing::internal::CaptureStderr();
    try {
        weft::remotecall_fetch(abort_after_a_long_report, victim);
        ADD_FAILURE() << "no exception";
    } catch (const weft::ProcessExitedException& e) {
        EXPECT_NE(std::string(e.what()).find("tail of a long report"), std::string::npos) << e.what();
    }
    const std::string out = testing::internal::GetCapturedStderr();
    const std::string prefix = "From worker " + std::to_string(victim) + ": ";
    EXPECT_NE(out.find(prefix + "head of a long report from worker " + std::to_string(victim)), std::string::npos)
        << out.substr(0, 300);
    EXPECT_NE(out.find(prefix + "    #399 a frame"), std::string::npos);
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
