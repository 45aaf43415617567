// capture_analysis.hpp — which variables a lifted statement reads from its surroundings,
// and the checks on what a statement turned into a function may do.
#pragma once

#include "translator.hpp"

namespace weft::tr {

/// A variable of the enclosing scope that the closure carries by value.
struct Capture {
    const clang::ValueDecl* decl = nullptr;
    std::string name;
    clang::QualType type;            ///< as declared (references and cv are removed later)
    bool global = false;             ///< a global listed in capture(...)
    clang::SourceLocation use;       ///< its first use inside the statement
};

enum class CaptureMode {
    ByValue,   ///< spawn/fetch: every local read is captured (Julia closes over them)
    Explicit,  ///< everywhere: only the capture(...) variables (Julia's `$x`)
};

struct CaptureAnalysis {
    std::vector<Capture> captures;           ///< in order of first use
    std::vector<std::string> fetched_futures;  ///< local Futures the statement passes to weft::fetch
    bool ok = true;                          ///< false once an error was reported
};

/// Finds the captures of `region` for the pragma `p`; reports `this`, locals that
/// everywhere cannot see, assignments to captures and reads of non-const globals.
/// `own`: variables declared outside `region` that the generated code declares itself (a
/// loop variable, a reduction variable): neither captured nor reported.
CaptureAnalysis analyze_captures(Translation& t, const Pragma& p, const clang::Stmt* region, CaptureMode mode,
                                 const std::set<const clang::ValueDecl*>& own = {});

/// Reports `return`, `break`, `continue`, `goto` and `co_*` that would leave `body` once
/// it runs inside a generated function or lambda. Returns false if any was found.
/// `loop_body`: `body` is a loop's body that becomes a function called once per iteration,
/// so a `continue` of that loop is fine (the caller turns it into a `return`); the
/// continues found are appended to `continues`.
bool check_jumps(Translation& t, const Pragma& p, const clang::Stmt* body, bool loop_body = false,
                 std::vector<const clang::ContinueStmt*>* continues = nullptr);

/// Is `loc` inside the source range of `s` (expansion locations)?
bool inside(Translation& t, clang::SourceLocation loc, const clang::Stmt* s);

}  // namespace weft::tr
