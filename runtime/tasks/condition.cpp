// runtime/tasks/condition.cpp — weft::Condition on Boost.Fiber contexts.
#include "weft/condition.hpp"

#include <boost/fiber/context.hpp>

#include "log.hpp"
#include "tasks/asan_fibers.hpp"
#include "tasks/fiber.hpp"
#include "threads/hooks.hpp"

namespace weft {
namespace bf = boost::fibers;

Condition::~Condition() {
    if (!waiters_.empty()) rt::log_warn("a weft::Condition was destroyed with ", waiters_.size(), " tasks waiting on it");
}

void Condition::wait() {
    rt::check_not_in_threadcall("a wait on a weft::Condition (a Channel's put, take, fetch or wait)");
    bf::context* me = bf::context::active();
    waiters_.push_back(me);
    rt::BlockedWhile blocked;
    me->suspend();
    rt::asan::landed();
}

bool Condition::notify_one() {
    if (waiters_.empty()) return false;
    auto* c = static_cast<bf::context*>(waiters_.front());
    waiters_.pop_front();
    bf::context::active()->schedule(c);
    return true;
}

std::size_t Condition::notify_all() {
    std::deque<void*> w;
    w.swap(waiters_);
    bf::context* self = bf::context::active();
    for (void* c : w) self->schedule(static_cast<bf::context*>(c));
    return w.size();
}

}  // namespace weft
