// weft/call_site.hpp — CallSite: where in the user's source a remote call, spawn, pmap or
// distributed loop was made, so that its error can say so. Captured for free by a
// defaulted argument (std::source_location), or given by translated pragmas.
#pragma once
#include <cstdint>
#include <source_location>
#include <string>

namespace weft {

/// A place in the user's source: file, line, column and the enclosing function (or, for
/// code the translator generated, the directive, e.g. "#pragma weft spawn"). Cheap to
/// copy (two pointers to static strings, two numbers). Every weft call that can fail on
/// another process takes one as a defaulted argument, so it is captured at the caller:
///   auto f = weft::remotecall(parse, 2, line);   // site = this line
///   weft::RemoteException e ...; e.call_site().str()  // "main.cpp:12:14"
/// Thread-safe (immutable).
struct CallSite {
    const char* file = nullptr;      ///< null: unknown
    std::uint_least32_t line = 0;
    std::uint_least32_t column = 0;  ///< 0: unknown
    const char* function = nullptr;  ///< enclosing function or directive; may be null

    /// The caller's location (used as a defaulted argument).
    constexpr CallSite(std::source_location l = std::source_location::current()) noexcept
        : file(l.file_name()), line(l.line()), column(l.column()), function(l.function_name()) {}
    /// An explicit location (the translator passes the pragma's coordinates).
    constexpr CallSite(const char* f, std::uint_least32_t ln, std::uint_least32_t col, const char* fn = nullptr) noexcept
        : file(f), line(ln), column(col), function(fn) {}

    bool known() const noexcept { return file && *file && line; }
    /// "path/file.cpp:12:5" ("" when unknown); `short_name` keeps only the file name.
    std::string str(bool short_name = false) const;
};

namespace detail {
/// The process argument of remotecall & co.: a process id, converted implicitly from an
/// int, plus the caller's location captured by that conversion. The translator passes
/// both: `weft::detail::ProcAt(p, {"a.cpp", 12, 5, "#pragma weft spawn"})`.
struct ProcAt {
    int pid;
    CallSite site;
    ProcAt(int p, CallSite s = {}) noexcept : pid(p), site(s) {}  // NOLINT: implicit on purpose
};
}  // namespace detail
}  // namespace weft
