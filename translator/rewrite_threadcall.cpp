// rewrite_threadcall.cpp — `#pragma weft threadcall` (Julia @threadcall, SPEC §3.7): the
// call runs on the threadcall pool while the calling task yields. The arguments are
// evaluated by the caller (as Julia's @threadcall does) and passed on by reference; the
// function, and the object of a member call, are reached by reference from the pool.
//
//   auto n = compress(buf, len);
//     -> auto n = weft::threadcall([&](auto&&... weft_args) -> decltype(auto) {
//            return compress(static_cast<decltype(weft_args)&&>(weft_args)...); }, buf, len);
// The statement's type is unchanged: threadcall returns what the call returns.
#include "capture_analysis.hpp"
#include "codegen.hpp"
#include "diagnostics.hpp"
#include "statement_shape.hpp"

#include <algorithm>

namespace weft::tr {

namespace {

/// The call an initializer, right-hand side or expression statement is, if it is one.
const clang::CallExpr* as_call(const clang::Expr* e) {
    e = e->IgnoreImplicit()->IgnoreParens();
    while (auto* c = llvm::dyn_cast<clang::CXXConstructExpr>(e)) {  // T x = f(); of class type
        if (c->getNumArgs() != 1 || llvm::isa<clang::CXXTemporaryObjectExpr>(c)) return nullptr;
        e = c->getArg(0)->IgnoreImplicit()->IgnoreParens();
    }
    auto* call = llvm::dyn_cast<clang::CallExpr>(e);
    if (!call || llvm::isa<clang::UserDefinedLiteral>(call)) return nullptr;
    if (auto* oc = llvm::dyn_cast<clang::CXXOperatorCallExpr>(call); oc && oc->getOperator() != clang::OO_Call)
        return nullptr;  // a + b on a class type is not written as a call
    return call;
}

}  // namespace

void rewrite_threadcall(Translation& t, const Site& s) {
    const Pragma& p = *s.pragma;
    bool reported = false;
    StatementShape shape = statement_shape(t, p, s.stmt, reported);
    if (reported) return;
    const clang::CallExpr* call = shape.kind == StatementShape::Other ? nullptr : as_call(shape.value);
    if (!call) {
        report(t.diags, shape.value ? shape.value->getBeginLoc() : s.stmt->getBeginLoc(), Diag::NotACall)
            << p.spelling;
        return;
    }
    if (!check_jumps(t, p, call)) return;

    // f(args): callee f; obj(args) with operator(): callee obj, the arguments after it.
    const clang::Expr* callee = call->getCallee();
    unsigned first_arg = 0;
    if (llvm::isa<clang::CXXOperatorCallExpr>(call)) {
        callee = call->getArg(0);
        first_arg = 1;
    }
    clang::CharSourceRange whole = t.expr_range(call);
    clang::CharSourceRange fn = t.expr_range(callee);
    if (whole.isInvalid() || fn.isInvalid()) {
        report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
        return;
    }
    // The explicit arguments, as written from the first to the last (line breaks kept).
    clang::SourceLocation args_begin, args_end;
    for (unsigned i = first_arg; i < call->getNumArgs(); ++i) {
        const clang::Expr* a = call->getArg(i);
        if (llvm::isa<clang::CXXDefaultArgExpr>(a)) break;  // defaults are supplied by the call inside
        clang::CharSourceRange r = t.expr_range(a);
        if (r.isInvalid()) {
            report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
            return;
        }
        if (args_begin.isInvalid()) args_begin = r.getBegin();
        args_end = r.getEnd();
    }
    std::string args;
    if (args_begin.isValid()) args = ", " + t.text(clang::CharSourceRange::getCharRange(args_begin, args_end));
    std::string text = "weft::threadcall([&](auto&&... weft_args) -> decltype(auto) { return " + t.text(fn) +
                       "(static_cast<decltype(weft_args)&&>(weft_args)...); }" + args + ")";
    // Same line count as the call: the lines after it keep their numbers without a directive.
    unsigned lines = t.line(whole.getEnd()) - t.line(whole.getBegin());
    if (static_cast<unsigned>(std::count(text.begin(), text.end(), '\n')) == lines) t.rw.ReplaceText(whole, text);
    else replace_statement(t, whole, text);
}

}  // namespace weft::tr
