// test/runtime/sanitizers.hpp — whether the test is built under AddressSanitizer (GCC
// defines __SANITIZE_ADDRESS__, clang answers __has_feature), for the tests that scale a
// stress down or leave out a check that ASan's instrumentation would distort.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_TEST_ASAN 1
#endif
#endif

namespace weft_test {
#ifdef WEFT_TEST_ASAN
inline constexpr bool under_asan = true;
#else
inline constexpr bool under_asan = false;
#endif
}  // namespace weft_test
