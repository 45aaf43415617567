// statement_shape.hpp — the statement forms a directive accepts (`auto x = e;`,
// `x = e;`, an expression statement), taken apart once for every rewrite.
#pragma once

#include "translator.hpp"

namespace weft::tr {

struct StatementShape {
    enum Kind { Declaration, Assignment, Expression, Other } kind = Other;
    const clang::VarDecl* var = nullptr;   ///< Declaration
    const clang::Expr* lhs = nullptr;      ///< Assignment
    const clang::Expr* value = nullptr;    ///< the initializer, right-hand side or expression
};

/// Classifies `s`. Reports (and returns kind Other for) declarations of several
/// variables, without initializer, or initialized with () or {}.
StatementShape statement_shape(Translation& t, const Pragma& p, const clang::Stmt* s, bool& reported);

/// Reports, with a fix-it to `auto`, a declaration whose type is not `auto` for a
/// directive that turns the variable into `becomes` (weft::Future, weft::Task).
bool require_auto(Translation& t, const Pragma& p, const clang::VarDecl* var, const char* becomes);

/// Wraps `text` in braces when the statement it replaces is not directly inside { }
/// (the body of an unbraced if/for/while), so that it stays one statement.
std::string braced_if_needed(const Site& s, const std::string& text);

}  // namespace weft::tr
