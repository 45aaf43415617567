// loop_shape.cpp — see loop_shape.hpp.
#include "loop_shape.hpp"

#include "capture_analysis.hpp"
#include "diagnostics.hpp"
#include "reductions.hpp"

#include <clang/AST/ParentMapContext.h>
#include <clang/AST/QualTypeNames.h>
#include <clang/AST/RecursiveASTVisitor.h>

#include <cstring>

namespace weft::tr {

namespace {

const clang::VarDecl* var_of(const clang::Expr* e) {
    if (!e) return nullptr;
    if (auto* dre = llvm::dyn_cast<clang::DeclRefExpr>(e->IgnoreParenImpCasts()))
        return llvm::dyn_cast<clang::VarDecl>(dre->getDecl());
    return nullptr;
}

/// The first place `body` assigns, increments or decrements `var`.
class ModifiesVar : public clang::RecursiveASTVisitor<ModifiesVar> {
  public:
    explicit ModifiesVar(const clang::VarDecl* var) : var_(var) {}
    bool VisitBinaryOperator(clang::BinaryOperator* b) {
        if (b->isAssignmentOp() && var_of(b->getLHS()) == var_) found(b->getOperatorLoc());
        return true;
    }
    bool VisitUnaryOperator(clang::UnaryOperator* u) {
        if (u->isIncrementDecrementOp() && var_of(u->getSubExpr()) == var_) found(u->getOperatorLoc());
        return true;
    }
    clang::SourceLocation where;

  private:
    void found(clang::SourceLocation l) {
        if (where.isInvalid()) where = l;
    }
    const clang::VarDecl* var_;
};

std::string type_text(Translation& t, clang::QualType qt) {
    qt = qt.getNonReferenceType().getUnqualifiedType();
    if (auto* dt = llvm::dyn_cast<clang::DeducedType>(qt.getTypePtr()); dt && dt->isDeduced())
        qt = dt->getDeducedType().getNonReferenceType().getUnqualifiedType();
    clang::PrintingPolicy pp(t.lo);
    pp.SuppressUnwrittenScope = true;
    pp.SuppressTagKeyword = true;
    if (qt->isDependentType()) return qt.getAsString(pp);
    return clang::TypeName::getFullyQualifiedName(qt, t.ctx, pp, /*WithGlobalNsPrefix=*/false);
}

bool is_weft_range_call(const clang::Expr* e) {
    e = e ? e->IgnoreImplicit() : nullptr;
    while (auto* c = llvm::dyn_cast_or_null<clang::CXXConstructExpr>(e)) {
        if (c->getNumArgs() != 1) break;
        e = c->getArg(0)->IgnoreImplicit();
    }
    auto* call = llvm::dyn_cast_or_null<clang::CallExpr>(e);
    if (!call) return false;
    auto* fd = call->getDirectCallee();
    return fd && fd->getName() == "range" && is_weft_decl(fd);
}

bool body_ok(Translation& t, const Pragma& p, const clang::VarDecl* var, const clang::Stmt* body,
             std::vector<const clang::ContinueStmt*>& continues) {
    ModifiesVar m(var);
    m.TraverseStmt(const_cast<clang::Stmt*>(body));
    bool ok = true;
    if (m.where.isValid()) {
        report(t.diags, m.where, Diag::LoopVarModified) << var->getName() << p.spelling;
        ok = false;
    }
    ok &= check_jumps(t, p, body, /*loop_body=*/true, &continues);
    return ok;
}

}  // namespace

bool loop_shape(Translation& t, const Pragma& p, const clang::Stmt* s, bool allow_step, bool allow_range,
                LoopShape& out) {
    const char* also = allow_range ? " or a range-for over 'weft::range(first, last, step)'" : "";
    if (allow_range) {
        if (auto* rf = llvm::dyn_cast<clang::CXXForRangeStmt>(s)) {
            const clang::Expr* init = rf->getRangeInit();
            clang::CharSourceRange r = init ? t.expr_range(init) : clang::CharSourceRange();
            if (!is_weft_range_call(init) || r.isInvalid()) {
                report(t.diags, init ? init->getBeginLoc() : s->getBeginLoc(), Diag::LoopNotFor) << p.spelling << also;
                return false;
            }
            out.var = rf->getLoopVariable();
            out.type = type_text(t, out.var->getType());
            out.range = t.text(r);
            out.body = rf->getBody();
            out.body_begin = t.sm.getExpansionLoc(out.body->getBeginLoc());
            return body_ok(t, p, out.var, out.body, out.continues);
        }
    }
    auto* f = llvm::dyn_cast<clang::ForStmt>(s);
    if (!f) {
        report(t.diags, s->getBeginLoc(), Diag::LoopNotFor) << p.spelling << also;
        return false;
    }
    // for (T i = first; ...)
    auto* ds = llvm::dyn_cast_or_null<clang::DeclStmt>(f->getInit());
    auto* vd = ds && ds->isSingleDecl() ? llvm::dyn_cast<clang::VarDecl>(ds->getSingleDecl()) : nullptr;
    if (!vd || !vd->hasInit() || vd->getInitStyle() != clang::VarDecl::CInit) {
        report(t.diags, f->getInit() ? f->getInit()->getBeginLoc() : f->getLParenLoc().getLocWithOffset(1),
               Diag::LoopInit) << p.spelling;
        return false;
    }
    clang::QualType vt = vd->getType();
    if (!vt->isDependentType() && (!vt->isIntegerType() || vt->isBooleanType() || vt->isEnumeralType())) {
        report(t.diags, vd->getLocation(), Diag::LoopIndexType) << vd->getName() << vt << p.spelling;
        return false;
    }
    out.var = vd;
    out.type = type_text(t, vt);
    clang::CharSourceRange first = t.expr_range(vd->getInit());

    // i < last, i <= last, last > i, last >= i
    auto* cond = llvm::dyn_cast_or_null<clang::BinaryOperator>(f->getCond() ? f->getCond()->IgnoreParenImpCasts() : nullptr);
    const clang::Expr* bound = nullptr;
    bool inclusive = false;
    if (cond) {
        auto op = cond->getOpcode();
        if ((op == clang::BO_LT || op == clang::BO_LE) && var_of(cond->getLHS()) == vd) {
            bound = cond->getRHS();
            inclusive = op == clang::BO_LE;
        } else if ((op == clang::BO_GT || op == clang::BO_GE) && var_of(cond->getRHS()) == vd) {
            bound = cond->getLHS();
            inclusive = op == clang::BO_GE;
        }
    }
    if (!bound) {
        clang::SourceLocation at = f->getCond() ? f->getCond()->getBeginLoc() : f->getLParenLoc();
        report(t.diags, at, Diag::LoopCondition) << p.spelling << vd->getName();
        return false;
    }
    clang::CharSourceRange last = t.expr_range(bound);

    // ++i, i++, i += 1 (or i += step)
    const clang::Expr* inc = f->getInc() ? f->getInc()->IgnoreParenImpCasts() : nullptr;
    bool inc_ok = false;
    if (auto* u = llvm::dyn_cast_or_null<clang::UnaryOperator>(inc))
        inc_ok = u->isIncrementOp() && var_of(u->getSubExpr()) == vd;
    if (auto* ca = llvm::dyn_cast_or_null<clang::CompoundAssignOperator>(inc);
        ca && ca->getOpcode() == clang::BO_AddAssign && var_of(ca->getLHS()) == vd) {
        clang::Expr::EvalResult r;
        bool one = ca->getRHS()->EvaluateAsInt(r, t.ctx) && r.Val.getInt() == 1;
        if (one) {
            inc_ok = true;
        } else if (allow_step) {
            clang::CharSourceRange sr = t.expr_range(ca->getRHS());
            if (sr.isValid()) {
                out.step = t.text(sr);
                inc_ok = true;
            }
        }
    }
    if (!inc_ok) {
        std::string name = vd->getName().str();
        std::string forms = "'++" + name + "', '" + name + "++' or '" + name + " += 1'";
        if (allow_step) forms = "'++" + name + "', '" + name + "++' or '" + name + " += step'";
        report(t.diags, f->getInc() ? f->getInc()->getBeginLoc() : f->getRParenLoc(), Diag::LoopIncrement)
            << p.spelling << name << forms;
        return false;
    }
    if (first.isInvalid() || last.isInvalid()) {
        report(t.diags, p.directive_loc, Diag::MacroStatement) << p.spelling;
        return false;
    }
    out.first = t.text(first);
    out.last = inclusive ? "(" + t.text(last) + ") + 1" : t.text(last);
    out.body = f->getBody();
    out.body_begin = t.sm.getExpansionLoc(out.body->getBeginLoc());
    return body_ok(t, p, vd, out.body, out.continues);
}

void rewrite_continues(Translation& t, const LoopShape& loop, const std::string& replacement) {
    for (const clang::ContinueStmt* c : loop.continues) {
        clang::SourceLocation at = c->getContinueLoc();
        if (at.isMacroID()) at = t.sm.getExpansionLoc(at);
        t.rw.ReplaceText(at, static_cast<unsigned>(std::strlen("continue")), replacement);
    }
}

namespace {

/// Every variable named `name` declared in `root`, and whether `region` reads it.
class FindVar : public clang::RecursiveASTVisitor<FindVar> {
  public:
    explicit FindVar(llvm::StringRef name) : name_(name) {}
    bool VisitVarDecl(clang::VarDecl* d) {
        if (d->getName() == name_) decls.push_back(d);
        return true;
    }
    bool VisitDeclRefExpr(clang::DeclRefExpr* e) {
        if (auto* vd = llvm::dyn_cast<clang::VarDecl>(e->getDecl()); vd && vd->getName() == name_ && !used) used = vd;
        return true;
    }
    std::vector<const clang::VarDecl*> decls;
    const clang::VarDecl* used = nullptr;

  private:
    llvm::StringRef name_;
};

const clang::FunctionDecl* enclosing_function(Translation& t, const clang::Stmt* s) {
    clang::DynTypedNodeList parents = t.ctx.getParents(*s);
    while (!parents.empty()) {
        const clang::DynTypedNode& n = parents[0];
        if (auto* fd = n.get<clang::FunctionDecl>()) return fd;
        parents = t.ctx.getParents(n);
    }
    return nullptr;
}

bool is_ident(llvm::StringRef s, bool qualified) {
    if (s.empty()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (qualified && c == ':' && i + 1 < s.size() && s[i + 1] == ':') {
            ++i;
            continue;
        }
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    }
    return !std::isdigit(static_cast<unsigned char>(s[0]));
}

}  // namespace

namespace {

/// One `var` of a reduce clause: declared before the loop, and `op` fits its type.
bool check_reduction_var(Translation& t, const clang::Stmt* loop, const LoopShape& shape, clang::SourceLocation op_loc,
                         clang::SourceLocation var_loc, Reduction& out) {
    if (shape.var && shape.var->getName() == out.var) {
        report(t.diags, var_loc, Diag::ReduceIsLoopVar) << out.var;
        return false;
    }
    // Declared before the loop: in the enclosing function, or a global.
    FindVar in_body(out.var);
    in_body.TraverseStmt(const_cast<clang::Stmt*>(shape.body));
    const clang::VarDecl* decl = in_body.used && !inside(t, in_body.used->getLocation(), loop) ? in_body.used : nullptr;
    if (!decl) {
        FindVar around(out.var);
        if (const clang::FunctionDecl* fd = enclosing_function(t, loop)) around.TraverseDecl(const_cast<clang::FunctionDecl*>(fd));
        for (const clang::VarDecl* d : around.decls)
            if (t.sm.isBeforeInTranslationUnit(d->getLocation(), loop->getBeginLoc())) decl = d;
        if (!decl)
            for (const clang::NamedDecl* nd : t.ctx.getTranslationUnitDecl()->lookup(&t.ctx.Idents.get(out.var)))
                if (auto* vd = llvm::dyn_cast<clang::VarDecl>(nd)) decl = vd;
        if (!decl) {
            report(t.diags, var_loc, Diag::ReduceUndeclared) << out.var;
            return false;
        }
        report(t.diags, var_loc, Diag::ReduceUnused) << out.var;
    }
    out.decl = decl;
    if (!check_reduction_op(t, out.op, op_loc, decl, enclosing_function(t, loop))) return false;

    const std::string gen = "[](const auto& weft_a, const auto& weft_b) { return ";
    const std::string& op = out.op;
    if (op == "+" || op == "-") out.op_object = "std::plus<>{}";
    else if (op == "*") out.op_object = "std::multiplies<>{}";
    else if (op == "&") out.op_object = "std::bit_and<>{}";
    else if (op == "|") out.op_object = "std::bit_or<>{}";
    else if (op == "^") out.op_object = "std::bit_xor<>{}";
    else if (op == "&&") out.op_object = "std::logical_and<>{}";
    else if (op == "||") out.op_object = "std::logical_or<>{}";
    else if (op == "min") out.op_object = gen + "weft_b < weft_a ? weft_b : weft_a; }";
    else if (op == "max") out.op_object = gen + "weft_a < weft_b ? weft_b : weft_a; }";
    else out.op_object = gen + out.op + "(weft_a, weft_b); }";
    return true;
}

}  // namespace

ReductionCode reduction_code(const std::vector<Reduction>& reds) {
    const bool several = reds.size() > 1;
    ReductionCode c;
    std::string aliased;
    for (size_t k = 0; k < reds.size(); ++k) {
        const Reduction& r = reds[k];
        const std::string T = several ? "weft_T" + std::to_string(k) : "weft_T";
        const std::string sep = k ? ", " : "";
        c.aliases += "using " + T + " = std::remove_cvref_t<decltype(" + r.var + ")>; ";
        c.privates += T + " " + r.var + " = " + r.identity(T) + "; ";
        aliased += sep + T;
        c.types += sep + "std::remove_cvref_t<decltype(" + r.var + ")>";
        c.vars += sep + r.var;
    }
    c.result = several ? "std::tuple<" + aliased + ">(" + c.vars + ")" : c.vars;
    return c;
}

std::string Reduction::identity(const std::string& T) const {
    const std::string lim = "std::numeric_limits<" + T + ">::";
    if (op == "+" || op == "-" || op == "|" || op == "^") return T + "(0)";
    if (op == "*") return T + "(1)";
    if (op == "&") return T + "(~" + T + "(0))";
    if (op == "&&") return T + "(true)";
    if (op == "||") return T + "(false)";
    if (op == "min") return "(" + lim + "has_infinity ? " + lim + "infinity() : " + lim + "max())";
    if (op == "max") return "(" + lim + "has_infinity ? -" + lim + "infinity() : " + lim + "lowest())";
    return T + "{}";
}

bool parse_reductions(Translation& t, const Pragma& p, const clang::Stmt* loop, const LoopShape& shape,
                      std::vector<Reduction>& out) {
    bool ok = true;
    struct Seen {
        size_t clause;
        std::string op;
        clang::SourceLocation loc;
    };
    std::map<std::string, Seen> seen;  // variable -> where it was first listed
    size_t clause_index = 0;
    for (const Clause& c : p.clauses) {
        if (c.name != "reduce") continue;
        ++clause_index;
        llvm::StringRef text(c.text);
        // The ':' between op and the variables (not part of a '::' in a qualified function name).
        size_t colon = llvm::StringRef::npos;
        for (size_t i = 0; i < text.size(); ++i) {
            if (text[i] != ':') continue;
            if (i + 1 < text.size() && text[i + 1] == ':') {
                ++i;
                continue;
            }
            colon = i;
        }
        llvm::StringRef op = colon == llvm::StringRef::npos ? "" : text.substr(0, colon).trim();
        llvm::SmallVector<llvm::StringRef, 4> vars;
        if (colon != llvm::StringRef::npos) text.substr(colon + 1).split(vars, ',');
        bool well_formed = !op.empty() && !vars.empty();
        for (llvm::StringRef v : vars) well_formed &= is_ident(v.trim(), false);
        if (!well_formed) {
            report(t.diags, c.text_loc, Diag::BadReduce) << c.text;
            ok = false;
            continue;
        }
        clang::SourceLocation op_loc = c.text_loc.getLocWithOffset(static_cast<int>(text.find(op)));
        for (llvm::StringRef v : vars) {
            Reduction r;
            r.op = op.str();
            r.named = !is_builtin_reduction_op(op);
            r.var = v.trim().str();
            // v is a piece of text: its offset in text is where it starts.
            size_t at = static_cast<size_t>(v.data() - text.data()) + (v.size() - v.ltrim().size());
            clang::SourceLocation var_loc = c.text_loc.getLocWithOffset(static_cast<int>(at));
            auto [it, fresh] = seen.try_emplace(r.var, Seen{clause_index, r.op, var_loc});
            if (!fresh) {
                if (it->second.clause == clause_index)
                    report(t.diags, var_loc, Diag::ReduceListedTwice) << r.var << c.text;
                else
                    report(t.diags, var_loc, Diag::ReduceTwoClauses) << r.var << it->second.op << r.op;
                report(t.diags, it->second.loc, Diag::ReduceFirstListed) << r.var;
                ok = false;
                continue;
            }
            if (!check_reduction_var(t, loop, shape, op_loc, var_loc, r)) {
                ok = false;
                continue;
            }
            out.push_back(std::move(r));
        }
    }
    return ok;
}

}  // namespace weft::tr
