// test/runtime/wire_test.cpp — what a peer can make a process do over the wire (issue 17,
// items 1, 3 and 4): a flood of connections that never authenticate, forged lengths,
// frame headers bigger than what follows, messages out of place, reference counts that
// would overflow, bools that are not 0 or 1. Each is refused, only that peer is dropped,
// and the process's memory and calls are unaffected.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <deque>
#include <fstream>
#include <unordered_map>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <weft/weft.hpp>

#include "raw_peer.hpp"

using namespace weft_test;

namespace {
int whoami() { return weft::myid(); }
std::size_t length_of(std::string s) { return s.size(); }
int value_or(std::optional<int> v) { return v.value_or(-1); }
int ask(int pid) { return weft::remotecall_fetch(whoami, pid); }
}  // namespace
WEFT_REMOTE(whoami, length_of, value_or, ask)

namespace {
/// The peak address space of OS process `ospid` (VmPeak in /proc/<pid>/status), in bytes:
/// a buffer sized from a forged length shows there even if it was never touched, or was
/// freed again at once.
std::uint64_t vm_bytes(int ospid) {
    std::ifstream f("/proc/" + std::to_string(ospid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmPeak:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
    return 0;
}
/// Far below the allocations the forged lengths asked for (547 MB, 900 MB), far above
/// what a thread's start adds (glibc reserves a 64 MiB malloc arena for it).
constexpr std::uint64_t generous = std::uint64_t{256} << 20;

/// An authenticated raw connection to worker `pid`, claiming process id `claim`.
int authenticated(int pid, std::int32_t claim) {
    int fd = connect_raw(weft::debug::address(pid));
    if (fd < 0) return -1;
    if (handshake(fd, weft::cluster_cookie(), claim) != "WEFTOKAY") {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// A CallFetchMsg body for the function `fn` whose arguments are the bytes `args`.
template <class F>
std::string call_fetch_body(F* fn, std::uint64_t resp, const std::string& args) {
    std::string b;
    put_raw(b, resp);
    put_raw(b, weft::detail::function_id(reinterpret_cast<void*>(fn)));
    return b + args;
}
}  // namespace

class Wire : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 3) weft::addprocs(3 - weft::nprocs());
    }
    int target() { return weft::workers().back(); }
    void expect_everyone_answers() {
        for (int w : weft::workers()) EXPECT_EQ(weft::remotecall_fetch(whoami, w), w);
    }
};

// Item 3: cereal sized a string from its prefix before reading it (a 21-byte OutputMsg
// made a worker zero-fill 547 MB). Decoding an archive must fail before it allocates.
TEST_F(Wire, ForgedLengthsFailBeforeAllocating) {
    auto forged = [](std::uint64_t n) {
        std::string b;
        put_raw(b, n);
        b += "abc";
        return b;
    };
    const std::string big = forged(547'000'000), huge = forged(std::uint64_t{1} << 62);
    auto decode = [](const std::string& bytes, auto& out) {
        weft::InArchive ar(bytes.data(), bytes.size());
        ar(out);
    };
    std::string s;
    EXPECT_THROW(decode(big, s), cereal::Exception);
    std::vector<std::string> vs;
    EXPECT_THROW(decode(huge, vs), cereal::Exception);
    std::vector<std::vector<double>> vv;
    EXPECT_THROW(decode(big, vv), cereal::Exception);
    std::map<int, std::string> m;
    EXPECT_THROW(decode(huge, m), cereal::Exception);
    std::unordered_map<int, int> um;
    EXPECT_THROW(decode(huge, um), cereal::Exception);
    std::deque<int> dq;
    EXPECT_THROW(decode(big, dq), cereal::Exception);
    // Honest lengths still decode.
    std::string ok;
    std::string three;
    put_raw(three, std::uint64_t{3});
    three += "abc";
    decode(three, ok);
    EXPECT_EQ(ok, "abc");
}

// Item 4: loading a byte other than 0 or 1 into a bool (cereal's optional flag) is
// undefined behaviour; it is a bad message.
TEST_F(Wire, BoolThatIsNotZeroOrOneIsRefused) {
    std::string b(1, '\x02');
    put_raw(b, 5);
    std::optional<int> v;
    weft::InArchive ar(b.data(), b.size());
    EXPECT_THROW(ar(v), cereal::Exception);
    std::string good(1, '\x00');  // cereal's flag says "nullopt": 0, a value follows
    put_raw(good, 5);
    weft::InArchive ar2(good.data(), good.size());
    ar2(v);
    EXPECT_EQ(v, 5);
}

TEST_F(Wire, ForgedStringLengthInACallIsItsErrorAndAllocatesNothing) {
    const int ospid = weft::debug::ospid(target());
    const auto before = vm_bytes(ospid);
    int fd = authenticated(target(), 1100);
    ASSERT_GE(fd, 0);
    std::string args;
    put_raw(args, std::uint64_t{547'000'000});
    ASSERT_TRUE(send_frame(fd, 2, call_fetch_body(&length_of, 77, args)));  // CallFetchMsg
    auto [type, body] = read_frame(fd);
    EXPECT_EQ(type, 5);  // ResultMsg: the call's error
    EXPECT_NE(body.find("a length of 547000000"), std::string::npos) << body;
    std::string flag(1, '\x07');
    ASSERT_TRUE(send_frame(fd, 2, call_fetch_body(&value_or, 78, flag)));
    auto [type2, body2] = read_frame(fd);
    EXPECT_EQ(type2, 5);
    EXPECT_NE(body2.find("a bool holds the byte 7"), std::string::npos) << body2;
    ::close(fd);
    EXPECT_LT(vm_bytes(ospid), before + generous);
    expect_everyone_answers();
}

// Item 3: a message that has no business here (an OutputMsg to a worker, a JoinPGRPMsg
// from a worker) is refused before its body is decoded.
TEST_F(Wire, MessagesOutOfPlaceDropThePeerBeforeDecoding) {
    const int ospid = weft::debug::ospid(target());
    const auto before = vm_bytes(ospid);
    for (std::uint8_t type : {15 /* OutputMsg */, 10 /* JoinPGRPMsg */, 11 /* JoinCompleteMsg */, 14 /* ExitMsg */}) {
        int fd = authenticated(target(), 1200 + type);
        ASSERT_GE(fd, 0);
        std::string body(1, '\x01');
        put_raw(body, std::uint64_t{547'000'000});  // OutputMsg: stream, then a forged length
        body += "1234";
        ASSERT_TRUE(send_frame(fd, type, body));
        EXPECT_TRUE(closed_by_peer(fd)) << "type " << int(type);
        ::close(fd);
    }
    EXPECT_LT(vm_bytes(ospid), before + generous);
    expect_everyone_answers();
}

// Item 3: a header announcing 900 MB (a type decoded whole, not streamed) made the reader
// reserve 900 MB before a byte of it arrived.
TEST_F(Wire, FrameHeaderDoesNotReserveWhatHasNotArrived) {
    const int ospid = weft::debug::ospid(target());
    const auto before = vm_bytes(ospid);
    int fd = authenticated(target(), 1300);
    ASSERT_GE(fd, 0);
    // A call whose reply says the worker has read what came with it (one recv: the call is
    // dispatched, then the reader meets the header of the next frame), then that header.
    const std::string call = call_fetch_body(&whoami, 5, "");
    std::string frame;
    put_raw(frame, std::uint64_t{call.size() + 1});
    frame += '\x02';  // CallFetchMsg
    frame += call;
    put_raw(frame, std::uint64_t{900'000'000});
    frame += '\x06';  // RefFetchMsg: decoded whole, not streamed
    frame += std::string(100, '\0');
    ASSERT_EQ(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL), static_cast<ssize_t>(frame.size()));
    EXPECT_EQ(read_frame(fd).first, 5);
    EXPECT_LT(vm_bytes(ospid), before + generous);
    ::close(fd);
    expect_everyone_answers();
}

// Item 4: RefAddMsg counts summed without a check (signed overflow); a count out of
// range is a bad message now.
TEST_F(Wire, ReferenceCountsOutOfRangeDropThePeer) {
    for (std::int64_t n : {std::numeric_limits<std::int64_t>::max(), std::int64_t{0}, std::int64_t{-5}}) {
        int fd = authenticated(target(), 1400);
        ASSERT_GE(fd, 0);
        std::string body;
        put_raw(body, std::int32_t{1400});        // rrid.whence
        put_raw(body, std::uint64_t{424242});     // rrid.id
        put_raw(body, std::int32_t{1400});        // client
        put_raw(body, n);
        ASSERT_TRUE(send_frame(fd, 8, body));  // RefAddMsg
        ASSERT_TRUE(send_frame(fd, 8, body));  // a second one would overflow
        EXPECT_TRUE(closed_by_peer(fd)) << n;
        ::close(fd);
    }
    expect_everyone_answers();
    EXPECT_EQ(weft::debug::stored_refs(target()), 0u);
}

// Item 1: with the descriptor limit at 1024, 1,100 idle connections made accept fail with
// EMFILE and re-arm at once: the worker spun, its timers never fired, calls to it hung.
// Here its limit is 64 and 300 connections never send a byte.
TEST_F(Wire, ConnectionFloodDoesNotWedgeAWorker) {
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit low = saved;
    low.rlim_cur = 64;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);  // inherited by the worker started now
    int victim = 0;
    try {
        victim = weft::addprocs(1)[0];
    } catch (...) {
        ::setrlimit(RLIMIT_NOFILE, &saved);
        throw;
    }
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    const std::string addr = weft::debug::address(victim);
    std::vector<int> flood;
    for (int i = 0; i < 300; ++i) {
        int fd = connect_raw(addr);  // the kernel completes connections the worker has not accepted
        if (fd < 0) break;
        flood.push_back(fd);
    }
    EXPECT_GT(flood.size(), 64u);
    for (int round = 0; round < 20; ++round) {
        EXPECT_EQ(weft::remotecall_fetch(whoami, victim), victim);
        EXPECT_LE(weft::debug::pending_handshakes(victim), 64u);
    }
    // A legitimate peer still gets in: a new worker connects to every worker.
    auto more = weft::addprocs(1);
    EXPECT_EQ(weft::remotecall_fetch(ask, more[0], victim), victim);
    for (int fd : flood) ::close(fd);
    EXPECT_EQ(weft::remotecall_fetch(whoami, victim), victim);
    weft::rmprocs({victim, more[0]});
    expect_everyone_answers();
}
