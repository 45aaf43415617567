// weft/remote.hpp — registering functions for remote calls.
#pragma once
#include "detail/call.hpp"

#define WEFT_DETAIL_CAT2(a, b) a##b
#define WEFT_DETAIL_CAT(a, b) WEFT_DETAIL_CAT2(a, b)

/// Registers functions for remote calls; use at namespace scope, once per function:
///   int count_heads(int n);
///   WEFT_REMOTE(count_heads, ns::other)
/// The id is a hash of the qualified name, the same in every process of the program.
/// Overloads and template instantiations need WEFT_REMOTE_AS.
#define WEFT_REMOTE(...)                                                               \
    [[maybe_unused]] static const bool WEFT_DETAIL_CAT(weft_remote_registered_, __COUNTER__) = \
        ::weft::detail::register_functions<__VA_ARGS__>();

/// Registers one function pointer under an explicit name (overloads, templates):
///   WEFT_REMOTE_AS(square_int, static_cast<int (*)(int)>(&square))
#define WEFT_REMOTE_AS(name, fnptr)                                                    \
    [[maybe_unused]] static const bool WEFT_DETAIL_CAT(weft_remote_registered_, __COUNTER__) = \
        (::weft::detail::register_function_as(#name, fnptr), true);
