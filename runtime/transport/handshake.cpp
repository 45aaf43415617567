// runtime/transport/handshake.cpp — the HMAC-SHA256 handshake (see handshake.hpp).
#include "transport/handshake.hpp"
#include "transport/hmac.hpp"

#include <openssl/crypto.h>  // CRYPTO_memcmp: constant time, needs no initialisation
#include <sys/random.h>

#include <cstring>

#include "log.hpp"
#include "tasks/fiber.hpp"

#ifndef WEFT_VERSION_STRING
#define WEFT_VERSION_STRING "0.0.0"
#endif

namespace weft::rt {

const char* weft_version() { return WEFT_VERSION_STRING; }

namespace {
using Nonce = unsigned char[32];
using Mac = unsigned char[32];

void compute_mac(const std::string& cookie, const char* label, const unsigned char* n1, const unsigned char* n2,
                 std::int32_t pid, unsigned char* out) {
    unsigned char msg[16 + 64 + 4] = {};
    std::size_t ll = std::strlen(label);
    std::memcpy(msg, label, ll);
    std::memcpy(msg + 16, n1, 32);
    std::memcpy(msg + 48, n2, 32);
    std::memcpy(msg + 80, &pid, 4);
    hmac_sha256(cookie, msg, sizeof msg, out);
}

void fresh_nonce(unsigned char* n) {
    // getrandom(2), not OpenSSL's RAND: its DRBG set-up cost more than the rest of a
    // worker's start-up (measured with callgrind).
    if (::getrandom(n, 32, 0) != 32) throw HandshakeError("getrandom failed: no randomness for the handshake nonce");
}

template <class Op>
void timed_io(tcp::socket& s, std::size_t n, std::chrono::nanoseconds timeout, const char* what, Op op) {
    auto ev = std::make_shared<Event>();
    auto result = std::make_shared<std::pair<boost::system::error_code, std::size_t>>();
    op([ev, result](const boost::system::error_code& ec, std::size_t k) {
        *result = {ec, k};
        ev->set();
    });
    if (!ev->wait_for(timeout)) {
        boost::system::error_code ignored;
        s.cancel(ignored);
        ev->wait();  // the handler still refers to the caller's buffer: let it finish
        throw HandshakeError(std::string("timed out ") + what + " during the handshake");
    }
    if (result->first)
        throw HandshakeError(std::string(what) + " failed during the handshake: " + result->first.message());
    if (result->second != n) throw HandshakeError(std::string(what) + ": short transfer during the handshake");
}

struct Hello {
    char magic[8];
    std::uint32_t protocol;
    char version[16];
    unsigned char nonce[32];
    std::int32_t pid;
};

void fill_version(char* v) {
    std::memset(v, 0, 16);
    std::strncpy(v, weft_version(), 15);
}

std::string version_of(const char* v) { return std::string(v, strnlen(v, 16)); }

void send_refuse(tcp::socket& s, const std::string& text, std::chrono::nanoseconds timeout) {
    std::string frame = "WEFTRFSE";
    std::uint32_t len = static_cast<std::uint32_t>(text.size());
    frame.append(reinterpret_cast<const char*>(&len), 4);
    frame += text;
    try {
        write_all(s, frame.data(), frame.size(), timeout);
    } catch (const HandshakeError&) {
    }
}

[[noreturn]] void read_refusal(tcp::socket& s, std::chrono::nanoseconds timeout, const std::string& where) {
    std::uint32_t len = 0;
    read_exact(s, &len, 4, timeout);
    std::string text(std::min<std::uint32_t>(len, 4096), '\0');
    read_exact(s, text.data(), text.size(), timeout);
    throw HandshakeError("the process at " + where + " refused the connection: " + text);
}

std::string endpoint_of(tcp::socket& s) {
    boost::system::error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) return "?";
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}
}  // namespace

void read_exact(tcp::socket& s, void* buf, std::size_t n, std::chrono::nanoseconds timeout) {
    timed_io(s, n, timeout, "reading", [&](auto h) { asio::async_read(s, asio::buffer(buf, n), h); });
}
void write_all(tcp::socket& s, const void* buf, std::size_t n, std::chrono::nanoseconds timeout) {
    timed_io(s, n, timeout, "writing", [&](auto h) { asio::async_write(s, asio::buffer(buf, n), h); });
}

int handshake_connect(tcp::socket& s, const std::string& cookie, int my_pid, std::chrono::nanoseconds timeout,
                      std::unique_ptr<FastPath>* fast) {
    const std::string where = endpoint_of(s);
    Hello hello{};
    std::memcpy(hello.magic, "WEFTHELO", 8);
    hello.protocol = protocol_version;
    fill_version(hello.version);
    fresh_nonce(hello.nonce);
    hello.pid = my_pid;
    write_all(s, &hello, sizeof hello, timeout);

    char magic[8];
    read_exact(s, magic, 8, timeout);
    if (!std::memcmp(magic, "WEFTRFSE", 8)) read_refusal(s, timeout, where);
    if (std::memcmp(magic, "WEFTACPT", 8))
        throw HandshakeError("the process at " + where + " is not a weft process (unexpected handshake bytes)");
    struct { std::uint32_t protocol; char version[16]; unsigned char nonce[32]; unsigned char mac[32]; std::int32_t pid; } acc{};
    read_exact(s, &acc, sizeof acc, timeout);
    Mac expect;
    compute_mac(cookie, "weft-accept", hello.nonce, acc.nonce, acc.pid, expect);
    if (CRYPTO_memcmp(expect, acc.mac, 32) != 0)
        throw HandshakeError("the process at " + where +
                             " could not prove the cluster cookie (a different cluster's process, or a wrong cookie)");
    struct { char magic[8]; unsigned char mac[32]; } auth{};
    std::memcpy(auth.magic, "WEFTAUTH", 8);
    compute_mac(cookie, "weft-connect", acc.nonce, hello.nonce, my_pid, auth.mac);
    write_all(s, &auth, sizeof auth, timeout);
    read_exact(s, magic, 8, timeout);
    if (!std::memcmp(magic, "WEFTRFSE", 8)) read_refusal(s, timeout, where);
    if (std::memcmp(magic, "WEFTOKAY", 8)) throw HandshakeError("unexpected handshake reply from " + where);
    auto path = exchange_offers(s, timeout, fast != nullptr, true);
    if (fast) *fast = std::move(path);
    return acc.pid;
}

int handshake_accept(tcp::socket& s, const std::string& cookie, int my_pid, std::chrono::nanoseconds timeout,
                     std::unique_ptr<FastPath>* fast) {
    const std::string where = endpoint_of(s);
    Hello hello{};
    read_exact(s, &hello, sizeof hello, timeout);
    if (std::memcmp(hello.magic, "WEFTHELO", 8))
        throw HandshakeError("not a weft peer (its first bytes are not a weft handshake)");
    if (hello.protocol != protocol_version || version_of(hello.version) != weft_version()) {
        std::string text = "weft version mismatch: process " + std::to_string(my_pid) + " runs weft " +
                           weft_version() + " (protocol " + std::to_string(protocol_version) +
                           "), the connecting process runs weft " + version_of(hello.version) + " (protocol " +
                           std::to_string(hello.protocol) + "); build every process from the same weft sources";
        send_refuse(s, text, timeout);
        throw HandshakeError(text);
    }
    struct { char magic[8]; std::uint32_t protocol; char version[16]; unsigned char nonce[32]; unsigned char mac[32]; std::int32_t pid; } acc{};
    std::memcpy(acc.magic, "WEFTACPT", 8);
    acc.protocol = protocol_version;
    fill_version(acc.version);
    fresh_nonce(acc.nonce);
    acc.pid = my_pid;
    compute_mac(cookie, "weft-accept", hello.nonce, acc.nonce, my_pid, acc.mac);
    write_all(s, &acc, sizeof acc, timeout);
    struct { char magic[8]; unsigned char mac[32]; } auth{};
    read_exact(s, &auth, sizeof auth, timeout);
    Mac expect;
    compute_mac(cookie, "weft-connect", acc.nonce, hello.nonce, hello.pid, expect);
    if (std::memcmp(auth.magic, "WEFTAUTH", 8) || CRYPTO_memcmp(expect, auth.mac, 32) != 0) {
        send_refuse(s, "authentication failed: wrong cluster cookie", timeout);
        throw HandshakeError("wrong cluster cookie");
    }
    write_all(s, "WEFTOKAY", 8, timeout);
    auto path = exchange_offers(s, timeout, fast != nullptr, false);
    if (fast) *fast = std::move(path);
    return hello.pid;
}

}  // namespace weft::rt
