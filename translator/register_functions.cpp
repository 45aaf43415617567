// register_functions.cpp — WEFT_REMOTE / WEFT_REMOTE_AS lines appended at the end of the
// translated file: for `#pragma weft remote|everywhere` functions and for every function
// the file passes by name to weft's remote-call API (SPEC §3.5).
#include "register_functions.hpp"

#include <clang/AST/QualTypeNames.h>
#include <clang/AST/RecursiveASTVisitor.h>

namespace weft::tr {

std::string qualified_name(const clang::NamedDecl* d) {
    std::vector<std::string> parts{d->getNameAsString()};
    for (const clang::DeclContext* dc = d->getDeclContext(); dc; dc = dc->getParent()) {
        if (auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(dc)) {
            if (!ns->isAnonymousNamespace()) parts.push_back(ns->getNameAsString());
        } else if (auto* rd = llvm::dyn_cast<clang::RecordDecl>(dc)) {
            parts.push_back(rd->getNameAsString());
        }
    }
    std::string out;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += (out.empty() ? "" : "::") + *it;
    return out;
}

namespace {

bool is_overloaded(const clang::FunctionDecl* fd) {
    const clang::DeclContext* dc = fd->getDeclContext()->getRedeclContext();
    std::set<const clang::Decl*> distinct;
    for (const clang::NamedDecl* nd : dc->lookup(fd->getDeclName())) {
        nd = nd->getUnderlyingDecl();
        if (llvm::isa<clang::FunctionDecl, clang::FunctionTemplateDecl>(nd)) distinct.insert(nd->getCanonicalDecl());
    }
    return distinct.size() > 1;
}

std::string identifier_from(const std::string& s) {
    std::string out = "weft_fn_";
    for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
}

bool registrable(const clang::FunctionDecl* fd) {
    if (!fd || fd->getBuiltinID() || fd->isInStdNamespace() || is_weft_decl(fd) || fd->isDependentContext()) return false;
    if (auto* md = llvm::dyn_cast<clang::CXXMethodDecl>(fd)) return md->isStatic();
    return fd->getIdentifier() != nullptr;
}

const char* const kRemoteApi[] = {"remotecall", "remotecall_fetch", "remotecall_wait", "remote_do",
                                  "spawnat", "fetchfrom", "pmap", "distributed_for",
                                  "distributed_reduce", "everywhere", "remote"};

bool is_remote_api(llvm::StringRef name) {
    if (name.starts_with("distributed_")) return true;
    for (const char* n : kRemoteApi)
        if (name == n) return true;
    return false;
}

class PassedFunctions : public clang::RecursiveASTVisitor<PassedFunctions> {
  public:
    explicit PassedFunctions(Translation& t) : t_(t) {}
    bool shouldVisitTemplateInstantiations() const { return false; }

    bool TraverseDecl(clang::Decl* d) {
        if (d && !llvm::isa<clang::TranslationUnitDecl>(d)) {
            clang::SourceLocation l = t_.sm.getExpansionLoc(d->getLocation());
            if (l.isValid() && !t_.sm.isInMainFile(l)) return true;
        }
        return RecursiveASTVisitor::TraverseDecl(d);
    }

    bool VisitCallExpr(clang::CallExpr* e) {
        bool api = false;
        if (auto* fd = e->getDirectCallee()) {
            api = fd->getIdentifier() && is_remote_api(fd->getName()) && is_weft_decl(fd);
        } else if (auto* ule = llvm::dyn_cast<clang::UnresolvedLookupExpr>(e->getCallee()->IgnoreParenImpCasts())) {
            auto* q = ule->getQualifier();
            auto* ns = q ? q->getAsNamespace() : nullptr;
            api = ns && ns->getName() == "weft" && is_remote_api(ule->getName().getAsString());
        }
        if (api)
            for (const clang::Expr* a : e->arguments()) passed(a);
        return true;
    }

    bool VisitCXXConstructExpr(clang::CXXConstructExpr* e) {
        if (is_weft_type(e->getType(), "RemoteChannel"))
            for (const clang::Expr* a : e->arguments()) passed(a);
        return true;
    }

  private:
    void passed(const clang::Expr* a) {
        if (!a) return;
        a = a->IgnoreParenImpCasts();
        if (auto* uo = llvm::dyn_cast<clang::UnaryOperator>(a); uo && uo->getOpcode() == clang::UO_AddrOf)
            a = uo->getSubExpr()->IgnoreParenImpCasts();
        if (auto* dre = llvm::dyn_cast<clang::DeclRefExpr>(a))
            if (auto* fd = llvm::dyn_cast<clang::FunctionDecl>(dre->getDecl()))
                if (registrable(fd)) t_.register_function(fd);
    }
    Translation& t_;
};

}  // namespace

void Translation::register_function(const clang::FunctionDecl* fd) {
    if (!registered.insert(fd->getCanonicalDecl()).second) return;
    std::string name = qualified_name(fd);
    bool specialization = fd->getTemplateSpecializationInfo() != nullptr;
    if (!specialization && !is_overloaded(fd)) {
        registrations.push_back("WEFT_REMOTE(" + name + ")");
        return;
    }
    clang::PrintingPolicy pp(lo);
    pp.SuppressUnwrittenScope = true;
    pp.SuppressTagKeyword = true;
    std::string ref = name;
    if (specialization) {
        std::string full;
        llvm::raw_string_ostream os(full);
        fd->getNameForDiagnostic(os, pp, /*Qualified=*/false);
        os.flush();
        size_t lt = full.find('<');
        if (lt != std::string::npos) ref += full.substr(lt);
    }
    std::string fnptr =
        clang::TypeName::getFullyQualifiedName(ctx.getPointerType(fd->getType()), ctx, pp, false);
    registrations.push_back("WEFT_REMOTE_AS(" + identifier_from(ref + "_" + fnptr) +
                            ", static_cast<" + fnptr + ">(&" + ref + "))");
}

void register_passed_functions(Translation& t) {
    PassedFunctions v(t);
    v.TraverseDecl(t.ctx.getTranslationUnitDecl());
}

}  // namespace weft::tr
