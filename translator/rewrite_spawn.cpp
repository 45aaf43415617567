// rewrite_spawn.cpp — `spawn`, `spawnat(p)`, `fetch`, `fetchfrom(p)` (Julia @spawn,
// @spawnat, @fetch, @fetchfrom, SPEC §3.1): the expression becomes a closure type with
// by-value captures, sent with weft::spawnat (a Future) or weft::remotecall_fetch (the value).
#include "codegen.hpp"
#include "diagnostics.hpp"
#include "serializable.hpp"
#include "statement_shape.hpp"

namespace weft::tr {

void rewrite_spawn(Translation& t, const Site& s) {
    const Pragma& p = *s.pragma;
    bool makes_future = p.kind == DirectiveKind::Spawn || p.kind == DirectiveKind::SpawnAt;

    // Step 1: the statement's shape and the expression to lift.
    bool reported = false;
    StatementShape shape = statement_shape(t, p, s.stmt, reported);
    if (reported) return;
    if (shape.kind == StatementShape::Other) {
        report(t.diags, s.stmt->getBeginLoc(), Diag::BadStatement)
            << p.spelling << "a declaration 'auto x = expr;', an assignment 'x = expr;' or an expression statement";
        return;
    }
    if (shape.kind == StatementShape::Declaration && makes_future && !require_auto(t, p, shape.var, "weft::Future"))
        return;
    if (shape.kind == StatementShape::Assignment && makes_future && !is_weft_type(shape.lhs->getType(), "Future") &&
        !shape.lhs->getType()->isDependentType()) {
        report(t.diags, shape.lhs->getBeginLoc(), Diag::LhsNotFuture) << p.spelling << shape.lhs->getType();
        return;
    }
    clang::CharSourceRange stmt = t.stmt_range(s.stmt);
    clang::CharSourceRange expr = t.expr_range(shape.value);
    if (stmt.isInvalid() || expr.isInvalid()) {
        report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
        return;
    }

    // Step 2: captures, and what they may not do.
    CaptureAnalysis caps = analyze_captures(t, p, shape.value, CaptureMode::ByValue);
    bool ok = caps.ok & check_jumps(t, p, shape.value);
    ok &= check_capture_types(t, p, caps.captures);
    if (!ok) return;

    // Step 3: the closure and the call that replaces the statement.
    Closure c;
    c.name = closure_name(t, stmt.getBegin());
    c.captures = caps.captures;
    c.body = "return " + t.text(expr) + ";";
    c.body_line = t.line(expr.getBegin());
    std::string indent = t.indent_of(stmt.getBegin());

    std::string target;
    if (p.has_arg) {
        target = p.arg_is_any ? "weft::any" : "(" + p.arg + ")";
    } else {
        target = "weft::detail::choose_proc({";
        for (size_t i = 0; i < caps.fetched_futures.size(); ++i)
            target += (i ? ", " : "") + caps.fetched_futures[i] + ".where()";
        target += "})";
    }
    // The process, with the pragma's place: a remote error says "called at main.cpp:12:9".
    target = "weft::detail::ProcAt(" + target + ", " + call_site(t, p) + ")";
    std::string call = makes_future ? "weft::spawnat(" + target + ", " + closure_object(c) + ")"
                                    : "weft::remotecall_fetch(" + closure_object(c) + ", " + target + ")";
    std::string head;
    if (shape.kind != StatementShape::Expression) {
        head = t.text(clang::CharSourceRange::getCharRange(stmt.getBegin(), expr.getBegin()));
        // On the call's one line: each run of white space holding a line break becomes one space.
        std::string flat;
        for (size_t i = 0; i < head.size(); ++i) {
            size_t j = i;
            bool newline = false;
            while (j < head.size() && std::isspace(static_cast<unsigned char>(head[j]))) newline |= head[j++] == '\n';
            if (j > i && newline) {
                flat += ' ';
                i = j - 1;
            } else {
                flat += head[i];
            }
        }
        head = flat;
    }
    std::string text = closure_definition(t, c, t.line(stmt.getBegin()), indent) + head + call + ";";
    replace_statement(t, stmt, braced_if_needed(s, text));
}

}  // namespace weft::tr
