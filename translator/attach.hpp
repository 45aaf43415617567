// attach.hpp — attaches each parsed pragma to the statement or declaration after it.
#pragma once

#include "translator.hpp"

namespace weft::tr {

/// Fills t.sites (and t.sync_stmts) from `pragmas`; reports pragmas that are not followed
/// by what their directive applies to.
void attach_pragmas(Translation& t, const std::vector<Pragma>& pragmas);

}  // namespace weft::tr
