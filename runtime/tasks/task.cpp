// runtime/tasks/task.cpp — local tasks (async), sync scopes, yield and sleep.
#include <boost/fiber/fss.hpp>
#include <boost/fiber/operations.hpp>
#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "log.hpp"
#include "tasks/asan_fibers.hpp"
#include "tasks/fiber.hpp"
#include "threads/hooks.hpp"
#include "weft/exceptions.hpp"
#include "weft/future.hpp"
#include "weft/task.hpp"

namespace weft::rt {
extern std::atomic<bool> g_interrupt_pending;
}

namespace weft::detail {
using namespace weft::rt;

class TaskCore {
  public:
    Event done;
    std::exception_ptr error;
};

namespace {
/// What a sync block waits for, in the order things were started.
struct SyncScope {
    SyncScope* parent = nullptr;
    std::vector<std::function<void()>> waits;  // each waits for one thing, throwing its error
};

/// The innermost sync scope of the current task (inherited by the tasks it starts). The
/// slot holds the pointer itself and owns nothing (the sync block owns its scope): no
/// allocation per task, and nothing left behind by the main task, whose fiber-specific
/// data is never cleaned up.
void keep_scope(SyncScope*) {}
boost::fibers::fiber_specific_ptr<SyncScope>& slot() {
    static boost::fibers::fiber_specific_ptr<SyncScope> s(keep_scope);
    return s;
}
SyncScope* current_scope() { return slot().get(); }
void set_current_scope(SyncScope* sc) { slot().reset(sc); }

void check_interrupt() {
    if (g_interrupt_pending.exchange(false)) throw InterruptException(weft::myid());
}
}  // namespace

std::shared_ptr<TaskCore> start_task(std::function<void()> body) {
    check_not_in_threadcall("weft::async");
    auto core = std::make_shared<TaskCore>();
    SyncScope* inherited = current_scope();
    launch([core, body = std::move(body), inherited] {
        if (inherited) set_current_scope(inherited);
        try {
            body();
        } catch (...) {
            core->error = std::current_exception();
        }
        core->done.set();
    });
    return core;
}

void task_wait(TaskCore& t) {
    check_not_in_threadcall("weft::wait/fetch of a Task");
    t.done.wait();
    if (t.error) std::rethrow_exception(t.error);
}
bool task_done(const TaskCore& t) { return t.done.is_set(); }

void sync_track_task(std::shared_ptr<TaskCore> t) {
    if (SyncScope* s = current_scope()) s->waits.push_back([t] { task_wait(*t); });
}

void sync_track_future(std::shared_ptr<RefHandle> f) {
    if (SyncScope* s = current_scope()) s->waits.push_back([f] { ref_wait(*f); });
}

void* sync_begin() {
    check_not_in_threadcall("weft::sync");
    auto* s = new SyncScope;
    s->parent = current_scope();
    set_current_scope(s);
    return s;
}

void sync_end(void* p, std::exception_ptr block_error) {
    std::unique_ptr<SyncScope> s(static_cast<SyncScope*>(p));
    std::vector<std::exception_ptr> errors;
    if (block_error) errors.push_back(block_error);
    // Tasks started inside may start more: wait until the list stops growing.
    for (std::size_t i = 0; i < s->waits.size(); ++i) {
        try {
            s->waits[i]();
        } catch (...) {
            errors.push_back(std::current_exception());
        }
    }
    set_current_scope(s->parent);
    if (errors.empty()) return;
    if (errors.size() == 1 && block_error) std::rethrow_exception(block_error);
    throw CompositeException(std::move(errors));
}

void sleep_ns(long long ns) {
    if (ns < 0)
        throw std::invalid_argument("weft::sleep: negative duration (" + std::to_string(ns) + " ns) on process " +
                                    std::to_string(myid()) + ": pass a duration >= 0");
    check_not_in_threadcall("weft::sleep");
    check_interrupt();
    {
        BlockedWhile blocked;
        boost::this_fiber::sleep_for(std::chrono::nanoseconds(ns));
        asan::landed();
    }
    check_interrupt();
}

}  // namespace weft::detail

namespace weft {
void yield() {
    rt::check_not_in_threadcall("weft::yield");
    detail::check_interrupt();
    boost::this_fiber::yield();
    rt::asan::landed();
}
}  // namespace weft
