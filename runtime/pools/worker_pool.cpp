// runtime/pools/worker_pool.cpp — pool membership: free lists, exited workers leaving
// every pool, and the default pool following the cluster's workers.
#include "weft/worker_pool.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "pools/pools.hpp"

namespace weft {
namespace detail {
namespace {
std::vector<std::weak_ptr<PoolState>>& registry() {
    static std::vector<std::weak_ptr<PoolState>> r;
    return r;
}
bool alive(int pid) {
    auto ps = weft::procs();
    return std::binary_search(ps.begin(), ps.end(), pid);
}
void drop(PoolState& s, int pid) {
    s.members.erase(pid);
    std::erase(s.free, pid);
}
}  // namespace

void pool_register(const std::shared_ptr<PoolState>& s) {
    auto& r = registry();
    std::erase_if(r, [](const std::weak_ptr<PoolState>& w) { return w.expired(); });
    r.push_back(s);
}

void pool_sync(PoolState& s) {
    if (s.follows_cluster) {
        const auto ws = weft::workers();
        for (int m : std::vector<int>(s.members.begin(), s.members.end()))
            if (!std::binary_search(ws.begin(), ws.end(), m)) drop(s, m);
        for (int w : ws)
            if (s.members.insert(w).second) s.free.push_back(w);
        return;
    }
    for (int m : std::vector<int>(s.members.begin(), s.members.end()))
        if (!alive(m)) drop(s, m);
}

int pool_take(PoolState& s) {
    for (;;) {
        pool_sync(s);
        if (!s.free.empty()) {
            int w = s.free.front();
            s.free.pop_front();
            return w;
        }
        if (s.members.empty())
            throw std::runtime_error("weft: process " + std::to_string(weft::myid()) +
                                     ": the worker pool has no workers (they were never added, were removed or "
                                     "exited); push() workers into it or addprocs() more");
        s.cond.wait();
    }
}

void pool_wait(PoolState& s) {
    for (;;) {
        pool_sync(s);
        if (!s.free.empty()) return;
        if (s.members.empty())
            throw std::runtime_error("weft: process " + std::to_string(weft::myid()) +
                                     ": wait on a worker pool with no workers (they were never added, were removed "
                                     "or exited); push() workers into it or addprocs() more");
        s.cond.wait();
    }
}

void pool_put(PoolState& s, int pid) {
    if (!s.members.count(pid) || !alive(pid)) return;
    if (std::find(s.free.begin(), s.free.end(), pid) != s.free.end()) return;
    s.free.push_back(pid);
    s.cond.notify_all();  // takers and wait(pool) alike
}
}  // namespace detail

WorkerPool& default_worker_pool() {
    static WorkerPool* pool = [] {
        auto s = std::make_shared<detail::PoolState>();
        s->follows_cluster = true;
        detail::pool_register(s);
        return new WorkerPool(s);  // never destroyed: tasks may use it during exit
    }();
    return *pool;
}

void default_worker_pool(const WorkerPool& pool) { default_worker_pool() = pool; }

}  // namespace weft

namespace weft::rt {
void pools_workers_changed() {
    for (auto& w : detail::registry()) {
        if (auto s = w.lock()) {
            detail::pool_sync(*s);
            s->cond.notify_all();  // waiters re-check: a worker joined, or none is left
        }
    }
}
}  // namespace weft::rt
