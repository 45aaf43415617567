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

/// "f(int) at /src/a.cpp:12" for the frame whose return address is `ret` (the call is
/// the byte before: a noreturn call may be the last instruction of its function).
std::string frame_text(const void* ret) {
    boost::stacktrace::frame f(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(ret) - 1));
    std::string name = f.name();
    if (name.empty()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%p", ret);
        name = buf;
    }
    // "f(int) [clone .cold]": the compiler's split of f, still f for the reader.
    for (std::size_t at; (at = name.find(" [clone ")) != std::string::npos;) {
        std::size_t end = name.find(']', at);
        name.erase(at, end == std::string::npos ? std::string::npos : end + 1 - at);
    }
    if (name.size() > 240) name = name.substr(0, 237) + "...";
    std::string file = f.source_file();
    std::size_t line = f.source_line();
    if (!file.empty() && line) name += " at " + file + ":" + std::to_string(line);
    return name;
}

/// Frames outward from the remote call's entry are the runtime's: drop them. (A name may
/// start with its return type: search, not prefix.)
bool remote_call_boundary(const std::string& frame) {
    static const char* const kEntries[] = {"weft::rt::run_job(",         "weft::detail::CallJob<",
                                           "weft::detail::apply_batch<", "weft::detail::ChunkFor<",
                                           "weft::detail::ChunkReduce<"};
    const std::string name = frame.substr(0, frame.rfind(" at "));
    for (const char* e : kEntries)
        if (name.find(e) != std::string::npos) return true;
    return false;
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
        for (std::size_t i = 0; i < s.n; ++i) {
            std::string f = frame_text(s.frames[i]);
            if (remote_call_boundary(f)) break;
            out.push_back(std::move(f));
        }
        break;
    }
    return out;
}

std::vector<std::string> current_stack(int skip) {
    boost::stacktrace::stacktrace st(static_cast<std::size_t>(skip) + 1, 64);
    std::vector<std::string> out;
    for (const auto& f : st) out.push_back(frame_text(f.address()));
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
