// reductions.hpp — the check of one `op:var` item of a `reduce` clause (threads and
// distributed), done at the pragma as OpenMP does, so that the generated code compiles.
#pragma once

#include "translator.hpp"

namespace weft::tr {

/// Checks the reduction operator `op` (written at `op_loc`) for the variable `var` of a
/// loop in function `fn`: one of + - * && || on an arithmetic type (or a class type with
/// that operator and a constructor from an integer, such as std::complex), min max on an
/// arithmetic type, & | ^ on an integer type, or the name of a function (found from
/// `fn` or by argument-dependent lookup) callable with two const values of var's type,
/// returning a value that converts to it. Reports at `op_loc` in OpenMP's wording and returns false otherwise. A variable
/// of a dependent type, or a function named in a template, is left to the compiler.
bool check_reduction_op(Translation& t, llvm::StringRef op, clang::SourceLocation op_loc, const clang::VarDecl* var,
                        const clang::FunctionDecl* fn);

/// Is `op` one of the built-in reduction operators?
bool is_builtin_reduction_op(llvm::StringRef op);

}  // namespace weft::tr
