// test/fuzz/fuzz_peer.hpp — what the fuzz targets share: a weft master started once in
// the fuzzing process, and a socket pair whose one end a target hands to the runtime
// (as an authenticated peer connection, or to the handshake) while it writes the fuzzer's
// bytes into the other end.
#pragma once
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <utility>

#include <weft/weft.hpp>

namespace weft_fuzz {

/// Starts this process as a weft master with no workers, quietly (LLVMFuzzerInitialize).
inline void start_master(int* argc, char*** argv) {
    ::setenv("WEFT_LOG_LEVEL", "error", 1);  // every dropped peer would print a warning
    weft::init(*argc, *argv);
}

/// A connected pair of stream sockets: first for the runtime, second for the fuzzer.
inline std::pair<int, int> socket_pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) std::abort();
    return {sv[0], sv[1]};
}

/// Writes all of [p, p+n) (the pair's buffer holds every input the corpus keeps: the
/// targets cap the input size), then ends the stream.
inline void feed(int fd, const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) break;  // the runtime closed its end
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    ::shutdown(fd, SHUT_WR);
}

/// Reads and discards what the runtime sent back, without waiting.
inline void drain(int fd) {
    char buf[65536];
    while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
}

}  // namespace weft_fuzz
