// runtime/tasks/asan_fibers.cpp — see asan_fibers.hpp. Compiled to nothing without ASan.
#include "tasks/asan_fibers.hpp"

#ifdef WEFT_ASAN_FIBERS
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>

#include <boost/context/stack_traits.hpp>
#include <boost/fiber/context.hpp>
#include <cstdint>
#include <map>
#include <unordered_map>

// Part of ASan's allocator interface since LLVM 17; GCC 12's libasan lacks it (weak: null).
extern "C" const void* __sanitizer_get_allocated_begin(const void* p) __attribute__((weak));
extern "C" std::size_t __sanitizer_get_allocated_size(const volatile void* p);

namespace weft::rt::asan {
namespace bf = boost::fibers;

namespace {
struct Known {
    const void* bottom = nullptr;  ///< null: not known yet (the main context before it first left)
    std::size_t size = 0;
    void* fake_stack = nullptr;  ///< ASan's fake stack of the context while it is switched out
};

/// Per thread (each thread has its own Boost scheduler), never destroyed: tasks still
/// switch while thread-locals are destroyed at exit.
struct State {
    std::unordered_map<bf::context*, Known> contexts;
    std::map<std::uintptr_t, std::size_t> stacks;  ///< PooledStack's: bottom -> size
    bool pending = false;                           ///< a switch was started, not finished
    bf::context* pending_from = nullptr;
    bool pending_from_main = false;
    const void* main_bottom = nullptr;  ///< the thread's own stack, once the main context left it
    std::size_t main_size = 0;
    bf::context* main = nullptr;
    bf::context* ending = nullptr;  ///< the task whose body returned
    /// Fake stacks (ASan's frames for use-after-return detection) of tasks that ended, by
    /// the bottom of their stack: freed when that stack is released, once the task's last
    /// instructions have run (Boost resumes an ended fiber once more to unwind it).
    std::unordered_map<std::uintptr_t, void*> dead_fake_stacks;
};
State& state() {
    thread_local auto* s = new State;
    return *s;
}

/// The PooledStack that holds `addr` (a task's context object: Boost places it at the top
/// of the stack it was given), or false.
bool pooled_stack_of(State& s, std::uintptr_t addr, const void*& bottom, std::size_t& size) {
    auto it = s.stacks.upper_bound(addr);
    if (it == s.stacks.begin()) return false;
    --it;
    if (addr >= it->first + it->second) return false;
    bottom = reinterpret_cast<const void*>(it->first);
    size = it->second;
    return true;
}

/// The stack `c` runs on, or false when it is not known.
bool bounds_of(State& s, bf::context* c, const void*& bottom, std::size_t& size) {
    if (auto it = s.contexts.find(c); it != s.contexts.end() && it->second.bottom) {
        bottom = it->second.bottom;
        size = it->second.size;
        return true;
    }
    if (c->is_context(bf::type::main_context)) return false;  // learned when it first leaves
    const auto addr = reinterpret_cast<std::uintptr_t>(c);
    if (pooled_stack_of(s, addr, bottom, size)) return true;
    // The dispatcher (or a fiber started with Boost's default stack): a malloc'd block.
    std::uintptr_t lo = 0, hi = 0;
    if (&__sanitizer_get_allocated_begin) {
        if (const void* b = __sanitizer_get_allocated_begin(c)) {
            lo = reinterpret_cast<std::uintptr_t>(b);
            hi = lo + __sanitizer_get_allocated_size(b);
        }
    } else if (c->is_context(bf::type::dispatcher_context)) {
        // Without that query: Boost 1.74 puts the dispatcher's context within 64 bytes
        // below the top of a default-size stack.
        hi = (addr + sizeof(bf::context) + 64 + 15) & ~std::uintptr_t{15};
        lo = hi - boost::context::stack_traits::default_size();
    }
    if (!lo) return false;
    bottom = reinterpret_cast<const void*>(lo);
    size = hi - lo;
    if (c->is_context(bf::type::dispatcher_context)) {  // lives as long as the thread
        Known& k = s.contexts[c];
        k.bottom = bottom;
        k.size = size;
    }
    return true;
}
}  // namespace

void stack_mapped(const void* bottom, std::size_t size) {
    state().stacks[reinterpret_cast<std::uintptr_t>(bottom)] = size;
    // LeakSanitizer scans the current stack only: what a suspended task's frames point to
    // would read as leaked.
    __lsan_register_root_region(bottom, size);
}

void stack_unmapped(const void* bottom, std::size_t size) {
    __lsan_unregister_root_region(bottom, size);
    state().stacks.erase(reinterpret_cast<std::uintptr_t>(bottom));
}

// The functions below switch ASan's notion of the current stack and fake stack: they are
// not instrumented themselves, so none of their frames lives on a fake stack.

__attribute__((no_sanitize("address"))) void stack_released(const void* bottom, std::size_t size) {
    State& s = state();
    landed();
    // Frames that never returned (the task's entry frame) leave their redzones poisoned.
    __asan_unpoison_memory_region(bottom, size);
    auto it = s.dead_fake_stacks.find(reinterpret_cast<std::uintptr_t>(bottom));
    if (it == s.dead_fake_stacks.end()) return;
    void* dead = it->second;
    s.dead_fake_stacks.erase(it);
    // ASan frees a fake stack only when told that the fiber owning it is switching away
    // for good. Make it current for a moment without leaving this stack, then do that.
    const void* here = nullptr;
    std::size_t here_size = 0;
    if (!dead || !bounds_of(s, bf::context::active(), here, here_size)) return;
    void* mine = nullptr;
    __sanitizer_start_switch_fiber(&mine, here, here_size);
    __sanitizer_finish_switch_fiber(dead, nullptr, nullptr);
    __sanitizer_start_switch_fiber(nullptr, here, here_size);
    __sanitizer_finish_switch_fiber(mine, nullptr, nullptr);
}

__attribute__((no_sanitize("address"))) void switch_to(bf::context* from, bf::context* to) noexcept {
    State& s = state();
    landed();  // we are on `from`'s stack: whatever switch brought us here is over
    const void* bottom = nullptr;
    std::size_t size = 0;
    if (!to || to == from || !bounds_of(s, to, bottom, size)) return;
    try {
        const bool dies = from == s.ending;
        void** save = nullptr;
        if (dies) {
            // Not null (which frees the fake stack now): Boost resumes the ended fiber once
            // more to unwind it, and its frames may be on that fake stack.
            s.ending = nullptr;
            s.contexts.erase(from);  // the next task on this stack may get the same address
            const void* fb = nullptr;
            std::size_t fs = 0;
            if (pooled_stack_of(s, reinterpret_cast<std::uintptr_t>(from), fb, fs))
                save = &s.dead_fake_stacks[reinterpret_cast<std::uintptr_t>(fb)];
            else
                save = &s.contexts[from].fake_stack;  // not ours: kept with the context
        } else {
            save = &s.contexts[from].fake_stack;
        }
        __sanitizer_start_switch_fiber(save, bottom, size);
        s.pending = true;
        s.pending_from = from;
        s.pending_from_main = !dies && from->is_context(bf::type::main_context);
    } catch (...) {  // bad_alloc in the map: leave this switch unannotated
    }
}

__attribute__((no_sanitize("address"))) void landed() noexcept {
    State& s = state();
    if (!s.pending) return;
    s.pending = false;
    bf::context* me = bf::context::active();
    void* fake = nullptr;
    if (auto it = s.contexts.find(me); it != s.contexts.end()) fake = it->second.fake_stack;
    const void* old_bottom = nullptr;
    std::size_t old_size = 0;
    __sanitizer_finish_switch_fiber(fake, &old_bottom, &old_size);
    if (s.pending_from_main && old_bottom) {  // the thread's own stack, as ASan knows it
        try {
            Known& k = s.contexts[s.pending_from];
            k.bottom = old_bottom;
            k.size = old_size;
            s.main = s.pending_from;
            s.main_bottom = old_bottom;
            s.main_size = old_size;
        } catch (...) {
        }
    }
}

__attribute__((no_sanitize("address"))) void at_exit() noexcept {
    // Boost's scheduler ends (the thread's exit) with a switch from the dispatcher back to
    // the main context that no pick_next precedes: ASan would go on taking the dispatcher's
    // stack for the current one, and LeakSanitizer, which checks after this, would scan
    // that instead of the thread's stack.
    State& s = state();
    if (!s.main_bottom) return;  // the main context never left: ASan was never told anything
    if (s.pending) {
        s.pending = false;
        __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
    }
    void* fake = nullptr;
    if (auto it = s.contexts.find(s.main); it != s.contexts.end()) fake = it->second.fake_stack;
    void* ignored = nullptr;
    __sanitizer_start_switch_fiber(&ignored, s.main_bottom, s.main_size);
    __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
}

void task_ending() noexcept { state().ending = bf::context::active(); }

}  // namespace weft::rt::asan
#endif
