// threadcall on `auto x = f(args);`, `x = f(args);` and `f(args);`: the arguments are
// evaluated by the caller and forwarded; member calls and callable objects work; the
// statement's type is unchanged.
// RUN: %weft-translate %s -o - | FileCheck %s --match-full-lines --implicit-check-not='{{warning|error}}:'
// (%weft-translate compiles its output with clang++ and with GCC: lit.cfg.py)
#include <weft/weft.hpp>
#include <string>
#include <unistd.h>
int compress(const char* buf, long len, int level = 6) { return static_cast<int>(len) / level + buf[0]; }
struct Codec {
    int pack(const std::string& s) const { return static_cast<int>(s.size()); }
};
void run(const char* buf, long len) {
#pragma weft threadcall
    auto n = compress(buf, len);
    int m = 0;
#pragma weft threadcall
    m = compress(buf, len, 9);
#pragma weft threadcall
    usleep(1000);
    Codec c;
#pragma weft threadcall
    int k = c.pack(std::string("xy"));
    auto twice = [](int q) { return 2 * q; };
#pragma weft threadcall
    long l = twice(n + m + k);
#pragma weft threadcall
    m = compress(buf,
                 len);
    (void)l;
}
// CHECK:      // #pragma weft threadcall
// CHECK-NEXT:     auto n = weft::threadcall([&](auto&&... weft_args) -> decltype(auto) { return compress(static_cast<decltype(weft_args)&&>(weft_args)...); }, buf, len);
// CHECK:      // #pragma weft threadcall
// CHECK-NEXT:     m = weft::threadcall([&](auto&&... weft_args) -> decltype(auto) { return compress(static_cast<decltype(weft_args)&&>(weft_args)...); }, buf, len, 9);
// CHECK-NEXT: // #pragma weft threadcall
// CHECK-NEXT:     weft::threadcall([&](auto&&... weft_args) -> decltype(auto) { return usleep(static_cast<decltype(weft_args)&&>(weft_args)...); }, 1000);
// CHECK:      // #pragma weft threadcall
// CHECK-NEXT:     int k = weft::threadcall([&](auto&&... weft_args) -> decltype(auto) { return c.pack(static_cast<decltype(weft_args)&&>(weft_args)...); }, std::string("xy"));
// CHECK:      // #pragma weft threadcall
// CHECK-NEXT:     long l = weft::threadcall([&](auto&&... weft_args) -> decltype(auto) { return twice(static_cast<decltype(weft_args)&&>(weft_args)...); }, n + m + k);
// CHECK-NEXT: // #pragma weft threadcall
// CHECK-NEXT:     m = weft::threadcall([&](auto&&... weft_args) -> decltype(auto) { return compress(static_cast<decltype(weft_args)&&>(weft_args)...); }, buf,
// CHECK-NEXT:                  len);
// CHECK-NEXT:     (void)l;
