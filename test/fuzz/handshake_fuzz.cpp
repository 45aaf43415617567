// test/fuzz/handshake_fuzz.cpp — libFuzzer target: the handshake, both sides. input[0]
// picks the side: even, the bytes are what a connecting process sends to a worker that
// accepts (HELLO, AUTH: accept_connection, with its caps and deadline, as a listening
// worker runs it); odd, what an accepting process answers a process that connects (ACCEPT
// or REFUSE, OKAY: handshake_connect). A run ends when the handshake has failed or, with a
// forged MAC that happens to be right, the connection is served and the input ends.
// Reproduce a crash: build/fuzz/handshake_fuzz <crash-file> (docs/testing.md).
#include "cluster_state.hpp"
#include "fuzz_peer.hpp"
#include "tasks/fiber.hpp"
#include "transport/admission.hpp"
#include "transport/handshake.hpp"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    weft_fuzz::start_master(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 4096) return 0;
    using namespace weft::rt;
    auto [mine, theirs] = weft_fuzz::socket_pair();
    tcp::socket s(io());
    s.assign(tcp::v4(), mine);
    weft_fuzz::feed(theirs, data + 1, size - 1);
    if (data[0] % 2 == 0) {
        const std::size_t before = pending_handshake_count();
        accept_connection(std::move(s));
        while (pending_handshake_count() > before) weft::yield();
    } else {
        try {
            handshake_connect(s, "fuzz-cookie", 1, std::chrono::seconds(5));
        } catch (const HandshakeError&) {
        }
    }
    weft_fuzz::drain(theirs);
    ::close(theirs);
    return 0;
}
