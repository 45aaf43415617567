// runtime/transport/hmac.hpp — HMAC-SHA256 (RFC 2104) over OpenSSL's SHA-256 block
// functions, for the handshake; checked against RFC 4231's vectors in runtime.hmac_test.
#pragma once
#include <cstddef>
#include <string_view>

namespace weft::rt {

/// Writes the 32-byte HMAC-SHA256 of msg[0, n) under key to out.
void hmac_sha256(std::string_view key, const unsigned char* msg, std::size_t n, unsigned char* out);

}  // namespace weft::rt
