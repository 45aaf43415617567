// rewrite_distributed.cpp — `#pragma weft distributed [reduce(op:var)]` (Julia
// @distributed, SPEC §3.2): the loop body becomes a closure type (captures by value, as
// spawn's) whose operator()(T i) runs one iteration on a worker; the range is split into
// one contiguous chunk per worker by weft::distributed_for / weft::distributed_reduce.
//
//   for (long i = 0; i < n; ++i) a[i] = f(i);
//     -> weft::distributed_for(weft::range(0, n, 1), weft_closure_L..{...});   // async; sync waits
//   reduce(+:heads):
//     -> { auto weft_op = std::plus<>{}; auto weft_r = weft::range(0, n, 1);
//          if (!weft_r.empty()) heads = weft_op(heads, weft::distributed_reduce(weft_op, weft_r,
//              weft_closure_L..{...})); }
//      where the closure's operator()(long i) declares `heads` at op's identity, runs the
//      body and returns it: each worker combines its iterations, then the caller the workers'.
#include "capture_analysis.hpp"
#include "codegen.hpp"
#include "diagnostics.hpp"
#include "loop_shape.hpp"
#include "serializable.hpp"
#include "statement_shape.hpp"

namespace weft::tr {

namespace {

/// The function object distributed_reduce ships for `op` (an empty type).
std::string distributed_op(const Reduction& r) {
    if (r.op == "+" || r.op == "-") return "std::plus<>{}";
    if (r.op == "*") return "std::multiplies<>{}";
    if (r.op == "&") return "std::bit_and<>{}";
    if (r.op == "|") return "std::bit_or<>{}";
    if (r.op == "^") return "std::bit_xor<>{}";
    if (r.op == "&&") return "std::logical_and<>{}";
    if (r.op == "||") return "std::logical_or<>{}";
    if (r.op == "min") return "weft::min_op{}";
    if (r.op == "max") return "weft::max_op{}";
    const std::string T = "std::remove_cvref_t<decltype(" + r.var + ")>";
    return "[](" + T + " weft_a, " + T + " weft_b) { return " + r.op + "(weft_a, weft_b); }";
}

bool inside_sync(Translation& t, const clang::Stmt* s) {
    for (const clang::Stmt* y : t.sync_stmts)
        if (y != s && inside(t, s->getBeginLoc(), y) && inside(t, s->getEndLoc(), y)) return true;
    return false;
}

}  // namespace

void rewrite_distributed(Translation& t, const Site& s) {
    const Pragma& p = *s.pragma;
    LoopShape loop;
    if (!loop_shape(t, p, s.stmt, /*allow_step=*/true, /*allow_range=*/true, loop)) return;
    bool reduces = false;
    Reduction red;
    if (!parse_reduction(t, p, s.stmt, loop, reduces, red)) return;
    if (!reduces && !inside_sync(t, s.stmt)) report(t.diags, p.directive_loc, Diag::NoSync);

    clang::CharSourceRange stmt = t.stmt_range(s.stmt);
    clang::CharSourceRange body = t.stmt_range(loop.body);
    if (stmt.isInvalid() || body.isInvalid()) {
        report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
        return;
    }

    // The body's captures: by value, as spawn's; the loop and reduction variables are the
    // closure's own. Writes to captured variables (arrays!) get spawn's warning.
    std::set<const clang::ValueDecl*> own{loop.var};
    if (red.decl) own.insert(red.decl);
    CaptureAnalysis caps = analyze_captures(t, p, loop.body, CaptureMode::ByValue, own);
    bool ok = caps.ok && check_capture_types(t, p, caps.captures);
    if (!ok) return;

    rewrite_continues(t, loop, reduces ? "return " + red.var : "return");
    Closure c;
    c.name = closure_name(t, stmt.getBegin());
    c.captures = caps.captures;
    c.params = loop.type + " " + loop.var->getName().str();
    std::string text = t.text(body);
    if (reduces) {
        c.body = "using weft_T = std::remove_cvref_t<decltype(" + red.var + ")>; weft_T " + red.var + " = " +
                 red.identity + "; { " + text + " } return " + red.var + ";";
    } else {
        c.body = text;
    }
    c.body_line = t.line(body.getBegin());
    std::string indent = t.indent_of(stmt.getBegin());

    std::string range = loop.range.empty() ? "weft::range(" + loop.first + ", " + loop.last + ", " +
                                                 (loop.step.empty() ? "1" : loop.step) + ")"
                                           : loop.range;
    std::string call;
    if (reduces) {
        call = "{ auto weft_op = " + distributed_op(red) + "; auto weft_r = " + range + "; if (!weft_r.empty()) " +
               red.var + " = weft_op(" + red.var + ", weft::distributed_reduce(weft_op, weft_r, " + closure_object(c) +
               ")); }";
    } else {
        call = "weft::distributed_for(" + range + ", " + closure_object(c) + ");";
    }
    std::string out = closure_definition(t, c, t.line(stmt.getBegin()), indent) + call;
    replace_statement(t, stmt, braced_if_needed(s, out));
}

}  // namespace weft::tr
