// weft/range.hpp — Range: a half-open integer range with a step, the index space of
// distributed loops (Julia's `a:s:b`, but half-open as C++ loops are).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace weft {

/// The integers first, first+step, ... before last (half-open; step may be negative).
/// Iterable: `for (std::int64_t i : weft::range(0, 10, 3))` gives 0 3 6 9.
class Range {
  public:
    std::int64_t first = 0, last = 0, step = 1;

    Range() = default;
    Range(std::int64_t f, std::int64_t l, std::int64_t s = 1) : first(f), last(l), step(s) {
        if (s == 0)
            throw std::invalid_argument("weft::range(" + std::to_string(f) + ", " + std::to_string(l) +
                                        ", 0): the step must not be 0");
    }

    /// Number of elements.
    std::int64_t size() const {
        if (step > 0) return last > first ? (last - first + step - 1) / step : 0;
        return first > last ? (first - last - step - 1) / -step : 0;
    }
    bool empty() const { return size() == 0; }
    /// The k-th element (0-based).
    std::int64_t operator[](std::int64_t k) const { return first + k * step; }

    /// Elements [k0, k1) of this range, as a Range.
    Range slice(std::int64_t k0, std::int64_t k1) const {
        Range r;
        r.first = (*this)[k0];
        r.last = (*this)[k1];
        r.step = step;
        if (k1 <= k0) r.last = r.first;
        return r;
    }
    /// Piece k (0-based) of np contiguous pieces, as Julia's `splitrange`: every piece has
    /// n/np elements and the FIRST n%np pieces one more (11 elements in 3: 4, 4, 3); when
    /// n < np, pieces k < n hold one element and the others are empty.
    Range split(int k, int np) const {
        const std::int64_t n = size();
        const std::int64_t each = n / np, extras = n % np;
        const std::int64_t lo = k * each + std::min<std::int64_t>(k, extras);
        return slice(lo, lo + each + (k < extras ? 1 : 0));
    }

    class iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::int64_t;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::int64_t*;
        using reference = std::int64_t;
        iterator() = default;
        iterator(std::int64_t v, std::int64_t s) : v_(v), s_(s) {}
        std::int64_t operator*() const { return v_; }
        iterator& operator++() { v_ += s_; return *this; }
        iterator operator++(int) { auto t = *this; v_ += s_; return t; }
        friend bool operator==(const iterator& a, const iterator& b) { return a.v_ == b.v_; }

      private:
        std::int64_t v_ = 0, s_ = 1;
    };
    iterator begin() const { return {first, step}; }
    iterator end() const { return {first + size() * step, step}; }

    friend bool operator==(const Range& a, const Range& b) {
        return a.size() == b.size() && (a.empty() || (a.first == b.first && (a.size() == 1 || a.step == b.step)));
    }

    template <class A>
    void serialize(A& ar) { ar(first, last, step); }
};

/// The half-open range first, first+step, ... < last (> last for a negative step).
/// Throws std::invalid_argument for step 0.
template <class A, class B, class S = int>
    requires std::is_integral_v<A> && std::is_integral_v<B> && std::is_integral_v<S>
Range range(A first, B last, S step = 1) {
    return Range(static_cast<std::int64_t>(first), static_cast<std::int64_t>(last), static_cast<std::int64_t>(step));
}

}  // namespace weft
