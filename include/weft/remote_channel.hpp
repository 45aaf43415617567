// weft/remote_channel.hpp — RemoteChannel<T>: a handle, usable from any process, to a
// channel that lives on process where() (Julia's RemoteChannel). Every operation runs on
// the owner; the handle travels inside messages as an identifier, and the owner frees the
// channel when no handle remains anywhere in the cluster. AbstractChannel<T> is the
// interface for user-defined channels behind a RemoteChannel.
#pragma once
#include <cstddef>
#include <exception>
#include <iterator>
#include <optional>
#include <string_view>
#include <tuple>
#include <memory>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "channel.hpp"
#include "cluster.hpp"
#include "exceptions.hpp"
#include "future.hpp"
#include "remotecall.hpp"

namespace weft {

/// A channel behind a RemoteChannel: implement it to put your own queue (a priority
/// queue, a bounded log, ...) on a process. Its operations run in the owner's tasks and
/// may block by waiting on weft primitives (weft::Condition, weft::Channel).
template <class T>
class AbstractChannel {
  public:
    virtual ~AbstractChannel() = default;
    virtual void put(T v) = 0;
    virtual T take() = 0;
    virtual T fetch() = 0;  ///< the next item, not removed
    virtual bool isready() = 0;
    virtual void wait() = 0;
    virtual void close() = 0;
    virtual bool isopen() = 0;
};

namespace detail {
/// A weft::Channel as an AbstractChannel.
template <class T>
class LocalChannel final : public AbstractChannel<T> {
  public:
    explicit LocalChannel(Channel<T> ch) : ch_(std::move(ch)) {}
    void put(T v) override { ch_.put(std::move(v)); }
    T take() override { return ch_.take(); }
    T fetch() override { return ch_.fetch(); }
    bool isready() override { return ch_.isready(); }
    void wait() override { ch_.wait(); }
    void close() override { ch_.close(); }
    bool isopen() override { return ch_.isopen(); }

  private:
    Channel<T> ch_;
};

// The owner's store holds channels beside Future values (runtime/remote_refs.cpp).
/// The value stored here under `id`, or null (not here, or not set yet).
std::shared_ptr<void> ref_local_value(const RRID& id);
/// Stores `v` here under `id` (an RRID created for this process).
void ref_store_local(const RRID& id, Value v);
[[noreturn]] void throw_no_channel(const RRID& id);
/// True on this process's runtime thread (where tasks run).
bool on_runtime_thread_now();
/// From another thread: runs job(ctx) in a new task on the runtime thread and blocks the
/// calling thread until it returns. job must not throw.
void run_in_runtime_task(void (*job)(void* ctx) noexcept, void* ctx);
template <class L>
void runtime_task_trampoline(void* ctx) noexcept { (*static_cast<L*>(ctx))(); }
/// Turns a remote InvalidStateException back into one (as a local channel throws).
[[noreturn]] void rethrow_channel_error(const RemoteException& e);

template <class T>
struct ChannelSlot {
    std::shared_ptr<AbstractChannel<T>> ch;
};

template <class T>
void store_channel(const RRID& id, std::shared_ptr<AbstractChannel<T>> ch) {
    Value v;
    v.ptr = std::make_shared<ChannelSlot<T>>(ChannelSlot<T>{std::move(ch)});
    v.type = &typeid(ChannelSlot<T>);
    v.save = [](const void*, OutArchive&) {
        throw std::logic_error("weft: a RemoteChannel's channel cannot be fetched as a value");
    };
    ref_store_local(id, std::move(v));
}

template <class T>
std::shared_ptr<AbstractChannel<T>> channel_at(const RRID& id) {
    auto p = ref_local_value(id);
    if (!p) throw_no_channel(id);
    return static_cast<ChannelSlot<T>*>(p.get())->ch;
}

template <class T, class R>
std::shared_ptr<AbstractChannel<T>> as_abstract_channel(R made) {
    if constexpr (std::is_same_v<std::decay_t<R>, Channel<T>>) return std::make_shared<LocalChannel<T>>(std::move(made));
    else return std::shared_ptr<AbstractChannel<T>>(std::move(made));
}

// The operations, as function objects that run on the owner (registered per T).
template <class T> struct ChannelMake {
    void operator()(RRID id, std::size_t capacity) const {
        store_channel<T>(id, std::make_shared<LocalChannel<T>>(Channel<T>(capacity)));
    }
};
template <class T, class F> struct ChannelMakeWith {
    F factory{};
    void operator()(RRID id) { store_channel<T>(id, as_abstract_channel<T>(factory())); }
    template <class A>
    void serialize(A& ar) {
        if constexpr (!std::is_empty_v<F>) ar(factory);
    }
};
template <class T> struct ChannelPut { void operator()(RRID id, T v) const { channel_at<T>(id)->put(std::move(v)); } };
template <class T> struct ChannelTake { T operator()(RRID id) const { return channel_at<T>(id)->take(); } };
template <class T> struct ChannelFetch { T operator()(RRID id) const { return channel_at<T>(id)->fetch(); } };
template <class T> struct ChannelIsReady { bool operator()(RRID id) const { return channel_at<T>(id)->isready(); } };
template <class T> struct ChannelWait { void operator()(RRID id) const { channel_at<T>(id)->wait(); } };
template <class T> struct ChannelClose { void operator()(RRID id) const { channel_at<T>(id)->close(); } };
template <class T> struct ChannelIsOpen { bool operator()(RRID id) const { return channel_at<T>(id)->isopen(); } };
}  // namespace detail

/// Makes the channel behind a RemoteChannel: a registered function or captureless lambda
/// returning std::shared_ptr<AbstractChannel<T>> (or std::unique_ptr, or a weft::Channel<T>).
template <class T>
using ChannelFactory = std::shared_ptr<AbstractChannel<T>> (*)();

/// A handle to a channel on process where(). Copies and deserialized copies (on any
/// process) refer to the same channel. Every operation runs on the owner; a blocked take
/// or put suspends only the calling task, on every process involved. If the owner exits,
/// operations throw ProcessExitedException.
/// Example:
///   weft::RemoteChannel<int> jobs(1, 32);       // on process 1, 32 items
///   weft::remote_do(worker_loop, 2, jobs);      // worker 2 takes from it
///   jobs.put(7);
template <class T>
class RemoteChannel {
  public:
    using value_type = T;

    /// A new weft::Channel<T>(1) on this process (Julia's RemoteChannel()).
    RemoteChannel() : RemoteChannel(myid(), 1) {}
    /// A new weft::Channel<T>(capacity) on process `pid`.
    explicit RemoteChannel(int pid, std::size_t capacity = 1) : h_(detail::ref_new(pid)) {
        detail::require_serializable<T>();
        if (pid == myid()) detail::ChannelMake<T>{}(id(), capacity);
        else remotecall_wait(detail::ChannelMake<T>{}, pid, id(), capacity);
    }

    /// The channel that `factory()` makes on process `pid` (a user AbstractChannel<T>).
    /// Example: `weft::RemoteChannel<int> rc(make_priority_channel, 2);`
    template <class F>
        requires(!std::is_integral_v<F> && std::is_invocable_v<F&>)
    RemoteChannel(F factory, int pid) : h_(detail::ref_new(pid)) {
        detail::require_serializable<T>();
        using G = detail::shippable_t<F>;
        detail::require_shippable<G>();
        detail::ChannelMakeWith<T, G> make{detail::shippable(std::move(factory))};
        if (pid == myid()) make(id());
        else remotecall_wait(make, pid, id());
    }

    /// Adds v, waiting while the channel is full. Throws InvalidStateException
    /// ("Channel is closed.") on a closed channel.
    void put(T v) { run<detail::ChannelPut<T>>(std::move(v)); }
    /// Removes and returns the oldest item, waiting for one; throws InvalidStateException
    /// on a closed, empty channel.
    T take() { return run<detail::ChannelTake<T>>(); }
    /// The oldest item, not removed (waits for one).
    T fetch() { return run<detail::ChannelFetch<T>>(); }
    bool isready() { return run<detail::ChannelIsReady<T>>(); }
    void wait() { run<detail::ChannelWait<T>>(); }
    void close() { run<detail::ChannelClose<T>>(); }
    bool isopen() { return run<detail::ChannelIsOpen<T>>(); }

    /// Iterates with take() until the channel is closed and empty (Julia's `for x in rc`);
    /// each step is one call to the owner. Other errors (the owner exited) propagate.
    /// Example: `for (int job : jobs) run(job);`
    using iterator = detail::TakeIterator<RemoteChannel>;
    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }

    int where() const { return detail::ref_where(*h_); }
    RRID id() const { return detail::ref_id(*h_); }

    void save(OutArchive& ar) const { detail::ref_save(*h_, ar, nullptr); }
    void load(InArchive& ar) { h_ = detail::ref_load(ar, nullptr); }

  private:
    friend class detail::TakeIterator<RemoteChannel>;
    /// take(), or nothing once the channel is closed and empty.
    std::optional<T> take_or_end() {
        try {
            return take();
        } catch (const InvalidStateException& e) {
            if (std::string_view(e.what()) != "Channel is closed.") throw;
            return std::nullopt;
        }
    }

    template <class Op, class... A>
    using op_result_t = decltype(Op{}(std::declval<RRID>(), std::declval<A>()...));

    template <class Op, class... A>
    op_result_t<Op, A...> run(A&&... a) {
        if (!detail::on_runtime_thread_now()) return from_other_thread<Op>(std::forward<A>(a)...);
        return run_here<Op>(std::forward<A>(a)...);
    }
    template <class Op, class... A>
    op_result_t<Op, A...> run_here(A&&... a) {
        if (where() == myid()) return Op{}(id(), std::forward<A>(a)...);
        try {
            return remotecall_fetch(Op{}, where(), id(), std::forward<A>(a)...);
        } catch (const RemoteException& e) {
            detail::rethrow_channel_error(e);
        }
    }

    /// A plain thread (std::thread, a weft::threads pool thread) blocks while a task of the
    /// runtime thread runs the operation, as Julia allows from any task on any thread.
    template <class Op, class... A>
    op_result_t<Op, A...> from_other_thread(A&&... a) {
        using R = op_result_t<Op, A...>;
        std::optional<std::conditional_t<std::is_void_v<R>, char, R>> result;
        std::exception_ptr error;
        auto job = [&]() noexcept {
            try {
                if constexpr (std::is_void_v<R>) {
                    run_here<Op>(std::forward<A>(a)...);
                    result.emplace();
                } else {
                    result.emplace(run_here<Op>(std::forward<A>(a)...));
                }
            } catch (...) {
                error = std::current_exception();
            }
        };
        detail::run_in_runtime_task(&detail::runtime_task_trampoline<decltype(job)>, &job);
        if (error) std::rethrow_exception(error);
        if constexpr (!std::is_void_v<R>) return R(std::move(*result));
    }

    std::shared_ptr<detail::RefHandle> h_;
};

namespace detail {
template <class T> struct is_handle<RemoteChannel<T>> : std::true_type {};

/// v[i] with one index, v(i, j, ...) with several.
template <class V, class... I>
decltype(auto) index_value(const V& v, const I&... i) {
    if constexpr (sizeof...(I) == 1) return (v[std::get<0>(std::forward_as_tuple(i...))]);
    else return v(i...);
}
template <class V, class... I>
using index_result_t = std::decay_t<decltype(index_value(std::declval<const V&>(), std::declval<const I&>()...))>;

template <class T, class... I>
struct FutureIndex {  // runs on the owner: the value is there, one element goes back
    index_result_t<T, I...> operator()(Future<T> f, I... i) const { return index_value(fetch(f), i...); }
};
template <class T, class... I>
struct ChannelIndex {
    index_result_t<T, I...> operator()(RRID id, I... i) const { return index_value(channel_at<T>(id)->fetch(), i...); }
};
bool ref_cached(const RefHandle&);
}  // namespace detail

/// The element (i) or (i, j, ...) of the value behind `f`, indexed where the value lives
/// (Julia's `f[i, j]`): only the element crosses the network. Indexed here when the
/// value is cached or stored here. One index uses `value[i]`, several `value(i, j, ...)`.
/// Blocks until the value is there; a remote error is rethrown as RemoteException.
/// Example: `auto m = weft::remotecall(make_matrix, 2); double x = weft::getindex(m, 1, 2);`
template <class T, class... I>
    requires(sizeof...(I) >= 1)
detail::index_result_t<T, I...> getindex(const Future<T>& f, I... i) {
    if (f.where() == myid() || detail::ref_cached(f.handle())) return detail::index_value(fetch(f), i...);
    return remotecall_fetch(detail::FutureIndex<T, I...>{}, f.where(), f, i...);
}

/// The element (i) or (i, j, ...) of the oldest item of `rc` (not removed), indexed on the
/// channel's owner (Julia's `rc[i]`). Waits for an item as fetch() does.
template <class T, class... I>
    requires(sizeof...(I) >= 1)
detail::index_result_t<T, I...> getindex(RemoteChannel<T>& rc, I... i) {
    if (rc.where() == myid()) return detail::ChannelIndex<T, I...>{}(rc.id(), i...);
    try {
        return remotecall_fetch(detail::ChannelIndex<T, I...>{}, rc.where(), rc.id(), i...);
    } catch (const RemoteException& e) {
        detail::rethrow_channel_error(e);
    }
}

}  // namespace weft
