// runtime/pools/worker_pool.cpp — pool membership: free lists, exited workers leaving
// every pool, and the default pool following the cluster's workers; pools sent to other
// processes (proxies whose operations are remote calls to the pool's creator).
#include "weft/worker_pool.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "pools/pools.hpp"
#include "remote_refs.hpp"
#include "weft/remote.hpp"

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
    static std::uint64_t next_id = 0;
    s->id = ++next_id;
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

// ---------------------------------------------------------------- pools on other processes

namespace {
/// The value stored on a pool's owner behind a proxy's anchor reference: it holds the
/// pool, so the pool lives while any proxy (anywhere) holds the reference; the
/// cluster-wide count of the reference frees it. Nothing of it travels.
struct PoolAnchor {
    std::shared_ptr<PoolState> state;
    template <class A>
    void serialize(A&) {}
};

/// The pool `id` of this process, for a proxy's call.
PoolState& served(std::uint64_t id) {
    for (auto& w : registry())
        if (auto s = w.lock(); s && s->id == id) return *s;
    throw std::logic_error("weft: process " + std::to_string(weft::myid()) + " has no worker pool #" +
                           std::to_string(id) + " (it was freed); a pool is kept while a handle of it exists on "
                           "any process, so this is a bug in weft: please report it");
}

void pool_serve_push(std::uint64_t id, int pid) {
    auto& s = served(id);
    if (s.members.insert(pid).second) {
        s.free.push_back(pid);
        s.cond.notify_all();
    }
}
void pool_serve_put(std::uint64_t id, int pid) { pool_put(served(id), pid); }
/// Takes a worker for process `caller`; if the caller died while waiting, the worker goes
/// back to the pool (the answer would reach no one).
int pool_serve_take(std::uint64_t id, int caller) {
    auto& s = served(id);
    const int w = pool_take(s);
    if (!alive(caller)) pool_put(s, w);
    return w;
}
std::size_t pool_serve_length(std::uint64_t id) {
    auto& s = served(id);
    pool_sync(s);
    return s.members.size();
}
bool pool_serve_isready(std::uint64_t id) {
    auto& s = served(id);
    pool_sync(s);
    return !s.free.empty();
}
std::vector<int> pool_serve_workers(std::uint64_t id) {
    auto& s = served(id);
    pool_sync(s);
    return {s.members.begin(), s.members.end()};
}
void pool_serve_wait(std::uint64_t id) { pool_wait(served(id)); }
}  // namespace
}  // namespace detail
}  // namespace weft

WEFT_REMOTE(weft::detail::pool_serve_push, weft::detail::pool_serve_put, weft::detail::pool_serve_take,
            weft::detail::pool_serve_length, weft::detail::pool_serve_isready, weft::detail::pool_serve_workers,
            weft::detail::pool_serve_wait)

namespace weft {
namespace detail {

void pool_remote_push(const PoolLink& r, int pid) { remotecall_fetch(pool_serve_push, r.owner, r.id, pid); }
void pool_remote_put(const PoolLink& r, int pid) { remotecall_fetch(pool_serve_put, r.owner, r.id, pid); }
int pool_remote_take(const PoolLink& r) { return remotecall_fetch(pool_serve_take, r.owner, r.id, weft::myid()); }
std::size_t pool_remote_length(const PoolLink& r) { return remotecall_fetch(pool_serve_length, r.owner, r.id); }
bool pool_remote_isready(const PoolLink& r) { return remotecall_fetch(pool_serve_isready, r.owner, r.id); }
std::vector<int> pool_remote_workers(const PoolLink& r) { return remotecall_fetch(pool_serve_workers, r.owner, r.id); }
void pool_remote_wait(const PoolLink& r) { remotecall_fetch(pool_serve_wait, r.owner, r.id); }

void pool_save(const std::shared_ptr<PoolState>& s, const std::shared_ptr<PoolLink>& r, OutArchive& ar) {
    if (r) {  // a proxy passes on its owner's pool and its own anchor (counted for the receiver)
        Future<PoolAnchor> anchor(r->anchor);
        ar(static_cast<std::int32_t>(r->owner), r->id, anchor);
        return;
    }
    // The owner: a new reference stored here holding the pool, as a call run here would
    // store its result (never cached in the handle, so it travels as a counted reference).
    const int me = weft::myid();
    auto h = ref_for_call(me, CallSite("weft::WorkerPool (sent to another process)", 0, 0));
    const RRID rid = ref_id(*h);
    rt::stored_begin_call(rid, me);
    rt::stored_set_value(rid, make_value(PoolAnchor{s}));
    rt::stored_end_call(rid);
    Future<PoolAnchor> anchor(std::move(h));
    ar(static_cast<std::int32_t>(me), s->id, anchor);
}

void pool_load(InArchive& ar, std::shared_ptr<PoolState>& s, std::shared_ptr<PoolLink>& r) {
    std::int32_t owner = 0;
    std::uint64_t id = 0;
    Future<PoolAnchor> anchor{std::shared_ptr<RefHandle>()};
    ar(owner, id, anchor);
    if (owner == weft::myid()) {  // back home: the pool itself (the anchor holds it until here)
        for (auto& w : registry())
            if (auto st = w.lock(); st && st->id == id) {
                s = std::move(st);
                r.reset();
                return;
            }
        served(id);  // throws: the pool is gone
    }
    s.reset();
    r = std::make_shared<PoolLink>(PoolLink{owner, id, anchor.handle_ptr()});
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
