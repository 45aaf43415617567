// pragma_parser.cpp — parses `#pragma weft <directive>[(arg)] [clause(args) ...]` lines.
// Tokens are read unexpanded, and arguments are kept as the source text between the
// parentheses, so the generated code spells them exactly as the user did.
#include "pragma_parser.hpp"

#include "diagnostics.hpp"

#include <clang/Basic/DiagnosticLex.h>
#include <clang/Lex/Preprocessor.h>

namespace weft::tr {

namespace {

const DirectiveInfo kDirectives[] = {
#define WEFT_DIRECTIVE(Id, Spelling, Arg, Applies, Rewrite) {DirectiveKind::Id, Spelling, Arg, Applies},
#include "directives.def"
};

struct ClauseInfo {
    DirectiveKind directive;
    const char* spelling;
    ArgKind arg;
    bool repeatable;  ///< may appear more than once (`reduce`)
};
const ClauseInfo kClauses[] = {
#define WEFT_CLAUSE(Directive, Id, Spelling, Arg, Repeat) {DirectiveKind::Directive, Spelling, Arg, Repeat},
#include "directives.def"
};

std::string directive_list() {
    std::string s;
    for (const DirectiveInfo& d : kDirectives) s += (s.empty() ? "" : ", ") + std::string(d.spelling);
    return s;
}

std::string clause_list(DirectiveKind k) {
    std::string s;
    for (const ClauseInfo& c : kClauses)
        if (c.directive == k) s += (s.empty() ? "" : ", ") + std::string(c.spelling);
    return s.empty() ? "it takes no clauses" : "expected one of: " + s;
}

const ClauseInfo* find_clause(DirectiveKind k, llvm::StringRef name) {
    for (const ClauseInfo& c : kClauses)
        if (c.directive == k && name == c.spelling) return &c;
    return nullptr;
}

/// The closest of `candidates` to `typo` by edit distance, as clang's typo correction
/// picks one: at most a third of the typed length (rounded up) away; "" if none is.
std::string closest(llvm::StringRef typo, const std::vector<llvm::StringRef>& candidates) {
    std::string best;
    unsigned best_distance = static_cast<unsigned>((typo.size() + 2) / 3) + 1;
    for (llvm::StringRef c : candidates) {
        unsigned d = typo.edit_distance(c, /*AllowReplacements=*/true, best_distance);
        if (d < best_distance) {
            best_distance = d;
            best = c.str();
        }
    }
    return best;
}

std::vector<llvm::StringRef> directive_spellings() {
    std::vector<llvm::StringRef> out;
    for (const DirectiveInfo& d : kDirectives) out.push_back(d.spelling);
    return out;
}

std::vector<llvm::StringRef> clause_spellings(DirectiveKind k) {
    std::vector<llvm::StringRef> out;
    for (const ClauseInfo& c : kClauses)
        if (c.directive == k) out.push_back(c.spelling);
    return out;
}

/// The spelling of a token as written (identifiers and keywords alike).
std::string spelling(clang::Preprocessor& pp, const clang::Token& t) { return pp.getSpelling(t); }

bool is_name(const clang::Token& t) { return t.is(clang::tok::identifier) || t.getIdentifierInfo() != nullptr; }

/// Parses a parenthesised argument starting at toks[i] == '('. On success sets `text`,
/// `text_loc`, the tokens inside in [first, last) and moves i past ')'.
bool parse_parens(clang::Preprocessor& pp, const std::vector<clang::Token>& toks, size_t& i,
                  const std::string& directive, std::string& text, clang::SourceLocation& text_loc,
                  size_t& first, size_t& last) {
    clang::SourceManager& sm = pp.getSourceManager();
    size_t open = i;
    int depth = 0;
    for (; i < toks.size(); ++i) {
        if (toks[i].isOneOf(clang::tok::l_paren, clang::tok::l_square, clang::tok::l_brace)) ++depth;
        if (toks[i].isOneOf(clang::tok::r_paren, clang::tok::r_square, clang::tok::r_brace)) --depth;
        if (depth == 0) break;
    }
    if (i >= toks.size()) {
        report(pp.getDiagnostics(), toks[open].getLocation(), Diag::MissingRParen) << directive;
        return false;
    }
    text_loc = toks[open].getLocation().getLocWithOffset(1);
    bool invalid = false;
    text = clang::Lexer::getSourceText(clang::CharSourceRange::getCharRange(text_loc, toks[i].getLocation()), sm,
                                       pp.getLangOpts(), &invalid)
               .str();
    if (invalid) text.clear();
    first = open + 1;
    last = i;
    ++i;
    return true;
}

}  // namespace

const DirectiveInfo* find_directive(llvm::StringRef name) {
    for (const DirectiveInfo& d : kDirectives)
        if (name == d.spelling) return &d;
    return nullptr;
}

const DirectiveInfo& directive_info(DirectiveKind kind) {
    for (const DirectiveInfo& d : kDirectives)
        if (d.kind == kind) return d;
    return kDirectives[0];
}

std::string applies_to_text(unsigned applies_to) {
    if (applies_to == (ToStmt | ToFunction)) return "a statement or a function declaration";
    if (applies_to == ToFunction) return "a function declaration";
    return "a statement";
}

void WeftPragmaHandler::HandlePragma(clang::Preprocessor& pp, clang::PragmaIntroducer introducer,
                                     clang::Token& first) {
    unsigned before = pp.getDiagnostics().getNumErrors();
    parse(pp, introducer, first);
    errors_ += pp.getDiagnostics().getNumErrors() - before;
}

void WeftPragmaHandler::parse(clang::Preprocessor& pp, clang::PragmaIntroducer introducer, clang::Token& first) {
    clang::SourceManager& sm = pp.getSourceManager();
    clang::DiagnosticsEngine& diags = pp.getDiagnostics();

    // Step 1: the tokens of the line, unexpanded.
    std::vector<clang::Token> toks;
    clang::Token tok;
    pp.LexUnexpandedToken(tok);
    while (tok.isNot(clang::tok::eod) && tok.isNot(clang::tok::eof)) {
        toks.push_back(tok);
        pp.LexUnexpandedToken(tok);
    }
    clang::SourceLocation end_loc = tok.getLocation();

    if (introducer.Kind != clang::PIK_HashPragma || first.getLocation().isMacroID() ||
        introducer.Loc.isMacroID()) {
        report(diags, sm.getExpansionLoc(introducer.Loc), Diag::PragmaFromMacro);
        return;
    }
    if (!sm.isInMainFile(introducer.Loc)) {
        report(diags, introducer.Loc, Diag::PragmaInHeader);
        return;
    }

    // Step 2: the directive and its own argument.
    if (toks.empty() || !is_name(toks[0])) {
        report(diags, toks.empty() ? first.getEndLoc() : toks[0].getLocation(), Diag::MissingDirective)
            << directive_list();
        return;
    }
    std::string name = spelling(pp, toks[0]);
    const DirectiveInfo* info = find_directive(name);
    if (!info) {
        std::string fix = closest(name, directive_spellings());
        if (fix.empty())
            report(diags, toks[0].getLocation(), Diag::UnknownDirective) << name << directive_list();
        else
            report(diags, toks[0].getLocation(), Diag::UnknownDirectiveSuggest)
                << name << fix
                << clang::FixItHint::CreateReplacement(clang::CharSourceRange::getTokenRange(toks[0].getLocation()),
                                                       fix);
        return;
    }
    Pragma p;
    p.kind = info->kind;
    p.spelling = info->spelling;
    p.hash_loc = introducer.Loc;
    p.directive_loc = toks[0].getLocation();
    p.end_loc = end_loc;

    size_t i = 1;
    if (i < toks.size() && toks[i].is(clang::tok::l_paren)) {
        if (info->arg == ArgNone) {
            report(diags, toks[i].getLocation(), Diag::DirectiveTakesNoArg) << name;
            return;
        }
        size_t a, b;
        if (!parse_parens(pp, toks, i, name, p.arg, p.arg_loc, a, b)) return;
        if (llvm::StringRef(p.arg).trim().empty()) {
            report(diags, p.arg_loc, Diag::ClauseEmptyArg) << name;
            return;
        }
        p.has_arg = true;
        p.arg_is_any = b == a + 1 && is_name(toks[a]) && spelling(pp, toks[a]) == "any";
    } else if (info->arg == ArgProc) {
        report(diags, toks[0].getEndLoc(), Diag::DirectiveNeedsArg) << name;
        return;
    }

    // Step 3: the clauses.
    while (i < toks.size()) {
        if (!is_name(toks[i])) {
            report(diags, toks[i].getLocation(), Diag::UnexpectedToken) << spelling(pp, toks[i]) << name;
            return;
        }
        Clause c;
        c.name = spelling(pp, toks[i]);
        c.loc = toks[i].getLocation();
        const ClauseInfo* ci = find_clause(info->kind, c.name);
        if (!ci) {
            std::string fix = closest(c.name, clause_spellings(info->kind));
            if (fix.empty())
                report(diags, c.loc, Diag::UnknownClause) << c.name << name << clause_list(info->kind);
            else
                report(diags, c.loc, Diag::UnknownClauseSuggest)
                    << c.name << name << fix
                    << clang::FixItHint::CreateReplacement(clang::CharSourceRange::getTokenRange(c.loc), fix);
            return;
        }
        if (!ci->repeatable && p.clause(c.name)) {
            report(diags, c.loc, Diag::ClauseDuplicate) << c.name;
            return;
        }
        ++i;
        if (i >= toks.size() || toks[i].isNot(clang::tok::l_paren)) {
            report(diags, toks[i - 1].getEndLoc(), Diag::ClauseNeedsArg) << c.name;
            return;
        }
        size_t a, b;
        if (!parse_parens(pp, toks, i, name, c.text, c.text_loc, a, b)) return;
        if (a == b) {
            report(diags, c.text_loc, Diag::ClauseEmptyArg) << c.name;
            return;
        }
        if (ci->arg == ArgIdentList) {
            // name (, name)*
            for (size_t k = a; k < b; ++k) {
                bool want_name = (k - a) % 2 == 0;
                if (want_name ? toks[k].isNot(clang::tok::identifier) : toks[k].isNot(clang::tok::comma) ||
                                                                             k + 1 == b) {
                    report(diags, toks[k].getLocation(), Diag::ExpectedName) << c.name;
                    return;
                }
                if (want_name) c.names.emplace_back(spelling(pp, toks[k]), toks[k].getLocation());
            }
        }
        p.clauses.push_back(std::move(c));
    }
    out_.push_back(std::move(p));
}

void NearWeftPragmaHandler::HandlePragma(clang::Preprocessor& pp, clang::PragmaIntroducer introducer,
                                         clang::Token& first) {
    const clang::IdentifierInfo* ii = first.getIdentifierInfo();
    std::string word = ii ? ii->getName().lower() : std::string();
    unsigned distance = ii ? llvm::StringRef(word).edit_distance("weft", true, 3) : 3;
    if (distance > 2 || first.getLocation().isMacroID()) {
        pp.Diag(first, clang::diag::warn_pragma_ignored);  // what clang says with no handler
        return;
    }
    report(pp.getDiagnostics(), first.getLocation(), Diag::NearWeftPragma)
        << ii->getName() << clang::FixItHint::CreateReplacement(
                                clang::CharSourceRange::getTokenRange(first.getLocation()), "weft");
}

}  // namespace weft::tr
