// runtime/stack_traces.cpp — the stack where an exception was thrown inside a remote call,
// and the terminate handler. Why a hook: by the time run_job's catch runs, the throwing
// frames are gone. __cxa_allocate_exception is called for every throw expression (also
// inside libstdc++, e.g. vector::at): ours records the raw return addresses (one
// _Unwind_Backtrace, no allocation) while a TraceScope is open on the thread, keyed by
// the exception object; __cxa_free_exception forgets them. Symbolizing (libbacktrace
// reading the DWARF line tables) happens only when a captured exception is reported.
// ASan intercepts __cxa_throw, not these two, so the hooks work under sanitizers too.
#if defined(WEFT_BACKTRACE_HEADER)
#define BOOST_STACKTRACE_USE_BACKTRACE
#define BOOST_STACKTRACE_BACKTRACE_INCLUDE_FILE WEFT_BACKTRACE_HEADER
#endif
#include "stack_traces.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <boost/stacktrace.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "cluster_state.hpp"
#include "tasks/fiber.hpp"
#include "weft/exceptions.hpp"

namespace weft::rt {
namespace {
constexpr int kSlots = 64;   // exceptions alive at once with a recorded stack
constexpr int kFrames = 48;  // frames kept per stack, innermost first

struct Slot {
    std::atomic<const void*> object{nullptr};
    std::size_t n = 0;
    void* frames[kFrames];
};
Slot g_slots[kSlots];
std::atomic<int> g_live{0};  // slots in use: the free hook scans only when non-zero
thread_local int t_depth = 0;

[[maybe_unused]] void record(const void* object) noexcept {
    for (Slot& s : g_slots) {
        const void* expected = nullptr;
        if (!s.object.compare_exchange_strong(expected, object, std::memory_order_acq_rel)) continue;
        // Skip 1: this function's caller, the allocation hook.
        s.n = boost::stacktrace::safe_dump_to(1, s.frames, sizeof s.frames);
        g_live.fetch_add(1, std::memory_order_relaxed);
        return;
    }
}

[[maybe_unused]] void forget(const void* object) noexcept {
    if (g_live.load(std::memory_order_relaxed) == 0) return;
    for (Slot& s : g_slots) {
        if (s.object.load(std::memory_order_acquire) != object) continue;
        s.object.store(nullptr, std::memory_order_release);
        g_live.fetch_sub(1, std::memory_order_relaxed);
        return;
    }
}

/// Tidies a function name: "f(int) [clone .cold]" is the compiler's split of f, still f
/// for the reader; very long template names are cut.
std::string tidy(std::string name) {
    for (std::size_t at; (at = name.find(" [clone ")) != std::string::npos;) {
        std::size_t end = name.find(']', at);
        name.erase(at, end == std::string::npos ? std::string::npos : end + 1 - at);
    }
    if (name.size() > 240) name = name.substr(0, 237) + "...";
    return name;
}

#if defined(WEFT_BACKTRACE_HEADER)
/// One libbacktrace state for the process (threaded: symbolizing may happen on any thread).
backtrace_state* symbolizer() {
    static backtrace_state* s = backtrace_create_state(nullptr, 1, [](void*, const char*, int) {}, nullptr);
    return s;
}
int on_frame(void* data, std::uintptr_t, const char* file, int line, const char* function) {
    if (!function) return 0;
    std::string f = tidy(boost::core::demangle(function));
    if (file && line > 0) f += " at " + std::string(file) + ":" + std::to_string(line);
    static_cast<std::vector<std::string>*>(data)->push_back(std::move(f));
    return 0;
}
void on_symbol(void* data, std::uintptr_t, const char* symbol, std::uintptr_t, std::uintptr_t) {
    if (symbol) *static_cast<std::string*>(data) = tidy(boost::core::demangle(symbol));
}
#endif

/// "f(int) at /src/a.cpp:12" for the frame whose return address is `ret` (the call is
/// the byte before: a noreturn call may be the last instruction of its function), one
/// entry per inlined function there, innermost first: a closure inlined into the
/// runtime's CallJob::run is still named.
std::vector<std::string> frame_texts(const void* ret) {
    const std::uintptr_t pc = reinterpret_cast<std::uintptr_t>(ret) - 1;
    std::vector<std::string> out;
#if defined(WEFT_BACKTRACE_HEADER)
    if (backtrace_state* st = symbolizer()) {
        backtrace_pcinfo(st, pc, &on_frame, [](void*, const char*, int) {}, &out);
        // The debug info names a function briefly ("f"); the symbol table has the full
        // name ("ns::f(int)"): use it for the function the code belongs to (the last).
        std::string full;
        backtrace_syminfo(st, pc, &on_symbol, [](void*, const char*, int) {}, &full);
        if (!out.empty() && !full.empty()) {
            std::string& f = out.back();
            const std::size_t at = f.rfind(" at ");
            f = full + (at == std::string::npos ? std::string() : f.substr(at));
        }
    }
#endif
    if (out.empty()) {  // no debug info: the symbol table's name (Boost's fallback), or the address
        std::string name = tidy(boost::stacktrace::frame(reinterpret_cast<const void*>(pc)).name());
        if (name.empty()) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%p", ret);
            name = buf;
        }
        out.push_back(std::move(name));
    }
    return out;
}

bool in_weft_headers(const std::string& frame) {
    return frame.find("include/weft/") != std::string::npos || frame.find("weft::detail::") != std::string::npos ||
           frame.find("weft::rt::") != std::string::npos;
}
bool in_standard_library(const std::string& frame) {
    return frame.rfind("std::", 0) == 0 || frame.rfind("__invoke", 0) == 0 || frame.rfind("invoke<", 0) == 0 ||
           frame.find("/c++/") != std::string::npos;
}

/// Keeps the frames from the throw point to the remote call's entry: the runtime's
/// frames outward from the first weft frame that follows the user's code are cut, and so
/// are the std::invoke frames just inside it. Frames inside weft before any user frame
/// (a nested call that failed) stay.
std::vector<std::string> up_to_the_call(std::vector<std::string> frames) {
    bool user_seen = false;
    std::size_t keep = frames.size();
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const std::string& f = frames[i];
        if (in_weft_headers(f)) {
            if (user_seen) {
                keep = i;
                break;
            }
        } else if (!in_standard_library(f)) {
            user_seen = true;
        }
    }
    frames.resize(keep);
    while (user_seen && !frames.empty() && in_standard_library(frames.back())) frames.pop_back();
    return frames;
}

std::string host_name() {
    char h[256] = {};
    if (::gethostname(h, sizeof h - 1) != 0) return "?";
    return h;
}

/// Drops the frames of the terminate machinery above the throw (or rethrow) point.
std::vector<std::string> without_terminate_frames(std::vector<std::string> st) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < st.size() && i < 12; ++i) {
        const std::string& f = st[i];
        if (f.find("__cxa_throw") != std::string::npos || f.find("__cxa_rethrow") != std::string::npos ||
            f.find("rethrow_exception") != std::string::npos || f.find("terminate") != std::string::npos ||
            f.find("__gxx_personality") != std::string::npos)
            start = i + 1;
    }
    st.erase(st.begin(), st.begin() + static_cast<std::ptrdiff_t>(start));
    return st;
}

[[noreturn]] void on_terminate() noexcept {
    static std::atomic<int> entered{0};
    if (entered.fetch_add(1) > 0) std::_Exit(1);  // terminate again while reporting or exiting
    std::string out;
    try {
        const std::string where = "process " + std::to_string(state().myid) + " (host " + host_name() + ", pid " +
                                  std::to_string(::getpid()) + ")";
        std::exception_ptr e = std::current_exception();
        auto stack = without_terminate_frames(current_stack(1));
        if (e) {
            out = "weft: an exception escaped main or a task on " + where + "; the program stops:\n" + describe(e);
            bool remote = false;
            try {
                std::rethrow_exception(e);
            } catch (const RemoteException&) {
                remote = true;  // the report has the call site and the remote stack
            } catch (...) {
            }
            if (!remote && !stack.empty()) {
                out += "  thrown at:\n";
                for (std::size_t i = 0; i < stack.size(); ++i) out += "    #" + std::to_string(i) + " " + stack[i] + "\n";
            }
            out += "  (to handle it, catch it in the caller; weft::describe(e) prints this report)\n";
        } else {
            out = "weft: std::terminate called without an active exception on " + where + ":\n";
            for (std::size_t i = 0; i < stack.size(); ++i) out += "    #" + std::to_string(i) + " " + stack[i] + "\n";
        }
    } catch (...) {
        out = "weft: an exception escaped main or a task; the program stops (no report: it could not be built)\n";
    }
    (void)!::write(2, out.data(), out.size());
    std::fflush(nullptr);
    // On the runtime thread of the master, exit normally: the exit guard tells the workers
    // to leave and relays their last output. Anywhere else, leave at once.
    if (on_runtime_thread() && in_task() && !state().is_worker) std::exit(1);
    std::_Exit(1);
}
}  // namespace

TraceScope::TraceScope() noexcept { ++t_depth; }
TraceScope::~TraceScope() { --t_depth; }

std::vector<std::string> thrown_stack(const void* object) {
    std::vector<std::string> out;
    for (Slot& s : g_slots) {
        if (s.object.load(std::memory_order_acquire) != object) continue;
        for (std::size_t i = 0; i < s.n; ++i)
            for (std::string& f : frame_texts(s.frames[i])) out.push_back(std::move(f));
        return up_to_the_call(std::move(out));
    }
    return out;
}

std::vector<std::string> current_stack(int skip) {
    boost::stacktrace::stacktrace st(static_cast<std::size_t>(skip) + 1, 64);
    std::vector<std::string> out;
    for (const auto& f : st)
        for (std::string& t : frame_texts(f.address())) out.push_back(std::move(t));
    return out;
}

void install_terminate_handler() { std::set_terminate(&on_terminate); }

}  // namespace weft::rt

#if !defined(WEFT_NO_THROW_HOOK)
// The program's definitions take precedence over libstdc++'s (symbol interposition); the
// originals are found with RTLD_NEXT. Not built with -static-libstdc++
// (WEFT_STATIC_LIBSTDCXX), where the two would clash: stacks then start at the handler.
namespace {
template <class F>
F next_symbol(const char* name) {
    void* p = ::dlsym(RTLD_NEXT, name);
    if (!p) {
        static const char msg[] = "weft: cannot find libstdc++'s exception allocator (RTLD_NEXT)\n";
        (void)!::write(2, msg, sizeof msg - 1);
        std::abort();
    }
    return reinterpret_cast<F>(p);
}
}  // namespace

extern "C" void* __cxa_allocate_exception(std::size_t size) noexcept {
    using Alloc = void* (*)(std::size_t) noexcept;
    static const Alloc real = next_symbol<Alloc>("__cxa_allocate_exception");
    void* p = real(size);
    if (weft::rt::t_depth > 0) weft::rt::record(p);
    return p;
}

extern "C" void __cxa_free_exception(void* p) noexcept {
    using Free = void (*)(void*) noexcept;
    static const Free real = next_symbol<Free>("__cxa_free_exception");
    weft::rt::forget(p);
    real(p);
}
#endif
