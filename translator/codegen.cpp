// codegen.cpp — closure types, statement ranges and #line directives.
#include "codegen.hpp"

#include <clang/AST/QualTypeNames.h>
#include <clang/Lex/Lexer.h>

namespace weft::tr {

bool is_weft_decl(const clang::Decl* d) {
    if (!d) return false;
    const clang::DeclContext* outer = nullptr;
    for (const clang::DeclContext* dc = d->getDeclContext(); dc; dc = dc->getParent())
        if (llvm::isa<clang::NamespaceDecl>(dc)) outer = dc;
    auto* ns = llvm::dyn_cast_or_null<clang::NamespaceDecl>(outer);
    return ns && ns->getName() == "weft";
}

bool is_weft_type(clang::QualType t, llvm::StringRef name) {
    if (t.isNull()) return false;
    t = t.getNonReferenceType();
    const clang::CXXRecordDecl* rd = t->getAsCXXRecordDecl();
    if (!rd) {
        if (auto* tst = t->getAs<clang::TemplateSpecializationType>())
            if (auto* td = tst->getTemplateName().getAsTemplateDecl())
                return td->getName() == name && is_weft_decl(td);
        return false;
    }
    return rd->getName() == name && is_weft_decl(rd);
}

clang::CharSourceRange Translation::expr_range(const clang::Expr* e) const {
    return clang::Lexer::makeFileCharRange(clang::CharSourceRange::getTokenRange(e->getSourceRange()), sm, lo);
}

clang::CharSourceRange Translation::stmt_range(const clang::Stmt* s) const {
    clang::CharSourceRange r =
        clang::Lexer::makeFileCharRange(clang::CharSourceRange::getTokenRange(s->getSourceRange()), sm, lo);
    if (r.isInvalid() || llvm::isa<clang::CompoundStmt, clang::DeclStmt, clang::NullStmt>(s)) return r;
    // Statements like `f(x);` or `for (...) g();` end before their ';': take it along.
    auto [fid, end] = sm.getDecomposedLoc(r.getEnd());
    bool invalid = false;
    llvm::StringRef buf = sm.getBufferData(fid, &invalid);
    if (invalid || end == 0 || end > buf.size()) return r;
    char last = buf[end - 1];
    if (last == ';' || last == '}') return r;
    clang::Lexer lex(sm.getLocForStartOfFile(fid), lo, buf.begin(), buf.begin() + end, buf.end());
    clang::Token tok;
    lex.LexFromRawLexer(tok);
    if (tok.is(clang::tok::semi)) r.setEnd(tok.getEndLoc());
    return r;
}

void Rewriter::note(clang::SourceLocation loc, unsigned length) {
    clang::SourceManager& sm = getSourceMgr();
    if (loc.isInvalid() || loc.isMacroID()) return;
    auto [fid, off] = sm.getDecomposedLoc(loc);
    if (fid != sm.getMainFileID()) return;
    unsigned& end = edits_[off];
    end = std::max(end, off + length);
}

bool Rewriter::edited(unsigned begin, unsigned end) const {
    auto it = edits_.lower_bound(begin);
    if (it != edits_.end() && it->first <= end) return true;  // an edit starts inside
    return it != edits_.begin() && std::prev(it)->second > begin;  // one before reaches in
}

std::string Translation::text(clang::CharSourceRange r) const {
    if (r.isInvalid()) return {};
    if (r.isCharRange() && r.getBegin().isFileID() && r.getEnd().isFileID()) {
        auto [fid, b] = sm.getDecomposedLoc(r.getBegin());
        auto [fid_end, e] = sm.getDecomposedLoc(r.getEnd());
        bool invalid = false;
        llvm::StringRef buf = sm.getBufferData(fid, &invalid);
        if (!invalid && fid == fid_end && fid == sm.getMainFileID() && b <= e && e <= buf.size() && !rw.edited(b, e))
            return buf.substr(b, e - b).str();
    }
    return rw.getRewrittenText(r);
}

namespace {
/// `s` as the contents of a C++ string literal.
std::string escaped(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == '"') out += '\\';
        out += c;
    }
    return out;
}
}  // namespace

std::string Translation::line_directive(unsigned line) const {
    if (!opts.line_directives) return "\n";
    return "\n#line " + std::to_string(line) + " \"" + escaped(display_name) + "\"\n";
}

std::string call_site(const Translation& t, const Pragma& p) {
    return "weft::CallSite(\"" + escaped(t.display_name) + "\", " + std::to_string(t.line(p.directive_loc)) + ", " +
           std::to_string(t.column(p.directive_loc)) + ", \"#pragma weft " + p.spelling + "\")";
}

std::string Translation::indent_of(clang::SourceLocation l) const {
    auto [fid, off] = sm.getDecomposedLoc(sm.getExpansionLoc(l));
    bool invalid = false;
    llvm::StringRef buf = sm.getBufferData(fid, &invalid);
    if (invalid || off > buf.size()) return {};
    size_t start = buf.rfind('\n', off == 0 ? 0 : off - 1);
    start = start == llvm::StringRef::npos ? 0 : start + 1;
    if (off < start) return {};
    std::string indent;
    for (size_t i = start; i < off && (buf[i] == ' ' || buf[i] == '\t'); ++i) indent += buf[i];
    return indent;
}

std::string closure_name(Translation& t, clang::SourceLocation loc) {
    return "weft_closure_L" + std::to_string(t.line(loc)) + "_C" + std::to_string(t.column(loc));
}

namespace {

bool has_word(const std::string& s, llvm::StringRef word) {
    auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (size_t at = s.find(word.str()); at != std::string::npos; at = s.find(word.str(), at + 1))
        if ((at == 0 || !ident(s[at - 1])) && (at + word.size() >= s.size() || !ident(s[at + word.size()])))
            return true;
    return false;
}

/// Can the printed type be written in the closure? Not: lambdas, unnamed types, the
/// invented parameters of generic lambdas, undeduced `auto`, function pointers (the
/// declarator wraps the name).
bool nameable(clang::QualType qt, const std::string& printed) {
    if (printed.empty() || qt->isUndeducedType()) return false;
    if (qt->isFunctionPointerType()) return false;  // `int (*)(int) f{};` does not declare f
    for (const char* bad : {"(lambda", "(unnamed", "(anonymous", "type-parameter-"})
        if (printed.find(bad) != std::string::npos) return false;
    return !has_word(printed, "auto") && !has_word(printed, "decltype");
}

}  // namespace

std::string capture_type(Translation& t, const Capture& c, const std::string& closure, std::string& aliases) {
    clang::QualType qt = c.type.getNonReferenceType().getUnqualifiedType();
    // `auto x = ...`: name the deduced type itself (printing the sugar qualifies it twice).
    if (auto* dt = llvm::dyn_cast<clang::DeducedType>(qt.getTypePtr()); dt && dt->isDeduced())
        qt = dt->getDeducedType().getNonReferenceType().getUnqualifiedType();
    std::string printed;
    clang::PrintingPolicy pp(t.lo);
    pp.SuppressUnwrittenScope = true;
    pp.SuppressTagKeyword = true;
    if (qt->isDependentType())  // as written: the local struct sees the template parameters
        printed = qt.getAsString(pp);
    else
        printed = clang::TypeName::getFullyQualifiedName(qt, t.ctx, pp, /*WithGlobalNsPrefix=*/false);
    if (nameable(qt, printed)) {
        auto re = t.retyped.find(c.decl);
        return re == t.retyped.end() ? printed : re->second + "<" + printed + ">";
    }
    std::string alias = closure + "_" + c.name + "_t";
    aliases += "using " + alias + " = std::remove_cvref_t<decltype(" + c.name + ")>; ";
    return alias;
}

std::string closure_definition(Translation& t, const Closure& c, unsigned stmt_line, const std::string& indent) {
    std::string aliases, members, names;
    for (const Capture& cap : c.captures) {
        members += " " + capture_type(t, cap, c.name, aliases) + " " + cap.name + "{};";
        names += (names.empty() ? "" : ", ") + cap.name;
    }
    std::string out = aliases + "struct " + c.name + " {" + members;
    out += t.line_directive(c.body_line);
    out += indent + "  auto operator()(" + c.params + ") { " + c.body + " }";
    out += t.line_directive(stmt_line);
    if (c.captures.empty()) {
        out += indent + "  void serialize(weft::OutArchive&) {} void serialize(weft::InArchive&) {}";
    } else {
        out += indent + "  void serialize(weft::OutArchive& weft_ar) { weft_ar(" + names + "); }";
        out += " void serialize(weft::InArchive& weft_ar) { weft_ar(" + names + "); }";
    }
    out += " };" + t.line_directive(stmt_line) + indent;
    return out;
}

std::string closure_object(const Closure& c) {
    std::string names;
    for (const Capture& cap : c.captures) names += (names.empty() ? "" : ", ") + cap.name;
    return c.name + "{" + names + "}";
}

void replace_statement(Translation& t, clang::CharSourceRange r, const std::string& text) {
    unsigned first = t.line(r.getBegin()), last = t.line(r.getEnd());
    std::string out = text;
    if (last != first) out += t.line_directive(last);
    t.rw.ReplaceText(r, out);
}

}  // namespace weft::tr
