// rewrite_everywhere.cpp — `#pragma weft everywhere [procs(e)] [capture(x, ...)]` (Julia
// @everywhere, SPEC §3.4). Before a statement: the statement becomes a closure carrying
// only the capture(...) variables, run with weft::everywhere on every process (or on
// procs) and waited for. Before a function: registered for remote calls.
#include "codegen.hpp"
#include "diagnostics.hpp"
#include "serializable.hpp"
#include "statement_shape.hpp"

namespace weft::tr {

void register_annotated_function(Translation& t, const Pragma& p, const clang::Decl* d);

void rewrite_everywhere(Translation& t, const Site& s) {
    const Pragma& p = *s.pragma;
    if (s.decl) {
        register_annotated_function(t, p, s.decl);
        return;
    }
    if (llvm::isa<clang::DeclStmt>(s.stmt)) {
        report(t.diags, s.stmt->getBeginLoc(), Diag::DeclNoEffect) << p.spelling;
        return;
    }
    clang::CharSourceRange stmt = t.stmt_range(s.stmt);
    if (stmt.isInvalid()) {
        report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
        return;
    }
    CaptureAnalysis caps = analyze_captures(t, p, s.stmt, CaptureMode::Explicit);
    bool ok = caps.ok & check_jumps(t, p, s.stmt);
    ok &= check_capture_types(t, p, caps.captures);
    if (!ok) return;

    Closure c;
    c.name = closure_name(t, stmt.getBegin());
    c.captures = caps.captures;
    c.body = t.text(stmt);
    c.body_line = t.line(stmt.getBegin());
    std::string call = "weft::everywhere(";
    if (const Clause* procs = p.clause("procs")) call += "(" + procs->text + "), ";
    call += closure_object(c) + ", " + call_site(t, p) + ");";
    std::string text = closure_definition(t, c, t.line(stmt.getBegin()), t.indent_of(stmt.getBegin())) + call;
    replace_statement(t, stmt, braced_if_needed(s, text));
}

}  // namespace weft::tr
