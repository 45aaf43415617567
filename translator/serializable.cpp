// serializable.cpp — the translator's version of cereal's rules, so that a capture that
// cannot be sent is reported at the pragma, naming the variable and its type; and the
// generated `serialize` for the file's aggregate structs.
#include "serializable.hpp"

#include "diagnostics.hpp"

#include <clang/AST/DeclTemplate.h>

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
        if (rd->isLambda()) {
            why = ": a lambda cannot be sent; use a named function";
            return false;
        }
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
