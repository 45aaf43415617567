// action.cpp — one file's translation, in order: (1) the pragma handler records the
// pragmas while clang parses; (2) each is attached to the statement or function after it;
// (3) the rewrites run, innermost statements first so an outer one copies their result;
// (4) functions passed to the remote-call API are registered; (5) the output is assembled.
#include "action.hpp"

#include "attach.hpp"
#include "capture_analysis.hpp"
#include "pragma_parser.hpp"
#include "register_functions.hpp"

#include <clang/AST/ASTConsumer.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Lex/Preprocessor.h>
#include <clang/Sema/SemaConsumer.h>

namespace weft::tr {

namespace {

void dispatch(Translation& t, const Site& s) {
    switch (s.pragma->kind) {
#define WEFT_DIRECTIVE(Id, Spelling, Arg, AppliesTo, Rewrite) \
    case DirectiveKind::Id: Rewrite(t, s); break;
#include "directives.def"
    }
}

/// Records the variable a spawn or async declaration turns into a Future or Task.
void note_retyped(Translation& t, const Site& s) {
    auto* ds = llvm::dyn_cast_or_null<clang::DeclStmt>(s.stmt);
    if (!ds || !ds->isSingleDecl()) return;
    auto* vd = llvm::dyn_cast<clang::VarDecl>(ds->getSingleDecl());
    if (!vd) return;
    switch (s.pragma->kind) {
    case DirectiveKind::Spawn:
    case DirectiveKind::SpawnAt: t.retyped[vd] = "weft::Future"; break;
    case DirectiveKind::Async: t.retyped[vd] = "weft::Task"; break;
    default: break;
    }
}

unsigned extent(Translation& t, const Site& s) {
    if (!s.stmt) return 0;
    clang::SourceLocation b = t.sm.getExpansionLoc(s.stmt->getBeginLoc());
    clang::SourceLocation e = t.sm.getExpansionLoc(s.stmt->getEndLoc());
    unsigned ob = t.sm.getFileOffset(b), oe = t.sm.getFileOffset(e);
    return oe >= ob ? oe - ob : 0;
}

class WeftConsumer : public clang::SemaConsumer {
  public:
    WeftConsumer(ToolState& state, std::vector<Pragma>& pragmas, const unsigned& pragma_errors, std::string file)
        : state_(state), pragmas_(pragmas), pragma_errors_(pragma_errors), file_(std::move(file)) {}

    void InitializeSema(clang::Sema& sema) override { sema_ = &sema; }
    void ForgetSema() override { sema_ = nullptr; }

    // The bodies of functions outside the main file are not parsed (SkipFunctionBodies is
    // on, WeftAction): the translator rewrites the main file and needs only the headers'
    // declarations. Parsing <weft/weft.hpp> and the standard library takes half the time
    // (Sema still parses the bodies it needs: constexpr ones and those with a deduced
    // return type). An error inside a header's function is left to the compiler.
    bool shouldSkipFunctionBody(clang::Decl* d) override {
        const clang::SourceManager& sm = d->getASTContext().getSourceManager();
        return !sm.isInMainFile(sm.getExpansionLoc(d->getLocation()));
    }

    void HandleTranslationUnit(clang::ASTContext& ctx) override {
        clang::SourceManager& sm = ctx.getSourceManager();
        FileResult& result = state_.results[file_];
        for (auto it = sm.fileinfo_begin(); it != sm.fileinfo_end(); ++it)
            result.depends.push_back(it->first.getName().str());
        // The file does not compile: clang said why. (Errors in pragmas do not stop the
        // other checks, so that one run reports them all.)
        if (ctx.getDiagnostics().getNumErrors() > pragma_errors_) return;
        bool pragma_errors = pragma_errors_ > 0;

        clang::FileID main = sm.getMainFileID();
        if (pragmas_.empty() && !pragma_errors) {  // nothing to translate: byte for byte
            result.output = sm.getBufferData(main).str();
            result.done = true;
            return;
        }
        auto name = state_.display_names.find(file_);
        Rewriter rw(sm, ctx.getLangOpts());
        Translation t(ctx, rw, state_.opts, name != state_.display_names.end() ? name->second : file_);
        t.sema = sema_;
        // The parent map (getParents) and the whole-AST traversals see the main file's
        // top-level declarations only: the headers are most of the AST (<weft/weft.hpp>
        // brings the standard library), and from a precompiled header every declaration
        // would be read back for them. noload_decls: the precompiled ones stay unread.
        std::vector<clang::Decl*> scope;
        for (clang::Decl* d : ctx.getTranslationUnitDecl()->noload_decls())
            if (!d->isFromASTFile() && sm.isInMainFile(sm.getExpansionLoc(d->getLocation()))) scope.push_back(d);
        ctx.setTraversalScope(scope);

        attach_pragmas(t, pragmas_);
        for (const Pragma& p : pragmas_) rw.InsertTextBefore(p.hash_loc, "// ");
        for (const Site& s : t.sites) note_retyped(t, s);
        // Source order (so diagnostics come in order), except that a rewrite that copies
        // its statement's text waits until the pragmas nested in it are done.
        // A statement holds another pragma's statement when the first statement that
        // starts after its own start (in offset order) starts before its end.
        std::vector<unsigned> starts;
        for (const Site& o : t.sites)
            if (o.stmt) starts.push_back(t.sm.getFileOffset(t.sm.getExpansionLoc(o.stmt->getBeginLoc())));
        std::sort(starts.begin(), starts.end());
        std::vector<Site> outer;
        for (const Site& s : t.sites) {
            bool copies = s.stmt && s.pragma->kind != DirectiveKind::Sync && s.pragma->kind != DirectiveKind::Async &&
                          s.pragma->kind != DirectiveKind::Threads;
            bool nests = false;
            if (copies) {
                unsigned b = t.sm.getFileOffset(t.sm.getExpansionLoc(s.stmt->getBeginLoc()));
                auto next = std::upper_bound(starts.begin(), starts.end(), b);
                nests = next != starts.end() && inside(t, t.sm.getComposedLoc(t.sm.getMainFileID(), *next), s.stmt);
            }
            if (nests) outer.push_back(s);
            else dispatch(t, s);
        }
        std::stable_sort(outer.begin(), outer.end(),
                         [&](const Site& a, const Site& b) { return extent(t, a) < extent(t, b); });
        for (const Site& s : outer) dispatch(t, s);
        register_passed_functions(t);
        if (ctx.getDiagnostics().hasErrorOccurred()) return;

        std::string out = "#include <weft/weft.hpp>\n";
        if (state_.opts.line_directives) out += t.line_directive(1).substr(1);
        const clang::RewriteBuffer* buf = rw.getRewriteBufferFor(main);
        out += buf ? std::string(buf->begin(), buf->end()) : sm.getBufferData(main).str();
        if (!t.registrations.empty()) {
            if (!out.empty() && out.back() != '\n') out += '\n';
            out += "// weft-translate: functions registered for remote calls\n";
            for (const std::string& r : t.registrations) out += r + "\n";
        }
        result.output = std::move(out);
        result.done = true;
    }

  private:
    ToolState& state_;
    std::vector<Pragma>& pragmas_;
    const unsigned& pragma_errors_;
    std::string file_;
    clang::Sema* sema_ = nullptr;
};

class WeftAction : public clang::ASTFrontendAction {
  public:
    explicit WeftAction(ToolState& state) : state_(state) {}

    bool BeginSourceFileAction(clang::CompilerInstance& ci) override {
        ci.getFrontendOpts().SkipFunctionBodies = true;  // outside the main file (WeftConsumer)
        ci.getPreprocessor().AddPragmaHandler(new WeftPragmaHandler(pragmas_, pragma_errors_));
        ci.getPreprocessor().AddPragmaHandler(new NearWeftPragmaHandler());
        return true;
    }
    std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance&, llvm::StringRef file) override {
        return std::make_unique<WeftConsumer>(state_, pragmas_, pragma_errors_, file.str());
    }

  private:
    ToolState& state_;
    std::vector<Pragma> pragmas_;
    unsigned pragma_errors_ = 0;
};

class Factory : public clang::tooling::FrontendActionFactory {
  public:
    explicit Factory(ToolState& state) : state_(state) {}
    std::unique_ptr<clang::FrontendAction> create() override { return std::make_unique<WeftAction>(state_); }

  private:
    ToolState& state_;
};

}  // namespace

std::unique_ptr<clang::tooling::FrontendActionFactory> make_action_factory(ToolState& state) {
    return std::make_unique<Factory>(state);
}

}  // namespace weft::tr
