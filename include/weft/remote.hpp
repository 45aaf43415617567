// weft/remote.hpp — registering functions for remote calls.
#pragma once
#include "detail/call.hpp"

#define WEFT_DETAIL_CAT2(a, b) a##b
#define WEFT_DETAIL_CAT(a, b) WEFT_DETAIL_CAT2(a, b)

/// Registers functions for remote calls; use at namespace scope, once per function:
///   int count_heads(int n);
///   WEFT_REMOTE(count_heads, ns::other)
/// The id is a hash of the qualified name, the same in every process of the program.
/// Overloads and template instantiations need WEFT_REMOTE_AS. A call in template form,
/// weft::remotecall<count_heads>(2, 1000), of a function registered nowhere in the
/// program does not link: `undefined reference to weft::detail::missing_WEFT_REMOTE_for(
/// weft::detail::RemoteFn<&(count_heads(long))>)`, at the caller's file:line.
#define WEFT_REMOTE(...)                                                               \
    [[maybe_unused]] static const bool WEFT_DETAIL_CAT(weft_remote_registered_, __COUNTER__) = \
        ::weft::detail::register_functions<__VA_ARGS__>();

/// Registers one function pointer (a constant expression) under an explicit name
/// (overloads, templates):
///   WEFT_REMOTE_AS(square_int, static_cast<int (*)(int)>(&square))
#define WEFT_REMOTE_AS(name, fnptr)                                                    \
    [[maybe_unused]] static const bool WEFT_DETAIL_CAT(weft_remote_registered_, __COUNTER__) = \
        ::weft::detail::Registration<(fnptr)>::register_as(#name);
