// runtime/tasks/asan_fibers.hpp — telling AddressSanitizer about task switches (issue 17).
//
// Tasks are Boost.Fiber fibers, and Debian's Boost.Context switches them with fcontext
// (assembly), which has no sanitizer hooks (Boost.Context annotates its ucontext backend
// only, under BOOST_USE_ASAN). Without them ASan believes the thread never leaves its
// first stack: an exception thrown in a task makes `__asan_handle_no_return` compute a
// stack of hundreds of GiB and refuse to clean it ("ASan is ignoring requested
// __asan_handle_no_return"), so the unwound frames keep their poison and later read as
// stack-buffer-overflow or stack-use-after-scope.
//
// Where the annotations sit: every switch the scheduler makes is preceded by the
// algorithm's pick_next (Boost's suspend, yield, wait_until, terminate and dispatch all
// resume what it returns, or the dispatcher when it returns null), so pick_next calls
// switch_to() with the context about to run, which starts the switch
// (`__sanitizer_start_switch_fiber` with that context's stack). The switch is finished
// (`__sanitizer_finish_switch_fiber`) on the new stack at the first place weft's code runs
// there: a new task's body, the return of Event/Condition waits, yield and sleep, the
// dispatcher's suspend_until, or at the latest the next pick_next. Until then ASan's
// "switching" state already gives the new stack's bounds to code running on it.
//
// Stacks: a task's is one of PooledStack's (registered here, exact bounds); the
// dispatcher's is Boost's default fixed-size stack, a malloc'd block holding the
// dispatcher's context object near its top (found with ASan's allocator); the main
// context's is the thread's, which ASan knows and reports when the first switch away
// from it finishes. A stack returned to the pool is unpoisoned, so a task that reuses it
// does not inherit the last one's frames.
//
// Everything is a no-op without ASan.
#pragma once
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_ASAN_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_ASAN_FIBERS 1
#endif
#endif

namespace boost::fibers { class context; }

namespace weft::rt::asan {
#ifdef WEFT_ASAN_FIBERS
/// A task stack [bottom, bottom+size) that PooledStack mapped (guard page excluded).
void stack_mapped(const void* bottom, std::size_t size);
/// The stack is about to be unmapped.
void stack_unmapped(const void* bottom, std::size_t size);
/// The stack went back to the pool: its frames are gone.
void stack_released(const void* bottom, std::size_t size);
/// Called by pick_next: `from` (the running context) is about to switch to `to`.
void switch_to(boost::fibers::context* from, boost::fibers::context* to) noexcept;
/// Finishes a switch started by switch_to, on the stack it switched to (cheap when none is pending).
void landed() noexcept;
/// The running task's body has returned: its stack dies with its next switch.
void task_ending() noexcept;
/// At exit (atexit, before LeakSanitizer's check): back on the thread's own stack.
void at_exit() noexcept;
#else
inline void stack_mapped(const void*, std::size_t) {}
inline void stack_unmapped(const void*, std::size_t) {}
inline void stack_released(const void*, std::size_t) {}
inline void switch_to(boost::fibers::context*, boost::fibers::context*) noexcept {}
inline void landed() noexcept {}
inline void task_ending() noexcept {}
inline void at_exit() noexcept {}
#endif
}  // namespace weft::rt::asan
