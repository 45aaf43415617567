// Bounded spinning for the weft::threads pool (private): how long idle threads and the
// joining thread poll before they sleep, and the poll loop itself.
#pragma once

#include <chrono>

#include <sched.h>

namespace weft::threads::detail {

/// Tells the core we are spinning (frees the sibling hyper-thread, saves power).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

/// Lets another thread queued on this CPU run (returns at once if there is none).
inline void yield_cpu() noexcept {
    sched_yield();
}

/// Polls `ready()` for at most `budget`; true as soon as it holds. The first `eager` of
/// it only pauses between polls; after that every 32nd poll also yields the CPU, because
/// the thread being waited for may be queued on this very CPU: Linux often wakes a
/// futex sleeper on the waker's CPU (measured on this project's 2-vCPU VMs: 19 of 20
/// wakes), and a pure spinner would then hold it off for the whole budget. The clock is
/// read every 32 polls only (a `pause` is 10-140 cycles; clock_gettime via vDSO ~20 ns).
template <class Ready>
bool spin_until(Ready&& ready, std::chrono::nanoseconds budget, std::chrono::nanoseconds eager) {
    if (ready()) return true;
    if (budget.count() <= 0) return false;
    const auto start = std::chrono::steady_clock::now();
    for (unsigned i = 1;; ++i) {
        cpu_relax();
        if (ready()) return true;
        if ((i & 31) == 0) {
            const auto elapsed = std::chrono::steady_clock::now() - start;
            if (elapsed >= budget) return false;
            if (elapsed >= eager) yield_cpu();
        }
    }
}

/// CPUs this process may run on (sched_getaffinity), at least 1.
int available_cpus() noexcept;

/// How long a pool of n threads spins before sleeping: WEFT_THREADS_SPIN_US if set, else
/// a default that keeps back-to-back loops cheap, cut short when the pool has more
/// threads than available CPUs (a spinner would then hold the CPU the thread it waits
/// for needs). Throws std::invalid_argument for a bad WEFT_THREADS_SPIN_US.
std::chrono::nanoseconds spin_budget(int n);

/// How much of the spin only pauses before it starts yielding too.
std::chrono::nanoseconds eager_spin();

}  // namespace weft::threads::detail
