// statement_shape.cpp — see statement_shape.hpp.
#include "statement_shape.hpp"

#include "diagnostics.hpp"

namespace weft::tr {

StatementShape statement_shape(Translation& t, const Pragma& p, const clang::Stmt* s, bool& reported) {
    StatementShape out;
    reported = false;
    if (auto* ds = llvm::dyn_cast<clang::DeclStmt>(s)) {
        auto* vd = ds->isSingleDecl() ? llvm::dyn_cast<clang::VarDecl>(ds->getSingleDecl()) : nullptr;
        if (!vd || !vd->hasInit()) {
            report(t.diags, s->getBeginLoc(), Diag::OneVariable) << p.spelling;
            reported = true;
            return out;
        }
        if (vd->getInitStyle() != clang::VarDecl::CInit) {
            report(t.diags, vd->getLocation(), Diag::InitStyle) << p.spelling;
            reported = true;
            return out;
        }
        out.kind = StatementShape::Declaration;
        out.var = vd;
        out.value = vd->getInit();
        return out;
    }
    if (auto* e = llvm::dyn_cast<clang::Expr>(s)) {
        const clang::Expr* inner = e->IgnoreImplicit();
        if (auto* bo = llvm::dyn_cast<clang::BinaryOperator>(inner); bo && bo->getOpcode() == clang::BO_Assign) {
            out.kind = StatementShape::Assignment;
            out.lhs = bo->getLHS();
            out.value = bo->getRHS();
            return out;
        }
        if (auto* oc = llvm::dyn_cast<clang::CXXOperatorCallExpr>(inner);
            oc && oc->getOperator() == clang::OO_Equal && oc->getNumArgs() == 2) {
            out.kind = StatementShape::Assignment;
            out.lhs = oc->getArg(0);
            out.value = oc->getArg(1);
            return out;
        }
        out.kind = StatementShape::Expression;
        out.value = e;
        return out;
    }
    return out;
}

bool require_auto(Translation& t, const Pragma& p, const clang::VarDecl* var, const char* becomes) {
    clang::TypeSourceInfo* tsi = var->getTypeSourceInfo();
    clang::QualType written = tsi ? tsi->getType() : var->getType();
    if (auto* at = written->getContainedAutoType(); at && !written->isReferenceType() && !written->isPointerType() &&
                                                    !at->isDecltypeAuto())
        return true;
    auto d = report(t.diags, var->getLocation(), Diag::NeedsAuto) << p.spelling << becomes;
    if (tsi) {
        clang::SourceRange r = tsi->getTypeLoc().getSourceRange();
        if (r.isValid() && !r.getBegin().isMacroID() && !r.getEnd().isMacroID())
            d << clang::FixItHint::CreateReplacement(r, "auto");
    }
    return false;
}

std::string braced_if_needed(const Site& s, const std::string& text) {
    return s.in_compound ? text : "{ " + text + " }";
}

}  // namespace weft::tr
