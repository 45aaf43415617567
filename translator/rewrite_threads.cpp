// rewrite_threads.cpp — `#pragma weft threads [schedule(...)] [reduce(op:var[, var...])...]` (Julia
// Threads.@threads, SPEC §3.6): the loop becomes weft::threads::parallel_for (or
// parallel_reduce) over [first, last) with the body in a lambda that captures by
// reference. The body keeps its place and its lines: only the loop header is replaced and
// the call's tail added after the body.
//
//   for (int i = 0; i < n; ++i) { a[i] = f(i); }
//     -> weft::threads::parallel_for(0, n, [&](int i) { a[i] = f(i); });
//   reduce(+:s):
//     -> { auto weft_op = std::plus<>{}; s = weft::threads::parallel_reduce(0, n, s, weft_op,
//          [&](int i) { using weft_T = std::remove_cvref_t<decltype(s)>; weft_T s = weft_T(0);
//          { s += f(i); } return s; }); }
// Each iteration reduces into a private `s` that starts at op's identity; the pool combines
// them in thread order and finally with the caller's `s`.
//   reduce(min:lo) reduce(max:hi) (several variables, in one clause or in several):
//     -> { auto weft_op0 = <min>; auto weft_op1 = <max>; auto weft_total = weft::threads::parallel_reduce(
//          0, n, std::tuple<..>(lo, hi), [&](const auto& weft_a, const auto& weft_b) { return
//          <tuple>(weft_op0(get<0>(weft_a), get<0>(weft_b)), weft_op1(...)); }, [&](int i) {
//          using weft_T0 = ..; using weft_T1 = ..; weft_T0 lo = <identity>; weft_T1 hi = <identity>;
//          { body } return std::tuple<weft_T0, weft_T1>(lo, hi); }); lo = std::get<0>(weft_total); hi = ...; }
#include "codegen.hpp"
#include "diagnostics.hpp"
#include "loop_shape.hpp"

namespace weft::tr {

namespace {

/// `schedule(static)` -> "", `schedule(dynamic[, chunk])` -> the Schedule expression.
bool schedule_arg(Translation& t, const Pragma& p, std::string& out) {
    const Clause* c = p.clause("schedule");
    if (!c) return true;
    llvm::StringRef text(c->text);
    auto [kind, chunk] = text.split(',');
    kind = kind.trim();
    chunk = chunk.trim();
    bool has_comma = text.contains(',');
    if (kind == "static" && !has_comma) {
        out = "weft::threads::Schedule::static_()";
        return true;
    }
    if (kind == "dynamic" && (!has_comma || !chunk.empty())) {
        out = "weft::threads::Schedule::dynamic(" + chunk.str() + ")";
        return true;
    }
    report(t.diags, c->text_loc, Diag::BadSchedule) << c->text;
    return false;
}

}  // namespace

void rewrite_threads(Translation& t, const Site& s) {
    const Pragma& p = *s.pragma;
    LoopShape loop;
    bool ok = loop_shape(t, p, s.stmt, /*allow_step=*/false, /*allow_range=*/false, loop);
    std::string schedule;
    ok &= schedule_arg(t, p, schedule);
    std::vector<Reduction> reds;
    if (ok) ok &= parse_reductions(t, p, s.stmt, loop, reds);
    if (!ok) return;

    clang::SourceLocation begin = t.sm.getExpansionLoc(s.stmt->getBeginLoc());
    clang::CharSourceRange body = t.stmt_range(loop.body);
    if (s.stmt->getBeginLoc().isMacroID() || body.isInvalid() || loop.body->getBeginLoc().isMacroID()) {
        report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
        return;
    }
    // One reduction returns its variable; several return a std::tuple of them.
    const bool several = reds.size() > 1;
    const ReductionCode rc = reduction_code(reds);
    const std::string& result = rc.result;
    rewrite_continues(t, loop, reds.empty() ? "return" : "return " + result);
    const bool compound = llvm::isa<clang::CompoundStmt>(loop.body);
    const std::string lambda = "[&](" + loop.type + " " + loop.var->getName().str() + ") ";
    const std::string sched = schedule.empty() ? "" : ", " + schedule;

    std::string head, tail;
    if (reds.empty()) {
        head = "weft::threads::parallel_for(" + loop.first + ", " + loop.last + ", " + lambda;
        tail = sched + ");";
    } else if (!several) {
        const std::string& v = reds[0].var;
        head = "{ auto weft_op = " + reds[0].op_object + "; " + v + " = weft::threads::parallel_reduce(" +
               loop.first + ", " + loop.last + ", " + v + ", weft_op, " + lambda + "{ " + rc.aliases + rc.privates;
        tail = " return " + v + "; }" + sched + "); }";
    } else {
        // The partials are tuples, combined component-wise, starting from the caller's values.
        std::string ops, combine, assign;
        for (size_t k = 0; k < reds.size(); ++k) {
            const std::string op = "weft_op" + std::to_string(k), get = "std::get<" + std::to_string(k) + ">";
            ops += "auto " + op + " = " + reds[k].op_object + "; ";
            combine += std::string(k ? ", " : "") + op + "(" + get + "(weft_a), " + get + "(weft_b))";
            assign += reds[k].var + " = " + get + "(weft_total); ";
        }
        head = "{ " + ops + "auto weft_total = weft::threads::parallel_reduce(" + loop.first + ", " + loop.last +
               ", std::tuple<" + rc.types + ">(" + rc.vars +
               "), [&](const auto& weft_a, const auto& weft_b) { return std::remove_cvref_t<decltype(weft_a)>(" +
               combine + "); }, " + lambda + "{ " + rc.aliases + rc.privates;
        tail = " return " + result + "; }" + sched + "); " + assign + "}";
    }
    if (!compound) {
        head += "{ ";
        tail = " }" + tail;
    }
    // The body keeps its lines: a header over several lines ends with a line directive.
    if (t.line(begin) != t.line(loop.body_begin)) {
        while (!head.empty() && head.back() == ' ') head.pop_back();
        head += t.line_directive(t.line(loop.body_begin)) + t.indent_of(loop.body_begin);
    }
    t.rw.ReplaceText(clang::CharSourceRange::getCharRange(begin, loop.body_begin), head);
    t.rw.InsertTextAfter(body.getEnd(), tail);
}

}  // namespace weft::tr
