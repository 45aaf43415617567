// test/runtime/raw_peer.hpp — a hand-made weft peer for tests: a raw TCP socket to a
// worker's listening address, the client side of the handshake, and frame helpers.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace weft_test {
/// A blocking client socket to a worker's listening address.
inline int connect_raw(const std::string& addr) {
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

inline bool read_n(int fd, void* p, size_t n) {
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
inline bool closed_by_peer(int fd) {
    char b[256];
    for (;;) {
        ssize_t r = ::recv(fd, b, sizeof b, 0);
        if (r == 0 || (r < 0 && errno == ECONNRESET)) return true;
        if (r < 0) return false;  // timeout
    }
}

inline void mac(const std::string& cookie, const char* label, const unsigned char* n1, const unsigned char* n2, int32_t pid,
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
inline std::string handshake(int fd, const std::string& cookie, int32_t pid) {
    unsigned char hello[64] = {};
    std::memcpy(hello, "WEFTHELO", 8);
    uint32_t proto = 2;
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
    if (std::memcmp(verdict, "WEFTOKAY", 8) == 0) {  // the OFFERs: none from here, theirs skipped
        const uint32_t none = 0;
        ::send(fd, &none, 4, MSG_NOSIGNAL);
        uint32_t len = 0;
        if (!read_n(fd, &len, 4) || len > 16384) return "bad-offer";
        std::string offer(len, '\0');
        if (len && !read_n(fd, offer.data(), len)) return "closed";
    }
    return std::string(verdict, 8);
}

/// Sends one frame: u64 length (type + body), u8 type, body.
inline bool send_frame(int fd, std::uint8_t type, const std::string& body) {
    std::string frame(9, '\0');
    const std::uint64_t len = body.size() + 1;
    std::memcpy(frame.data(), &len, 8);
    frame[8] = static_cast<char>(type);
    frame += body;
    return ::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size());
}

/// Reads one frame; returns its type and body (type 0 when the connection ended).
inline std::pair<std::uint8_t, std::string> read_frame(int fd) {
    std::uint64_t len = 0;
    char type = 0;
    if (!read_n(fd, &len, 8) || len == 0 || len > (1u << 26) || !read_n(fd, &type, 1)) return {0, {}};
    std::string body(len - 1, '\0');
    if (!read_n(fd, body.data(), body.size())) return {0, {}};
    return {static_cast<std::uint8_t>(type), body};
}

/// Appends the bytes of a value of trivial type.
template <class T>
void put_raw(std::string& s, const T& v) {
    s.append(reinterpret_cast<const char*>(&v), sizeof v);
}
}  // namespace weft_test
