// rewrite_distributed.cpp — `#pragma weft distributed [reduce(op:var[, var...])...]` (Julia
// @distributed, SPEC §3.2): the loop body becomes a closure type (captures by value, as
// spawn's) whose operator()(T i) runs one iteration on a worker; the range is split into
// one contiguous chunk per worker by weft::distributed_for / weft::distributed_reduce.
//
//   for (long i = 0; i < n; ++i) a[i] = f(i);
//     -> weft::distributed_for(weft::range(0, n, 1), weft_closure_L..{...},
//                              weft::CallSite("a.cpp", 12, 14, "#pragma weft distributed"));  // async; sync waits
//   reduce(+:heads):
//     -> { auto weft_op = std::plus<>{}; auto weft_r = weft::range(0, n, 1);
//          if (!weft_r.empty()) heads = weft_op(heads, weft::distributed_reduce(weft_op, weft_r,
//              weft_closure_L..{...}, weft::CallSite(...))); }
//      where the closure's operator()(long i) declares `heads` at op's identity, runs the
//      body and returns it: each worker combines its iterations, then the caller the workers'.
//   reduce(min:lo) reduce(max:hi) (several variables, in one clause or in several):
//     -> { auto weft_op0 = weft::min_op{}; auto weft_op1 = weft::max_op{}; auto weft_r = ...;
//          if (!weft_r.empty()) { auto weft_total = weft::distributed_reduce(
//              [](const auto& weft_a, const auto& weft_b) { return <tuple>(op0(get<0>..), op1(get<1>..)); },
//              weft_r, weft_closure_L..{...}); lo = weft_op0(lo, std::get<0>(weft_total)); hi = ...; } }
//      where operator() declares each variable at its operator's identity (type weft_T0,
//      weft_T1, ...) and returns std::tuple<weft_T0, weft_T1>(lo, hi).
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
    std::vector<Reduction> reds;
    if (!parse_reductions(t, p, s.stmt, loop, reds)) return;
    const bool reduces = !reds.empty();
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
    for (const Reduction& r : reds) own.insert(r.decl);
    CaptureAnalysis caps = analyze_captures(t, p, loop.body, CaptureMode::ByValue, own);
    bool ok = caps.ok && check_capture_types(t, p, caps.captures);
    if (!ok) return;

    // One reduction returns its variable; several return a std::tuple of them.
    const bool several = reds.size() > 1;
    const ReductionCode rc = reduction_code(reds);
    const std::string& result = rc.result;
    rewrite_continues(t, loop, reduces ? "return " + result : "return");
    Closure c;
    c.name = closure_name(t, stmt.getBegin());
    c.captures = caps.captures;
    c.params = loop.type + " " + loop.var->getName().str();
    std::string text = t.text(body);
    c.body = reduces ? rc.aliases + rc.privates + "{ " + text + " } return " + result + ";" : text;
    c.body_line = t.line(body.getBegin());
    std::string indent = t.indent_of(stmt.getBegin());

    std::string range = loop.range.empty() ? "weft::range(" + loop.first + ", " + loop.last + ", " +
                                                 (loop.step.empty() ? "1" : loop.step) + ")"
                                           : loop.range;
    const std::string site = call_site(t, p);  // a remote error names the pragma's line
    std::string call;
    if (!reduces) {
        call = "weft::distributed_for(" + range + ", " + closure_object(c) + ", " + site + ");";
    } else if (!several) {
        const std::string& v = reds[0].var;
        call = "{ auto weft_op = " + distributed_op(reds[0]) + "; auto weft_r = " + range + "; if (!weft_r.empty()) " +
               v + " = weft_op(" + v + ", weft::distributed_reduce(weft_op, weft_r, " + closure_object(c) + ", " + site + ")); }";
    } else {
        // The operators component-wise, in a captureless lambda (it travels to the workers
        // as its type); each variable then takes its own operator with the total.
        std::string ops, combine, assign;
        for (size_t k = 0; k < reds.size(); ++k) {
            const std::string op = "weft_op" + std::to_string(k), get = "std::get<" + std::to_string(k) + ">";
            ops += "auto " + op + " = " + distributed_op(reds[k]) + "; ";
            combine += std::string(k ? ", " : "") + "decltype(" + op + "){}(" + get + "(weft_a), " + get + "(weft_b))";
            assign += reds[k].var + " = " + op + "(" + reds[k].var + ", " + get + "(weft_total)); ";
        }
        call = "{ " + ops + "auto weft_r = " + range +
               "; if (!weft_r.empty()) { auto weft_total = weft::distributed_reduce([](const auto& weft_a, const auto& "
               "weft_b) { return std::remove_cvref_t<decltype(weft_a)>(" +
               combine + "); }, weft_r, " + closure_object(c) + ", " + site + "); " + assign + "} }";
    }
    std::string out = closure_definition(t, c, t.line(stmt.getBegin()), indent) + call;
    replace_statement(t, stmt, braced_if_needed(s, out));
}

}  // namespace weft::tr
