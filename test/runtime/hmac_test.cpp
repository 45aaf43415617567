// runtime.hmac_test: the handshake's HMAC-SHA256 against RFC 4231's test vectors (a key
// shorter than, equal to and longer than SHA-256's 64-byte block).
#include <gtest/gtest.h>

#include <string>

#include "../../runtime/transport/hmac.hpp"

namespace {

std::string hex_hmac(const std::string& key, const std::string& msg) {
    unsigned char out[32];
    weft::rt::hmac_sha256(key, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out);
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (unsigned char c : out) {
        s += digits[c >> 4];
        s += digits[c & 15];
    }
    return s;
}

TEST(Hmac, Rfc4231Case1ShortKey) {
    EXPECT_EQ(hex_hmac(std::string(20, '\x0b'), "Hi There"),
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(Hmac, Rfc4231Case2) {
    EXPECT_EQ(hex_hmac("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hmac, Rfc4231Case6KeyLongerThanABlockIsHashedFirst) {
    EXPECT_EQ(hex_hmac(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Hmac, KeyOfExactlyOneBlockIsUsedAsIs) {  // reference: Python's hmac module
    EXPECT_EQ(hex_hmac(std::string(64, '\xaa'), "exactly one block of key"),
              "6b86dff4b91fe689c94291f9648c1f7cea871c24c0aaee8b7b0f295528e85fe3");
}

}  // namespace
