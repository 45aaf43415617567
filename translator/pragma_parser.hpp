// pragma_parser.hpp — the `#pragma weft` handler: lexes each pragma line of the main file
// and parses directive and clauses against directives.def.
#pragma once

#include "translator.hpp"

#include <clang/Lex/Pragma.h>

namespace weft::tr {

/// One row of directives.def.
struct DirectiveInfo {
    DirectiveKind kind;
    const char* spelling;
    ArgKind arg;
    unsigned applies_to;  ///< AppliesTo bits
};

/// The directive spelled `name`, or null.
const DirectiveInfo* find_directive(llvm::StringRef name);
const DirectiveInfo& directive_info(DirectiveKind kind);
/// "a statement", "a function declaration", ...
std::string applies_to_text(unsigned applies_to);

/// Handles `#pragma weft ...`; parsed pragmas of the main file are appended to `out`.
/// Registered in the FrontendAction's BeginSourceFileAction; the preprocessor owns it.
class WeftPragmaHandler : public clang::PragmaHandler {
  public:
    /// `errors` counts the errors reported for pragmas (to tell them from compile errors).
    WeftPragmaHandler(std::vector<Pragma>& out, unsigned& errors)
        : clang::PragmaHandler("weft"), out_(out), errors_(errors) {}
    void HandlePragma(clang::Preprocessor& pp, clang::PragmaIntroducer introducer,
                      clang::Token& first) override;

  private:
    void parse(clang::Preprocessor& pp, clang::PragmaIntroducer introducer, clang::Token& first);
    std::vector<Pragma>& out_;
    unsigned& errors_;
};

/// Handles every pragma no other handler claims: warns, with a fix-it, about
/// `#pragma <word>` where <word> is within edit distance 2 of `weft` (`#pragma weeft
/// spawn` would otherwise be ignored, and the program quietly run serially); for any
/// other word, says what clang says without this handler ("unknown pragma ignored").
class NearWeftPragmaHandler : public clang::PragmaHandler {
  public:
    NearWeftPragmaHandler() : clang::PragmaHandler("") {}
    void HandlePragma(clang::Preprocessor& pp, clang::PragmaIntroducer introducer, clang::Token& first) override;
};

}  // namespace weft::tr
