// rewrite_async.cpp — `#pragma weft async` (Julia @async, SPEC §3.3): the statement runs
// as a local task, weft::async([&] { ... }); `auto t = e;` makes t a weft::Task. Julia
// gives each loop iteration a fresh binding that the task keeps; here the variables
// declared inside the innermost enclosing loop (the loop variable included) are captured
// by value, unless a `#pragma weft sync` inside that loop waits for the task first.
#include "capture_analysis.hpp"
#include "codegen.hpp"
#include "diagnostics.hpp"
#include "statement_shape.hpp"

#include <clang/AST/RecursiveASTVisitor.h>

namespace weft::tr {

namespace {

/// The variables `s` uses that were declared inside `scope` but outside `s`.
class LoopLocals : public clang::RecursiveASTVisitor<LoopLocals> {
  public:
    LoopLocals(Translation& t, const clang::Stmt* scope, const clang::Stmt* s) : t_(t), scope_(scope), s_(s) {}
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

/// The innermost loop around `s`, unless a sync statement sits between them.
const clang::Stmt* enclosing_loop(Translation& t, const clang::Stmt* s) {
    const clang::Stmt* best = nullptr;
    auto consider = [&](const clang::Stmt* c) {
        if (c == s || !inside(t, s->getBeginLoc(), c) || !inside(t, s->getEndLoc(), c)) return;
        if (!best || inside(t, c->getBeginLoc(), best)) best = c;
    };
    for (const clang::Stmt* l : t.loops) consider(l);
    for (const clang::Stmt* y : t.sync_stmts) consider(y);
    if (best && t.sync_stmts.count(best)) return nullptr;
    return best;
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
    if (const clang::Stmt* loop = enclosing_loop(t, s.stmt)) {
        LoopLocals v(t, loop, s.stmt);
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
