// runtime/threads/threadcall.cpp — the threadcall pool (SPEC §4.12, DESIGN §3): plain
// threads taking calls from a queue. The calling task parks on an Event; the pool thread
// that ran its call posts the wake-up to the runtime thread's io_context, so the Event is
// only ever touched on the runtime thread. A caller that is no runtime task (a plain
// thread, or a program that never called weft::init) waits on a condition variable.
//
// Two cross-thread wake-ups of sleeping threads (caller -> pool thread -> runtime thread)
// cost ~25 us on this project's VMs, so both sides spin briefly first: one idle pool
// thread at a time polls the queue for kPoolSpin before it sleeps, and a caller with no
// other task ready polls its call's `done` for kCallerSpin before it parks (a Dekker
// handshake on done / parked decides whether the pool thread must post the wake-up).
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "tasks/fiber.hpp"
#include "threads/hooks.hpp"
#include "threads/spin.hpp"
#include "weft/threadcall.hpp"

namespace weft::rt {

void not_a_task_misuse(const char* operation) {
    const std::string ops = "(fetch, wait, remotecall*, sleep, yield, sync, async, channels, threadcall)";
    if (std::string(tls_not_a_task) == "a threadcall")
        throw std::logic_error(std::string("weft: ") + operation +
                               " called inside a threadcall: a threadcall function runs on a plain thread of the "
                               "threadcall pool, not in a weft task, so it cannot wait for weft operations " + ops +
                               "; call them in the task before or after the threadcall and pass the values in as "
                               "arguments");
    throw std::logic_error(std::string("weft: ") + operation + " called inside " + tls_not_a_task +
                           " on a pool thread: the pool's threads are not weft tasks, so they cannot wait for weft "
                           "operations " + ops + "; call them before or after the loop and pass the values in");
}

namespace {

using threads::detail::spin_until;

constexpr std::chrono::microseconds kPoolSpin{50};
constexpr std::chrono::microseconds kCallerSpin{30};

struct Call {
    void (*job)(void*) noexcept = nullptr;
    void* ctx = nullptr;
    bool in_task = false;  // the caller waits on ev (runtime thread), else on cv
    std::atomic<bool> done{false};
    std::atomic<bool> parked{false};  // the caller stopped spinning: it needs ev.set()
    Event ev;
    std::mutex m;
    std::condition_variable cv;
};

class CallPool {
  public:
    static CallPool& instance() {
        static CallPool* p = new CallPool;  // leaked: its threads may outlive main
        return *p;
    }

    int size() {
        std::lock_guard lock(m_);
        return configure();
    }

    void submit(std::shared_ptr<Call> c) {
        {
            std::lock_guard lock(m_);
            configure();
            if (threads_.empty()) {
                stop_ = false;
                for (int i = 0; i < size_; ++i) threads_.emplace_back([this] { main(); });
            }
            queue_.push_back(std::move(c));
            queued_.fetch_add(1, std::memory_order_release);
        }
        cv_.notify_one();  // no system call when every pool thread is spinning or busy
    }

    void reset() {
        std::vector<std::thread> ts;
        {
            std::lock_guard lock(m_);
            if (!queue_.empty() || running_ != 0)
                throw std::logic_error("weft: cannot reset the threadcall pool while threadcalls run");
            stop_ = true;
            stop_flag_ = true;
            ts.swap(threads_);
        }
        cv_.notify_all();
        for (auto& t : ts) t.join();
        std::lock_guard lock(m_);
        size_ = 0;
        stop_flag_ = false;
    }

  private:
    int configure() {  // under m_
        if (size_ == 0) size_ = config::threadpool_size();
        return size_;
    }

    void main() {
        tls_not_a_task = "a threadcall";
        for (;;) {
            std::shared_ptr<Call> c;
            // One idle thread at a time polls for the next call before it sleeps.
            if (spinners_.fetch_add(1, std::memory_order_relaxed) == 0)
                spin_until([&] { return queued_.load(std::memory_order_acquire) > 0 || stop_flag_.load(); }, kPoolSpin,
                           std::chrono::microseconds(2));
            spinners_.fetch_sub(1, std::memory_order_relaxed);
            {
                std::unique_lock lock(m_);
                cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
                if (queue_.empty()) return;  // stop_
                c = std::move(queue_.front());
                queue_.pop_front();
                queued_.fetch_sub(1, std::memory_order_relaxed);
                ++running_;
            }
            c->job(c->ctx);
            {
                std::lock_guard lock(m_);
                --running_;
            }
            if (c->in_task) {
                c->done.store(true, std::memory_order_seq_cst);
                if (c->parked.load(std::memory_order_seq_cst)) post_to_runtime([c] { c->ev.set(); });
            } else {
                std::lock_guard lock(c->m);
                c->done.store(true);
                c->cv.notify_one();
            }
        }
    }

    std::mutex m_;
    std::condition_variable cv_;
    std::deque<std::shared_ptr<Call>> queue_;
    std::vector<std::thread> threads_;
    int size_ = 0;
    int running_ = 0;
    bool stop_ = false;
    std::atomic<bool> stop_flag_{false};  // stop_, readable without m_ (spinning threads)
    std::atomic<int> queued_{0};          // queue_.size(), readable without m_
    std::atomic<int> spinners_{0};        // idle threads polling queued_
};

}  // namespace
}  // namespace weft::rt

namespace weft::detail {

void threadcall_run(void (*job)(void*) noexcept, void* ctx) {
    using namespace weft::rt;
    check_not_in_threadcall("weft::threadcall");
    auto c = std::make_shared<Call>();
    c->job = job;
    c->ctx = ctx;
    c->in_task = scheduler_installed() && on_runtime_thread() && in_task();
    CallPool::instance().submit(c);
    if (c->in_task) {
        auto done = [&] { return c->done.load(std::memory_order_acquire); };
        if (ready_tasks() || !spin_until(done, kCallerSpin, std::chrono::microseconds(2))) {
            c->parked.store(true, std::memory_order_seq_cst);
            if (!c->done.load(std::memory_order_seq_cst)) c->ev.wait();  // other tasks run meanwhile
        }
    } else {
        std::unique_lock lock(c->m);
        c->cv.wait(lock, [&] { return c->done.load(); });
    }
}

void reset_threadcall_pool_for_testing() { weft::rt::CallPool::instance().reset(); }

int threadcall_pool_size() { return weft::rt::CallPool::instance().size(); }

}  // namespace weft::detail
