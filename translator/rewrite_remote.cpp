// rewrite_remote.cpp — `#pragma weft remote` before a function (and `everywhere` before a
// function): registers it for remote calls with WEFT_REMOTE at the end of the file.
#include "diagnostics.hpp"
#include "register_functions.hpp"

namespace weft::tr {

/// Registers the function `d` that the pragma `p` stands before; reports what cannot be.
void register_annotated_function(Translation& t, const Pragma& p, const clang::Decl* d) {
    if (auto* ftd = llvm::dyn_cast<clang::FunctionTemplateDecl>(d)) {
        report(t.diags, ftd->getLocation(), Diag::FunctionTemplate) << p.spelling << ftd;
        return;
    }
    auto* fd = llvm::dyn_cast<clang::FunctionDecl>(d);
    if (!fd) {
        report(t.diags, d->getLocation(), Diag::NotAFunction) << p.spelling << "this declaration";
        return;
    }
    if (auto* md = llvm::dyn_cast<clang::CXXMethodDecl>(fd); md && !md->isStatic()) {
        report(t.diags, fd->getLocation(), Diag::MemberFunction) << p.spelling << ("'" + qualified_name(fd) + "'");
        return;
    }
    if (fd->isDependentContext()) {  // a static member of a class template: one per instantiation
        const auto* rd = llvm::dyn_cast<clang::CXXRecordDecl>(fd->getDeclContext());
        std::string cls = rd ? rd->getNameAsString() : std::string("the template");
        report(t.diags, fd->getLocation(), Diag::TemplateMember)
            << p.spelling << ("'" + qualified_name(fd) + "'") << cls << fd->getNameAsString();
        return;
    }
    if (!fd->getIdentifier()) {  // operators, conversion functions
        report(t.diags, fd->getLocation(), Diag::NotAFunction) << p.spelling << "an operator";
        return;
    }
    t.register_function(fd);
}

void rewrite_remote(Translation& t, const Site& s) { register_annotated_function(t, *s.pragma, s.decl); }

}  // namespace weft::tr
