// diagnostics.hpp — every message weft-translate reports, as clang diagnostics with custom
// IDs, so they print as `file:line:col: error: ...` at the original coordinates.
#pragma once

#include <clang/Basic/Diagnostic.h>

namespace weft::tr {

enum class Diag {
    // pragma syntax (pragma_parser.cpp)
    PragmaFromMacro,
    PragmaInHeader,
    MissingDirective,
    UnknownDirective,
    UnknownDirectiveSuggest,
    NearWeftPragma,
    DirectiveNeedsArg,
    DirectiveTakesNoArg,
    UnknownClause,
    UnknownClauseSuggest,
    ClauseNeedsArg,
    ClauseEmptyArg,
    ClauseDuplicate,
    ExpectedName,
    MissingRParen,
    UnexpectedToken,
    // attaching pragmas to statements (attach.cpp)
    NothingFollows,
    WrongTarget,
    MacroStatement,
    // statement shapes (rewrite_*.cpp)
    NeedsAuto,
    BadStatement,
    OneVariable,
    InitStyle,
    LhsNotFuture,
    DeclNoEffect,
    JumpOut,
    Coroutine,
    MemberFunction,
    FunctionTemplate,
    TemplateMember,
    NotAFunction,
    // captures (capture_analysis.cpp, serializable.cpp)
    UsesThis,
    NotSerializable,
    CapturesArray,
    EverywhereLocal,
    CaptureUnused,
    AssignCapture,
    GlobalRead,
    GeneratedSerialize,
    LambdaStruct,
    // loops (loop_shape.cpp, rewrite_threads.cpp, rewrite_threadcall.cpp)
    LoopNotFor,
    LoopInit,
    LoopIndexType,
    LoopCondition,
    LoopIncrement,
    LoopVarModified,
    BadSchedule,
    BadReduce,
    ReduceUnknownOp,
    ReduceUnknownOpSuggest,
    ReduceOpType,
    ReduceNotCallable,
    ReduceUndeclared,
    ReduceIsLoopVar,
    ReduceUnused,
    ReduceListedTwice,
    ReduceTwoClauses,
    ReduceFirstListed,
    NotACall,
    NoSync,
};

/// Starts a diagnostic at `loc`; stream the %0, %1, ... arguments and fix-its into it.
clang::DiagnosticBuilder report(clang::DiagnosticsEngine& diags, clang::SourceLocation loc, Diag d);

}  // namespace weft::tr
