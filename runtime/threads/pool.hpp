// The weft::threads pool (private): persistent plain std::threads that run every loop's
// shares fork-join style, spinning briefly between loops and then sleeping on a futex.
#pragma once

#include <weft/threads.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace weft::threads::detail {

/// How the thread that started a loop (thread 0) waits for the other threads once its
/// own share is done and a bounded spin did not see the end. The default sleeps on a
/// futex. The runtime installs a fiber-aware one so that a worker process keeps serving
/// remote calls while a loop runs (DESIGN §3):
///   - `wait(done, arg)` runs on thread 0 and must return only once `done(arg)` is true;
///     it may suspend the current fiber instead of the thread.
///   - `wake()` is called from the pool thread that finished the loop's last share,
///     after `done` became true. It may also be called spuriously, and before `wait`
///     has started: `wait` must check `done` under whatever lock `wake` takes (e.g. a
///     boost::fibers::mutex + condition_variable: wake locks, unlocks, notifies).
struct LoopWaitHook {
    void (*wait)(bool (*done)(const void* arg), const void* arg) = nullptr;
    void (*wake)() = nullptr;
};

/// Installs the hook (both pointers, or null for the default), e.g. from weft::init on
/// the runtime thread; it takes effect from the next wait, and must outlive the pool.
void set_loop_wait_hook(const LoopWaitHook* hook) noexcept;

class Pool {
 public:
    /// The process's pool; never destroyed (pool threads may still spin at exit).
    static Pool& instance();

    /// Thread count (configures from WEFT_NUM_THREADS on first call; may throw).
    int size() {
        int n = size_.load(std::memory_order_acquire);
        return n != 0 ? n : configure();
    }

    /// Reserves the pool for the calling thread's loop, starting the threads if needed;
    /// false if another loop holds it.
    bool try_reserve();
    void release() noexcept { busy_.store(false, std::memory_order_release); }

    /// Fork-join of one loop; the caller has reserved the pool.
    void run(ShareFn share, void* loop);

    /// Stops and joins the threads; the next size() reads `n` (or the environment if n <= 0).
    void reset(int n);

    int sleeping() const noexcept { return sleepers_.load(std::memory_order_relaxed); }

 private:
    Pool() = default;
    int configure();
    void start_threads();
    void stop_threads();
    void worker_main(int tid, std::uint32_t seen);
    void record_error() noexcept;
    void wait_for_loop_end(bool woke);
    void finish_share() noexcept;
    static bool loop_done(const void* pool);

    // Written by thread 0 before it bumps epoch_; read by the pool threads after they see
    // the new epoch (release/acquire on epoch_). One cache line for the whole hand-off.
    struct alignas(64) Job {
        std::atomic<std::uint32_t> epoch{0};  // futex word the idle threads sleep on
        ShareFn share = nullptr;
        void* loop = nullptr;
        int nthreads = 0;
        bool stop = false;
    } job_;
    // Threads still running the current loop's shares; futex word thread 0 sleeps on.
    alignas(64) std::atomic<int> remaining_{0};
    std::atomic<bool> joiner_waiting_{false};  // thread 0 sleeps or waits in the hook
    std::atomic<const LoopWaitHook*> joiner_hook_{nullptr};  // ...in this one (null: futex)
    alignas(64) std::atomic<int> sleepers_{0};  // pool threads asleep on job_.epoch
    std::atomic<int> caller_cpu_{-1};            // CPU of thread 0 when it last woke them
    alignas(64) std::atomic<bool> busy_{false};  // a loop holds the pool
    std::atomic<bool> failed_{false};
    std::exception_ptr error_;  // first exception of the current loop

    std::atomic<int> size_{0};
    std::chrono::nanoseconds spin_{0};   // how long idle threads and thread 0 spin
    std::chrono::nanoseconds eager_{0};  // the first part of it, without yielding
    bool started_ = false;              // threads_ are running (guarded by busy_)
    std::vector<std::thread> threads_;
    std::mutex config_mutex_;
    int requested_size_ = 0;  // from reset(); 0: the environment
};

}  // namespace weft::threads::detail
