// translator.hpp — what every stage of weft-translate shares: the recorded pragmas, the
// statement or declaration each one applies to, and the per-file translation state.
#pragma once

#include <clang/AST/ASTContext.h>
#include <clang/AST/Decl.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/DeclFriend.h>
#include <clang/AST/DeclTemplate.h>
#include <clang/AST/Expr.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/Stmt.h>
#include <clang/AST/StmtCXX.h>
#include <clang/AST/TypeLoc.h>
#include <clang/Lex/Lexer.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Rewrite/Core/Rewriter.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace clang {
class Sema;
}

namespace weft::tr {

/// The directives of directives.def.
enum class DirectiveKind {
#define WEFT_DIRECTIVE(Id, Spelling, Arg, AppliesTo, Rewrite) Id,
#include "directives.def"
};

/// What a directive applies to (a bit mask, see directives.def).
enum AppliesTo : unsigned { ToStmt = 1, ToFunction = 2 };
/// The argument a directive or clause takes.
enum ArgKind { ArgNone, ArgProc, ArgExpr, ArgIdentList };

/// One `name(args)` clause of a pragma.
struct Clause {
    std::string name;
    clang::SourceLocation loc;          ///< the clause name
    std::string text;                   ///< the argument as written, between the parentheses
    clang::SourceLocation text_loc;     ///< the first character after '('
    std::vector<std::pair<std::string, clang::SourceLocation>> names;  ///< ArgIdentList
};

/// One `#pragma weft ...` line of the main file, parsed.
struct Pragma {
    DirectiveKind kind;
    std::string spelling;               ///< "spawn", "spawnat", ...
    clang::SourceLocation hash_loc;     ///< the '#' that starts the line
    clang::SourceLocation directive_loc;
    clang::SourceLocation end_loc;      ///< end of the pragma line
    bool has_arg = false;               ///< `spawnat(p)`: the directive's own argument
    bool arg_is_any = false;            ///< `spawnat(any)`
    std::string arg;
    clang::SourceLocation arg_loc;
    std::vector<Clause> clauses;

    const Clause* clause(llvm::StringRef name) const {
        for (const Clause& c : clauses)
            if (c.name == name) return &c;
        return nullptr;
    }
};

/// A pragma and the statement or declaration it applies to (exactly one is set).
struct Site {
    const Pragma* pragma = nullptr;
    const clang::Stmt* stmt = nullptr;
    const clang::Decl* decl = nullptr;
    bool in_compound = false;  ///< a statement directly inside { }: no braces needed around a rewrite
};

/// clang's Rewriter, remembering the file offsets it edited, so that the text of a range
/// without edits is read from the file: clang's getRewrittenText walks the rewritten
/// file from its start, which made translation quadratic in the number of pragmas.
/// Every edit goes through the members below (they hide clang::Rewriter's).
class Rewriter : public clang::Rewriter {
  public:
    using clang::Rewriter::Rewriter;
    bool InsertText(clang::SourceLocation loc, llvm::StringRef s, bool after = true, bool indent = false) {
        note(loc, 0);
        return clang::Rewriter::InsertText(loc, s, after, indent);
    }
    bool InsertTextAfter(clang::SourceLocation loc, llvm::StringRef s) { return InsertText(loc, s); }
    bool InsertTextBefore(clang::SourceLocation loc, llvm::StringRef s) { return InsertText(loc, s, false); }
    bool ReplaceText(clang::SourceLocation start, unsigned length, llvm::StringRef s) {
        note(start, length);
        return clang::Rewriter::ReplaceText(start, length, s);
    }
    bool ReplaceText(clang::CharSourceRange r, llvm::StringRef s) {
        return ReplaceText(r.getBegin(), getRangeSize(r), s);
    }
    /// Was anything inserted or replaced in the main file at offsets [begin, end]?
    bool edited(unsigned begin, unsigned end) const;

  private:
    void note(clang::SourceLocation loc, unsigned length);
    std::map<unsigned, unsigned> edits_;  ///< main-file offset -> end of the widest edit there
};

struct Options {
    bool line_directives = true;
};

/// The state of one file's translation; the rewrite_* functions edit through it.
class Translation {
  public:
    Translation(clang::ASTContext& ctx, Rewriter& rw, const Options& opts, std::string display_name)
        : ctx(ctx), sm(ctx.getSourceManager()), lo(ctx.getLangOpts()), rw(rw),
          diags(ctx.getDiagnostics()), opts(opts), display_name(std::move(display_name)) {}

    clang::ASTContext& ctx;
    clang::SourceManager& sm;
    const clang::LangOptions& lo;
    Rewriter& rw;
    clang::DiagnosticsEngine& diags;
    const Options& opts;
    std::string display_name;           ///< the file name written in #line directives
    clang::Sema* sema = nullptr;        ///< clang's Sema, for checks that need name lookup

    std::vector<Site> sites;
    std::set<const clang::Stmt*> sync_stmts;   ///< statements under `#pragma weft sync`
    std::vector<const clang::Stmt*> loops;     ///< every loop of the main file
    /// Variables whose type the translation changes: `auto a = e;` under spawn becomes a
    /// weft::Future, under async a weft::Task. A closure that captures one must use that.
    std::map<const clang::ValueDecl*, std::string> retyped;

    // --- text and locations (codegen.cpp) ---
    /// The file range of `s`, including its trailing ';' when it has one.
    clang::CharSourceRange stmt_range(const clang::Stmt* s) const;
    /// The file range of an expression (invalid if it comes from inside a macro).
    clang::CharSourceRange expr_range(const clang::Expr* e) const;
    /// Source text of a range, with the edits already made inside it.
    std::string text(clang::CharSourceRange r) const;
    unsigned line(clang::SourceLocation l) const { return sm.getExpansionLineNumber(l); }
    unsigned column(clang::SourceLocation l) const { return sm.getExpansionColumnNumber(l); }
    /// "\n#line N \"file\"\n", or "\n" under --no-line-directives.
    std::string line_directive(unsigned line) const;
    /// Spaces as wide as the indentation of the line holding `l`.
    std::string indent_of(clang::SourceLocation l) const;

    // --- registration for remote calls (register_functions.cpp) ---
    /// Registers `fd` for remote calls (WEFT_REMOTE / WEFT_REMOTE_AS at the end of the file).
    void register_function(const clang::FunctionDecl* fd);
    std::vector<std::string> registrations;
    std::set<const clang::FunctionDecl*> registered;

    // --- generated serialize() for aggregate structs of the file (serializable.cpp) ---
    std::set<const clang::CXXRecordDecl*> given_serialize;
    /// Free serialize/save/load functions of the translation unit, found once.
    std::set<const clang::Decl*> free_serialize_targets;
    bool free_serialize_scanned = false;
    /// The lambda expressions of the main file, by closure class (found once), and the
    /// lambdas with captures already turned into structs (true) or refused (false) because
    /// a closure captures them.
    std::map<const clang::CXXRecordDecl*, const clang::LambdaExpr*> lambdas;
    bool lambdas_scanned = false;
    std::map<const clang::CXXRecordDecl*, bool> lambda_structs;
};

/// Is `d` declared in namespace weft (or one nested in it)?
bool is_weft_decl(const clang::Decl* d);
/// Is `t` (references and cv removed) a specialization of weft::<name>?
bool is_weft_type(clang::QualType t, llvm::StringRef name);

// Rewrite functions, one per directive (see directives.def).
#define WEFT_DIRECTIVE(Id, Spelling, Arg, AppliesTo, Rewrite) void Rewrite(Translation&, const Site&);
#include "directives.def"

}  // namespace weft::tr
