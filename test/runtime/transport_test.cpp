// test/runtime/transport_test.cpp — WEFT_TRANSPORT (runtime/transport/transport.hpp): the
// master's and the workers' connections take the transport it chooses (ctest runs the
// runtime suite once per transport, test/CMakeLists.txt), big arrays cross it intact, and
// a worker killed with SIGKILL fails its pending call with ProcessExitedException, leaving
// no shared-memory segment of its own behind.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <weft/weft.hpp>

namespace {
/// What WEFT_TRANSPORT makes of a connection on one host.
std::string expected() {
    const char* v = std::getenv("WEFT_TRANSPORT");
    const std::string t = v ? v : "";
    if (t == "tcp" || t == "ucx") return t;
#ifdef WEFT_TEST_HAVE_UCX
    return "ucx";
#else
    return "tcp";
#endif
}
std::string transport_to(int pid) { return weft::debug::transport(pid); }
std::string env_of(std::string name) {
    const char* v = std::getenv(name.c_str());
    return v ? v : "(unset)";
}
std::vector<int> g_log;  // on the worker: the order its remote_do calls ran in
void log_small(int i) { g_log.push_back(i); }
void log_big(std::vector<double> v, int i) { g_log.push_back(v.empty() ? 0 : i); }
std::vector<int> take_log() { return std::exchange(g_log, {}); }
/// Keeps this process's runtime thread busy (it reads no message meanwhile) until the
/// process is killed, or 20 s at most.
int hold_the_runtime_thread() {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
    }
    return 0;
}
void sink(std::vector<char>) {}
/// On a worker: calls `victim`, which stops reading, floods it with more than its receive
/// queue holds (the rest wait in this process's UCX), kills it, and says what the call's
/// fetch then did.
std::string flood_kill_and_fetch(int victim, int victim_ospid) {
    auto held = weft::remotecall(hold_the_runtime_thread, victim);
    for (int i = 0; i < 4000; ++i) weft::remote_do(sink, victim, std::vector<char>(2048, 'x'));
    ::kill(victim_ospid, SIGKILL);
    try {
        weft::fetch(held);
        return "returned";
    } catch (const weft::ProcessExitedException&) {
        return "ProcessExitedException";
    }
}
void sink_doubles(std::vector<double>) {}
/// On a worker: calls `victim`, which stops reading, has a task send it 32 MiB (which UCX
/// sends from where the vector is, so the task waits until the victim has taken it), kills
/// the victim, and says how that task's send ended.
std::string big_send_kill(int victim, int victim_ospid) {
    auto held = weft::remotecall(hold_the_runtime_thread, victim);
    auto sending = weft::async([victim] {
        try {
            weft::remote_do(sink_doubles, victim, std::vector<double>(std::size_t{4} << 20, 1.0));
            return std::string("sent");
        } catch (const weft::ProcessExitedException&) {
            return std::string("ProcessExitedException");
        }
    });
    weft::yield();  // the task fills 32 MiB (ms: the victim is held by then), sends, and waits
    ::kill(victim_ospid, SIGKILL);
    return weft::fetch(sending);
}
const std::string g_tls_at_start = env_of("UCX_TLS");  // before weft could set them
const std::string g_mem_events_at_start = env_of("UCX_MEM_EVENTS");
bool rdma_here() {
    std::error_code ec;
    return std::filesystem::exists("/sys/class/infiniband", ec) &&
           !std::filesystem::is_empty("/sys/class/infiniband", ec);
}
std::vector<double> echo(std::vector<double> v) { return v; }
/// Bytes whose load takes them 1,000 at a time: the big array it saves in one piece is read
/// through a buffer, not received in place.
struct Chunked {
    std::vector<unsigned char> bytes;
    template <class A>
    void save(A& ar) const {
        ar(static_cast<std::uint64_t>(bytes.size()), cereal::binary_data(bytes.data(), bytes.size()));
    }
    template <class A>
    void load(A& ar) {
        std::uint64_t n = 0;
        ar(n);
        if (n > ar.remaining()) throw std::runtime_error("Chunked: bad length");
        bytes.resize(n);
        for (std::uint64_t at = 0; at < n; at += 1000)
            ar(cereal::binary_data(bytes.data() + at, std::min<std::uint64_t>(1000, n - at)));
    }
};
/// A value with several big arrays among small fields, each loaded its own way.
using Mixed = std::tuple<int, std::string, std::vector<float>, std::vector<double>, Chunked,
                         std::vector<std::vector<std::int64_t>>, std::array<double, 1 << 14>, char>;
Mixed echo_mixed(Mixed m) { return m; }
std::uint64_t in_place_here() { return weft::debug::bytes_received_in_place(weft::myid()); }
int block_forever() {
    weft::Future<int> never;  // nobody ever puts
    return weft::fetch(never);
}

/// The SysV shared-memory segments process `ospid` created (/proc/sysvipc/shm's lines
/// whose cpid is `ospid`).
std::vector<std::string> segments_of(int ospid) {
    std::ifstream f("/proc/sysvipc/shm");
    std::string line;
    std::getline(f, line);  // the header
    std::vector<std::string> found;
    while (std::getline(f, line)) {
        std::istringstream in(line);
        std::string key, shmid, perms, size, cpid;
        in >> key >> shmid >> perms >> size >> cpid;
        if (cpid == std::to_string(ospid)) found.push_back(line);
    }
    return found;
}
}  // namespace
WEFT_REMOTE(transport_to, env_of, echo, echo_mixed, in_place_here, block_forever, log_small, log_big, take_log, hold_the_runtime_thread, sink, sink_doubles, big_send_kill,
            flood_kill_and_fetch)

class Transport : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (weft::nprocs() < 3) weft::addprocs(3 - weft::nprocs());
    }
};

TEST_F(Transport, ConnectionsTakeTheTransportWeftTransportChooses) {
    auto ws = weft::workers();
    ASSERT_GE(ws.size(), 2u);
    for (int w : ws) EXPECT_EQ(weft::debug::transport(w), expected()) << "to worker " << w;
    EXPECT_EQ(weft::remotecall_fetch(transport_to, ws[0], 1), expected());
    // worker to worker: the connection the first call between them makes
    EXPECT_EQ(weft::remotecall_fetch(transport_to, ws[0], ws[1]), "");
    EXPECT_EQ(weft::remotecall_fetch(
                  [](int other) {
                      (void)weft::remotecall_fetch(transport_to, other, 1);
                      return weft::debug::transport(other);
                  },
                  ws[0], ws[1]),
              expected());
    EXPECT_EQ(weft::debug::transport(12345), "");
}

TEST_F(Transport, BigAndSmallArraysArriveIntactAndInOrder) {
    const int w = weft::workers()[0];
    std::vector<weft::Future<std::vector<double>>> fs;
    for (std::size_t n : {std::size_t{0}, std::size_t{3}, std::size_t{1} << 20, std::size_t{5}, std::size_t{3} << 20}) {
        std::vector<double> v(n);
        std::iota(v.begin(), v.end(), static_cast<double>(n));
        fs.push_back(weft::remotecall(echo, w, v));
    }
    for (auto& f : fs) {
        auto v = weft::fetch(f);
        for (std::size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], static_cast<double>(v.size() + i)) << i;
    }
}

// Over UCX with WEFT_UCX_IN_PLACE=yes (ctest's runtime.ucx-in-place.* runs) a call's
// arguments or result of 1 MiB or more goes split (runtime/transport/ucx.cpp): each big
// array is received straight into the vector the decoder made for it. Both sides count
// those bytes: the worker for the argument, the master for the result. Over TCP, and over
// UCX on one host with the default (auto), nothing is received in place.
TEST_F(Transport, BigArraysAreReceivedInPlaceOverUcxWhereWeftUcxInPlaceSaysSo) {
    const int w = weft::workers()[0];
    const std::uint64_t worker0 = weft::remotecall_fetch(in_place_here, w);
    const std::uint64_t master0 = weft::debug::bytes_received_in_place(1);
    std::vector<double> v(std::size_t{4} << 20);  // 32 MiB
    std::iota(v.begin(), v.end(), 0.5);
    const auto back = weft::remotecall_fetch(echo, w, v);
    ASSERT_EQ(back.size(), v.size());
    EXPECT_TRUE(back == v);
    const std::uint64_t worker = weft::remotecall_fetch(in_place_here, w) - worker0;
    const std::uint64_t master = weft::debug::bytes_received_in_place(1) - master0;
    const char* in_place = std::getenv("WEFT_UCX_IN_PLACE");
    if (expected() == "ucx" && in_place && std::string(in_place) == "yes") {
        EXPECT_EQ(worker, v.size() * sizeof(double));
        EXPECT_EQ(master, v.size() * sizeof(double));
    } else {
        EXPECT_EQ(worker, 0u);
        EXPECT_EQ(master, 0u);
    }
}

// A value with several big arrays between small fields crosses intact both ways, whether
// its loads take each array in one piece (vector, string, std::array), through a buffer a
// little at a time (Chunked), or nested; the same value several times in flight at once.
TEST_F(Transport, AValueWithManyBigArraysArrivesIntactWhateverWayItsLoadsReadThem) {
    const int w = weft::workers()[1];
    auto m = std::make_unique<Mixed>();
    auto& [i, str, floats, doubles, chunked, nested, arr, c] = *m;
    i = 42;
    str.assign(300000, 'x');
    for (std::size_t k = 0; k < str.size(); k += 97) str[k] = static_cast<char>('a' + k % 26);
    floats.resize(70000);
    std::iota(floats.begin(), floats.end(), 1.0f);
    doubles = {1.5, 2.5};  // small: inline
    chunked.bytes.resize(200001);
    for (std::size_t k = 0; k < chunked.bytes.size(); ++k) chunked.bytes[k] = static_cast<unsigned char>(k * 7);
    for (std::size_t n : {std::size_t{1} << 17, std::size_t{3}, std::size_t{1} << 16, std::size_t{0}}) {
        nested.emplace_back(n);
        std::iota(nested.back().begin(), nested.back().end(), static_cast<std::int64_t>(n));
    }
    std::iota(arr.begin(), arr.end(), -3.0);
    c = 'z';
    std::vector<weft::Future<Mixed>> fs;
    for (int k = 0; k < 4; ++k) fs.push_back(weft::remotecall(echo_mixed, w, *m));
    for (auto& f : fs) {
        const Mixed back = weft::fetch(f);
        EXPECT_EQ(std::get<0>(back), i);
        EXPECT_EQ(std::get<1>(back), str);
        EXPECT_EQ(std::get<2>(back), floats);
        EXPECT_EQ(std::get<3>(back), doubles);
        EXPECT_EQ(std::get<4>(back).bytes, chunked.bytes);
        EXPECT_EQ(std::get<5>(back), nested);
        EXPECT_EQ(std::get<6>(back), arr);
        EXPECT_EQ(std::get<7>(back), c);
    }
}

TEST_F(Transport, AKilledWorkerFailsItsCallAndLeavesNoSegment) {
    const int victim = weft::addprocs(1)[0];
    const int ospid = weft::debug::ospid(victim);
    EXPECT_EQ(weft::remotecall_fetch(transport_to, victim, 1), expected());
    auto pending = weft::remotecall(block_forever, victim);
    ::kill(ospid, SIGKILL);
    EXPECT_THROW(weft::fetch(pending), weft::ProcessExitedException);
    EXPECT_THROW(weft::remotecall_fetch(transport_to, victim, 1), weft::ProcessExitedException);
    EXPECT_EQ(segments_of(ospid), std::vector<std::string>{});
    for (int w : weft::workers()) EXPECT_EQ(weft::remotecall_fetch(transport_to, w, 1), expected());
}

// A peer killed while sends to it wait (its receive queue full: it stopped reading) must
// not wedge the sender: the sender's pending fetch fails with ProcessExitedException and
// it goes on answering. Over UCX the queued sends can never complete, and the arm stays
// busy; the poller used to retry the arm without end, so the sender's runtime thread
// never saw the TCP EOF. Then the sender, idle, must not burn a CPU: with only sends to a
// dead peer waiting, it sleeps 2 ms at a time (it used to yield without end:
// tens of thousands of looks in 200 ms, like AnIdleProcessSleepsAfterItsMessages's bug).
// The sender is a worker of its own here, removed afterwards. Whether sends are still
// queued when the victim dies depends on how far it read before it was held: 8 rounds
// (before the fix, about one round in 12 burnt: 60,616 looks).
TEST_F(Transport, APeerKilledWhileSendsWaitForItDoesNotWedgeTheSender) {
    for (int round = 0; round < 8; ++round) {
        const auto ids = weft::addprocs(2);
        const int sender = ids[0], victim = ids[1];
        EXPECT_EQ(weft::remotecall_fetch(flood_kill_and_fetch, sender, victim, weft::debug::ospid(victim)),
                  "ProcessExitedException");
        EXPECT_EQ(weft::remotecall_fetch(transport_to, sender, 1), expected());
        const std::size_t before = weft::debug::event_loop_turns(sender);
        weft::sleep(std::chrono::milliseconds(200));  // the idle time whose looks are counted
        const std::size_t looks = weft::debug::event_loop_turns(sender) - before;
        EXPECT_LT(looks, 1000u) << "round " << round << ": the sender's event loop did not sleep after its peer died";
        std::printf("   looks in 200 ms after the peer died: %zu\n", looks);
        weft::rmprocs(sender);
    }
}

// A task whose big arrays UCX sends from where they are waits until the peer has taken
// them; when the peer is killed first, it must not wait for ever: its send fails with
// ProcessExitedException when the TCP connection sees the peer gone (over TCP the bytes
// are in the kernel and the send returns). The sender is a worker of its own.
TEST_F(Transport, ATaskSendingBigArraysToAPeerThatIsKilledDoesNotWaitForEver) {
    for (int round = 0; round < 3; ++round) {
        const auto ids = weft::addprocs(2);
        const int sender = ids[0], victim = ids[1];
        const std::string how = weft::remotecall_fetch(big_send_kill, sender, victim, weft::debug::ospid(victim));
        if (expected() == "ucx") EXPECT_EQ(how, "ProcessExitedException") << "round " << round;
        else EXPECT_TRUE(how == "sent" || how == "ProcessExitedException") << how;
        EXPECT_EQ(weft::remotecall_fetch(transport_to, sender, 1), expected());
        weft::rmprocs(sender);
    }
}

// Calls from one process to one destination are delivered in order (SPEC 4.2), also when
// small frames are held back and sent together (over TCP, one send() while other tasks
// are ready) and a big frame, which is never held back, comes after them: it must not
// overtake them. Eight tasks each send 4 small calls, a big one
// (512 KiB) and a small one, 40 rounds; on the worker each task's calls ran in order.
TEST_F(Transport, FramesHeldBackTogetherKeepTheirOrderWithTheBigFramesBetween) {
    const int w = weft::workers()[0];
    for (int round = 0; round < 40; ++round) {
        std::vector<weft::Task<void>> ts;
        for (int t = 1; t <= 8; ++t)
            ts.push_back(weft::async([w, t] {
                for (int k = 0; k < 4; ++k) weft::remote_do(log_small, w, 100 * t + k);
                weft::remote_do(log_big, w, std::vector<double>(1 << 16, 1.0), 100 * t + 50);
                weft::remote_do(log_small, w, 100 * t + 99);
            }));
        for (auto& t : ts) weft::wait(t);
        const auto log = weft::remotecall_fetch(take_log, w);
        ASSERT_EQ(log.size(), 8u * 6u) << "round " << round;
        for (int t = 1; t <= 8; ++t) {
            std::vector<int> mine;
            for (int x : log)
                if (x / 100 == t) mine.push_back(x % 100);
            EXPECT_EQ(mine, (std::vector<int>{0, 1, 2, 3, 50, 99})) << "task " << t << ", round " << round;
        }
    }
}

// UCX opens only the transports weft uses (runtime/transport/ucx.cpp, settle_environment):
// on a host without RDMA a worker's UCX runs with UCX_TLS=sysv,cma (sysv where CMA is
// forbidden) and a SysV receive pool that grows 128 buffers at a time, which together cut
// its start-up from 17-20 ms of CPU to 4. What UCX reads when it loads (no malloc hooks)
// is in the environment of the workers the master starts, not in the master's own (UCX
// would warn that it is unused). A UCX_TLS the user gives a worker is kept, and that
// worker still reaches the master over UCX.
TEST_F(Transport, UcxOpensOnlyTheTransportsWeftUsesUnlessTheUserChose) {
    if (expected() != "ucx") GTEST_SKIP() << "this run does not use UCX";
    if (g_tls_at_start != "(unset)" || rdma_here())
        GTEST_SKIP() << "UCX_TLS was set before the test (" << g_tls_at_start << ") or this host has RDMA";
    const int w = weft::workers()[0];
    const std::string tls = weft::remotecall_fetch(env_of, w, std::string("UCX_TLS"));
    EXPECT_TRUE(tls == "sysv,cma" || tls == "sysv") << "worker " << w << " runs UCX with UCX_TLS=" << tls;
    EXPECT_EQ(weft::remotecall_fetch(env_of, w, std::string("UCX_SYSV_RX_BUFS_GROW")), "128");
    if (g_mem_events_at_start == "(unset)") {
        EXPECT_EQ(weft::remotecall_fetch(env_of, w, std::string("UCX_MEM_EVENTS")), "n");
        EXPECT_EQ(env_of("UCX_MEM_EVENTS"), "(unset)") << "set in the master, where UCX read it long before";
    }
    weft::AddProcsOptions o;
    o.env["UCX_TLS"] = "sysv,self";
    const int mine = weft::addprocs(1, o)[0];
    EXPECT_EQ(weft::remotecall_fetch(env_of, mine, std::string("UCX_TLS")), "sysv,self");
    EXPECT_EQ(weft::debug::transport(mine), "ucx");
    EXPECT_EQ(weft::remotecall_fetch(transport_to, mine, 1), "ucx");
    weft::rmprocs(mine);
}

// An idle process sleeps once its messages are handled: the master (whose replies and
// reports come over the transport) and the worker (whose requests do) each look for I/O a
// handful of times during a 200 ms weft::sleep. Before the fix, UCX's event descriptor was
// watched level-triggered and stayed readable until the next arm, which only a sleep
// would do: every look of the spin saw it again, so the loop never slept and each process
// burnt a CPU (tens of thousands of looks in 200 ms) after its first message.
TEST_F(Transport, AnIdleProcessSleepsAfterItsMessages) {
    const int w = weft::workers()[0];
    for (int i = 0; i < 20; ++i) weft::remotecall_fetch(echo, w, std::vector<double>(i, 1.0));
    (void)weft::remotecall_fetch(echo, w, std::vector<double>(1 << 20, 2.0));  // a big one too
    const std::size_t master0 = weft::debug::event_loop_turns(1);
    const std::size_t worker0 = weft::debug::event_loop_turns(w);
    weft::sleep(std::chrono::milliseconds(200));  // the idle time whose looks are counted
    const std::size_t master = weft::debug::event_loop_turns(1) - master0;
    const std::size_t worker = weft::debug::event_loop_turns(w) - worker0;
    // Each process's spin looks about 25 times after a message before it sleeps, and
    // the worker answers one query in the window; a loop that never sleeps looks ~100x more.
    EXPECT_LT(master, 1000u) << "the master's event loop did not sleep while idle";
    EXPECT_LT(worker, 1000u) << "worker " << w << "'s event loop did not sleep while idle";
    std::printf("   looks in 200 ms idle: master %zu, worker %zu\n", master, worker);
}
