// attach.cpp — finds the statement or declaration each pragma applies to: the one whose
// first token is the first token after the pragma line (other preprocessor lines and
// comments in between are skipped). Anything else is a diagnostic at the pragma.
#include "attach.hpp"

#include "diagnostics.hpp"
#include "pragma_parser.hpp"

#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/Lex/Lexer.h>

namespace weft::tr {

namespace {

/// Collects, by the file offset of their first token, the statements that can follow a
/// pragma (children of compound statements and bodies of control statements) and the
/// declarations at namespace or class scope, in the main file only.
class CandidateCollector : public clang::RecursiveASTVisitor<CandidateCollector> {
  public:
    explicit CandidateCollector(Translation& t) : t_(t) {}

    bool shouldVisitTemplateInstantiations() const { return false; }
    bool shouldVisitImplicitCode() const { return false; }

    bool TraverseDecl(clang::Decl* d) {
        if (!d) return true;
        if (!llvm::isa<clang::TranslationUnitDecl>(d)) {
            clang::SourceLocation l = t_.sm.getExpansionLoc(d->getLocation());
            if (l.isValid() && !t_.sm.isInMainFile(l)) return true;  // headers: not ours
        }
        return RecursiveASTVisitor::TraverseDecl(d);
    }

    bool VisitDecl(clang::Decl* d) {
        const clang::DeclContext* dc = d->getLexicalDeclContext();
        if (!dc || d->isImplicit() || llvm::isa<clang::TranslationUnitDecl>(d)) return true;
        if (dc->isFileContext() || dc->isRecord() || llvm::isa<clang::LinkageSpecDecl>(dc)) {
            // The templated declaration of a template starts after `template <...>`; the
            // template itself is seen first and wins.
            add(d->getBeginLoc(), nullptr, d);
        }
        return true;
    }
    bool VisitCompoundStmt(clang::CompoundStmt* s) {
        for (clang::Stmt* c : s->body()) add_stmt(c, true);
        return true;
    }
    bool VisitIfStmt(clang::IfStmt* s) {
        add_stmt(s->getThen());
        add_stmt(s->getElse());
        return true;
    }
    bool VisitForStmt(clang::ForStmt* s) { return loop(s, s->getBody()); }
    bool VisitCXXForRangeStmt(clang::CXXForRangeStmt* s) { return loop(s, s->getBody()); }
    bool VisitWhileStmt(clang::WhileStmt* s) { return loop(s, s->getBody()); }
    bool VisitDoStmt(clang::DoStmt* s) { return loop(s, s->getBody()); }
    bool VisitSwitchStmt(clang::SwitchStmt* s) { return add_stmt(s->getBody()); }
    bool VisitSwitchCase(clang::SwitchCase* s) { return add_stmt(s->getSubStmt()); }
    bool VisitLabelStmt(clang::LabelStmt* s) { return add_stmt(s->getSubStmt()); }

    std::map<unsigned, Site> by_offset;

  private:
    bool loop(const clang::Stmt* s, const clang::Stmt* body) {
        if (t_.sm.isInMainFile(t_.sm.getExpansionLoc(s->getBeginLoc()))) t_.loops.push_back(s);
        return add_stmt(body);
    }
    bool add_stmt(const clang::Stmt* s, bool in_compound = false) {
        if (s) add(s->getBeginLoc(), s, nullptr, in_compound);
        return true;
    }
    void add(clang::SourceLocation begin, const clang::Stmt* s, const clang::Decl* d, bool in_compound = false) {
        if (begin.isInvalid()) return;
        begin = t_.sm.getExpansionLoc(begin);
        if (!t_.sm.isInMainFile(begin)) return;
        Site site;
        site.stmt = s;
        site.decl = d;
        site.in_compound = in_compound;
        by_offset.emplace(t_.sm.getFileOffset(begin), site);  // first one wins
    }

    Translation& t_;
};

/// The location of the first token after the pragma line, skipping white space,
/// comments and other preprocessor lines; invalid at the end of the file.
clang::SourceLocation next_token(Translation& t, const Pragma& p) {
    auto [fid, offset] = t.sm.getDecomposedLoc(t.sm.getExpansionLoc(p.end_loc));
    bool invalid = false;
    llvm::StringRef buf = t.sm.getBufferData(fid, &invalid);
    if (invalid || offset > buf.size()) return {};
    size_t i = offset, n = buf.size();
    bool line_start = false;
    auto skip_line = [&] {  // to the end of the line, following backslash continuations
        while (i < n && buf[i] != '\n') i += (buf[i] == '\\' && i + 1 < n) ? 2 : 1;
    };
    while (i < n) {
        char c = buf[i];
        if (c == '\n') {
            line_start = true;
            ++i;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            ++i;
        } else if (c == '\\' && i + 1 < n && (buf[i + 1] == '\n' || buf[i + 1] == '\r')) {
            i += 2;
        } else if (c == '/' && i + 1 < n && buf[i + 1] == '/') {
            skip_line();
        } else if (c == '/' && i + 1 < n && buf[i + 1] == '*') {
            size_t e = buf.find("*/", i + 2);
            i = e == llvm::StringRef::npos ? n : e + 2;
        } else if (c == '#' && line_start) {
            skip_line();
        } else {
            return t.sm.getLocForStartOfFile(fid).getLocWithOffset(static_cast<int>(i));
        }
    }
    return {};
}

std::string target_kind_text(const Site& s) {
    if (s.stmt) return "a statement";
    if (llvm::isa<clang::FunctionDecl, clang::FunctionTemplateDecl>(s.decl)) return "a function declaration";
    if (llvm::isa<clang::VarDecl>(s.decl)) return "a variable declaration";
    if (llvm::isa<clang::NamespaceDecl>(s.decl)) return "a namespace";
    if (llvm::isa<clang::TagDecl, clang::ClassTemplateDecl>(s.decl)) return "a type declaration";
    return "this declaration";
}

}  // namespace

void attach_pragmas(Translation& t, const std::vector<Pragma>& pragmas) {
    CandidateCollector collector(t);
    collector.TraverseDecl(t.ctx.getTranslationUnitDecl());

    for (const Pragma& p : pragmas) {
        const DirectiveInfo& info = directive_info(p.kind);
        clang::SourceLocation next = next_token(t, p);
        auto it = next.isValid() ? collector.by_offset.find(t.sm.getFileOffset(next)) : collector.by_offset.end();
        if (it == collector.by_offset.end()) {
            report(t.diags, p.directive_loc, Diag::NothingFollows) << p.spelling << applies_to_text(info.applies_to);
            continue;
        }
        Site site = it->second;
        site.pragma = &p;
        bool is_function = site.decl && llvm::isa<clang::FunctionDecl, clang::FunctionTemplateDecl>(site.decl);
        bool ok = (site.stmt && (info.applies_to & ToStmt)) || (is_function && (info.applies_to & ToFunction));
        if (!ok) {
            report(t.diags, p.directive_loc, Diag::WrongTarget)
                << p.spelling << applies_to_text(info.applies_to) << target_kind_text(site);
            continue;
        }
        if (site.stmt) {
            clang::SourceLocation b = site.stmt->getBeginLoc(), e = site.stmt->getEndLoc();
            if (b.isMacroID() || e.isMacroID()) {
                clang::CharSourceRange r = clang::Lexer::makeFileCharRange(
                    clang::CharSourceRange::getTokenRange(b, e), t.sm, t.lo);
                if (r.isInvalid()) {
                    report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
                    continue;
                }
            }
        }
        if (p.kind == DirectiveKind::Sync && site.stmt) t.sync_stmts.insert(site.stmt);
        t.sites.push_back(site);
    }
}

}  // namespace weft::tr
