// Bounded spinning for the weft::threads pool (private): how long idle threads and the
// joining thread poll before they sleep, and the poll loop itself.
#pragma once

#include <chrono>

namespace weft::threads::detail {

/// Tells the core we are spinning (frees the sibling hyper-thread, saves power).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

/// Polls `ready()` for at most `budget`; true as soon as it holds. The clock is read
/// every 32 polls only (a `pause` is 10-140 cycles; clock_gettime through the vDSO ~20 ns).
template <class Ready>
bool spin_until(Ready&& ready, std::chrono::nanoseconds budget) {
    if (ready()) return true;
    if (budget.count() <= 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + budget;
    for (unsigned i = 1;; ++i) {
        cpu_relax();
        if (ready()) return true;
        if ((i & 31) == 0 && std::chrono::steady_clock::now() >= deadline) return false;
    }
}

/// CPUs this process may run on (sched_getaffinity), at least 1.
int available_cpus() noexcept;

/// How long a pool of n threads spins before sleeping: WEFT_THREADS_SPIN_US if set, else
/// a default that keeps back-to-back loops cheap, cut short when the pool has more
/// threads than available CPUs (a spinner would then hold the CPU the thread it waits
/// for needs). Throws std::invalid_argument for a bad WEFT_THREADS_SPIN_US.
std::chrono::nanoseconds spin_budget(int n);

}  // namespace weft::threads::detail
