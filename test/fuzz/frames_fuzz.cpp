// test/fuzz/frames_fuzz.cpp — libFuzzer target: the bytes an authenticated peer sends.
// The input goes through a real Connection (a socket in the runtime's event loop, the
// frame reader, streamed frames, process_message and every handler the master runs),
// as frames from worker `2 + input[0] % 4`. A run ends when the runtime has read all of
// it and closed the connection (end of stream, or a bad frame).
// Reproduce a crash: build/fuzz/frames_fuzz <crash-file> (docs/testing.md).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster_state.hpp"
#include "fuzz_peer.hpp"
#include "transport/connection.hpp"

namespace {
// Functions a peer may call (named, so that make_seeds.py knows their ids): strings, nested vectors,
// maps, optionals, Futures and remote channels among the arguments.
std::size_t length_of(std::string s) { return s.size(); }
double sum(std::vector<std::vector<double>> v) {
    double t = 0;
    for (auto& r : v)
        for (double x : r) t += x;
    return t;
}
int count(std::map<std::string, std::vector<int>> m) { return static_cast<int>(m.size()); }
int value_or(std::optional<int> v) { return v.value_or(-1); }
bool ready(weft::Future<int> f) { return f.where() > 0; }
int where(weft::RemoteChannel<std::string> c) { return c.where(); }
}  // namespace
WEFT_REMOTE_AS(fuzz_length_of, &length_of)
WEFT_REMOTE_AS(fuzz_sum, &sum)
WEFT_REMOTE_AS(fuzz_count, &count)
WEFT_REMOTE_AS(fuzz_value_or, &value_or)
WEFT_REMOTE_AS(fuzz_ready, &ready)
WEFT_REMOTE_AS(fuzz_where, &where)

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    weft_fuzz::start_master(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 65536) return 0;
    using namespace weft::rt;
    const int pid = 2 + data[0] % 4;
    auto [mine, theirs] = weft_fuzz::socket_pair();
    tcp::socket s(io());
    s.assign(tcp::v4(), mine);
    auto conn = std::make_shared<Connection>(std::move(s), "fuzz");
    adopt_connection(pid, conn);
    weft_fuzz::feed(theirs, data + 1, size - 1);
    while (!conn->wait_closed(std::chrono::milliseconds(10))) weft_fuzz::drain(theirs);
    weft_fuzz::drain(theirs);
    ::close(theirs);
    return 0;
}
