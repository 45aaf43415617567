// loop_shape.hpp — the loops the loop directives accept (`threads`, `distributed`):
// `for (T i = first; i < last; ++i)` with `<` or `<=` (either side), `++i`, `i++`,
// `i += 1` (and `i += step` where allowed), or a range-for over `weft::range(...)`;
// and their `reduce(op:var)` clause.
#pragma once

#include "translator.hpp"

namespace weft::tr {

struct LoopShape {
    const clang::VarDecl* var = nullptr;  ///< the loop variable
    std::string type;                     ///< its type as it can be written
    std::string first, last;              ///< bound expressions as written (last: exclusive)
    std::string step;                     ///< empty: 1
    std::string range;                    ///< range-for: the weft::range(...) expression
    const clang::Stmt* body = nullptr;
    std::vector<const clang::ContinueStmt*> continues;  ///< `continue`s of this loop in its body
    clang::SourceLocation body_begin;     ///< where the body starts (after the loop header)
};

/// Takes apart the loop under `p`; reports (and returns false) for anything else: not a
/// for loop, not one integer variable, a condition other than `i < last` / `i <= last`,
/// another increment, a body that changes the loop variable or jumps out of it.
/// `allow_step`: `i += step` is accepted; `allow_range`: a range-for over weft::range.
bool loop_shape(Translation& t, const Pragma& p, const clang::Stmt* s, bool allow_step, bool allow_range,
                LoopShape& out);

/// Turns each `continue` of the loop into `return <value>;`'s keyword part: `return` for a
/// body returning nothing, `return var` for a reduction.
void rewrite_continues(Translation& t, const LoopShape& loop, const std::string& replacement);

/// `reduce(op:var)` of pragma `p` on the loop `loop`, taken apart and checked.
struct Reduction {
    std::string op;                       ///< "+", "min", or a function name
    bool named = false;                   ///< op is a function name
    std::string var;
    const clang::VarDecl* decl = nullptr;
    std::string op_object;                ///< an expression making the function object
    std::string identity;                 ///< the identity of op, in terms of `weft_T`
};
/// Returns false after reporting a malformed clause or a variable not declared before
/// the loop; `present` tells whether the pragma has the clause at all.
bool parse_reduction(Translation& t, const Pragma& p, const clang::Stmt* loop, const LoopShape& shape,
                     bool& present, Reduction& out);

}  // namespace weft::tr
