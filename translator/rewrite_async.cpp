// rewrite_async.cpp — `#pragma weft async` (Julia @async, SPEC §3.3): the statement runs
// as a local task, weft::async([&] { ... }); `auto t = e;` makes t a weft::Task. Julia
// keeps every binding a task uses alive (each loop iteration has a fresh one); here the
// variables that die before anyone waits for the task are captured by value: those
// declared inside the enclosing `#pragma weft sync` statement, or, with no sync around
// it, inside the enclosing loops (loop variables included). The rest by reference.
#include "capture_analysis.hpp"
#include "codegen.hpp"
#include "diagnostics.hpp"
#include "statement_shape.hpp"

#include <clang/AST/RecursiveASTVisitor.h>

namespace weft::tr {

namespace {

/// The variables `s` uses that were declared inside `scope` but outside `s`.
class ScopeLocals : public clang::RecursiveASTVisitor<ScopeLocals> {
  public:
    ScopeLocals(Translation& t, const clang::Stmt* scope, const clang::Stmt* s) : t_(t), scope_(scope), s_(s) {}
    bool VisitDeclRefExpr(clang::DeclRefExpr* e) {
        const clang::ValueDecl* d = e->getDecl();
        bool local = false;
        if (auto* vd = llvm::dyn_cast<clang::VarDecl>(d)) local = vd->hasLocalStorage();
        if (llvm::isa<clang::BindingDecl>(d)) local = true;
        if (!local || e->isNonOdrUse() != clang::NOUR_None) return true;
        if (!inside(t_, d->getLocation(), scope_) || inside(t_, d->getLocation(), s_)) return true;
        std::string name = d->getNameAsString();
        for (auto& n : names)
            if (n == name) return true;
        names.push_back(name);
        return true;
    }
    std::vector<std::string> names;

  private:
    Translation& t_;
    const clang::Stmt* scope_;
    const clang::Stmt* s_;
};

/// The region whose variables die before anyone waits for a task started at `s`: the
/// innermost `#pragma weft sync` statement around it (its block ends before sync waits);
/// with none, the outermost loop around it (an iteration ends before the task may run).
const clang::Stmt* by_value_scope(Translation& t, const clang::Stmt* s) {
    auto around = [&](const clang::Stmt* c) {
        return c != s && inside(t, s->getBeginLoc(), c) && inside(t, s->getEndLoc(), c);
    };
    const clang::Stmt* sync = nullptr;
    for (const clang::Stmt* y : t.sync_stmts)
        if (around(y) && (!sync || inside(t, y->getBeginLoc(), sync))) sync = y;
    if (sync) return sync;
    const clang::Stmt* loop = nullptr;
    for (const clang::Stmt* l : t.loops)
        if (around(l) && (!loop || inside(t, loop->getBeginLoc(), l))) loop = l;
    return loop;
}

}  // namespace

void rewrite_async(Translation& t, const Site& s) {
    const Pragma& p = *s.pragma;
    bool reported = false;
    StatementShape shape = statement_shape(t, p, s.stmt, reported);
    if (reported) return;
    if (shape.kind == StatementShape::Declaration && !require_auto(t, p, shape.var, "weft::Task")) return;
    const clang::Stmt* body = shape.kind == StatementShape::Declaration ? shape.value : s.stmt;
    if (!check_jumps(t, p, body)) return;

    std::string lambda = "[&";
    if (const clang::Stmt* scope = by_value_scope(t, s.stmt)) {
        ScopeLocals v(t, scope, s.stmt);
        v.TraverseStmt(const_cast<clang::Stmt*>(body));
        for (auto& n : v.names) lambda += ", " + n;
        if (!v.names.empty()) lambda += "]() mutable";
    }
    if (lambda.back() != 'e') lambda += "]";

    if (shape.kind == StatementShape::Declaration) {
        clang::CharSourceRange r = t.expr_range(shape.value);
        if (r.isInvalid()) {
            report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
            return;
        }
        t.rw.InsertTextBefore(r.getBegin(), "weft::async(" + lambda + " { return ");
        t.rw.InsertTextAfter(r.getEnd(), "; })");
        return;
    }
    clang::CharSourceRange r = t.stmt_range(s.stmt);
    if (r.isInvalid()) {
        report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
        return;
    }
    t.rw.InsertTextBefore(r.getBegin(), "weft::async(" + lambda + " { ");
    t.rw.InsertTextAfter(r.getEnd(), " });");
}

}  // namespace weft::tr
