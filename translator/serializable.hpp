// serializable.hpp — does a captured type cross processes (SPEC §2, cereal's rules)?
#pragma once

#include "capture_analysis.hpp"

namespace weft::tr {

/// True if values of `type` can be sent with weft's archives: arithmetic and enum types,
/// the standard containers and utilities of SPEC §2, weft's own handles, classes with a
/// serialize/save/load member or free function, and aggregate structs of the translated
/// file, which are given a generated `serialize` (with a note). Otherwise false, with
/// `why` explaining (", because member 'm' has type ...", ": pointers ...").
/// Dependent types are accepted: the runtime's weft::Serializable check sees them.
bool check_serializable(Translation& t, clang::QualType type, const Pragma& p, std::string& why);

/// Reports each capture that cannot be sent (C arrays, non-serializable types), naming
/// the variable and its type. Returns false if there was one.
bool check_capture_types(Translation& t, const Pragma& p, const std::vector<Capture>& caps);

}  // namespace weft::tr
