// runtime/registry.hpp — the callee's side of the function registry.
#pragma once
#include <string>

#include "weft/detail/call.hpp"

namespace weft::rt {
struct RegisteredFn {
    std::string name;
    void* fnptr = nullptr;
    detail::JobDecoder decode = nullptr;
};
/// The registered function with this id, or nullptr.
const RegisteredFn* find_function(detail::FnId id);
/// The name the function at `fnptr` is registered under, or "" if it is not registered.
std::string registered_name(void* fnptr);
/// Best-effort name of the function at `addr` (dladdr, then the executable's symbols).
std::string symbol_name(void* addr);
}  // namespace weft::rt
