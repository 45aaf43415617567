// codegen.hpp — the text the rewrites emit: closure types (a local struct with the
// captures as members, operator() holding the original code, serialize for weft's
// archives) and #line directives that keep line numbers pointing into the original.
#pragma once

#include "capture_analysis.hpp"

namespace weft::tr {

struct Closure {
    std::string name;              ///< weft_closure_L<line>_C<col>
    std::vector<Capture> captures;
    std::string body;              ///< operator()'s body, e.g. "return f(n);"
    std::string params;            ///< operator()'s parameters ("" for spawn; "long i" for a loop body)
    unsigned body_line = 0;        ///< original line of the body's first character
};

/// `weft_closure_L<line>_C<col>` for a statement starting at `loc`.
std::string closure_name(Translation& t, clang::SourceLocation loc);

/// The closure's definition, placed where a statement starting on `stmt_line` was; it
/// ends with a line directive back to `stmt_line`, so what follows it keeps that line.
std::string closure_definition(Translation& t, const Closure& c, unsigned stmt_line, const std::string& indent);

/// `weft::CallSite("main.cpp", 12, 9, "#pragma weft spawn")`: the pragma's place in the
/// user's source (its directive word), which the runtime reports with a remote error.
std::string call_site(const Translation& t, const Pragma& p);

/// `name{a, b}`: the closure object, its members copied from the caller's variables.
std::string closure_object(const Closure& c);

/// The member type for a capture: the type clang resolved, fully qualified, without
/// references and cv; for types that cannot be named there, an alias of decltype().
std::string capture_type(Translation& t, const Capture& c, const std::string& closure, std::string& aliases);

/// Replaces the statement range `r` (which starts on line `first`, ends on `last`) with
/// `text`, followed by a line directive back to `last` when the statement spanned lines.
void replace_statement(Translation& t, clang::CharSourceRange r, const std::string& text);

}  // namespace weft::tr
