// diagnostics.cpp — the text and level of every weft-translate diagnostic (one table).
#include "diagnostics.hpp"

namespace weft::tr {

using Level = clang::DiagnosticsEngine::Level;

clang::DiagnosticBuilder report(clang::DiagnosticsEngine& D, clang::SourceLocation loc, Diag d) {
    unsigned id = 0;
    switch (d) {
#define ERR(K, TEXT) case Diag::K: id = D.getCustomDiagID(Level::Error, TEXT); break;
#define WARN(K, TEXT) case Diag::K: id = D.getCustomDiagID(Level::Warning, TEXT); break;
#define NOTE(K, TEXT) case Diag::K: id = D.getCustomDiagID(Level::Remark, TEXT); break;
#define ATTACHED_NOTE(K, TEXT) case Diag::K: id = D.getCustomDiagID(Level::Note, TEXT); break;  // after an error
        ERR(PragmaFromMacro, "'#pragma weft' must be written as a '#pragma' line, not produced by _Pragma or a macro")
        WARN(PragmaInHeader, "'#pragma weft' in an included file is not translated; translate that file itself")
        ERR(MissingDirective, "expected a directive after '#pragma weft' (one of: %0)")
        ERR(UnknownDirective, "unknown directive '%0' in '#pragma weft' (expected one of: %1)")
        ERR(UnknownDirectiveSuggest, "unknown directive '%0' in '#pragma weft'; did you mean '%1'?")
        WARN(NearWeftPragma, "unknown pragma '#pragma %0' ignored, so the statement after it runs serially; did you mean '#pragma weft'?")
        ERR(DirectiveNeedsArg, "'#pragma weft %0' needs a process: '%0(<process id>)' or '%0(any)'")
        ERR(DirectiveTakesNoArg, "'#pragma weft %0' takes no argument")
        ERR(UnknownClause, "unknown clause '%0' for '#pragma weft %1' (%2)")
        ERR(UnknownClauseSuggest, "unknown clause '%0' for '#pragma weft %1'; did you mean '%2'?")
        ERR(ClauseNeedsArg, "clause '%0' needs an argument: '%0(...)'")
        ERR(ClauseEmptyArg, "'%0()' needs an argument")
        ERR(ClauseDuplicate, "clause '%0' appears twice")
        ERR(ExpectedName, "expected a variable name in '%0(...)'")
        ERR(MissingRParen, "missing ')' in '#pragma weft %0'")
        ERR(UnexpectedToken, "unexpected '%0' in '#pragma weft %1'; clauses are written 'name(arguments)'")
        ERR(NothingFollows, "'#pragma weft %0' must be followed by %1")
        ERR(WrongTarget, "'#pragma weft %0' applies to %1, not to %2")
        ERR(MacroStatement, "'#pragma weft %0' cannot translate a statement that comes from a macro expansion")
        ERR(NeedsAuto, "'#pragma weft %0' needs a variable declared 'auto': it becomes a %1")
        ERR(BadStatement, "'#pragma weft %0' needs %1")
        ERR(OneVariable, "'#pragma weft %0' needs exactly one variable: 'auto x = expr;'")
        ERR(InitStyle, "'#pragma weft %0' needs the initializer written as 'x = expr'")
        ERR(LhsNotFuture, "'#pragma weft %0' on an assignment needs a left-hand side of type weft::Future<T>, not %1")
        ERR(DeclNoEffect, "'#pragma weft %0' before a local declaration: the variable would exist only inside the generated function")
        ERR(JumpOut, "'%0' cannot leave the statement under '#pragma weft %1': it runs in a generated function")
        ERR(Coroutine, "'%0' inside the statement under '#pragma weft %1' is not supported")
        ERR(MemberFunction, "'#pragma weft %0' cannot register member function %1 for remote calls; use a free function or a static member function")
        ERR(FunctionTemplate, "'#pragma weft %0' cannot register function template %1 itself; register each instantiation with WEFT_REMOTE_AS(name, static_cast<R (*)(Args...)>(&f<T>))")
        ERR(TemplateMember, "'#pragma weft %0' cannot register %1: it is a member of a class template, a different function in each instantiation; register the instantiations you call after the class, e.g. WEFT_REMOTE_AS(%2_int_%3, &%2<int>::%3)")
        ERR(NotAFunction, "'#pragma weft %0' needs a function declaration, not %1")
        ERR(UsesThis, "'#pragma weft %0' cannot send 'this' to another process; copy the members it needs into local variables first")
        ERR(NotSerializable, "captured variable '%0' has type %1, which is not serializable%2")
        ERR(CapturesArray, "captured variable '%0' is a C array (%1); use std::array or std::vector")
        ERR(EverywhereLocal, "'#pragma weft everywhere' runs on every process, where local variable '%0' does not exist; list it in capture(%0) to send its value")
        WARN(CaptureUnused, "capture(%0): the statement does not use '%0'")
        WARN(AssignCapture, "assignment to captured variable '%0' has no effect in the caller")
        WARN(GlobalRead, "'%0' is a global variable: the process that runs this reads its own copy; list it in capture(%0) to send the caller's value")
        ERR(LoopNotFor, "'#pragma weft %0' needs a 'for' loop over an integer range, 'for (T i = first; i < last; ++i)'%1")
        ERR(LoopInit, "'#pragma weft %0' needs the loop to declare one integer variable: 'for (T i = first; ...)'")
        ERR(LoopIndexType, "loop variable '%0' has type %1; '#pragma weft %2' needs an integer type")
        ERR(LoopCondition, "'#pragma weft %0' needs the loop condition '%1 < last' or '%1 <= last'")
        ERR(LoopIncrement, "'#pragma weft %0' needs the loop increment %2, not this one")
        ERR(LoopVarModified, "loop variable '%0' is modified inside the loop under '#pragma weft %1'; the iterations are handed out in advance")
        ERR(BadSchedule, "bad 'schedule(%0)': use 'schedule(static)', 'schedule(dynamic)' or 'schedule(dynamic, <chunk>)'")
        ERR(BadReduce, "bad 'reduce(%0)': write 'reduce(op:var)' or 'reduce(op:var, var...)' with op one of + - * min max & | ^ && || or the name of a function 'T f(T, T)'")
        ERR(ReduceUnknownOp, "incorrect reduction identifier '%0', expected one of '+', '-', '*', '&', '|', '^', '&&', '||', 'min', 'max' or the name of a function callable with two values of type %1")
        ERR(ReduceUnknownOpSuggest, "incorrect reduction identifier '%0', expected one of '+', '-', '*', '&', '|', '^', '&&', '||', 'min', 'max' or the name of a function callable with two values of type %1; did you mean '%2'?")
        ERR(ReduceOpType, "reduction operator '%0' needs %1; '%2' has type '%3'; reduce it with a function instead: 'reduce(f:%2)' with '%3 f(%3, %3)'")
        ERR(ReduceNotCallable, "reduction function '%0' cannot be called with two values of type %1 (the type of '%2'); it needs to be callable as '%0(%2, %2)' and return a value assignable to '%2'")
        ERR(ReduceUndeclared, "reduction variable '%0' is not declared before the loop")
        ERR(ReduceIsLoopVar, "reduction variable '%0' is the loop variable")
        WARN(ReduceUnused, "reduction variable '%0' is not used in the loop")
        ERR(ReduceListedTwice, "reduction variable '%0' is listed twice in 'reduce(%1)'; list each variable once")
        ERR(ReduceTwoClauses, "reduction variable '%0' appears in two reduce clauses, with '%1' and with '%2'; a variable has one reduction operator: keep one clause, or reduce into a second variable and combine the two after the loop")
        ATTACHED_NOTE(ReduceFirstListed, "'%0' is first listed here")
        ERR(NotACall, "'#pragma weft %0' needs a function call: 'auto x = f(args);', 'x = f(args);' or 'f(args);'")
        WARN(NoSync, "'#pragma weft distributed' without reduce returns at once, and no enclosing '#pragma weft sync' waits for it; put the loop inside a sync block, or wait for the Futures of weft::distributed_for")
        NOTE(GeneratedSerialize, "generated 'serialize' for struct %0, captured by '#pragma weft %1'")
        NOTE(LambdaStruct, "lambda '%0' becomes struct '%1', captured by '#pragma weft %2'")
#undef ERR
#undef WARN
#undef NOTE
#undef ATTACHED_NOTE
    }
    return D.Report(loc, id);
}

}  // namespace weft::tr
