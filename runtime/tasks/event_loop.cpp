// runtime/tasks/event_loop.cpp — the runtime thread's epoll set (see event_loop.hpp).
//
// Asio's reactor is an epoll set of its own; its descriptor is in ours, so one epoll_wait
// waits for both. Asio is polled only when its set has something ready. One thing does not
// make its set ready by itself: a completion queued on this thread outside io_context::poll
// (an operation that finished at once, a cancelled timer). Asio interrupts its reactor for
// such a completion only when it believes the reactor is blocked, and after poll() it
// believes the opposite. Here the reactor is blocked, inside our epoll_wait, so after each
// poll we tell Asio so (the scheduler's task_interrupted_ flag, Boost 1.74's name): the next
// such completion then interrupts the reactor, which makes its set, and so ours, ready.
// Other threads never touch Asio: their work comes through post_to_event_loop.
#include "tasks/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/version.hpp>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "asio.hpp"
#include "log.hpp"

#if BOOST_VERSION < 107400 || BOOST_VERSION >= 109000
#error "weft's event loop reads two members of Boost.Asio's epoll reactor and scheduler, checked for Boost 1.74-1.89; check runtime/tasks/event_loop.cpp against this Boost"
#endif
#if defined(BOOST_ASIO_DISABLE_EPOLL) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#error "weft's event loop needs Boost.Asio's epoll reactor"
#endif

namespace weft::rt {

namespace {

// Access to two private members, by the explicit-instantiation rule (an explicit
// instantiation may name private members; the friend function hands the pointer out).
template <typename Tag, typename Tag::type M>
struct Expose {
    friend typename Tag::type member(Tag) { return M; }
};
struct ReactorFd {
    using type = int asio::detail::epoll_reactor::*;
    friend type member(ReactorFd);
};
struct TaskInterrupted {
    using type = bool asio::detail::scheduler::*;
    friend type member(TaskInterrupted);
};
template struct Expose<ReactorFd, &asio::detail::epoll_reactor::epoll_fd_>;
template struct Expose<TaskInterrupted, &asio::detail::scheduler::task_interrupted_>;

int g_ep = -1;
int g_wake = -1;
asio::detail::scheduler* g_asio_scheduler = nullptr;
char g_asio_tag, g_wake_tag;  // their addresses mark the two special descriptors

// The batch of events being handled: watching 0 events for a handler clears its entries.
epoll_event* g_batch = nullptr;
int g_batch_size = 0;

std::size_t (*g_poller)(bool) = nullptr;
std::chrono::nanoseconds g_sleep_cap{0};  // io_cap_sleep, for the run_io in progress
IoHandler* g_hot = nullptr;
int g_hot_streak = 0;

std::mutex g_posted_mu;
std::vector<std::function<void()>> g_posted;
std::atomic<bool> g_wake_pending{false};

[[noreturn]] void fail(const char* what) {
    log_error("the event loop cannot ", what, ": ", std::strerror(errno));
    std::abort();
}

std::size_t poll_asio() {
    std::size_t n = io().poll();
    g_asio_scheduler->*member(TaskInterrupted{}) = false;  // see the top of this file
    return n;
}

std::size_t run_posted() {
    // Drain the eventfd first, then clear the flag: the other order loses a wake-up. A
    // poster that set the flag after it was cleared writes the eventfd; if that write were
    // drained here, the flag would stay set with the eventfd empty, and every later post
    // would skip its write and never run (bench_threadcall hung; issue 17).
    std::uint64_t count;
    while (::read(g_wake, &count, sizeof count) < 0 && errno == EINTR) {
    }
    g_wake_pending.store(false);
    std::vector<std::function<void()>> work;
    {
        std::lock_guard<std::mutex> l(g_posted_mu);
        work.swap(g_posted);
    }
    for (auto& fn : work) fn();
    return work.size() + 1;  // the wake-up itself counts: a task may have been made ready
}

int wait(epoll_event* ev, int max, std::chrono::steady_clock::time_point deadline) {
    using namespace std::chrono;
    if (deadline == steady_clock::time_point::max()) return ::epoll_wait(g_ep, ev, max, -1);
    if (deadline == steady_clock::time_point::min()) return ::epoll_wait(g_ep, ev, max, 0);
    const auto left = deadline - steady_clock::now();
    if (left <= nanoseconds(0)) return ::epoll_wait(g_ep, ev, max, 0);
    static bool have_pwait2 = true;
    if (have_pwait2) {
        const auto ns = duration_cast<nanoseconds>(left).count();
        timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
        int n = ::epoll_pwait2(g_ep, ev, max, &ts, nullptr);
        if (n >= 0 || errno != ENOSYS) return n;
        have_pwait2 = false;
    }
    const auto ms = duration_cast<milliseconds>(left + milliseconds(1) - nanoseconds(1)).count();
    return ::epoll_wait(g_ep, ev, max, static_cast<int>(std::min<long long>(ms, 1 << 30)));
}

}  // namespace

void install_event_loop() {
    g_ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (g_ep < 0) fail("create its epoll set");
    g_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g_wake < 0) fail("create its eventfd");
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.ptr = &g_wake_tag;
    if (::epoll_ctl(g_ep, EPOLL_CTL_ADD, g_wake, &e) < 0) fail("watch its eventfd");
    auto& reactor = asio::use_service<asio::detail::epoll_reactor>(io());
    g_asio_scheduler = &asio::use_service<asio::detail::scheduler>(io());
    e.data.ptr = &g_asio_tag;
    if (::epoll_ctl(g_ep, EPOLL_CTL_ADD, reactor.*member(ReactorFd{}), &e) < 0) fail("watch Asio's reactor");
    g_asio_scheduler->*member(TaskInterrupted{}) = false;
}

void io_watch(int fd, IoHandler* h, std::uint32_t events, std::uint32_t previous) {
    if (events == previous) return;
    epoll_event e{};
    e.events = events;
    e.data.ptr = h;
    const int op = events == 0 ? EPOLL_CTL_DEL : previous == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (::epoll_ctl(g_ep, op, fd, &e) < 0 && op != EPOLL_CTL_DEL)
        log_error("the event loop cannot watch descriptor ", fd, ": ", std::strerror(errno));
    if (events == 0) {
        for (int i = 0; i < g_batch_size; ++i)
            if (g_batch[i].data.ptr == h) g_batch[i].data.ptr = nullptr;
        if (g_hot == h) g_hot = nullptr;
    }
}

void io_set_poller(std::size_t (*poll)(bool)) { g_poller = poll; }

void io_cap_sleep(std::chrono::nanoseconds cap) { g_sleep_cap = cap; }

void io_mark_hot(IoHandler* h) { g_hot = h; }

bool io_try_hot() {
    if (g_hot == nullptr || g_hot_streak >= 4) return false;
    if (!g_hot->try_read()) return false;
    ++g_hot_streak;
    return true;
}

namespace {
std::size_t g_turns = 0;  // run_io calls (weft::debug::event_loop_turns)
}  // namespace

std::size_t io_turns() { return g_turns; }

std::size_t run_io(std::chrono::steady_clock::time_point deadline) {
    ++g_turns;
    epoll_event ev[64];
    g_hot_streak = 0;
    std::size_t ran = 0;
    if (g_poller) {  // arms right before the wait: nothing may progress the engine between
        const bool sleeps = deadline == std::chrono::steady_clock::time_point::max() ||
                            (deadline != std::chrono::steady_clock::time_point::min() &&
                             deadline > std::chrono::steady_clock::now());
        g_sleep_cap = std::chrono::nanoseconds(0);
        ran = g_poller(sleeps);
        if (ran) deadline = std::chrono::steady_clock::time_point::min();
        else if (g_sleep_cap.count() > 0) deadline = std::min(deadline, std::chrono::steady_clock::now() + g_sleep_cap);
    }
    const int n = wait(ev, 64, deadline);
    if (n < 0) {
        if (errno != EINTR) log_error("epoll_wait failed: ", std::strerror(errno));
        return ran;
    }
    bool asio_ready = false;
    g_batch = ev;
    g_batch_size = n;
    for (int i = 0; i < n; ++i) {
        void* p = ev[i].data.ptr;
        if (p == nullptr) continue;  // stopped watching while this batch was handled
        if (p == &g_asio_tag) {
            asio_ready = true;
        } else if (p == &g_wake_tag) {
            ran += run_posted();
        } else {
            static_cast<IoHandler*>(p)->on_io(ev[i].events);
            ++ran;
        }
    }
    g_batch = nullptr;
    g_batch_size = 0;
    if (asio_ready) ran += poll_asio();
    return ran;
}

std::size_t io_spin_look(unsigned look) {
    if (g_poller == nullptr || look % 8 == 0) return run_io(std::chrono::steady_clock::time_point::min());
    return g_poller(false);
}

std::size_t io_poll_engine() { return g_poller ? g_poller(false) : 0; }

bool io_has_poller() { return g_poller != nullptr; }

void wake_event_loop() {
    if (g_wake_pending.exchange(true)) return;
    const std::uint64_t one = 1;
    while (::write(g_wake, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

void post_to_event_loop(std::function<void()> fn) {
    {
        std::lock_guard<std::mutex> l(g_posted_mu);
        g_posted.push_back(std::move(fn));
    }
    wake_event_loop();
}

}  // namespace weft::rt
