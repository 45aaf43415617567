// runtime/transport/hmac.cpp — HMAC-SHA256 for the handshake (see hmac.hpp).
#include "transport/hmac.hpp"

// SHA-256's block functions: deprecated by OpenSSL 3 in favour of EVP, but EVP's first use
// initialises the whole library (reads openssl.cnf, loads the default provider, fills the
// algorithm name tables): 1.1 ms of every worker's start on this machine kind, three
// quarters of addprocs' own work. The block functions need no initialisation.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <cstring>

namespace weft::rt {

void hmac_sha256(std::string_view key, const unsigned char* msg, std::size_t n, unsigned char* out) {
    constexpr std::size_t block = SHA256_CBLOCK;
    unsigned char k[block] = {};
    if (key.size() > block) {
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, key.data(), key.size());
        SHA256_Final(k, &c);
    } else {
        std::memcpy(k, key.data(), key.size());
    }
    unsigned char pad[block];
    unsigned char inner[SHA256_DIGEST_LENGTH];
    SHA256_CTX c;
    for (std::size_t i = 0; i < block; ++i) pad[i] = k[i] ^ 0x36;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, block);
    SHA256_Update(&c, msg, n);
    SHA256_Final(inner, &c);
    for (std::size_t i = 0; i < block; ++i) pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&c);
    SHA256_Update(&c, pad, block);
    SHA256_Update(&c, inner, sizeof inner);
    SHA256_Final(out, &c);
}

}  // namespace weft::rt
