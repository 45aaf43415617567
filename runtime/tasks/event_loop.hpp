// runtime/tasks/event_loop.hpp — the runtime thread's one epoll set. Peer connections sit
// in it directly (level-triggered: one recv per readiness, no read that only says EAGAIN,
// no per-read re-arming); Asio's reactor (timers, handshakes, accepts, child pipes) sits in
// it as one nested descriptor; an eventfd brings work posted from other threads.
// docs/design.md ("The event loop") says why and what it saved.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>

namespace weft::rt {

/// Something with a descriptor in the event loop; on_io runs on the runtime thread, outside
/// any task, with the epoll events that are ready. It must not block.
class IoHandler {
  public:
    virtual void on_io(std::uint32_t events) = 0;
    /// Reads without being told the descriptor is readable (see io_try_hot); true when
    /// it got something. Must not block.
    virtual bool try_read() { return false; }

  protected:
    ~IoHandler() = default;
};

/// Watches fd for `events` (EPOLLIN and/or EPOLLOUT; 0 removes it, after which h may be
/// destroyed: events already collected for it are dropped). Runtime thread only.
void io_watch(int fd, IoHandler* h, std::uint32_t events, std::uint32_t previous);

/// Marks h as the handler that last received data. A waiting process usually waits for
/// that same peer: io_try_hot reads it directly, without an epoll_wait first.
void io_mark_hot(IoHandler* h);
/// Tries the hot handler's read; true when it got data. At most 4 times in a row between
/// two run_io calls, so the other descriptors are never starved.
bool io_try_hot();

/// Sets the engine poller (one; the UCX transport's): run_io calls it first, with true
/// when it means to sleep. It progresses its engine and returns how many things it did;
/// with true and nothing done it must arm its descriptor (in this set) so that epoll
/// wakes for what comes next. Anything done makes run_io only look, not sleep.
void io_set_poller(std::size_t (*poll)(bool before_sleep));
/// Called by the poller instead of arming, when it cannot arm: the run_io that called it
/// sleeps at most `cap` (then looks again) instead of until its deadline.
void io_cap_sleep(std::chrono::nanoseconds cap);

/// Creates the epoll set around the runtime's io_context (called by install_scheduler).
void install_event_loop();
/// Waits for I/O until `deadline` (time_point::min() or a past one: just looks; max():
/// as long as it takes), then runs what is ready:
/// handlers, Asio completions, work posted from other threads. Returns how many ran.
std::size_t run_io(std::chrono::steady_clock::time_point deadline);
/// One look of the scheduler's spin (look counts from 0 in each spin). Without an engine
/// poller it is run_io(now). With one (UCX, progressed in user space without a system
/// call), only every 8th look also asks epoll; the others only progress the engine, so a
/// shared-memory reply is seen within a fraction of a microsecond instead of behind an
/// epoll_wait. Returns how many things ran.
std::size_t io_spin_look(unsigned look);
/// Progresses the engine once, without a system call (0 without an engine); how many
/// things it did.
std::size_t io_poll_engine();
/// Whether an engine poller is set (the spin then also yields only every 8th look).
bool io_has_poller();
/// How many times run_io ran on this process (weft::debug::event_loop_turns): the looks
/// that ask epoll, not the engine-only looks of a spin.
std::size_t io_turns();
/// Wakes run_io from any thread.
void wake_event_loop();
/// Queues fn to run on the runtime thread (any thread may call it).
void post_to_event_loop(std::function<void()> fn);

}  // namespace weft::rt
