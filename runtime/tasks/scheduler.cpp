// runtime/tasks/scheduler.cpp — one runtime thread per process: Boost.Fiber tasks
// scheduled by an algorithm that sleeps in the event loop's epoll_wait when no task is
// ready, polls I/O every 8 picks, and takes wake-ups from other threads through the event
// loop's eventfd. DESIGN.md §2 and docs/design.md explain why (and what was measured).
#include <atomic>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/fiber/all.hpp>
#include <algorithm>
#include <cstdlib>
#include <thread>

#include "asio.hpp"
#include "config.hpp"
#include "log.hpp"
#include "tasks/asan_fibers.hpp"
#include "tasks/event_loop.hpp"
#include "tasks/fiber.hpp"
#include "threads/hooks.hpp"
#include "weft/exceptions.hpp"

namespace weft::rt {
namespace bf = boost::fibers;

namespace {
void (*g_before_poll)() = nullptr;
class LoopAlgo;
LoopAlgo* g_algo = nullptr;

/// Decides whether the scheduler's spin may run (issue 17: with more runnable threads than
/// CPUs each sched_yield hands a whole time slice to another process, and spinning cut
/// throughput 40x under load 8 on 2 CPUs). Two signals: the machine's runnable count
/// (the 4th field of /proc/loadavg, read at most every 10 ms) against its online CPUs,
/// and this process's own spins: after 8 in a row that found nothing, only every 16th
/// wait spins, until one finds something again. On a quiet machine neither fires, and
/// the spin keeps its latency.
class SpinGovernor {
  public:
    bool allow(std::chrono::steady_clock::time_point now) noexcept {
        if (now >= next_check_) {
            next_check_ = now + std::chrono::milliseconds(10);
            crowded_ = runnable() > cpus_;
        }
        if (crowded_) return false;
        return misses_ < 8 || (++skipped_ & 15) == 0;
    }
    void record(bool found) noexcept { misses_ = found ? 0 : misses_ + 1; }

  private:
    /// Threads running or ready to run on the whole machine, this one included (0 when
    /// /proc/loadavg cannot be read: spinning is then decided by the misses alone).
    int runnable() noexcept {
        if (fd_ < 0) return 0;
        char buf[128];
        const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
        if (n <= 0) return 0;
        buf[n] = '\0';
        int fields = 0;
        for (const char* p = buf; *p; ++p)
            if (*p == ' ' && ++fields == 3) return std::atoi(p + 1);
        return 0;
    }
    int fd_ = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    int cpus_ = static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    bool crowded_ = false;
    std::chrono::steady_clock::time_point next_check_{};
    unsigned misses_ = 0, skipped_ = 0;
};

class LoopAlgo final : public bf::algo::algorithm {
  public:
    LoopAlgo() { g_algo = this; }

    void awakened(bf::context* c) noexcept override {
        if (c->is_context(bf::type::dispatcher_context)) dispatcher_ = c;
        c->ready_link(rq_);
    }

    /// Boost switches to what this returns (to the dispatcher when it is null, unless the
    /// dispatcher itself asks): the place to tell ASan (tasks/asan_fibers.hpp).
    bf::context* pick_next() noexcept override {
        bf::context* self = bf::context::active();
        const bool in_dispatcher = self->is_context(bf::type::dispatcher_context);
        if (in_dispatcher) dispatcher_ = self;
        bf::context* c = nullptr;
        // Only the dispatcher may skip a turn: every 8th pick lets suspend_until poll I/O,
        // so a busy process still serves its sockets.
        if (!rq_.empty() && !(in_dispatcher && (++picks_ & 7) == 0)) {
            c = &rq_.front();
            rq_.pop_front();
        }
        if (c || !in_dispatcher) asan::switch_to(self, c ? c : dispatcher_);
        return c;
    }

    bool has_ready_fibers() const noexcept override { return !rq_.empty(); }

    /// A ready task other than the dispatcher, which waits in the ready queue whenever a
    /// task it resumed runs (so !rq_.empty() is always true inside a task).
    bool task_ready() const noexcept {
        for (const bf::context& c : rq_)
            if (!c.is_context(bf::type::dispatcher_context)) return true;
        return false;
    }

    void suspend_until(const std::chrono::steady_clock::time_point& tp) noexcept override {
        asan::landed();
        if (g_before_poll) g_before_poll();  // send what tasks queued while others were ready
        if (!rq_.empty()) {  // tasks are ready: a look, as in the spin (with an engine, epoll every 8th)
            io_spin_look(busy_looks_++);
            return;
        }
        if (spin_for_io(tp)) return;
        run_io(tp);  // sleeps in epoll until I/O, the deadline, or a wake-up from another thread
    }

    /// Polls I/O for a short while before sleeping: a reply or the next request usually
    /// comes within microseconds, and waking a sleeping vCPU costs 35-45 us on this kind
    /// of machine (where a blocking recv is woken on the sender's CPU, epoll is not).
    /// WEFT_SPIN_US is the budget; the governor skips the spin where it cannot pay.
    bool spin_for_io(const std::chrono::steady_clock::time_point& tp) noexcept {
        static const auto budget = std::chrono::microseconds(config::spin_us());
        if (budget.count() <= 0) return false;
        const auto now = std::chrono::steady_clock::now();
        if (!governor_.allow(now)) return false;
        const auto until = std::min(now + budget, tp);
        const bool engine = io_has_poller();
        if (engine && !one_cpu() && poll_engine_until(std::min(now + std::chrono::microseconds(8), until))) {
            governor_.record(true);
            return true;
        }
        for (unsigned look = 0; std::chrono::steady_clock::now() < until; ++look) {
            // A process sharing this CPU (often the peer) runs first. With a user-space
            // engine the looks between yields cost no system call, so yield only every 8th.
            if (!engine || look % 8 == 0) sched_yield();
            // Right after the yield the peer that last sent has usually answered: read it
            // without asking epoll first (one system call instead of two).
            if ((look == 0 && io_try_hot()) || io_spin_look(look) > 0 || !rq_.empty()) {
                governor_.record(true);
                return true;
            }
        }
        governor_.record(false);
        return false;
    }

    /// With a user-space engine and a peer on another CPU, a reply over shared memory
    /// comes within a few microseconds: the first looks only progress the engine, with
    /// no system call (a yield or an epoll_wait costs 0.3-1 us here, and the reply that
    /// comes meanwhile waits for it). True when something came or a task became ready.
    bool poll_engine_until(std::chrono::steady_clock::time_point until) noexcept {
        do {
            for (int i = 0; i < 16; ++i)
                if (io_poll_engine() > 0 || !rq_.empty()) return true;
        } while (std::chrono::steady_clock::now() < until);
        return false;
    }

    /// Whether this process may run on one CPU only (taskset -c N): then its peer on the
    /// same host usually shares that CPU, and polling before yielding only delays it.
    static bool one_cpu() noexcept {
        static const bool one = [] {
            cpu_set_t set;
            return ::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1;
        }();
        return one;
    }

    void notify() noexcept override { wake_event_loop(); }

  private:
    bf::scheduler::ready_queue_type rq_;
    bf::context* dispatcher_ = nullptr;
    unsigned picks_ = 0;
    unsigned busy_looks_ = 0;
    SpinGovernor governor_;
};

/// Fiber stacks: mmap'd with a guard page (an overflow faults instead of corrupting the
/// heap), reused from a free list so starting a task costs no system call.
struct PooledStack {
    static std::size_t stack_size() {
        static const std::size_t sz = config::task_stack_kb() * 1024;
        return sz;
    }
    static std::vector<boost::context::stack_context>& pool() {
        // Never destroyed: tasks still start and end after this thread's thread-locals
        // are destroyed at exit (the exit guard's rmprocs, values freed with the peers).
        thread_local auto* p = new std::vector<boost::context::stack_context>;
        return *p;
    }
    boost::context::stack_context allocate() {
        auto& p = pool();
        if (!p.empty()) {
            auto s = p.back();
            p.pop_back();
            return s;
        }
        const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        const std::size_t total = stack_size() + page;
        void* vp = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (vp == MAP_FAILED) throw std::bad_alloc();
        ::mprotect(vp, page, PROT_NONE);
        asan::stack_mapped(static_cast<char*>(vp) + page, stack_size());
        boost::context::stack_context sc;
        sc.size = total;
        sc.sp = static_cast<char*>(vp) + total;
        return sc;
    }
    void deallocate(boost::context::stack_context& sc) noexcept {
        const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        asan::stack_released(static_cast<char*>(sc.sp) - sc.size + page, sc.size - page);
        auto& p = pool();
        if (p.size() < 4096) {  // 1,000s of tasks in flight reuse stacks, no mmap
            p.push_back(sc);
            return;
        }
        asan::stack_unmapped(static_cast<char*>(sc.sp) - sc.size + page, sc.size - page);
        ::munmap(static_cast<char*>(sc.sp) - sc.size, sc.size);
    }
};

asio::io_context* g_io = nullptr;
asio::executor_work_guard<asio::io_context::executor_type>* g_work = nullptr;  // poll() never stops
std::thread::id g_runtime_thread;

}  // namespace

asio::io_context& io() { return *g_io; }

void set_before_poll(void (*hook)()) { g_before_poll = hook; }
bool other_tasks_ready() { return g_algo && g_algo->has_ready_fibers(); }
bool ready_tasks() { return g_algo && g_algo->task_ready(); }

void install_scheduler() {
    if (g_io) return;
    // Never destroyed: tasks and handles may outlive main. Only this thread touches Asio
    // (other threads post through the event loop), so it needs no locks at all.
    g_io = new asio::io_context(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
    g_work = new asio::executor_work_guard<asio::io_context::executor_type>(g_io->get_executor());
    g_runtime_thread = std::this_thread::get_id();
    install_event_loop();
    bf::use_scheduling_algorithm<LoopAlgo>();
#ifdef WEFT_ASAN_FIBERS
    std::atexit([] { asan::at_exit(); });  // runs before LeakSanitizer's check (registered at start)
#endif
}
bool scheduler_installed() { return g_io != nullptr; }
bool on_runtime_thread() { return g_io && std::this_thread::get_id() == g_runtime_thread; }
bool in_task() { return !bf::context::active()->is_context(bf::type::dispatcher_context); }

namespace {
std::atomic<std::size_t> g_tasks_live{0}, g_tasks_blocked{0};
}
std::size_t tasks_live() { return g_tasks_live.load(std::memory_order_relaxed); }
std::size_t tasks_blocked() { return g_tasks_blocked.load(std::memory_order_relaxed); }
BlockedWhile::BlockedWhile() { g_tasks_blocked.fetch_add(1, std::memory_order_relaxed); }
BlockedWhile::~BlockedWhile() { g_tasks_blocked.fetch_sub(1, std::memory_order_relaxed); }
WaitUncounted::WaitUncounted() { g_tasks_blocked.fetch_sub(1, std::memory_order_relaxed); }
WaitUncounted::~WaitUncounted() { g_tasks_blocked.fetch_add(1, std::memory_order_relaxed); }

void launch(std::function<void()> fn) {
    bf::fiber(bf::launch::post, std::allocator_arg, PooledStack{}, [fn = std::move(fn)] {
        asan::landed();
        struct Live {
            Live() { g_tasks_live.fetch_add(1, std::memory_order_relaxed); }
            ~Live() { g_tasks_live.fetch_sub(1, std::memory_order_relaxed); }
        } live;
        try {
            fn();
        } catch (...) {
            log_error("a task ended with an uncaught exception:\n", describe(std::current_exception()));
        }
        asan::task_ending();
    }).detach();
}

void post_to_runtime(std::function<void()> fn) { post_to_event_loop(std::move(fn)); }

void Event::wait() {
    check_not_in_threadcall("a blocking weft operation");
    if (set_) return;
    bf::context* me = bf::context::active();
    waiters_.push_back(me);
    BlockedWhile blocked;
    me->suspend();
    asan::landed();
}

bool Event::wait_for(std::chrono::nanoseconds d) {
    check_not_in_threadcall("a blocking weft operation");
    if (set_) return true;
    struct State { bool fired = false; bool done = false; };
    auto st = std::make_shared<State>();
    bf::context* me = bf::context::active();
    asio::steady_timer t(io(), d);
    t.async_wait([this, st, me](const boost::system::error_code& ec) {
        if (ec || st->done) return;
        auto it = std::find(waiters_.begin(), waiters_.end(), me);
        if (it == waiters_.end()) return;  // set() already woke this task
        waiters_.erase(it);
        st->fired = true;
        bf::context::active()->schedule(me);
    });
    waiters_.push_back(me);
    {
        BlockedWhile blocked;
        me->suspend();
        asan::landed();
    }
    st->done = true;
    t.cancel();
    return !st->fired;
}

void Event::set() {
    set_ = true;
    if (waiters_.empty()) return;
    std::vector<bf::context*> w;
    w.swap(waiters_);
    bf::context* self = bf::context::active();
    for (bf::context* c : w) self->schedule(c);
}

}  // namespace weft::rt
