// rewrite_sync.cpp — `#pragma weft sync` (Julia @sync, SPEC §3.3): the statement runs
// inside weft::sync([&] { ... }), which waits for every task, spawn and asynchronous loop
// started (dynamically) inside it. Only the braces change, so lines stay where they were.
#include "capture_analysis.hpp"
#include "codegen.hpp"

namespace weft::tr {

void rewrite_sync(Translation& t, const Site& s) {
    const Pragma& p = *s.pragma;
    if (!check_jumps(t, p, s.stmt)) return;
    if (auto* cs = llvm::dyn_cast<clang::CompoundStmt>(s.stmt);
        cs && !cs->getLBracLoc().isMacroID() && !cs->getRBracLoc().isMacroID()) {
        t.rw.ReplaceText(cs->getLBracLoc(), 1, "weft::sync([&] {");
        t.rw.ReplaceText(cs->getRBracLoc(), 1, "});");
        return;
    }
    clang::CharSourceRange r = t.stmt_range(s.stmt);
    if (r.isInvalid()) return;
    t.rw.InsertTextBefore(r.getBegin(), "weft::sync([&] { ");
    t.rw.InsertTextAfter(r.getEnd(), " });");
}

}  // namespace weft::tr
