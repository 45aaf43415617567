// weft/darray.hpp — DArray<T, N> (DistributedArrays.jl): an N-dimensional array cut into
// blocks, each chunk stored on its owner process; whole-array operations run where the
// chunks live. Also Array<T, N>, the local column-major array used for chunks, gathers
// and block reads.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "cluster.hpp"
#include "future.hpp"
#include "range.hpp"
#include "remotecall.hpp"
#include "serialize.hpp"

namespace weft {

namespace detail {
template <std::size_t N>
std::size_t dims_product(const std::array<std::size_t, N>& d) {
    std::size_t n = 1;
    for (auto x : d) n *= x;
    return n;
}
}  // namespace detail

/// A local N-dimensional array: dims plus column-major data (first index fastest),
/// 0-based. Chunks of a DArray, gather results and block reads are Arrays. Use
/// std::uint8_t (not bool) for boolean data: std::vector<bool> is bit-packed.
template <class T, std::size_t N>
class Array {
    static_assert(!std::is_same_v<T, bool>, "weft::Array<bool, N>: use std::uint8_t (std::vector<bool> is bit-packed)");

  public:
    using value_type = T;
    Array() = default;
    explicit Array(std::array<std::size_t, N> dims, const T& v = T{}) : dims_(dims), data_(detail::dims_product(dims), v) {}
    Array(std::array<std::size_t, N> dims, std::vector<T> data) : dims_(dims), data_(std::move(data)) {
        if (data_.size() != detail::dims_product(dims_))
            throw std::invalid_argument("weft::Array: " + std::to_string(data_.size()) + " elements for dims of " +
                                        std::to_string(detail::dims_product(dims_)));
    }

    /// Linear (column-major) index of (i0, i1, ...).
    std::size_t linear(const std::array<std::size_t, N>& ix) const {
        std::size_t lin = ix[N - 1];
        for (std::size_t k = N - 1; k-- > 0;) lin = lin * dims_[k] + ix[k];
        return lin;
    }
    template <class... I>
        requires(sizeof...(I) == N && (std::is_integral_v<I> && ...))
    T& operator()(I... i) { return data_[linear({static_cast<std::size_t>(i)...})]; }
    template <class... I>
        requires(sizeof...(I) == N && (std::is_integral_v<I> && ...))
    const T& operator()(I... i) const { return data_[linear({static_cast<std::size_t>(i)...})]; }
    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }

    std::size_t size() const { return data_.size(); }
    std::array<std::size_t, N> dims() const { return dims_; }
    std::size_t dim(std::size_t k) const { return dims_.at(k); }
    T* data() { return data_.data(); }
    const T* data() const { return data_.data(); }
    std::vector<T>& vector() { return data_; }
    const std::vector<T>& vector() const { return data_; }
    auto begin() { return data_.begin(); }
    auto end() { return data_.end(); }
    auto begin() const { return data_.begin(); }
    auto end() const { return data_.end(); }

    friend bool operator==(const Array&, const Array&) = default;
    template <class A>
    void serialize(A& ar) { ar(dims_, data_); }

  private:
    std::array<std::size_t, N> dims_{};
    std::vector<T> data_;
};

template <class T, std::size_t N>
class DArray;

namespace detail {

/// The stored value behind a Future that lives on this process (never copied).
std::shared_ptr<void> stored_value(const RRID& id, const std::type_info& type);

/// The chunk a Future on this process holds, by reference (waits until it is there).
template <class T, std::size_t N>
Array<T, N>& chunk_ref(const Future<Array<T, N>>& f) {
    if (f.where() != myid())
        throw std::logic_error("weft: DArray chunk stored on process " + std::to_string(f.where()) +
                               " used as local on process " + std::to_string(myid()));
    weft::wait(f);
    return *static_cast<Array<T, N>*>(stored_value(f.id(), typeid(Array<T, N>)).get());
}

/// Julia's defaultdist: repeatedly give the largest prime factor of the process count
/// to the largest dimension (ties: the last one).
template <std::size_t N>
std::array<std::size_t, N> default_dist(std::array<std::size_t, N> dims, std::size_t np) {
    std::array<std::size_t, N> chunks;
    chunks.fill(1);
    std::vector<std::size_t> f;
    for (std::size_t n = np, p = 2; n > 1; ++p) {
        if (p * p > n) { f.push_back(n); break; }
        if (n % p == 0) {
            f.push_back(p);
            while (n % p == 0) n /= p;
        }
    }
    std::sort(f.rbegin(), f.rend());
    std::size_t k = 0;
    while (np > 1 && k < f.size()) {
        if (np % f[k] != 0) { ++k; continue; }
        const std::size_t fac = f[k];
        std::size_t dno = 0;
        for (std::size_t d = 0; d < N; ++d)
            if (dims[d] >= dims[dno]) dno = d;
        if (dims[dno] >= fac) {
            dims[dno] /= fac;
            chunks[dno] *= fac;
        }
        np /= fac;
    }
    return chunks;
}

/// Where the cut points of one dimension are: chunk k of nc over [0, sz) is
/// [k*sz/nc, (k+1)*sz/nc) (the SharedArray split).
inline std::vector<std::size_t> make_cuts(std::size_t sz, std::size_t nc) {
    std::vector<std::size_t> c(nc + 1);
    for (std::size_t k = 0; k <= nc; ++k)
        c[k] = static_cast<std::size_t>((static_cast<unsigned __int128>(k) * sz) / nc);
    return c;
}

/// Copies the block [lo, lo+len) of `src` into `dst` at offset `at`.
template <class T, std::size_t N>
void copy_block(const Array<T, N>& src, std::array<std::size_t, N> lo, std::array<std::size_t, N> len, Array<T, N>& dst,
                std::array<std::size_t, N> at) {
    for (auto l : len)
        if (l == 0) return;
    std::array<std::size_t, N> i{};
    const std::size_t run = len[0];
    while (true) {
        std::array<std::size_t, N> s, d;
        for (std::size_t k = 0; k < N; ++k) s[k] = lo[k] + i[k], d[k] = at[k] + i[k];
        std::copy_n(src.data() + src.linear(s), run, dst.data() + dst.linear(d));
        std::size_t k = 1;
        for (; k < N; ++k) {
            if (++i[k] < len[k]) break;
            i[k] = 0;
        }
        if (k == N) return;
    }
}

template <class R>
using elem_t = std::conditional_t<std::is_same_v<std::decay_t<R>, bool>, std::uint8_t, std::decay_t<R>>;

template <class T, std::size_t N>
std::array<std::size_t, N> range_lengths(const std::array<Range, N>& I) {
    std::array<std::size_t, N> n;
    for (std::size_t k = 0; k < N; ++k) n[k] = I[k].size();
    return n;
}

/// Runs the user's init on the owner and checks the chunk it returns.
template <class F, class T, std::size_t N>
struct InitJob {
    F f{};
    Array<T, N> operator()(std::array<Range, N> I) const {
        auto want = range_lengths<T, N>(I);
        auto r = f(I);
        if constexpr (std::is_same_v<decltype(r), Array<T, N>>) {
            if (r.dims() != want)
                throw std::invalid_argument("weft::DArray init returned a chunk of the wrong dims on process " +
                                            std::to_string(myid()));
            return r;
        } else {
            return Array<T, N>(want, std::vector<T>(r.begin(), r.end()));
        }
    }
    template <class A>
    void serialize(A& ar) {
        if constexpr (!std::is_empty_v<F>) ar(f);
    }
};

template <class T, std::size_t N>
struct FillInit {
    T v{};
    Array<T, N> operator()(const std::array<Range, N>& I) const { return Array<T, N>(range_lengths<T, N>(I), v); }
    template <class A>
    void serialize(A& ar) { ar(v); }
};

std::uint64_t random_seed();  ///< per process, from getrandom

template <class T, std::size_t N, bool Normal>
struct RandInit {
    Array<T, N> operator()(const std::array<Range, N>& I) const {
        thread_local std::mt19937_64 rng(random_seed());
        Array<T, N> a(range_lengths<T, N>(I));
        if constexpr (Normal) {
            std::normal_distribution<T> d;
            for (auto& x : a) x = d(rng);
        } else {
            std::uniform_real_distribution<T> d(0, 1);
            for (auto& x : a) x = d(rng);
        }
        return a;
    }
    template <class A>
    void serialize(A&) {}
};

/// f applied element-wise to chunks of the same shape, on their owner.
template <class F>
struct MapJob {
    F f{};
    template <class T0, std::size_t N, class... Ts>
    auto operator()(Future<Array<T0, N>> c0, Future<Array<Ts, N>>... cs) const {
        using R = elem_t<std::invoke_result_t<const F&, const T0&, const Ts&...>>;
        const auto& a0 = chunk_ref(c0);
        std::tuple<const Array<Ts, N>&...> rest(chunk_ref(cs)...);
        Array<R, N> out(a0.dims());
        const std::size_t n = a0.size();
        std::apply(
            [&](const auto&... r) {
                for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<R>(f(a0[i], r[i]...));
            },
            rest);
        return out;
    }
    template <class A>
    void serialize(A& ar) {
        if constexpr (!std::is_empty_v<F>) ar(f);
    }
};

/// f then op over one chunk on its owner; nullopt for an empty chunk.
template <class F, class Op, class R>
struct ReduceJob {
    F f{};
    Op op{};
    template <class T, std::size_t N>
    std::optional<R> operator()(Future<Array<T, N>> c) const {
        const auto& a = chunk_ref(c);
        if (a.size() == 0) return std::nullopt;
        R acc = static_cast<R>(f(a[0]));
        for (std::size_t i = 1; i < a.size(); ++i) acc = op(acc, static_cast<R>(f(a[i])));
        return acc;
    }
    template <class A>
    void serialize(A& ar) {
        if constexpr (!std::is_empty_v<F>) ar(f);
        if constexpr (!std::is_empty_v<Op>) ar(op);
    }
};

template <class Op, class S>
struct ScalarRight {
    S s{};
    template <class X>
    auto operator()(const X& x) const { return Op{}(x, s); }
    template <class A>
    void serialize(A& ar) { ar(s); }
};
template <class Op, class S>
struct ScalarLeft {
    S s{};
    template <class X>
    auto operator()(const X& x) const { return Op{}(s, x); }
    template <class A>
    void serialize(A& ar) { ar(s); }
};

struct Identity { template <class X> X operator()(const X& x) const { return x; } };
struct Truthy { template <class X> bool operator()(const X& x) const { return static_cast<bool>(x); } };
struct Abs2 { template <class X> double operator()(const X& x) const { return static_cast<double>(x) * static_cast<double>(x); } };
struct MaxOp { template <class X> X operator()(const X& a, const X& b) const { return a < b ? b : a; } };
struct MinOp { template <class X> X operator()(const X& a, const X& b) const { return b < a ? b : a; } };
struct AndOp { bool operator()(bool a, bool b) const { return a && b; } };
struct OrOp { bool operator()(bool a, bool b) const { return a || b; } };

template <class F, class Pred>
struct Compose {  // Pred(F(x)) as a bool
    F f{};
    Pred p{};
    template <class X> bool operator()(const X& x) const { return static_cast<bool>(p(f(x))); }
    template <class A>
    void serialize(A& ar) {
        if constexpr (!std::is_empty_v<F>) ar(f);
        if constexpr (!std::is_empty_v<Pred>) ar(p);
    }
};

}  // namespace detail

/// A distributed N-dimensional array: the index space is cut into dist[k] pieces along
/// each dimension k, chunk (g0, g1, ...) stored on pids()[g0 + dist[0]*(g1 + ...)]
/// behind a Future (the owner frees it once no handle remains). Copies and serialized
/// copies are handles to the same chunks. Column-major, 0-based.
/// Example:
///   auto d = weft::drand<double>({1000, 1000});    // on all workers
///   double s = weft::sum(d);                       // each chunk summed on its owner
///   auto e = 2.0 * d + d;                          // element-wise, where the chunks live
///   double x = d(3, 999);                          // remote element read
///   weft::Array<double, 2> b = d(weft::Range{0, 10}, weft::Range{495, 505});  // block read
template <class T, std::size_t N>
class DArray {
  public:
    using value_type = T;
    using Chunk = Array<T, N>;

    DArray() = default;

    /// Julia's DArray(init, dims, procs, dist): `init(std::array<Range, N> I)` runs on
    /// each chunk's owner and returns the chunk for the indices I (an Array<T, N> of
    /// dims I[k].size(), or any range of size() elements in column-major order). `init`
    /// is a captureless lambda or a serializable function object (it may hold DArrays).
    /// `dist` all zeros picks the distribution (Julia's defaultdist; then only
    /// product(dist) of the pids are used). Waits until every chunk is built.
    template <class F>
        requires std::is_invocable_v<const F&, std::array<Range, N>>
    DArray(F init, std::array<std::size_t, N> dims, std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
        layout(dims, std::move(pids), dist);
        const detail::InitJob<F, T, N> job{std::move(init)};
        chunks_.reserve(pids_.size());
        for (std::size_t c = 0; c < pids_.size(); ++c) chunks_.push_back(remotecall(job, pids_[c], indices(c)));
        wait_all();
    }

    std::array<std::size_t, N> dims() const { return dims_; }
    std::size_t dim(std::size_t k) const { return dims_.at(k); }
    std::size_t size() const { return detail::dims_product(dims_); }
    /// The owners, one per chunk, in column-major order of the chunk grid.
    const std::vector<int>& pids() const { return pids_; }
    /// Number of pieces along each dimension.
    std::array<std::size_t, N> dist() const { return dist_; }
    /// The cut points of dimension k: piece g is [cuts(k)[g], cuts(k)[g+1]).
    const std::vector<std::size_t>& cuts(std::size_t k) const { return cuts_.at(k); }
    std::size_t nchunks() const { return chunks_.size(); }
    const Future<Chunk>& chunk(std::size_t c) const { return chunks_.at(c); }

    /// The index ranges of chunk c.
    std::array<Range, N> indices(std::size_t c) const {
        std::array<Range, N> I;
        for (std::size_t k = 0; k < N; ++k) {
            const auto g = grid(c, k);
            I[k] = Range{static_cast<std::int64_t>(cuts_[k][g]), static_cast<std::int64_t>(cuts_[k][g + 1]), 1};
        }
        return I;
    }

    /// The chunk this process owns (the first, if several), or -1.
    int local_chunk() const {
        const int me = myid();
        for (std::size_t c = 0; c < pids_.size(); ++c)
            if (pids_[c] == me) return static_cast<int>(c);
        return -1;
    }

    /// Remote element read (a local read on the owner).
    template <class... I>
        requires(sizeof...(I) == N && (std::is_integral_v<I> && ...))
    T operator()(I... i) const {
        const std::array<std::size_t, N> ix{static_cast<std::size_t>(i)...};
        std::size_t c = 0, stride = 1;
        std::array<std::size_t, N> local;
        for (std::size_t k = 0; k < N; ++k) {
            if (ix[k] >= dims_[k]) throw std::out_of_range(out_of_range_text(k, ix[k]));
            const auto g = piece_of(k, ix[k]);
            local[k] = ix[k] - cuts_[k][g];
            c += g * stride;
            stride *= dist_[k];
        }
        if (pids_[c] == myid()) {
            const auto& a = detail::chunk_ref(chunks_[c]);
            return a[a.linear(local)];
        }
        return remotecall_fetch(
            [](Future<Chunk> ch, std::array<std::size_t, N> at) {
                const auto& a = detail::chunk_ref(ch);
                return a[a.linear(at)];
            },
            pids_[c], chunks_[c], local);
    }

    /// Remote block read: the elements I[0] x I[1] x ... (step 1), across chunk borders;
    /// each owner sends only its part, all owners at once.
    template <class... R>
        requires(sizeof...(R) == N && (std::is_same_v<std::decay_t<R>, Range> && ...))
    Chunk operator()(const R&... I) const { return block({I...}); }

    Chunk block(const std::array<Range, N>& I) const {
        std::array<std::size_t, N> lo, len;
        for (std::size_t k = 0; k < N; ++k) {
            if (I[k].step != 1) throw std::invalid_argument("weft::DArray block read: only step-1 ranges");
            if (I[k].empty()) return Chunk(detail::range_lengths<T, N>(I));
            if (I[k].first < 0 || static_cast<std::size_t>(I[k].last) > dims_[k])
                throw std::out_of_range(out_of_range_text(k, static_cast<std::size_t>(I[k].first < 0 ? I[k].first : I[k].last - 1)));
            lo[k] = static_cast<std::size_t>(I[k].first);
            len[k] = I[k].size();
        }
        Chunk out(len);
        struct Part {
            std::array<std::size_t, N> at;
            Future<Chunk> f;
        };
        std::vector<Part> parts;
        const int me = myid();
        for (std::size_t c = 0; c < chunks_.size(); ++c) {
            std::array<std::size_t, N> clo, clen, at;
            bool hit = true;
            for (std::size_t k = 0; k < N && hit; ++k) {
                const auto g = grid(c, k);
                const std::size_t a = std::max(lo[k], cuts_[k][g]);
                const std::size_t b = std::min(lo[k] + len[k], cuts_[k][g + 1]);
                if (a >= b) hit = false;
                clo[k] = a - cuts_[k][g];
                clen[k] = b - a;
                at[k] = a - lo[k];
            }
            if (!hit) continue;
            if (pids_[c] == me) {
                detail::copy_block(detail::chunk_ref(chunks_[c]), clo, clen, out, at);
                continue;
            }
            parts.push_back({at, remotecall(
                                     [](Future<Chunk> ch, std::array<std::size_t, N> l, std::array<std::size_t, N> n) {
                                         Chunk b(n);
                                         detail::copy_block(detail::chunk_ref(ch), l, n, b, std::array<std::size_t, N>{});
                                         return b;
                                     },
                                     pids_[c], chunks_[c], clo, clen)});
        }
        for (auto& p : parts) {
            const auto& b = fetch(p.f);
            detail::copy_block(b, std::array<std::size_t, N>{}, b.dims(), out, p.at);
        }
        return out;
    }

    /// Julia's `v /= x` and friends: a new DArray assigned to this handle.
    template <class S> requires std::is_arithmetic_v<S> DArray& operator/=(S s);
    template <class S> requires std::is_arithmetic_v<S> DArray& operator*=(S s);
    template <class S> requires std::is_arithmetic_v<S> DArray& operator+=(S s);
    template <class S> requires std::is_arithmetic_v<S> DArray& operator-=(S s);

    /// True when b has the same dims and the same chunks on the same processes.
    template <class U>
    bool same_distribution(const DArray<U, N>& b) const {
        if (dims_ != b.dims() || pids_ != b.pids() || dist_ != b.dist()) return false;
        for (std::size_t k = 0; k < N; ++k)
            if (cuts_[k] != b.cuts(k)) return false;
        return true;
    }

    template <class A>
    void serialize(A& ar) { ar(dims_, dist_, pids_, cuts_, chunks_); }

    /// Builds the layout (dims, pids, dist, cuts) without chunks; used by the free
    /// functions that create DArrays.
    void layout(std::array<std::size_t, N> dims, std::vector<int> pids, std::array<std::size_t, N> dist) {
        if (pids.empty()) throw std::invalid_argument("weft::DArray: no processes given");
        bool given = false;
        for (auto d : dist) given |= d != 0;
        if (!given) {
            dist = detail::default_dist(dims, pids.size());
            pids.resize(detail::dims_product(dist));
        } else if (detail::dims_product(dist) != pids.size()) {
            throw std::invalid_argument("weft::DArray: the product of dist (" + std::to_string(detail::dims_product(dist)) +
                                        ") must equal the number of processes (" + std::to_string(pids.size()) + ")");
        }
        dims_ = dims;
        dist_ = dist;
        pids_ = std::move(pids);
        for (std::size_t k = 0; k < N; ++k) cuts_[k] = detail::make_cuts(dims[k], dist[k]);
        chunks_.clear();
    }
    /// Same layout as `other`, without chunks.
    template <class U>
    void layout_like(const DArray<U, N>& o) {
        dims_ = o.dims();
        dist_ = o.dist();
        pids_ = o.pids();
        for (std::size_t k = 0; k < N; ++k) cuts_[k] = o.cuts(k);
        chunks_.clear();
    }
    void add_chunk(Future<Chunk> f) { chunks_.push_back(std::move(f)); }
    /// Waits until every chunk is built (rethrows the first failure).
    void wait_all() const {
        for (auto& c : chunks_) weft::wait(c);
    }

  private:
    std::size_t grid(std::size_t c, std::size_t k) const {
        std::size_t stride = 1;
        for (std::size_t j = 0; j < k; ++j) stride *= dist_[j];
        return (c / stride) % dist_[k];
    }
    std::size_t piece_of(std::size_t k, std::size_t i) const {
        auto it = std::upper_bound(cuts_[k].begin(), cuts_[k].end(), i);
        return static_cast<std::size_t>(it - cuts_[k].begin()) - 1;
    }
    std::string out_of_range_text(std::size_t k, std::size_t i) const {
        return "weft::DArray: index " + std::to_string(i) + " out of range [0, " + std::to_string(dims_[k]) +
               ") in dimension " + std::to_string(k);
    }

    std::array<std::size_t, N> dims_{};
    std::array<std::size_t, N> dist_{};
    std::vector<int> pids_;
    std::array<std::vector<std::size_t>, N> cuts_;
    std::vector<Future<Chunk>> chunks_;
};

// ---- construction ----

/// DArray of dims filled with v (Julia's dfill). pids default: workers(); dist all
/// zeros: chosen for you.
template <class T, std::size_t N>
DArray<T, N> dfill(T v, std::array<std::size_t, N> dims, std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return DArray<T, N>(detail::FillInit<T, N>{v}, dims, std::move(pids), dist);
}
template <class T, std::size_t N>
DArray<T, N> dfill(T v, const std::size_t (&dims)[N], std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return dfill<T, N>(v, std::to_array(dims), std::move(pids), dist);
}
template <class T = double, std::size_t N>
DArray<T, N> dzeros(std::array<std::size_t, N> dims, std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return dfill<T, N>(T(0), dims, std::move(pids), dist);
}
template <class T = double, std::size_t N>
DArray<T, N> dzeros(const std::size_t (&dims)[N], std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return dfill<T, N>(T(0), std::to_array(dims), std::move(pids), dist);
}
template <class T = double, std::size_t N>
DArray<T, N> dones(std::array<std::size_t, N> dims, std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return dfill<T, N>(T(1), dims, std::move(pids), dist);
}
template <class T = double, std::size_t N>
DArray<T, N> dones(const std::size_t (&dims)[N], std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return dfill<T, N>(T(1), std::to_array(dims), std::move(pids), dist);
}
/// Uniform [0, 1) on each owner (its own generator, seeded from getrandom).
template <class T = double, std::size_t N>
DArray<T, N> drand(std::array<std::size_t, N> dims, std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return DArray<T, N>(detail::RandInit<T, N, false>{}, dims, std::move(pids), dist);
}
template <class T = double, std::size_t N>
DArray<T, N> drand(const std::size_t (&dims)[N], std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return drand<T, N>(std::to_array(dims), std::move(pids), dist);
}
/// Standard normal on each owner.
template <class T = double, std::size_t N>
DArray<T, N> drandn(std::array<std::size_t, N> dims, std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return DArray<T, N>(detail::RandInit<T, N, true>{}, dims, std::move(pids), dist);
}
template <class T = double, std::size_t N>
DArray<T, N> drandn(const std::size_t (&dims)[N], std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    return drandn<T, N>(std::to_array(dims), std::move(pids), dist);
}

/// Cuts a local array into chunks and sends each to its owner (Julia's distribute).
template <class T, std::size_t N>
DArray<T, N> distribute(const Array<T, N>& a, std::vector<int> pids = workers(), std::array<std::size_t, N> dist = {}) {
    DArray<T, N> d;
    d.layout(a.dims(), std::move(pids), dist);
    for (std::size_t c = 0; c < d.pids().size(); ++c) {
        auto I = d.indices(c);
        std::array<std::size_t, N> lo, len;
        for (std::size_t k = 0; k < N; ++k) lo[k] = static_cast<std::size_t>(I[k].first), len[k] = I[k].size();
        Array<T, N> part(len);
        detail::copy_block(a, lo, len, part, std::array<std::size_t, N>{});
        d.add_chunk(remotecall([](Array<T, N> p) { return p; }, d.pids()[c], std::move(part)));
    }
    d.wait_all();
    return d;
}
/// A vector as a 1-dimensional DArray.
template <class T>
DArray<T, 1> distribute(const std::vector<T>& v, std::vector<int> pids = workers(), std::array<std::size_t, 1> dist = {}) {
    return distribute(Array<T, 1>({v.size()}, v), std::move(pids), dist);
}

// ---- local access ----

/// The chunk stored on this process, by reference (valid while d lives); an empty
/// Array on a process that owns none.
template <class T, std::size_t N>
Array<T, N>& localpart(const DArray<T, N>& d) {
    const int c = d.local_chunk();
    if (c < 0) {
        thread_local Array<T, N> empty;
        empty = Array<T, N>();
        return empty;
    }
    return detail::chunk_ref(d.chunk(static_cast<std::size_t>(c)));
}
/// The index ranges of this process's chunk (empty ranges where it owns none).
template <class T, std::size_t N>
std::array<Range, N> localindices(const DArray<T, N>& d) {
    const int c = d.local_chunk();
    if (c < 0) return std::array<Range, N>{};
    return d.indices(static_cast<std::size_t>(c));
}
/// All the data in one local Array (Julia's convert(Array, d)).
template <class T, std::size_t N>
Array<T, N> gather(const DArray<T, N>& d) {
    std::array<Range, N> all;
    for (std::size_t k = 0; k < N; ++k) all[k] = Range{0, static_cast<std::int64_t>(d.dim(k)), 1};
    return d.block(all);
}
template <class T, std::size_t N>
std::vector<int> procs(const DArray<T, N>& d) { return d.pids(); }
template <class T, std::size_t N>
std::array<std::size_t, N> dist(const DArray<T, N>& d) { return d.dist(); }

// ---- element-wise ----

/// f applied element-wise on the owners of the chunks: map(f, a, b, ...) needs DArrays
/// of the same distribution. f is a captureless lambda or a serializable function
/// object. A bool result is stored as std::uint8_t.
template <class F, class T0, std::size_t N, class... Ts>
auto map(F f, const DArray<T0, N>& a, const DArray<Ts, N>&... rest) {
    using R = detail::elem_t<std::invoke_result_t<const F&, const T0&, const Ts&...>>;
    if (!(a.same_distribution(rest) && ...))
        throw std::invalid_argument("weft::DArray: element-wise operation on DArrays of different distributions "
                                    "(dims, pids, dist or cuts differ); build them with the same dims, pids and dist");
    DArray<R, N> out;
    out.layout_like(a);
    const detail::MapJob<F> job{std::move(f)};
    for (std::size_t c = 0; c < a.nchunks(); ++c) out.add_chunk(remotecall(job, a.pids()[c], a.chunk(c), rest.chunk(c)...));
    out.wait_all();
    return out;
}

#define WEFT_DARRAY_BINOP(OP, FN)                                                                        \
    template <class T, std::size_t N>                                                                    \
    DArray<T, N> operator OP(const DArray<T, N>& a, const DArray<T, N>& b) {                             \
        return map(FN{}, a, b);                                                                          \
    }                                                                                                    \
    template <class T, std::size_t N, class S>                                                           \
        requires std::is_arithmetic_v<S>                                                                 \
    DArray<T, N> operator OP(const DArray<T, N>& a, S s) {                                               \
        return map(detail::ScalarRight<FN, T>{static_cast<T>(s)}, a);                                    \
    }                                                                                                    \
    template <class T, std::size_t N, class S>                                                           \
        requires std::is_arithmetic_v<S>                                                                 \
    DArray<T, N> operator OP(S s, const DArray<T, N>& a) {                                               \
        return map(detail::ScalarLeft<FN, T>{static_cast<T>(s)}, a);                                     \
    }
WEFT_DARRAY_BINOP(+, std::plus<>)
WEFT_DARRAY_BINOP(-, std::minus<>)
WEFT_DARRAY_BINOP(*, std::multiplies<>)
WEFT_DARRAY_BINOP(/, std::divides<>)
#undef WEFT_DARRAY_BINOP

template <class T, std::size_t N>
DArray<T, N> operator-(const DArray<T, N>& a) { return map(std::negate<>{}, a); }

template <class T, std::size_t N>
template <class S> requires std::is_arithmetic_v<S>
DArray<T, N>& DArray<T, N>::operator/=(S s) { return *this = *this / s; }
template <class T, std::size_t N>
template <class S> requires std::is_arithmetic_v<S>
DArray<T, N>& DArray<T, N>::operator*=(S s) { return *this = *this * s; }
template <class T, std::size_t N>
template <class S> requires std::is_arithmetic_v<S>
DArray<T, N>& DArray<T, N>::operator+=(S s) { return *this = *this + s; }
template <class T, std::size_t N>
template <class S> requires std::is_arithmetic_v<S>
DArray<T, N>& DArray<T, N>::operator-=(S s) { return *this = *this - s; }

// ---- reductions (each chunk reduced on its owner, all owners at once) ----

/// op over f(x) for every element; nullopt for an empty array.
template <class R, class F, class Op, class T, std::size_t N>
std::optional<R> mapreduce(F f, Op op, const DArray<T, N>& d) {
    const detail::ReduceJob<F, Op, R> job{std::move(f), op};
    std::vector<Future<std::optional<R>>> parts;
    for (std::size_t c = 0; c < d.nchunks(); ++c) parts.push_back(remotecall(job, d.pids()[c], d.chunk(c)));
    std::optional<R> acc;
    for (auto& p : parts) {
        const auto& v = fetch(p);
        if (!v) continue;
        acc = acc ? op(*acc, *v) : *v;
    }
    return acc;
}
template <class T, std::size_t N>
T sum(const DArray<T, N>& d) { return mapreduce<T>(detail::Identity{}, std::plus<>{}, d).value_or(T(0)); }
/// Euclidean (Frobenius) norm.
template <class T, std::size_t N>
double norm(const DArray<T, N>& d) { return std::sqrt(mapreduce<double>(detail::Abs2{}, std::plus<>{}, d).value_or(0.0)); }
template <class T, std::size_t N>
T maximum(const DArray<T, N>& d) {
    auto r = mapreduce<T>(detail::Identity{}, detail::MaxOp{}, d);
    if (!r) throw std::invalid_argument("weft::maximum: the DArray is empty");
    return *r;
}
template <class T, std::size_t N>
T minimum(const DArray<T, N>& d) {
    auto r = mapreduce<T>(detail::Identity{}, detail::MinOp{}, d);
    if (!r) throw std::invalid_argument("weft::minimum: the DArray is empty");
    return *r;
}
/// True when every element is true (non-zero); all(pred, d) applies pred first.
template <class T, std::size_t N>
bool all(const DArray<T, N>& d) { return mapreduce<bool>(detail::Truthy{}, detail::AndOp{}, d).value_or(true); }
template <class P, class T, std::size_t N>
bool all(P pred, const DArray<T, N>& d) {
    return mapreduce<bool>(detail::Compose<P, detail::Truthy>{std::move(pred)}, detail::AndOp{}, d).value_or(true);
}
/// all under the name that matches any_of.
template <class... A>
bool all_of(A&&... a) { return all(std::forward<A>(a)...); }
/// Julia's any (named any_of: weft::any is the "pick a worker" process id): true when
/// some element is true (non-zero); any_of(pred, d) applies pred first.
template <class T, std::size_t N>
bool any_of(const DArray<T, N>& d) { return mapreduce<bool>(detail::Truthy{}, detail::OrOp{}, d).value_or(false); }
template <class P, class T, std::size_t N>
bool any_of(P pred, const DArray<T, N>& d) {
    return mapreduce<bool>(detail::Compose<P, detail::Truthy>{std::move(pred)}, detail::OrOp{}, d).value_or(false);
}

// ---- matrix-vector product ----

namespace detail {
/// M's chunk times the matching block of v, on M's chunk owner.
template <class T>
struct MatVecPart {
    Array<T, 1> operator()(Future<Array<T, 2>> m, DArray<T, 1> v, Range cols) const {
        const auto& a = chunk_ref(m);
        const auto x = v.block({cols});
        Array<T, 1> y({a.dim(0)});
        const std::size_t rows = a.dim(0);
        for (std::size_t j = 0; j < a.dim(1); ++j) {
            const T xj = x[j];
            const T* col = a.data() + j * rows;
            for (std::size_t i = 0; i < rows; ++i) y[i] += col[i] * xj;
        }
        return y;
    }
    template <class A> void serialize(A&) {}
};
/// The sum of one row block's partial products, on the result chunk's owner.
template <class T>
struct SumParts {
    Array<T, 1> operator()(std::vector<Future<Array<T, 1>>> parts) const {
        Array<T, 1> y;
        for (auto& p : parts) {
            const auto& b = fetch(p);
            if (y.size() == 0) y = b;
            else
                for (std::size_t i = 0; i < y.size(); ++i) y[i] += b[i];
        }
        return y;
    }
    template <class A> void serialize(A&) {}
};
}  // namespace detail

/// Distributed matrix-vector product: each chunk of M multiplies the part of v it needs
/// on its owner; the partial results of a row block are summed on the owner of that
/// block's first chunk. The result is cut like M's rows.
template <class T>
DArray<T, 1> operator*(const DArray<T, 2>& m, const DArray<T, 1>& v) {
    if (m.dim(1) != v.dim(0))
        throw std::invalid_argument("weft: DArray product of a " + std::to_string(m.dim(0)) + "x" + std::to_string(m.dim(1)) +
                                    " matrix and a vector of " + std::to_string(v.dim(0)));
    const auto dist = m.dist();
    std::vector<Future<Array<T, 1>>> parts;
    for (std::size_t c = 0; c < m.nchunks(); ++c) {
        const auto I = m.indices(c);
        parts.push_back(remotecall(detail::MatVecPart<T>{}, m.pids()[c], m.chunk(c), v, I[1]));
    }
    std::vector<int> owners;
    for (std::size_t g = 0; g < dist[0]; ++g) owners.push_back(m.pids()[g]);
    DArray<T, 1> y;
    y.layout({m.dim(0)}, owners, {dist[0]});
    for (std::size_t g = 0; g < dist[0]; ++g) {
        std::vector<Future<Array<T, 1>>> row;
        for (std::size_t j = 0; j < dist[1]; ++j) row.push_back(parts[g + dist[0] * j]);
        y.add_chunk(remotecall(detail::SumParts<T>{}, owners[g], std::move(row)));
    }
    y.wait_all();
    return y;
}

}  // namespace weft
