// loop_shape.hpp — the loops the loop directives accept (`threads`, `distributed`):
// `for (T i = first; i < last; ++i)` with `<` or `<=` (either side), `++i`, `i++`,
// `i += 1` (and `i += step` where allowed), or a range-for over `weft::range(...)`;
// and their `reduce(op:var[, var...])` clauses.
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

/// One variable of a `reduce(op:var[, var...])` clause of pragma `p` on the loop `loop`,
/// taken apart and checked.
struct Reduction {
    std::string op;                       ///< "+", "min", or a function name
    bool named = false;                   ///< op is a function name
    std::string var;
    const clang::VarDecl* decl = nullptr;
    std::string op_object;                ///< an expression making the function object
    /// The identity of op for a variable of type `T` (a type name in the generated code).
    std::string identity(const std::string& T) const;
};
/// Every variable of every `reduce` clause of `p`, in the order written (empty: no
/// clause). Returns false after reporting a malformed clause, a variable not declared
/// before the loop, an operator that does not fit its variable, or a variable listed
/// twice (in one clause or in two); each variable has one operator.
bool parse_reductions(Translation& t, const Pragma& p, const clang::Stmt* loop, const LoopShape& shape,
                      std::vector<Reduction>& out);

/// The pieces of a loop body's closure that reduces `reds`: type aliases `weft_T` (or
/// `weft_T0`, `weft_T1`, ... for several), the private variables at their identities, the
/// variables' declared types and names as comma lists, and the value the body returns
/// (the variable, or a std::tuple of them).
struct ReductionCode {
    std::string aliases, privates, types, vars, result;
};
ReductionCode reduction_code(const std::vector<Reduction>& reds);

}  // namespace weft::tr
