// serializable.cpp — the translator's version of cereal's rules, so that a capture that
// cannot be sent is reported at the pragma, naming the variable and its type; and the
// generated `serialize` for the file's aggregate structs.
#include "serializable.hpp"

#include "codegen.hpp"
#include "diagnostics.hpp"

#include <clang/AST/DeclTemplate.h>
#include <clang/AST/ParentMapContext.h>
#include <clang/AST/RecursiveASTVisitor.h>

namespace weft::tr {

namespace {

bool is_serialize_name(llvm::StringRef n) {
    return n == "serialize" || n == "save" || n == "load" || n == "save_minimal" || n == "load_minimal";
}

const clang::Decl* key_of(clang::QualType qt) {
    qt = qt.getNonReferenceType();
    if (auto* tst = qt->getAs<clang::TemplateSpecializationType>())
        if (auto* td = tst->getTemplateName().getAsTemplateDecl())
            if (auto* pattern = td->getTemplatedDecl()) return pattern->getCanonicalDecl();
    if (auto* rd = qt->getAsCXXRecordDecl()) {
        if (auto* spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(rd))
            return spec->getSpecializedTemplate()->getTemplatedDecl()->getCanonicalDecl();
        return rd->getCanonicalDecl();
    }
    return nullptr;
}

/// Records the class each namespace-scope serialize/save/load(archive, T&) is for.
void scan_free_functions(Translation& t, const clang::DeclContext* dc, int depth) {
    if (depth > 32) return;
    for (const clang::Decl* d : dc->decls()) {
        if (auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(d)) {
            scan_free_functions(t, ns, depth + 1);
        } else if (auto* ls = llvm::dyn_cast<clang::LinkageSpecDecl>(d)) {
            scan_free_functions(t, ls, depth + 1);
        } else {
            const clang::FunctionDecl* fd = llvm::dyn_cast<clang::FunctionDecl>(d);
            if (auto* ftd = llvm::dyn_cast<clang::FunctionTemplateDecl>(d)) fd = ftd->getTemplatedDecl();
            if (!fd || !fd->getIdentifier() || !is_serialize_name(fd->getName()) || fd->getNumParams() < 2) continue;
            if (const clang::Decl* k = key_of(fd->getParamDecl(1)->getType())) t.free_serialize_targets.insert(k);
        }
    }
}

bool has_member_serialize(const clang::CXXRecordDecl* rd, int depth) {
    if (!rd || depth > 16) return false;
    if (auto* def = rd->getDefinition()) rd = def;
    for (const clang::Decl* d : rd->decls()) {
        if (auto* nd = llvm::dyn_cast<clang::NamedDecl>(d))
            if (nd->getIdentifier() && is_serialize_name(nd->getName())) return true;
        if (auto* fr = llvm::dyn_cast<clang::FriendDecl>(d))
            if (auto* nd = fr->getFriendDecl())
                if (nd->getIdentifier() && is_serialize_name(nd->getName())) return true;
    }
    if (rd->hasDefinition())
        for (const clang::CXXBaseSpecifier& b : rd->bases())
            if (has_member_serialize(b.getType()->getAsCXXRecordDecl(), depth + 1)) return true;
    if (auto* spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(rd))
        if (rd != spec->getSpecializedTemplate()->getTemplatedDecl())
            return has_member_serialize(spec->getSpecializedTemplate()->getTemplatedDecl(), depth + 1);
    return false;
}

/// Standard class templates that weft's archives handle, when their arguments do.
bool std_data_type(llvm::StringRef n) {
    static const char* const names[] = {
        "basic_string", "vector", "array", "deque", "list", "forward_list", "map", "multimap", "set",
        "multiset", "unordered_map", "unordered_multimap", "unordered_set", "unordered_multiset", "pair",
        "tuple", "optional", "variant", "monostate", "complex", "duration", "time_point", "shared_ptr",
        "unique_ptr", "bitset", "valarray", "queue", "stack", "priority_queue", "nullopt_t"};
    for (const char* s : names)
        if (n == s) return true;
    return false;
}

/// Standard helpers that appear as template arguments and carry no data.
bool std_helper_type(llvm::StringRef n) {
    static const char* const names[] = {"allocator", "less", "greater", "hash", "equal_to", "char_traits",
                                        "default_delete", "ratio", "owner_less", "system_clock",
                                        "steady_clock", "high_resolution_clock"};
    for (const char* s : names)
        if (n == s) return true;
    return false;
}

class Checker {
  public:
    Checker(Translation& t, const Pragma& p) : t_(t), p_(p) {}

    bool ok(clang::QualType qt, std::string& why, int depth) {
        if (qt.isNull() || depth > 24) return true;
        qt = qt.getNonReferenceType();
        if (qt->isDependentType()) return true;
        const clang::Type* ty = qt.getCanonicalType().getTypePtr();
        if (ty->isArithmeticType() || ty->isEnumeralType()) return true;
        if (ty->isFunctionPointerType()) return true;  // a registered function's id; the runtime checks it
        if (ty->isPointerType() || ty->isMemberPointerType() || ty->isNullPtrType()) {
            why = ": pointers are not sent between processes";
            return false;
        }
        if (ty->isFunctionType()) {
            why = "";
            return false;
        }
        if (auto* at = t_.ctx.getAsConstantArrayType(qt)) return ok(at->getElementType(), why, depth + 1);
        const clang::CXXRecordDecl* rd = ty->getAsCXXRecordDecl();
        if (!rd) {
            why = "";
            return false;
        }
        if (rd->isLambda()) return lambda_ok(rd, why, depth);
        if (is_weft_decl(rd)) return true;
        if (rd->isInStdNamespace()) {
            llvm::StringRef name = rd->getIdentifier() ? rd->getName() : "";
            if (std_helper_type(name)) return true;
            if (!std_data_type(name)) {
                why = "";
                return false;
            }
            if (auto* spec = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(rd))
                for (const clang::TemplateArgument& a : spec->getTemplateArgs().asArray())
                    if (!arg_ok(a, why, depth)) return false;
            return true;
        }
        if (has_member_serialize(rd, 0)) return true;
        if (!t_.free_serialize_scanned) {
            t_.free_serialize_scanned = true;
            scan_free_functions(t_, t_.ctx.getTranslationUnitDecl(), 0);
        }
        if (const clang::Decl* k = key_of(qt); k && t_.free_serialize_targets.count(k)) return true;
        return aggregate_of_this_file(rd, why, depth);
    }

  private:
    /// A lambda without a capture list travels as an empty class (nothing at all). One with
    /// captures is turned into a struct with the captures as members, operator() holding
    /// its body and a serialize, when it captures by value variables that can be sent
    /// (lambdas among them, recursively) and is not generic (a local class has no member
    /// templates); its initialiser becomes `weft_lambda_L<line>_C<col>{captures...}`.
    bool lambda_ok(const clang::CXXRecordDecl* rd, std::string& why, int depth) {
        rd = rd->getCanonicalDecl();
        if (rd->getLambdaCaptureDefault() == clang::LCD_None && rd->capture_size() == 0) return true;
        if (auto it = t_.lambda_structs.find(rd); it != t_.lambda_structs.end()) {
            if (!it->second) why = ": a lambda with captures that cannot be sent (see above)";
            return it->second;
        }
        t_.lambda_structs[rd] = false;  // a lambda that (indirectly) captures itself is refused
        const clang::LambdaExpr* le = find_lambda(rd);
        if (!le) {
            why = ": a lambda with captures is sent only when it is written in this file";
            return false;
        }
        if (le->isGenericLambda()) {
            why = ": a generic lambda with captures cannot be sent (it would become a local struct, which "
                  "cannot have a template operator()); give its parameters types";
            return false;
        }
        struct Member { const clang::ValueDecl* var; std::string name; };
        std::vector<Member> members;
        for (const clang::LambdaCapture& c : le->captures()) {
            if (c.capturesThis() || c.capturesVLAType()) {
                why = ": the lambda captures 'this', which cannot be sent; capture the members it needs by value";
                return false;
            }
            const clang::ValueDecl* v = c.getCapturedVar();
            const std::string name = v ? v->getNameAsString() : "";
            if (c.getCaptureKind() == clang::LCK_ByRef) {
                why = ": the lambda captures '" + name + "' by reference; capture it by value ([" + name +
                      "] or [=]) to send the lambda";
                return false;
            }
            if (le->isInitCapture(&c)) {
                why = ": the lambda has an init-capture '" + name + "'; capture a variable by value instead";
                return false;
            }
            std::string inner;
            if (v->getType().getNonReferenceType()->isArrayType()) {
                why = ": the lambda captures the C array '" + name + "'";
                return false;
            }
            if (!ok(v->getType(), inner, depth + 1)) {
                why = ", because the lambda captures '" + name + "' of type '" +
                      v->getType().getNonReferenceType().getAsString(t_.ctx.getPrintingPolicy()) + "'" + inner;
                return false;
            }
            members.push_back({v, name});
        }
        // Where the struct goes: before the statement holding the lambda, in the main file.
        clang::CharSourceRange range = t_.expr_range(le);
        const clang::Stmt* stmt = enclosing_statement(le);
        clang::CharSourceRange stmt_range = stmt ? t_.stmt_range(stmt) : clang::CharSourceRange();
        if (range.isInvalid() || stmt_range.isInvalid() || !t_.sm.isInMainFile(range.getBegin())) {
            why = ": a lambda with captures is sent only when it is written in this file, outside macros";
            return false;
        }
        const unsigned b = t_.sm.getFileOffset(range.getBegin()), e = t_.sm.getFileOffset(range.getEnd());
        for (const Site& s : t_.sites)
            if (s.pragma && t_.sm.isInMainFile(s.pragma->directive_loc) &&
                t_.sm.getFileOffset(s.pragma->directive_loc) > b && t_.sm.getFileOffset(s.pragma->directive_loc) < e) {
                why = ": the lambda holds a '#pragma weft' directive";
                return false;
            }
        if (t_.rw.edited(b, e)) {
            why = ": the lambda was already rewritten";
            return false;
        }
        const clang::CXXMethodDecl* op = le->getCallOperator();
        std::string params;
        if (clang::FunctionTypeLoc fl = op->getFunctionTypeLoc(); fl && fl.getLParenLoc().isValid())
            params = t_.text(clang::Lexer::makeFileCharRange(
                clang::CharSourceRange::getCharRange(fl.getLParenLoc().getLocWithOffset(1), fl.getRParenLoc()), t_.sm,
                t_.lo));
        std::string result;
        if (clang::FunctionTypeLoc fl = op->getFunctionTypeLoc(); fl && le->hasExplicitResultType())
            result = " -> " + t_.text(clang::Lexer::makeFileCharRange(
                                  clang::CharSourceRange::getTokenRange(fl.getReturnLoc().getSourceRange()), t_.sm, t_.lo));
        if (result == " -> ") {
            why = ": its return type is not written in this file";
            return false;
        }
        clang::CharSourceRange body_range = clang::Lexer::makeFileCharRange(
            clang::CharSourceRange::getTokenRange(le->getBody()->getSourceRange()), t_.sm, t_.lo);
        if (body_range.isInvalid()) {
            why = ": a lambda with captures is sent only when it is written in this file, outside macros";
            return false;
        }
        const std::string name =
            "weft_lambda_L" + std::to_string(t_.line(range.getBegin())) + "_C" + std::to_string(t_.column(range.getBegin()));
        std::string aliases, decls, names;
        for (const Member& m : members) {
            Capture cap;
            cap.decl = m.var;
            cap.name = m.name;
            cap.type = m.var->getType();
            decls += " " + capture_type(t_, cap, name, aliases) + " " + m.name + "{};";
            names += (names.empty() ? "" : ", ") + m.name;
        }
        const unsigned stmt_line = t_.line(stmt_range.getBegin());
        const std::string indent = t_.indent_of(stmt_range.getBegin());
        std::string def = aliases + "struct " + name + " {" + decls;
        def += t_.line_directive(t_.line(body_range.getBegin()));
        def += indent + "  auto operator()(" + params + ")" + (le->isMutable() ? "" : " const") + result + " " +
               t_.text(body_range);
        def += t_.line_directive(stmt_line);
        def += indent + "  void serialize(weft::OutArchive& weft_ar) { weft_ar(" + names + "); }";
        def += " void serialize(weft::InArchive& weft_ar) { weft_ar(" + names + "); }";
        def += " };" + t_.line_directive(stmt_line) + indent;
        const std::string introducer = t_.text(clang::Lexer::makeFileCharRange(
            clang::CharSourceRange::getTokenRange(le->getIntroducerRange()), t_.sm, t_.lo));
        std::string object = name + "{" + names + "}";
        if (t_.line(range.getEnd()) != t_.line(range.getBegin()))  // what follows keeps its line
            object += t_.line_directive(t_.line(range.getEnd()));
        t_.rw.ReplaceText(range, object);
        t_.rw.InsertText(stmt_range.getBegin(), def, /*after=*/true);
        report(t_.diags, range.getBegin(), Diag::LambdaStruct) << introducer << name << p_.spelling;
        t_.lambda_structs[rd] = true;
        return true;
    }

    const clang::LambdaExpr* find_lambda(const clang::CXXRecordDecl* rd) {
        if (!t_.lambdas_scanned) {
            t_.lambdas_scanned = true;
            struct Finder : clang::RecursiveASTVisitor<Finder> {
                Translation& t;
                explicit Finder(Translation& t) : t(t) {}
                bool VisitLambdaExpr(clang::LambdaExpr* e) {
                    if (t.sm.isInMainFile(t.sm.getExpansionLoc(e->getBeginLoc())))
                        t.lambdas[e->getLambdaClass()->getCanonicalDecl()] = e;
                    return true;
                }
            } finder(t_);
            for (clang::Decl* d : t_.ctx.getTranslationUnitDecl()->decls())
                if (t_.sm.isInMainFile(t_.sm.getExpansionLoc(d->getBeginLoc()))) finder.TraverseDecl(d);
        }
        auto it = t_.lambdas.find(rd);
        return it == t_.lambdas.end() ? nullptr : it->second;
    }

    /// The statement directly inside braces that holds `e`, or null.
    const clang::Stmt* enclosing_statement(const clang::Expr* e) {
        clang::DynTypedNode n = clang::DynTypedNode::create(*e);
        for (int i = 0; i < 256; ++i) {
            auto parents = t_.ctx.getParents(n);
            if (parents.empty()) return nullptr;
            if (parents[0].get<clang::CompoundStmt>()) return n.get<clang::Stmt>();
            if (parents[0].get<clang::FunctionDecl>() || parents[0].get<clang::TranslationUnitDecl>()) return nullptr;
            n = parents[0];
        }
        return nullptr;
    }

    bool arg_ok(const clang::TemplateArgument& a, std::string& why, int depth) {
        if (a.getKind() == clang::TemplateArgument::Type) return ok(a.getAsType(), why, depth + 1);
        if (a.getKind() == clang::TemplateArgument::Pack)
            for (const clang::TemplateArgument& e : a.pack_elements())
                if (!arg_ok(e, why, depth)) return false;
        return true;
    }

    bool aggregate_of_this_file(const clang::CXXRecordDecl* rd, std::string& why, int depth) {
        const clang::CXXRecordDecl* def = rd->getDefinition();
        const char* fix = ": give it a serialize function";
        if (!def || !def->isAggregate() || def->isUnion() || def->getNumBases() != 0 || def->isLambda()) {
            why = fix;
            return false;
        }
        clang::SourceLocation where = t_.sm.getExpansionLoc(def->getLocation());
        clang::SourceLocation close = def->getBraceRange().getEnd();
        if (!t_.sm.isInMainFile(where) || close.isInvalid() || close.isMacroID()) {
            why = fix;
            return false;
        }
        if (t_.given_serialize.count(def)) return true;
        std::string names;
        for (const clang::FieldDecl* f : def->fields()) {
            std::string inner;
            if (f->isBitField() || f->isAnonymousStructOrUnion() || !f->getIdentifier()) {
                why = fix;
                return false;
            }
            if (!ok(f->getType(), inner, depth + 1)) {
                why = ", because member '" + f->getNameAsString() + "' has type '" +
                      f->getType().getAsString(t_.ctx.getPrintingPolicy()) + "'" + inner;
                return false;
            }
            names += (names.empty() ? "" : ", ") + f->getNameAsString();
        }
        // A local class cannot have member templates: two overloads for weft's archives.
        std::string text = " public:";
        if (def->isLocalClass()) {
            text += " void serialize(weft::OutArchive& weft_ar) { weft_ar(" + names + "); }";
            text += " void serialize(weft::InArchive& weft_ar) { weft_ar(" + names + "); } ";
        } else {
            text += " template <class WeftArchive> void serialize(WeftArchive& weft_ar) { weft_ar(" + names +
                    "); } ";
        }
        t_.rw.InsertTextBefore(close, text);
        t_.given_serialize.insert(def);
        report(t_.diags, where, Diag::GeneratedSerialize) << def << p_.spelling;
        return true;
    }

    Translation& t_;
    const Pragma& p_;
};

}  // namespace

bool check_serializable(Translation& t, clang::QualType type, const Pragma& p, std::string& why) {
    Checker c(t, p);
    return c.ok(type, why, 0);
}

bool check_capture_types(Translation& t, const Pragma& p, const std::vector<Capture>& caps) {
    bool ok = true;
    for (const Capture& c : caps) {
        if (auto re = t.retyped.find(c.decl); re != t.retyped.end()) {
            if (re->second == "weft::Future") continue;  // a Future travels as a reference
            report(t.diags, c.use, Diag::NotSerializable) << c.name << ("'" + re->second + "<...>'")
                << ": a local task cannot be sent";
            ok = false;
            continue;
        }
        clang::QualType ty = c.type.getNonReferenceType();
        if (ty->isArrayType()) {
            report(t.diags, c.use, Diag::CapturesArray) << c.name << ty;
            ok = false;
            continue;
        }
        std::string why;
        if (!check_serializable(t, ty, p, why)) {
            report(t.diags, c.use, Diag::NotSerializable) << c.name << ty.getUnqualifiedType() << why;
            ok = false;
        }
    }
    return ok;
}

}  // namespace weft::tr
