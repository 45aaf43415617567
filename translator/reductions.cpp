// reductions.cpp — reduction operators checked at the pragma. A named operator is looked
// up and called with two values of the variable's type through clang's Sema, under a
// SFINAE trap: overload resolution, conversions and access are clang's own, and nothing
// it finds wrong is printed; weft-translate then reports it at the pragma.
#include "reductions.hpp"

#include "diagnostics.hpp"

#include <clang/Sema/Initialization.h>
#include <clang/Sema/Lookup.h>
#include <clang/Sema/Sema.h>

namespace weft::tr {

namespace {

const char* const kArithmeticOps[] = {"+", "-", "*", "&&", "||", "min", "max"};
const char* const kIntegerOps[] = {"&", "|", "^"};

/// Words a user may write for a built-in operator ("plus" -> "+").
const char* builtin_for_word(llvm::StringRef op) {
    static const std::pair<const char*, const char*> words[] = {
        {"plus", "+"}, {"add", "+"}, {"sum", "+"}, {"minus", "-"}, {"sub", "-"},
        {"multiplies", "*"}, {"times", "*"}, {"mul", "*"}, {"mult", "*"}, {"prod", "*"}, {"product", "*"},
        {"and", "&&"}, {"logical_and", "&&"}, {"or", "||"}, {"logical_or", "||"},
        {"bitand", "&"}, {"bit_and", "&"}, {"bitor", "|"}, {"bit_or", "|"}, {"xor", "^"}, {"bit_xor", "^"},
        {"minimum", "min"}, {"fmin", "min"}, {"maximum", "max"}, {"fmax", "max"}};
    for (const auto& [word, builtin] : words)
        if (op.equals_insensitive(word)) return builtin;
    return nullptr;
}

bool is_qualified_ident(llvm::StringRef s) {
    if (s.empty()) return false;
    llvm::SmallVector<llvm::StringRef, 4> parts;
    s.split(parts, "::");
    for (llvm::StringRef p : parts) {
        if (p.empty() || std::isdigit(static_cast<unsigned char>(p[0]))) return false;
        for (char c : p)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    }
    return true;
}

/// The namespace or class `name` names, seen from `dc` outwards (or inside `dc` only).
clang::DeclContext* find_scope(clang::Sema& S, clang::DeclContext* dc, llvm::StringRef name, bool outwards) {
    for (; dc; dc = outwards ? dc->getParent() : nullptr) {
        if (!dc->isFileContext() && !dc->isRecord()) continue;
        clang::LookupResult R(S, clang::DeclarationNameInfo(&S.Context.Idents.get(name), {}),
                              clang::Sema::LookupNestedNameSpecifierName);
        S.LookupQualifiedName(R, dc);
        for (clang::NamedDecl* nd : R) {
            nd = nd->getUnderlyingDecl();
            if (auto* alias = llvm::dyn_cast<clang::NamespaceAliasDecl>(nd)) return alias->getNamespace();
            if (auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(nd)) return ns;
            if (auto* rd = llvm::dyn_cast<clang::CXXRecordDecl>(nd)) return rd->getDefinition();
        }
    }
    return nullptr;
}

/// Looks `op` up as the generated lambda would see it from `fn`; fills `R`.
void lookup_op(clang::Sema& S, llvm::StringRef op, const clang::FunctionDecl* fn, clang::QualType T,
               clang::LookupResult& R) {
    llvm::SmallVector<llvm::StringRef, 4> parts;
    op.split(parts, "::");
    clang::DeclContext* start = fn ? const_cast<clang::DeclContext*>(fn->getDeclContext())
                                   : S.Context.getTranslationUnitDecl();
    clang::DeclContext* dc = start;
    bool qualified = parts.size() > 1;
    for (size_t i = 0; qualified && i + 1 < parts.size(); ++i) {
        dc = parts[i].empty() && i == 0 ? S.Context.getTranslationUnitDecl()
                                        : find_scope(S, dc, parts[i], /*outwards=*/i == 0);
        if (!dc) return;
    }
    for (; dc; dc = qualified ? nullptr : dc->getParent()) {
        if (!dc->isFileContext() && !dc->isRecord()) continue;
        S.LookupQualifiedName(R, dc);
        if (!R.empty()) return;
    }
    // Argument-dependent lookup's main case: a function beside the variable's type.
    if (!qualified)
        if (const clang::TagDecl* td = T->getAsTagDecl())
            S.LookupQualifiedName(R, const_cast<clang::DeclContext*>(td->getDeclContext()->getEnclosingNamespaceContext()));
}

/// For a class type and + - * && ||: does `a op b` of two const T work, convert back to
/// T, and does T(1) exist? (The identity is built as T(0), T(1) or T(true); trying 1
/// leaves out types made from a null pointer, such as std::string.)
bool class_supports(clang::Sema& S, clang::QualType T, llvm::StringRef op, clang::SourceLocation loc) {
    clang::BinaryOperatorKind kind = op == "*"    ? clang::BO_Mul
                                     : op == "&&" ? clang::BO_LAnd
                                     : op == "||" ? clang::BO_LOr
                                                  : clang::BO_Add;
    clang::Sema::SFINAETrap trap(S, /*AccessCheckingSFINAE=*/true);
    clang::OpaqueValueExpr a(loc, T.withConst(), clang::VK_LValue), b(loc, T.withConst(), clang::VK_LValue);
    clang::ExprResult r = S.BuildBinOp(nullptr, loc, kind, &a, &b);
    if (r.isInvalid() || trap.hasErrorOccurred()) return false;
    clang::Expr* result = r.get();
    clang::InitializationSequence back(S, clang::InitializedEntity::InitializeTemporary(T),
                                       clang::InitializationKind::CreateCopy(loc, loc), result);
    clang::Expr* one = clang::IntegerLiteral::Create(S.Context, llvm::APInt(32, 1), S.Context.IntTy, loc);
    clang::InitializationSequence identity(S, clang::InitializedEntity::InitializeTemporary(T),
                                           clang::InitializationKind::CreateDirect(loc, loc, loc), one);
    return !back.Failed() && !identity.Failed() && !trap.hasErrorOccurred();
}

}  // namespace

bool is_builtin_reduction_op(llvm::StringRef op) {
    for (const char* o : kArithmeticOps)
        if (op == o) return true;
    for (const char* o : kIntegerOps)
        if (op == o) return true;
    return false;
}

bool check_reduction_op(Translation& t, llvm::StringRef op, clang::SourceLocation op_loc, const clang::VarDecl* var,
                        const clang::FunctionDecl* fn) {
    clang::QualType T = var->getType().getNonReferenceType().getUnqualifiedType();
    if (T->isDependentType() || T->isUndeducedType()) return true;
    clang::CharSourceRange op_range = clang::CharSourceRange::getCharRange(op_loc, op_loc.getLocWithOffset(op.size()));
    clang::PrintingPolicy pp(t.lo);
    pp.SuppressTagKeyword = true;
    const std::string type = T.getAsString(pp);
    const std::string name = var->getName().str();

    for (const char* o : kIntegerOps)
        if (op == o && !T->isIntegralOrUnscopedEnumerationType()) {
            report(t.diags, op_loc, Diag::ReduceOpType) << op << "a variable of integer type" << name << type;
            return false;
        }
    if ((op == "min" || op == "max") && !T->isArithmeticType()) {
        report(t.diags, op_loc, Diag::ReduceOpType) << op << "a variable of arithmetic type" << name << type;
        return false;
    }
    for (const char* o : kArithmeticOps)
        if (op == o && !T->isArithmeticType() && !(t.sema && T->isRecordType() && class_supports(*t.sema, T, op, op_loc))) {
            report(t.diags, op_loc, Diag::ReduceOpType)
                << op
                << ("a variable of arithmetic type, or of a class with 'operator" + op.str() +
                    "' and a constructor from an integer")
                << name << type;
            return false;
        }
    // Inside a template the name may be found only at instantiation: the compiler checks it.
    if (is_builtin_reduction_op(op) || !t.sema || (fn && fn->isDependentContext())) return true;

    clang::Sema& S = *t.sema;
    bool found = false, callable = false;
    if (is_qualified_ident(op)) {
        llvm::StringRef last = op.rsplit("::").second.empty() ? op : op.rsplit("::").second;
        clang::LookupResult R(S, clang::DeclarationNameInfo(&t.ctx.Idents.get(last), op_loc),
                              clang::Sema::LookupOrdinaryName);
        lookup_op(S, op, fn, T, R);
        found = !R.empty();
        if (found) {
            clang::Sema::SFINAETrap trap(S, /*AccessCheckingSFINAE=*/true);
            bool typo_correction = S.DisableTypoCorrection;
            S.DisableTypoCorrection = true;
            clang::QualType arg_type = T.withConst();
            clang::OpaqueValueExpr a(op_loc, arg_type, clang::VK_LValue), b(op_loc, arg_type, clang::VK_LValue);
            clang::ExprResult callee = S.BuildDeclarationNameExpr(clang::CXXScopeSpec(), R, /*NeedsADL=*/!op.contains("::"));
            if (!callee.isInvalid()) {
                clang::Expr* args[] = {&a, &b};
                clang::ExprResult call = S.BuildCallExpr(nullptr, callee.get(), op_loc, args, op_loc);
                if (!call.isInvalid() && !trap.hasErrorOccurred()) {
                    clang::Expr* result = call.get();
                    clang::InitializedEntity to = clang::InitializedEntity::InitializeTemporary(T);
                    clang::InitializationKind how = clang::InitializationKind::CreateCopy(op_loc, op_loc);
                    clang::InitializationSequence seq(S, to, how, result);
                    callable = !seq.Failed() && !trap.hasErrorOccurred();
                }
            }
            S.DisableTypoCorrection = typo_correction;
        }
    }
    if (callable) return true;
    if (found) {
        report(t.diags, op_loc, Diag::ReduceNotCallable) << op << T << name;
        return false;
    }
    if (const char* builtin = builtin_for_word(op))
        report(t.diags, op_loc, Diag::ReduceUnknownOpSuggest)
            << op << T << builtin << clang::FixItHint::CreateReplacement(op_range, builtin);
    else
        report(t.diags, op_loc, Diag::ReduceUnknownOp) << op << T;
    return false;
}

}  // namespace weft::tr
