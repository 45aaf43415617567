// capture_analysis.cpp — walks a statement's DeclRefExprs: locals declared outside it
// become by-value captures (in order of first use), globals are reported unless listed
// in capture(...), `this` is refused, and writes to captures are reported.
#include "capture_analysis.hpp"

#include "diagnostics.hpp"

#include <clang/AST/RecursiveASTVisitor.h>

namespace weft::tr {

bool inside(Translation& t, clang::SourceLocation loc, const clang::Stmt* s) {
    if (loc.isInvalid() || !s) return false;
    clang::SourceLocation l = t.sm.getExpansionLoc(loc);
    clang::SourceLocation b = t.sm.getExpansionLoc(s->getBeginLoc());
    clang::SourceLocation e = t.sm.getExpansionLoc(s->getEndLoc());
    if (t.sm.getFileID(l) != t.sm.getFileID(b)) return false;
    return !t.sm.isBeforeInTranslationUnit(l, b) && !t.sm.isBeforeInTranslationUnit(e, l);
}

namespace {

bool listed(const Pragma& p, llvm::StringRef name) {
    const Clause* c = p.clause("capture");
    if (!c) return false;
    for (auto& n : c->names)
        if (n.first == name) return true;
    return false;
}

/// The variable written by an assignment to `e` (x, x.f, x[i], x[i].f, ...), if any.
const clang::ValueDecl* written_variable(const clang::Expr* e) {
    while (e) {
        e = e->IgnoreParenImpCasts();
        if (auto* dre = llvm::dyn_cast<clang::DeclRefExpr>(e)) return dre->getDecl();
        if (auto* me = llvm::dyn_cast<clang::MemberExpr>(e)) {
            if (me->isArrow()) return nullptr;
            e = me->getBase();
        } else if (auto* ase = llvm::dyn_cast<clang::ArraySubscriptExpr>(e)) {
            e = ase->getBase();
        } else if (auto* oc = llvm::dyn_cast<clang::CXXOperatorCallExpr>(e)) {
            if (oc->getOperator() != clang::OO_Subscript || oc->getNumArgs() < 1) return nullptr;
            e = oc->getArg(0);
        } else {
            return nullptr;
        }
    }
    return nullptr;
}

class CaptureVisitor : public clang::RecursiveASTVisitor<CaptureVisitor> {
  public:
    CaptureVisitor(Translation& t, const Pragma& p, const clang::Stmt* region, CaptureMode mode, CaptureAnalysis& out,
                   const std::set<const clang::ValueDecl*>& own)
        : t_(t), p_(p), region_(region), mode_(mode), out_(out), own_(own) {}

    bool VisitDeclRefExpr(clang::DeclRefExpr* e) {
        const clang::ValueDecl* d = e->getDecl();
        bool local = false;
        if (auto* vd = llvm::dyn_cast<clang::VarDecl>(d)) {
            local = vd->hasLocalStorage();
        } else if (auto* bd = llvm::dyn_cast<clang::BindingDecl>(d)) {
            auto* dd = llvm::dyn_cast_or_null<clang::VarDecl>(bd->getDecomposedDecl());
            local = !dd || dd->hasLocalStorage();
        } else {
            return true;  // functions, enumerators, template parameters
        }
        if (inside(t_, d->getLocation(), region_)) return true;  // declared inside the statement
        if (own_.count(d)) return true;                         // declared by the generated code
        std::string name = d->getNameAsString();
        if (local) {
            // A use that is not an odr-use (a constant, sizeof, decltype) needs no copy.
            if (e->isNonOdrUse() != clang::NOUR_None) return true;
            if (mode_ == CaptureMode::Explicit && !listed(p_, name)) {
                if (reported_.insert(d).second) report(t_.diags, e->getLocation(), Diag::EverywhereLocal) << name;
                out_.ok = false;
                return true;
            }
            add(d, name, e->getLocation(), false);
            return true;
        }
        // A global (or static local / static data member): each process has its own.
        if (listed(p_, name)) {
            add(d, name, e->getLocation(), true);
            return true;
        }
        if (mode_ == CaptureMode::ByValue) {
            clang::QualType ty = d->getType();
            auto* vd = llvm::dyn_cast<clang::VarDecl>(d);
            bool constant = ty.isConstQualified() || (vd && vd->isConstexpr());
            if (!constant && reported_.insert(d).second) report(t_.diags, e->getLocation(), Diag::GlobalRead) << name;
        }
        return true;
    }

    bool VisitCXXThisExpr(clang::CXXThisExpr* e) {
        if (!this_reported_) report(t_.diags, e->getLocation(), Diag::UsesThis) << p_.spelling;
        this_reported_ = true;
        out_.ok = false;
        return true;
    }

    bool VisitBinaryOperator(clang::BinaryOperator* e) {
        if (e->isAssignmentOp()) written(e->getLHS(), e->getOperatorLoc());
        return true;
    }
    bool VisitUnaryOperator(clang::UnaryOperator* e) {
        if (e->isIncrementDecrementOp()) written(e->getSubExpr(), e->getOperatorLoc());
        return true;
    }
    bool VisitCXXOperatorCallExpr(clang::CXXOperatorCallExpr* e) {
        auto op = e->getOperator();
        bool assigns = op == clang::OO_Equal || op == clang::OO_PlusEqual || op == clang::OO_MinusEqual ||
                       op == clang::OO_StarEqual || op == clang::OO_SlashEqual || op == clang::OO_PercentEqual ||
                       op == clang::OO_AmpEqual || op == clang::OO_PipeEqual || op == clang::OO_CaretEqual ||
                       op == clang::OO_LessLessEqual || op == clang::OO_GreaterGreaterEqual ||
                       op == clang::OO_PlusPlus || op == clang::OO_MinusMinus;
        if (assigns && e->getNumArgs() >= 1) written(e->getArg(0), e->getOperatorLoc());
        return true;
    }

    bool VisitCallExpr(clang::CallExpr* e) {
        // weft::fetch(f) on a local Future: `spawn` prefers the process that owns f.
        if (e->getNumArgs() != 1) return true;
        bool is_fetch = false;
        if (auto* fd = e->getDirectCallee())
            is_fetch = fd->getName() == "fetch" && is_weft_decl(fd);
        else if (auto* ule = llvm::dyn_cast<clang::UnresolvedLookupExpr>(e->getCallee()->IgnoreParenImpCasts()))
            is_fetch = ule->getName().getAsString() == "fetch" && ule->getQualifier();
        if (!is_fetch) return true;
        auto* arg = llvm::dyn_cast<clang::DeclRefExpr>(e->getArg(0)->IgnoreParenImpCasts());
        if (!arg) return true;
        auto* vd = llvm::dyn_cast<clang::VarDecl>(arg->getDecl());
        if (!vd || !vd->hasLocalStorage() || inside(t_, vd->getLocation(), region_)) return true;
        clang::QualType ty = vd->getType();
        auto re = t_.retyped.find(vd);
        bool future = re != t_.retyped.end() ? re->second == "weft::Future" : is_weft_type(ty, "Future");
        if (!future && !ty->isDependentType()) return true;
        std::string name = vd->getNameAsString();
        for (auto& f : out_.fetched_futures)
            if (f == name) return true;
        out_.fetched_futures.push_back(name);
        return true;
    }

  private:
    void add(const clang::ValueDecl* d, const std::string& name, clang::SourceLocation use, bool global) {
        for (auto& c : out_.captures)
            if (c.decl == d) return;
        Capture c;
        c.decl = d;
        c.name = name;
        c.type = d->getType();
        c.global = global;
        c.use = use;
        out_.captures.push_back(c);
    }

    void written(const clang::Expr* lhs, clang::SourceLocation loc) {
        if (mode_ != CaptureMode::ByValue) return;
        const clang::ValueDecl* d = written_variable(lhs);
        if (!d || inside(t_, d->getLocation(), region_) || own_.count(d)) return;
        // Writes through a SharedArray or DArray reach the shared data: that is their use.
        if (is_weft_type(d->getType(), "SharedArray") || is_weft_type(d->getType(), "DArray")) return;
        auto* vd = llvm::dyn_cast<clang::VarDecl>(d);
        bool local = vd ? vd->hasLocalStorage() : llvm::isa<clang::BindingDecl>(d);
        if (!local && !listed(p_, d->getName())) return;
        if (assigned_.insert(d).second) report(t_.diags, loc, Diag::AssignCapture) << d->getNameAsString();
    }

    Translation& t_;
    const Pragma& p_;
    const clang::Stmt* region_;
    CaptureMode mode_;
    CaptureAnalysis& out_;
    const std::set<const clang::ValueDecl*>& own_;
    bool this_reported_ = false;
    std::set<const clang::Decl*> reported_, assigned_;
};

/// Walks a statement like Stmt::children(), but not into lambdas, local classes or other
/// function bodies; tracks the loops and switches that a break/continue would stay in.
class JumpChecker {
  public:
    JumpChecker(Translation& t, const Pragma& p, const clang::Stmt* body, bool loop_body,
                std::vector<const clang::ContinueStmt*>* continues)
        : t_(t), p_(p), body_(body), loop_body_(loop_body), continues_(continues) {}

    void walk(const clang::Stmt* s, int loops, int switches) {
        if (!s) return;
        if (llvm::isa<clang::LambdaExpr, clang::BlockExpr>(s)) return;
        if (llvm::isa<clang::ReturnStmt>(s)) fail(s->getBeginLoc(), "return");
        if (llvm::isa<clang::CoreturnStmt>(s)) coroutine(s->getBeginLoc(), "co_return");
        if (llvm::isa<clang::CoawaitExpr, clang::DependentCoawaitExpr>(s)) coroutine(s->getBeginLoc(), "co_await");
        if (llvm::isa<clang::CoyieldExpr>(s)) coroutine(s->getBeginLoc(), "co_yield");
        if (llvm::isa<clang::BreakStmt>(s) && loops == 0 && switches == 0) fail(s->getBeginLoc(), "break");
        if (llvm::isa<clang::ContinueStmt>(s) && loops == 0) {
            if (!loop_body_) fail(s->getBeginLoc(), "continue");
            else if (continues_) continues_->push_back(llvm::cast<clang::ContinueStmt>(s));
        }
        if (auto* g = llvm::dyn_cast<clang::GotoStmt>(s)) {
            const clang::LabelStmt* target = g->getLabel() ? g->getLabel()->getStmt() : nullptr;
            if (!target || !inside(t_, target->getBeginLoc(), body_)) fail(s->getBeginLoc(), "goto");
        }
        if (llvm::isa<clang::IndirectGotoStmt>(s)) fail(s->getBeginLoc(), "goto");
        bool loop = llvm::isa<clang::ForStmt, clang::CXXForRangeStmt, clang::WhileStmt, clang::DoStmt>(s);
        bool sw = llvm::isa<clang::SwitchStmt>(s);
        for (const clang::Stmt* c : s->children()) walk(c, loops + loop, switches + sw);
    }
    bool ok = true;

  private:
    void fail(clang::SourceLocation loc, const char* what) {
        report(t_.diags, loc, Diag::JumpOut) << what << p_.spelling;
        ok = false;
    }
    void coroutine(clang::SourceLocation loc, const char* what) {
        report(t_.diags, loc, Diag::Coroutine) << what << p_.spelling;
        ok = false;
    }
    Translation& t_;
    const Pragma& p_;
    const clang::Stmt* body_;
    bool loop_body_;
    std::vector<const clang::ContinueStmt*>* continues_;
};

}  // namespace

CaptureAnalysis analyze_captures(Translation& t, const Pragma& p, const clang::Stmt* region, CaptureMode mode,
                                 const std::set<const clang::ValueDecl*>& own) {
    CaptureAnalysis out;
    CaptureVisitor v(t, p, region, mode, out, own);
    v.TraverseStmt(const_cast<clang::Stmt*>(region));
    // capture(x) names a variable the statement never reads: nothing to send.
    if (const Clause* c = p.clause("capture")) {
        for (auto& [name, loc] : c->names) {
            bool used = false;
            for (auto& cap : out.captures) used |= cap.name == name;
            if (!used) report(t.diags, loc, Diag::CaptureUnused) << name;
        }
    }
    return out;
}

bool check_jumps(Translation& t, const Pragma& p, const clang::Stmt* body, bool loop_body,
                 std::vector<const clang::ContinueStmt*>* continues) {
    JumpChecker j(t, p, body, loop_body, continues);
    j.walk(body, 0, 0);
    return j.ok;
}

}  // namespace weft::tr
