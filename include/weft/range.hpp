// weft/range.hpp — Range: a half-open range of integer indices [first, last) with a step,
// as used by localindices, DArray index ranges and loops. Iterable and serializable.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace weft {

/// Half-open index range `[first, last)` taken every `step` (step > 0). Empty when
/// first >= last. Example: `for (auto i : weft::Range{0, 10, 2}) ...` visits 0 2 4 6 8.
struct Range {
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::int64_t step = 1;

    /// Number of indices in the range.
    std::size_t size() const {
        return last > first ? static_cast<std::size_t>((last - first + step - 1) / step) : 0;
    }
    bool empty() const { return size() == 0; }
    /// The k-th index (0-based, unchecked).
    std::int64_t operator[](std::size_t k) const { return first + static_cast<std::int64_t>(k) * step; }

    struct iterator {
        std::int64_t i, step;
        std::int64_t operator*() const { return i; }
        iterator& operator++() { i += step; return *this; }
        bool operator!=(const iterator& o) const { return i < o.i; }
        bool operator==(const iterator& o) const { return !(*this != o); }
    };
    iterator begin() const { return {first, step}; }
    iterator end() const { return {first + static_cast<std::int64_t>(size()) * step, step}; }

    friend bool operator==(const Range&, const Range&) = default;
    template <class A>
    void serialize(A& ar) { ar(first, last, step); }
};

/// Julia's `first:last` made half-open: the indices [first, last) every `step`.
inline Range range(std::int64_t first, std::int64_t last, std::int64_t step = 1) {
    if (step <= 0) throw std::invalid_argument("weft::range: the step must be positive");
    return Range{first, last, step};
}

}  // namespace weft
