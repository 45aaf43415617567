// register_functions.hpp — automatic registration of the functions a file passes by name
// to weft's remote-call API.
#pragma once

#include "translator.hpp"

namespace weft::tr {

/// Registers every named function that the main file passes to remotecall*, remote_do,
/// spawnat, fetchfrom, pmap, distributed_*, everywhere, remote or a RemoteChannel.
void register_passed_functions(Translation& t);

/// `ns::f` as it can be written at global scope (anonymous namespaces left out).
std::string qualified_name(const clang::NamedDecl* d);

}  // namespace weft::tr
