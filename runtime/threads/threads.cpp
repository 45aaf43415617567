// weft::threads entry points: nthreads/threadid, the per-loop Lease on the pool, and the
// environment variables WEFT_NUM_THREADS and WEFT_THREADS_SPIN_US.
#include "threads/pool.hpp"
#include "config.hpp"
#include "threads/spin.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

namespace weft::threads::detail {

extern thread_local int tls_threadid;
extern thread_local bool tls_in_region;

namespace {

constexpr int max_threads = 4096;
// See docs/threads.md, "Performance": 1 ms covers loops separated by up to 1 ms of serial
// work and costs at most 1 ms of CPU per thread once the program stops running loops
// (libgomp spins 4-8 ms here). After the first 2 us the spin also yields (spin.hpp).
constexpr long default_spin_us = 1000;
constexpr long eager_spin_us = 2;
constexpr long oversubscribed_spin_us = 2;

int default_num_threads() noexcept {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(std::min<unsigned>(hw, max_threads));
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

/// A whole number in [lo, hi], or -1.
long parse_whole(std::string_view s, long lo, long hi) {
    if (s.empty() || s.size() > 9) return -1;
    long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

}  // namespace

int parse_num_threads(const char* value) {
    if (value == nullptr) return default_num_threads();
    const std::string_view v = trim(value);
    if (v.empty() || v == "auto") return default_num_threads();
    const long n = parse_whole(v, 1, max_threads);
    if (n < 0)
        throw std::invalid_argument("WEFT_NUM_THREADS=\"" + std::string(value) +
                                    "\" is not a valid thread count: use a whole number from 1 to " +
                                    std::to_string(max_threads) + ", or \"auto\" for the core count (" +
                                    std::to_string(default_num_threads()) + " here)");
    return static_cast<int>(n);
}

int available_cpus() noexcept {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    return default_num_threads();
}

std::chrono::nanoseconds spin_budget(int n) {
    long us = n <= available_cpus() ? default_spin_us : oversubscribed_spin_us;
    if (auto v = weft::rt::config::threads_spin_us()) us = *v;
    return std::chrono::microseconds(us);
}

std::chrono::nanoseconds eager_spin() {
    return std::chrono::microseconds(eager_spin_us);
}

Lease::Lease() {
    if (tls_in_region) return;  // nested: serial
    Pool& pool = Pool::instance();
    if (pool.size() > 1 && pool.try_reserve()) size_ = pool.size();
}

Lease::~Lease() {
    if (size_ != 0) Pool::instance().release();
}

void Lease::run(ShareFn share, void* loop) {
    Pool::instance().run(share, loop);
}

void reset_pool_for_testing(int n) {
    Pool::instance().reset(n);
}

int sleeping_threads() noexcept {
    return Pool::instance().sleeping();
}

}  // namespace weft::threads::detail

namespace weft::threads {

int nthreads() {
    return detail::Pool::instance().size();
}

int threadid() noexcept {
    return detail::tls_threadid;
}

}  // namespace weft::threads

namespace weft::rt {
// Declared in runtime/threads/hooks.hpp; here, in a fiber-free file, so that the pool
// (built alone under ThreadSanitizer) can set it too.
thread_local const char* tls_not_a_task = nullptr;
}  // namespace weft::rt
