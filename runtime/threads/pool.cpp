// The weft::threads pool: fork-join hand-off of a loop to persistent threads. Owns the
// spin-then-sleep protocol on both sides (idle pool threads, and thread 0 at the join).
//
// Protocol, one loop:
//   thread 0: job_ fields := loop; remaining_ := n-1; epoch += 1 (seq_cst);
//             if sleepers_ > 0: futex_wake(epoch, all)
//             run share 0; wait until remaining_ == 0 (spin, then sleep or the hook)
//   thread t: spin until epoch changes, else sleepers_ += 1 (seq_cst), re-check, sleep on
//             the futex; run share t; remaining_ -= 1 (seq_cst); if it reached 0 and
//             joiner_waiting_: wake thread 0.
// The two seq_cst pairs (epoch / sleepers_, remaining_ / joiner_waiting_) are Dekker
// handshakes: either the sleeper sees the new value, or the waker sees the sleeper.
// Every pool thread runs every loop (some shares are empty), so no thread can miss an
// epoch and thread 0 may reuse job_ once remaining_ is 0.
#include "threads/pool.hpp"
#include "config.hpp"

#include "threads/hooks.hpp"
#include "threads/spin.hpp"

#include <climits>
#include <cstdlib>
#include <stdexcept>
#include <string>

#if defined(__linux__)
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace weft::threads::detail {

thread_local int tls_threadid = 0;         // threadid()
thread_local bool tls_in_region = false;   // inside a loop share: nested loops run serially

namespace {

std::atomic<const LoopWaitHook*> g_wait_hook{nullptr};

// Sleep until *word != expected (or spuriously); wake sleepers of a word.
#if defined(__linux__)
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              sizeof(std::atomic<int>) == sizeof(int));
template <class T>
void futex_wait(std::atomic<T>& word, T expected) noexcept {
    syscall(SYS_futex, reinterpret_cast<T*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}
template <class T>
void futex_wake(std::atomic<T>& word, int count) noexcept {
    syscall(SYS_futex, reinterpret_cast<T*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}
#else
template <class T>
void futex_wait(std::atomic<T>& word, T expected) noexcept {
    word.wait(expected);
}
template <class T>
void futex_wake(std::atomic<T>& word, int count) noexcept {
    if (count == 1) word.notify_one();
    else word.notify_all();
}
#endif

int current_cpu() noexcept {
#if defined(__linux__)
    return sched_getcpu();  // glibc reads it from the rseq area: no system call
#else
    return -1;
#endif
}

/// Moves the calling thread off `cpu` if it runs there. Linux often wakes a futex sleeper
/// on the waker's CPU (on this project's VMs, 19 of 20 wakes: a halted vCPU does not count
/// as idle), where it would run only after thread 0's own block, i.e. serially: measured
/// 7.6 ms instead of 5 ms for a loop of 5 ms per thread after the pool had slept (libgomp:
/// 10 ms). Narrowing the affinity mask migrates the thread at once; restoring it leaves
/// the thread where it now is and the scheduler free again.
void leave_cpu(int cpu) noexcept {
#if defined(__linux__)
    if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getcpu() != cpu) return;
    cpu_set_t allowed, others;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
    others = allowed;
    CPU_CLR(cpu, &others);
    if (CPU_COUNT(&others) == 0) return;
    if (sched_setaffinity(0, sizeof others, &others) == 0) sched_setaffinity(0, sizeof allowed, &allowed);
#else
    (void)cpu;
#endif
}

}  // namespace

void set_loop_wait_hook(const LoopWaitHook* hook) noexcept {
    g_wait_hook.store(hook && hook->wait && hook->wake ? hook : nullptr, std::memory_order_release);
}

Pool& Pool::instance() {
    // Leaked on purpose: pool threads may still be spinning on it while the process exits.
    static Pool* pool = new Pool;
    return *pool;
}

int Pool::configure() {
    std::lock_guard lock(config_mutex_);
    int n = size_.load(std::memory_order_relaxed);
    if (n != 0) return n;
    n = requested_size_ > 0 ? requested_size_ : weft::rt::config::num_threads();
    spin_ = spin_budget(n);
    eager_ = std::min(spin_, eager_spin());
    size_.store(n, std::memory_order_release);
    return n;
}

bool Pool::try_reserve() {
    const int n = size();
    if (busy_.load(std::memory_order_relaxed) || busy_.exchange(true, std::memory_order_acquire))
        return false;
    if (!started_ && n > 1) {
        try {
            start_threads();
        } catch (...) {
            release();
            throw;
        }
    }
    return true;
}

void Pool::start_threads() {
    const int n = size();
    const std::uint32_t seen = job_.epoch.load(std::memory_order_relaxed);
    caller_cpu_.store(current_cpu(), std::memory_order_relaxed);  // new threads start there too
    threads_.reserve(static_cast<std::size_t>(n - 1));
    try {
        for (int t = 1; t < n; ++t) threads_.emplace_back([this, t, seen] { worker_main(t, seen); });
    } catch (...) {
        stop_threads();  // the ones that did start
        throw;
    }
    started_ = true;
}

void Pool::stop_threads() {
    job_.stop = true;
    job_.epoch.fetch_add(1, std::memory_order_seq_cst);
    futex_wake(job_.epoch, INT_MAX);
    for (auto& t : threads_) t.join();
    threads_.clear();
    job_.stop = false;
    started_ = false;
}

void Pool::reset(int n) {
    if (busy_.exchange(true, std::memory_order_acquire))
        throw std::logic_error("weft::threads: cannot reset the thread pool while a loop runs");
    if (started_) stop_threads();
    {
        std::lock_guard lock(config_mutex_);
        requested_size_ = n > 0 ? n : 0;
        size_.store(0, std::memory_order_release);
    }
    release();
}

void Pool::record_error() noexcept {
    if (!failed_.exchange(true, std::memory_order_acq_rel)) error_ = std::current_exception();
}

void Pool::run(ShareFn share, void* loop) {
    const int n = size_.load(std::memory_order_relaxed);
    job_.share = share;
    job_.loop = loop;
    job_.nthreads = n;
    remaining_.store(n - 1, std::memory_order_relaxed);
    job_.epoch.fetch_add(1, std::memory_order_seq_cst);  // publishes the fields above
    const bool woke = sleepers_.load(std::memory_order_seq_cst) > 0;
    if (woke) {
        caller_cpu_.store(current_cpu(), std::memory_order_relaxed);
        futex_wake(job_.epoch, INT_MAX);
        yield_cpu();  // a sleeper woken onto this CPU runs now and moves off it (worker_main)
    }

    tls_in_region = true;
    try {
        share(loop, 0, n);
    } catch (...) {
        record_error();
    }
    tls_in_region = false;
    wait_for_loop_end(woke);

    if (failed_.load(std::memory_order_relaxed)) {
        std::exception_ptr e = std::move(error_);
        error_ = nullptr;
        failed_.store(false, std::memory_order_relaxed);
        std::rethrow_exception(std::move(e));
    }
}

bool Pool::loop_done(const void* pool) {
    return static_cast<const Pool*>(pool)->remaining_.load(std::memory_order_acquire) == 0;
}

// The one place where thread 0 waits for the others (see LoopWaitHook).
// `woke`: this loop woke sleeping threads, which Linux may have queued on this CPU, so the
// spin yields from the start.
void Pool::wait_for_loop_end(bool woke) {
    auto done = [this] { return remaining_.load(std::memory_order_acquire) == 0; };
    if (spin_until(done, spin_, woke ? std::chrono::nanoseconds(0) : eager_)) return;
    // The last pool thread wakes us the way we wait: the hook we read here, or the futex.
    const LoopWaitHook* hook = g_wait_hook.load(std::memory_order_acquire);
    joiner_hook_.store(hook, std::memory_order_relaxed);
    joiner_waiting_.store(true, std::memory_order_seq_cst);
    if (hook) {
        hook->wait(&Pool::loop_done, this);
    } else {
        for (int r; (r = remaining_.load(std::memory_order_seq_cst)) != 0;) futex_wait(remaining_, r);
    }
    joiner_waiting_.store(false, std::memory_order_relaxed);
    // Pairs with the release of the last fetch_sub (the hook may have used a weaker check).
    (void)remaining_.load(std::memory_order_acquire);
}

void Pool::finish_share() noexcept {
    if (remaining_.fetch_sub(1, std::memory_order_seq_cst) != 1) return;
    // Last one out. A stale true (thread 0 already gone on to the next loop) only costs a
    // spurious wake, which both waits tolerate.
    if (!joiner_waiting_.load(std::memory_order_seq_cst)) return;
    if (const LoopWaitHook* hook = joiner_hook_.load(std::memory_order_relaxed)) hook->wake();
    else futex_wake(remaining_, 1);
}

void Pool::worker_main(int tid, std::uint32_t seen) {
    tls_threadid = tid;
    tls_in_region = true;  // a pool thread only ever runs shares: its loops are nested
    rt::tls_not_a_task = "a weft::threads loop body";  // weft's blocking operations throw here
    bool slept = true;     // a new thread may also have been placed on thread 0's CPU
    for (;;) {
        std::uint32_t e = seen;
        auto changed = [&] { return (e = job_.epoch.load(std::memory_order_acquire)) != seen; };
        if (!spin_until(changed, spin_, eager_)) {
            sleepers_.fetch_add(1, std::memory_order_seq_cst);
            while ((e = job_.epoch.load(std::memory_order_seq_cst)) == seen) futex_wait(job_.epoch, seen);
            sleepers_.fetch_sub(1, std::memory_order_relaxed);
            slept = true;
        }
        seen = e;
        if (job_.stop) return;
        if (slept) leave_cpu(caller_cpu_.load(std::memory_order_relaxed));
        slept = false;
        try {
            job_.share(job_.loop, tid, job_.nthreads);
        } catch (...) {
            record_error();
        }
        finish_share();
    }
}

}  // namespace weft::threads::detail
