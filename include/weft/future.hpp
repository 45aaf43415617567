// weft/future.hpp — Future<T>: a handle to a value that is (or will be) stored on process
// where(). Julia's Future: fetch caches, put is write-once, references are counted across
// the cluster so the owner frees the value once no handle remains.
#pragma once
#include <cstdint>
#include <memory>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "detail/call.hpp"
#include "serialize.hpp"

namespace weft {

int myid();

/// Identifies a remote reference across the cluster: the process that created it and a
/// number unique there (Julia's RRID).
struct RRID {
    int whence = 0;
    std::uint64_t id = 0;
    friend bool operator==(const RRID&, const RRID&) = default;
    template <class A>
    void serialize(A& ar) { ar(whence, id); }
};

namespace detail {
class RefHandle;  // runtime-owned state of one local handle (shared by all copies)
/// A new reference stored on `where`. `lazy`: the owner hears of it at first use (a
/// Future(pid)); otherwise at once (a RemoteChannel, whose channel is made now).
std::shared_ptr<RefHandle> ref_new(int where, bool lazy = false);
RRID ref_id(const RefHandle&);
int ref_where(const RefHandle&);
/// Waits until the value is there and returns it (cached after the first call).
const std::shared_ptr<void>& ref_fetch(RefHandle&, ValueDecoder decode, const std::type_info& type);
void ref_wait(RefHandle&);
bool ref_isready(RefHandle&);
void ref_put(RefHandle&, Value value);
void ref_finalize(RefHandle&);
void ref_save(const RefHandle&, OutArchive&, void (*save_cached)(const void*, OutArchive&));
std::shared_ptr<RefHandle> ref_load(InArchive&, ValueDecoder decode);
template <class T>
using stored_t = std::conditional_t<std::is_void_v<T>, char, T>;
}  // namespace detail

/// A handle to a value stored on process where(). Copyable; copies are the same handle.
/// Blocking operations (fetch, wait, put to another process) suspend only the calling
/// task. Not thread-safe: use from the process's tasks (pool threads go through
/// threadcall or post).
/// Example:
///   weft::Future<int> f = weft::remotecall(count_heads, 2, 1000);
///   int heads = weft::fetch(f);
template <class T>
class Future {
  public:
    /// An empty future stored on `pid`, to be filled with put(). As in Julia, nothing is
    /// allocated on `pid` until the Future is first used (put, fetch, wait, isready, sent).
    explicit Future(int pid = myid()) : h_(detail::ref_new(pid, true)) {}
    explicit Future(std::shared_ptr<detail::RefHandle> h) : h_(std::move(h)) {}

    /// Serial fallback of `#pragma weft spawn` on `x = expr;`: without translation the
    /// expression's value is assigned; x becomes a ready Future on this process holding it.
    template <class U>
        requires(!std::is_void_v<T> && !std::is_same_v<std::decay_t<U>, Future> && std::is_convertible_v<U&&, T>)
    Future& operator=(U&& value) {
        Future ready;
        detail::ref_put(ready.handle(), detail::make_value(T(std::forward<U>(value))));
        return *this = std::move(ready);
    }

    int where() const { return detail::ref_where(*h_); }
    RRID id() const { return detail::ref_id(*h_); }
    detail::RefHandle& handle() const { return *h_; }
    const std::shared_ptr<detail::RefHandle>& handle_ptr() const { return h_; }

    void save(OutArchive& ar) const {
        if constexpr (std::is_void_v<T>) detail::ref_save(*h_, ar, nullptr);
        else detail::ref_save(*h_, ar, &detail::save_value<T>);
    }
    void load(InArchive& ar) { h_ = detail::ref_load(ar, decoder()); }

    static detail::ValueDecoder decoder() {
        if constexpr (std::is_void_v<T>) return nullptr;
        else return &detail::decode_value<T>;
    }

  private:
    std::shared_ptr<detail::RefHandle> h_;
};

template <class T> struct is_future : std::false_type {};
template <class T> struct is_future<Future<T>> : std::true_type {};

namespace detail {
/// Types with their own fetch/wait (Future, Task, ...): the serial fallbacks skip them.
template <class T> struct is_handle : is_future<T> {};
}  // namespace detail

/// Waits for the value and returns it; later calls return the cached value without
/// touching the network. A remote error is rethrown as weft::RemoteException.
template <class T>
decltype(auto) fetch(const Future<T>& f) {
    const auto& p = detail::ref_fetch(f.handle(), Future<T>::decoder(), typeid(detail::stored_t<T>));
    if constexpr (std::is_void_v<T>) return;
    else return static_cast<const T&>(*static_cast<const T*>(p.get()));
}
/// Serial fallback: fetch of a plain value is the value itself.
template <class T>
    requires(!detail::is_handle<std::decay_t<T>>::value)
T&& fetch(T&& v) { return std::forward<T>(v); }

/// Waits until the value is there (rethrows a remote error as RemoteException).
template <class T>
void wait(const Future<T>& f) { detail::ref_wait(f.handle()); }
/// True if the value is there (asks the owner unless cached).
template <class T>
bool isready(const Future<T>& f) { return detail::ref_isready(f.handle()); }
/// Stores the value; a second put (from any process) throws InvalidStateException.
template <class T>
    requires(!std::is_void_v<T>)
void put(Future<T>& f, T value) {
    detail::require_serializable<T>();
    detail::ref_put(f.handle(), detail::make_value(std::move(value)));
}
/// Releases this process's reference now; the handle is unusable afterwards.
template <class T>
void finalize(Future<T>& f) { detail::ref_finalize(f.handle()); }

template <class T>
int where(const Future<T>& f) { return f.where(); }

}  // namespace weft

template <>
struct std::hash<weft::RRID> {
    std::size_t operator()(const weft::RRID& r) const noexcept {
        return std::hash<std::uint64_t>()(r.id * 1000003u ^ static_cast<std::uint64_t>(r.whence));
    }
};
