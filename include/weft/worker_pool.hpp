// weft/worker_pool.hpp — worker pools (Julia's WorkerPool, CachingPool,
// default_worker_pool, remote): a set of workers handed out one call at a time, so that
// a caller takes a free worker, runs a call there and gives the worker back.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <typeindex>
#include <utility>
#include <vector>

#include "cluster.hpp"
#include "condition.hpp"
#include "future.hpp"
#include "remotecall.hpp"
#include "task.hpp"

namespace weft {

/// The interface of worker pools. Pools live on the process that made them and are used
/// from the tasks of a process (not thread-safe); a WorkerPool sent elsewhere arrives as
/// a proxy that calls its creator. A worker that exits leaves every pool; a task
/// waiting in take() on a pool left with no workers gets std::runtime_error.
class AbstractWorkerPool {
  public:
    virtual ~AbstractWorkerPool() = default;
    /// Adds worker `pid` to the pool (free).
    virtual void push(int pid) = 0;
    /// Gives back a worker taken with take() (ignored if it has left the pool or exited).
    virtual void put(int pid) = 0;
    /// Waits for a free worker and takes it.
    virtual int take() = 0;
    /// Number of workers in the pool, busy or free.
    virtual std::size_t length() = 0;
    /// True if a worker is free now.
    virtual bool isready() = 0;
    /// The workers in the pool, ascending.
    virtual std::vector<int> workers() = 0;
    /// Waits until a worker is free (it stays free). Throws as take() for a pool left with
    /// no workers. The default takes a worker and gives it back.
    virtual void wait() { put(take()); }
};

namespace detail {
/// Membership shared by WorkerPool copies; registered so that exited workers leave it.
struct PoolState {
    std::set<int> members;
    std::deque<int> free;
    Condition cond;
    bool follows_cluster = false;  // the default pool: members are weft::workers()
    std::uint64_t id = 0;          // unique on this process (set by pool_register)
};
/// A pool received from another process (a proxy): every operation goes to `owner`, the
/// process that made pool `id`; `anchor` is a reference stored there that keeps the pool
/// alive on its owner while any proxy of it exists anywhere (Julia: the pool's
/// RemoteChannel on its creator).
struct PoolLink {
    int owner = 0;
    std::uint64_t id = 0;
    std::shared_ptr<RefHandle> anchor;
};
void pool_register(const std::shared_ptr<PoolState>& s);
void pool_sync(PoolState& s);  ///< drops exited workers; the default pool also adds new ones
int pool_take(PoolState& s);
void pool_wait(PoolState& s);  ///< until a worker is free (throws as pool_take)
void pool_put(PoolState& s, int pid);
// A proxy's operations, run on the pool's owner (remote calls).
void pool_remote_push(const PoolLink& r, int pid);
void pool_remote_put(const PoolLink& r, int pid);
int pool_remote_take(const PoolLink& r);
std::size_t pool_remote_length(const PoolLink& r);
bool pool_remote_isready(const PoolLink& r);
std::vector<int> pool_remote_workers(const PoolLink& r);
void pool_remote_wait(const PoolLink& r);
/// Writes a pool for another process: (owner, id, anchor). On the owner, makes a new
/// anchor that holds the pool's state; a proxy forwards its own.
void pool_save(const std::shared_ptr<PoolState>& s, const std::shared_ptr<PoolLink>& r, OutArchive& ar);
/// Reads a pool: on its owner, the pool itself (local again); elsewhere, a proxy.
void pool_load(InArchive& ar, std::shared_ptr<PoolState>& s, std::shared_ptr<PoolLink>& r);
}  // namespace detail

/// A pool of the given workers. Copies are handles to the same pool.
///
/// A WorkerPool sent to another process (an argument of a remote call, a value in a
/// channel, a capture of a shipped closure) arrives there as a proxy of the same pool, as
/// in Julia: its take/put/push/length/isready/workers/wait are remote calls to the
/// pool's creator, so a worker borrows the creator's workers (remotecall(f, pool, ...),
/// pmap(f, pool, ...) and wait(pool) work there) and the creator sees them busy. The pool
/// lives on its creator while any handle or proxy of it exists anywhere. A proxy sent
/// back to the creator is the local pool again. A process that dies holding a worker it
/// took does not give it back (as Julia; push() it again); one that dies while its take()
/// waits takes nothing.
/// Example:
///   weft::WorkerPool pool({2, 3});
///   auto r = weft::pmap(work, pool, items);
///   int w = weft::remotecall_fetch(borrow_one, 4, pool);   // worker 4 takes 2 or 3
class WorkerPool : public AbstractWorkerPool {
  public:
    explicit WorkerPool(const std::vector<int>& pids = {}) : s_(std::make_shared<detail::PoolState>()) {
        for (int p : pids) push(p);
        detail::pool_register(s_);
    }
    void push(int pid) override {
        if (r_) return detail::pool_remote_push(*r_, pid);
        if (s_->members.insert(pid).second) {
            s_->free.push_back(pid);
            s_->cond.notify_all();  // takers and wait(pool) alike
        }
    }
    void put(int pid) override {
        if (r_) return detail::pool_remote_put(*r_, pid);
        detail::pool_put(*s_, pid);
    }
    int take() override {
        if (r_) return detail::pool_remote_take(*r_);
        return detail::pool_take(*s_);
    }
    std::size_t length() override {
        if (r_) return detail::pool_remote_length(*r_);
        detail::pool_sync(*s_);
        return s_->members.size();
    }
    bool isready() override {
        if (r_) return detail::pool_remote_isready(*r_);
        detail::pool_sync(*s_);
        return !s_->free.empty();
    }
    std::vector<int> workers() override {
        if (r_) return detail::pool_remote_workers(*r_);
        detail::pool_sync(*s_);
        return {s_->members.begin(), s_->members.end()};
    }
    void wait() override {
        if (r_) return detail::pool_remote_wait(*r_);
        detail::pool_wait(*s_);
    }
    /// The process that made the pool (myid() unless this is a proxy of another's pool).
    int owner() const { return r_ ? r_->owner : myid(); }

    void save(OutArchive& ar) const { detail::pool_save(s_, r_, ar); }
    void load(InArchive& ar) { detail::pool_load(ar, s_, r_); }

  protected:
    explicit WorkerPool(std::shared_ptr<detail::PoolState> s) : s_(std::move(s)) {}
    std::shared_ptr<detail::PoolState> s_;  ///< the pool (null in a proxy)
    std::shared_ptr<detail::PoolLink> r_;   ///< a proxy's link to the owner's pool (null for a local pool)
    friend WorkerPool& default_worker_pool();
};

/// A WorkerPool that keeps each function object it runs on a worker after the first call
/// there, so that its data (a translator closure's captures, a big table) crosses once
/// per worker instead of once per call. clear() drops the cached copies.
///
/// Sent to another process, a CachingPool arrives as a CachingPool over the same workers
/// (a proxy of the creator's pool, as a WorkerPool) with an empty cache of its own: the
/// cache is per process (each process that calls through the pool sends its function
/// objects once per worker; clear() clears this process's cache only).
/// Example:
///   weft::CachingPool pool(weft::workers());
///   auto r = weft::pmap(Lookup{big_table}, pool, keys);   // big_table sent once per worker
class CachingPool : public WorkerPool {
  public:
    explicit CachingPool(const std::vector<int>& pids = {}) : WorkerPool(pids), cache_(std::make_shared<Cache>()) {}

    /// Forgets the cached function objects (the workers free them).
    void clear() { cache_->clear(); }

    void save(OutArchive& ar) const { WorkerPool::save(ar); }
    /// The same workers, with a new, empty cache (the cache is per process).
    void load(InArchive& ar) {
        WorkerPool::load(ar);
        cache_ = std::make_shared<Cache>();
    }

    /// The Future holding `f` on `pid`, made by the first call.
    template <class F>
    Future<F> cached(const F& f, int pid) {
        auto key = std::make_pair(std::type_index(typeid(F)), pid);
        auto it = cache_->find(key);
        if (it == cache_->end())
            it = cache_->emplace(key, std::make_shared<Future<F>>(remotecall(Keep<F>{}, pid, f))).first;
        return *std::static_pointer_cast<Future<F>>(it->second);
    }

  private:
    template <class F>
    struct Keep {
        F operator()(F f) const { return f; }
    };
    using Cache = std::map<std::pair<std::type_index, int>, std::shared_ptr<void>>;
    std::shared_ptr<Cache> cache_;
};

/// The pool of all workers (Julia's default_worker_pool): workers added later join it,
/// removed or exited ones leave it; {1} when there are no workers. After
/// default_worker_pool(pool), the pool given there.
WorkerPool& default_worker_pool();
/// Makes `pool` the default pool (Julia's default_worker_pool!): pmap, remote() and the
/// pool calls without a pool use it from now on, and references returned by
/// default_worker_pool() earlier refer to it too. Keep a copy of the old default to put
/// it back. A CachingPool given here acts as a WorkerPool (its cache is not used).
/// Example: `weft::WorkerPool saved = weft::default_worker_pool(); weft::default_worker_pool(weft::WorkerPool({2}));`
void default_worker_pool(const WorkerPool& pool);

/// Waits until a worker of `pool` is free (Julia's wait(pool)). Blocks the calling task.
inline void wait(AbstractWorkerPool& pool) { pool.wait(); }

namespace detail {
/// Gives worker `w` back to `pool` when it goes out of scope.
struct GiveBack {
    AbstractWorkerPool& pool;
    int w;
    ~GiveBack() { pool.put(w); }
};
/// Runs f on a worker of `pool`: one taken, used, given back (not if it exited).
template <class F, class... A>
auto pool_call_fetch(AbstractWorkerPool& pool, const F& f, A&&... a) {
    const int w = pool.take();
    GiveBack give_back{pool, w};
    return remotecall_fetch(f, w, std::forward<A>(a)...);
}
}  // namespace detail

/// Runs f(args...) on a free worker of `pool` (taken, then given back when the call has
/// finished) and returns its Future at once (Julia's remotecall(f, pool, args...)). The
/// pool must outlive the call unless it is a WorkerPool (whose handle the call keeps).
/// Example: `auto f = weft::remotecall(work, pool, 3); int v = weft::fetch(f);`
template <class F, class... Args>
Future<detail::call_result_t<F, Args...>> remotecall(F&& f, AbstractWorkerPool& pool, Args&&... args) {
    const int w = pool.take();
    auto fut = [&] {
        try {
            return remotecall(std::forward<F>(f), w, std::forward<Args>(args)...);
        } catch (...) {
            pool.put(w);
            throw;
        }
    }();
    std::function<void()> give_back;
    if (auto* wp = dynamic_cast<WorkerPool*>(&pool)) give_back = [h = *wp, w]() mutable { h.put(w); };
    else give_back = [&pool, w] { pool.put(w); };
    detail::start_task([fut, give_back] {
        try {
            detail::ref_wait(fut.handle());
        } catch (...) {  // the caller sees the error through its Future
        }
        give_back();
    });
    return fut;
}

/// Runs f(args...) on a free worker of `pool` and waits for its value; the worker is given
/// back (Julia's remotecall_fetch(f, pool, args...)). Blocks the calling task.
template <class F, class... Args>
detail::call_result_t<F, Args...> remotecall_fetch(F&& f, AbstractWorkerPool& pool, Args&&... args) {
    return detail::pool_call_fetch(pool, std::forward<F>(f), std::forward<Args>(args)...);
}

/// Runs f(args...) on a free worker of `pool`, waits until it has finished, gives the
/// worker back and returns the Future (Julia's remotecall_wait(f, pool, args...)).
template <class F, class... Args>
Future<detail::call_result_t<F, Args...>> remotecall_wait(F&& f, AbstractWorkerPool& pool, Args&&... args) {
    const int w = pool.take();
    detail::GiveBack give_back{pool, w};
    return remotecall_wait(std::forward<F>(f), w, std::forward<Args>(args)...);
}

/// Sends f(args...) to a free worker of `pool` and gives the worker back at once; nothing
/// comes back (Julia's remote_do(f, pool, args...)).
template <class F, class... Args>
void remote_do(F&& f, AbstractWorkerPool& pool, Args&&... args) {
    const int w = pool.take();
    detail::GiveBack give_back{pool, w};
    remote_do(std::forward<F>(f), w, std::forward<Args>(args)...);
}

/// A callable that runs f(args...) on a free worker of `pool` and returns its value
/// (Julia's remote(pool, f)). Example: `auto g = weft::remote(pool, work); int v = g(3);`
template <class F>
auto remote(AbstractWorkerPool& pool, F f) {
    return [&pool, f](auto&&... args) { return detail::pool_call_fetch(pool, f, std::forward<decltype(args)>(args)...); };
}
/// remote(default_worker_pool(), f).
template <class F>
auto remote(F f) {
    return remote(default_worker_pool(), std::move(f));
}

}  // namespace weft
