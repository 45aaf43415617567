// weft/channel.hpp — Channel<T>: a FIFO queue between the tasks of one process (Julia's
// Channel): unbuffered (a put waits for its take), buffered(n) or weft::unbounded; a
// producer constructor; range-for until closed and empty.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "condition.hpp"
#include "task.hpp"

namespace weft {

/// Capacity of a channel whose put never waits.
inline constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

namespace detail {
/// Throws InvalidStateException("Channel is closed.").
[[noreturn]] void throw_channel_closed();
/// The iterator of a channel (local or remote) for range-for: each step is
/// `ch.take_or_end()`; it equals the end iterator once that returns nothing.
template <class Ch>
class TakeIterator {
  public:
    using value_type = typename Ch::value_type;
    using iterator_category = std::input_iterator_tag;
    using difference_type = std::ptrdiff_t;
    using pointer = value_type*;
    using reference = value_type&;
    TakeIterator() = default;
    explicit TakeIterator(Ch* ch) : ch_(ch) { ++*this; }
    value_type& operator*() { return *cur_; }
    TakeIterator& operator++() {
        cur_ = ch_->take_or_end();
        if (!cur_) ch_ = nullptr;
        return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const TakeIterator& a, const TakeIterator& b) { return a.ch_ == b.ch_; }

  private:
    Ch* ch_ = nullptr;
    std::optional<value_type> cur_;
};
}  // namespace detail

/// A channel local to this process. Copies are handles to the same channel. Blocking
/// operations (put on a full or unbuffered channel, take/fetch/wait on an empty one)
/// suspend only the calling task. Not thread-safe: use from this process's tasks.
/// Example:
///   weft::Channel<int> ch(10);
///   weft::async([ch]() mutable { for (int i = 0; i < 3; ++i) ch.put(i); ch.close(); });
///   for (int x : ch) std::cout << x << '\n';       // 0 1 2
template <class T>
class Channel {
    struct State {
        std::deque<T> items;
        std::size_t capacity = 0;
        bool open = true;
        std::exception_ptr error;          // what closed it, if a producer failed
        std::uint64_t offered = 0;         // unbuffered: puts made so far (tickets)
        std::uint64_t taken = 0;           // unbuffered: items handed over so far
        Condition takers, putters, readers;
    };

  public:
    using value_type = T;

    /// A channel holding up to `capacity` items: 0 (the default) is unbuffered, where a put
    /// waits until a take receives the item; weft::unbounded never makes a put wait.
    explicit Channel(std::size_t capacity = 0) : s_(std::make_shared<State>()) { s_->capacity = capacity; }

    /// Starts a task that runs producer(channel) and then closes the channel (with the
    /// producer's exception, if it threw: takers then rethrow it). Julia's Channel(f).
    /// Example: `weft::Channel<int> ch([](weft::Channel<int>& c) { c.put(1); c.put(2); });`
    template <class F>
        requires std::is_invocable_v<F&, Channel&>
    explicit Channel(F producer, std::size_t capacity = 0) : Channel(capacity) {
        detail::start_task([ch = *this, producer = std::move(producer)]() mutable {
            try {
                producer(ch);
                ch.close();
            } catch (...) {
                ch.close(std::current_exception());
            }
        });
    }

    /// Adds an item, waiting while the channel is full (unbuffered: until a take has it).
    /// Throws InvalidStateException("Channel is closed.") if it is or gets closed first.
    void put(T v) {
        State& s = *s_;
        if (!s.open) detail::throw_channel_closed();
        if (s.capacity == 0) {
            s.items.push_back(std::move(v));
            const std::uint64_t ticket = ++s.offered;
            wake_readers();
            // Putters wait in ticket order, so the oldest one is the one to wake.
            while (s.taken < ticket) {
                if (!s.open) detail::throw_channel_closed();  // close() dropped the item
                s.putters.wait();
            }
            return;
        }
        while (s.open && s.items.size() >= s.capacity) s.putters.wait();
        if (!s.open) detail::throw_channel_closed();
        s.items.push_back(std::move(v));
        wake_readers();
    }

    /// Removes and returns the oldest item, waiting for one. On a closed, empty channel
    /// throws InvalidStateException("Channel is closed.") (or the producer's exception).
    T take() {
        State& s = *s_;
        await_item();
        T v = std::move(s.items.front());
        s.items.pop_front();
        if (s.capacity == 0) ++s.taken;
        s.putters.notify_one();
        return v;
    }

    /// Returns the oldest item without removing it, waiting for one (throws as take).
    /// The reference is valid until the item is taken.
    const T& fetch() {
        await_item(&s_->readers);
        return s_->items.front();
    }

    /// True if an item is available (unbuffered: a put is waiting).
    bool isready() const { return !s_->items.empty(); }

    /// Waits until an item is available (throws as take when closed and empty).
    void wait() { await_item(&s_->readers); }

    /// Closes the channel: later puts throw, waiting puts of an unbuffered channel throw,
    /// takes drain what is buffered and then throw. Closing twice is harmless.
    void close() { close(nullptr); }
    /// Closes the channel with an error that takes rethrow once it is empty.
    void close(std::exception_ptr why) {
        State& s = *s_;
        if (!s.open) return;
        s.open = false;
        s.error = why;
        if (s.capacity == 0) s.items.clear();
        s.takers.notify_all();
        s.putters.notify_all();
        s.readers.notify_all();
    }

    bool isopen() const { return s_->open; }
    std::size_t capacity() const { return s_->capacity; }
    /// Items buffered now (unbuffered: puts waiting).
    std::size_t size() const { return s_->items.size(); }

    /// Iterates with take() until the channel is closed and empty.
    using iterator = detail::TakeIterator<Channel>;
    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }

  private:
    /// Waits until an item is there; throws if the channel is closed and empty.
    void await_item(Condition* cond = nullptr) {
        State& s = *s_;
        while (s.items.empty()) {
            if (!s.open) {
                if (s.error) std::rethrow_exception(s.error);
                detail::throw_channel_closed();
            }
            (cond ? *cond : s.takers).wait();
        }
    }
    /// take(), or nothing once the channel is closed and empty (a producer's error is
    /// rethrown).
    friend class detail::TakeIterator<Channel>;
    std::optional<T> take_or_end() {
        State& s = *s_;
        while (s.items.empty()) {
            if (!s.open) {
                if (s.error) std::rethrow_exception(s.error);
                return std::nullopt;
            }
            s.takers.wait();
        }
        return take();
    }
    void wake_readers() {
        s_->takers.notify_one();
        s_->readers.notify_all();
    }

    std::shared_ptr<State> s_;
};

namespace detail {
template <class T> struct is_handle;
template <class T> struct is_handle<Channel<T>> : std::true_type {};
}  // namespace detail

}  // namespace weft
