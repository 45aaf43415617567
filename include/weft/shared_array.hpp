// weft/shared_array.hpp — SharedArray<T, N> (Julia's SharedArrays): one array in POSIX
// shared memory, mapped by every participating process on the host; column-major.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "cluster.hpp"
#include "future.hpp"
#include "range.hpp"
#include "remotecall.hpp"
#include "serialize.hpp"

namespace weft {

template <class T, std::size_t N>
class SharedArray;

namespace detail {

/// One mapping of a shared-memory segment (or of a file) in this process. Unmapped when
/// the last SharedArray handle of this process that uses it (and the process's registry)
/// let go.
struct ShmMapping {
    std::string name;        ///< "/weft-<creator os pid>-<seq>"; a file's: "<path>#<creator os pid>-<seq>"
    void* addr = nullptr;
    std::size_t bytes = 0;   ///< mapped length (>= 1 page for a segment)
    // A file-backed array's mapping (empty path: a shared-memory segment).
    std::string path;        ///< absolute path of the file
    std::size_t offset = 0;  ///< byte offset of the array's first element in the file
    std::size_t skip = 0;    ///< bytes from addr (a page boundary) to the first element
    std::size_t array_bytes = 0;  ///< the array's bytes in the file
    bool writable = true;    ///< mapped read-write (false: mode "r")
    unsigned long long file_dev = 0, file_ino = 0;  ///< the creator's file (participants check theirs is the same)
    /// The array's first element.
    void* data() const { return static_cast<char*>(addr) + skip; }
    ShmMapping() = default;
    ShmMapping(const ShmMapping&) = delete;
    ShmMapping& operator=(const ShmMapping&) = delete;
    ~ShmMapping();
};

/// Creates and maps a new segment of `bytes` (its pages are allocated by shm_attach_all,
/// or here where the kernel cannot); registers it in this process. Throws
/// std::runtime_error (size, place, what to do) when /dev/shm has no room.
std::shared_ptr<ShmMapping> shm_create(std::size_t bytes);
/// The mapping of `name` registered in this process, or null (not a participant).
std::shared_ptr<ShmMapping> shm_lookup(const std::string& name);
/// Maps the (not yet unlinked) segment `name` on every process of `mapped` but this one,
/// and has each of `participants` allocate its share of the pages, in parallel; on
/// failure releases what was mapped and throws (a full /dev/shm: size, place, remedy).
void shm_attach_all(const std::string& name, std::size_t bytes, const std::vector<int>& mapped,
                    const std::vector<int>& participants);
/// Opens file `path` as `mode` says (Julia's "r", "r+", "w+", "a+"; empty: "r+" if the
/// file exists, else "w+"), makes it at least offset + bytes long (writable modes), maps
/// those bytes here and registers the mapping under a new name. `align`: alignof(T);
/// `const_elements`: T is const (required by "r"); `has_init`: an init function was
/// given (refused by "r"). Throws std::invalid_argument (mode, offset, a missing or short
/// file for "r") or std::system_error (open, size, map), naming the path.
std::shared_ptr<ShmMapping> file_create(const std::string& path, std::size_t offset, std::size_t bytes, std::size_t align,
                                        const std::string& mode, bool const_elements, bool has_init);
/// Maps the file of `m` (made by file_create) on every process of `mapped` but this one,
/// in parallel; on failure releases what was mapped and throws.
void file_attach_all(const ShmMapping& m, const std::vector<int>& mapped);
/// Removes the name from /dev/shm (the memory lives on while mapped).
void shm_unlink(const std::string& name);
/// Drops the registry entries of `name` on every process of `pids` (this one included),
/// so the memory goes away once no local handle uses it. Never blocks.
void shm_release_all(const std::string& name, const std::vector<int>& pids);
/// Removes /dev/shm/weft-<pid>-* segments whose creating process is dead. Returns how
/// many it removed.
int shm_remove_stale();
/// The default participants: the workers on this process's host, or {myid()} alone.
std::vector<int> shm_default_pids();
[[noreturn]] void shm_not_mapped(const std::string& name, const std::vector<int>& pids);

/// Stored on the creator behind a Future: when the last SharedArray handle anywhere is
/// gone, the Future's value is freed and this releases the mappings everywhere.
struct ShmToken {
    std::string name;
    std::vector<int> mapped;  ///< processes that map the segment
    bool owner = false;       ///< only the creator's stored token releases (not serialized)
    ShmToken() = default;
    ShmToken(std::string n, std::vector<int> m, bool o) : name(std::move(n)), mapped(std::move(m)), owner(o) {}
    ShmToken(const ShmToken& o) : name(o.name), mapped(o.mapped) {}
    ShmToken(ShmToken&& o) noexcept : name(std::move(o.name)), mapped(std::move(o.mapped)), owner(o.owner) {
        o.owner = false;
    }
    ShmToken& operator=(const ShmToken&) = delete;
    ~ShmToken() {
        if (owner) shm_release_all(name, mapped);
    }
    template <class A>
    void serialize(A& ar) { ar(name, mapped); }
};

template <std::size_t N>
std::size_t product(const std::array<std::size_t, N>& d) {
    std::size_t n = 1;
    for (auto x : d) n *= x;
    return n;
}

/// SPEC §4.9, as SharedArrays.jl's range_1dim: with q = size/np (integer division), chunk k
/// of np over [0, size) is [k*q, (k+1)*q) and the LAST chunk runs to size (11 in 3: 3, 3,
/// 5); when size < np, chunk k < size is [k, k+1) and the others are empty.
inline Range split_range(std::size_t size, std::size_t np, std::size_t k) {
    if (np == 0 || k >= np) return Range{0, 0, 1};
    if (size < np) {
        const auto i = static_cast<std::int64_t>(k);
        return k < size ? Range{i, i + 1, 1} : Range{0, 0, 1};
    }
    const std::size_t q = size / np;
    const auto lo = static_cast<std::int64_t>(k * q);
    const auto hi = static_cast<std::int64_t>(k + 1 == np ? size : (k + 1) * q);
    return Range{lo, hi, 1};
}

}  // namespace detail

/// Options of the SharedArray constructor (Julia's keyword arguments).
template <class T, std::size_t N>
struct SharedArrayOptions {
    /// Run on every participating process (in parallel) before the constructor returns;
    /// a function registered for remote calls with WEFT_REMOTE.
    void (*init)(SharedArray<T, N>&) = nullptr;
    /// Participating processes (all on this host). Empty: the workers on this host, or
    /// {1} when the master is alone.
    std::vector<int> pids;
};

/// An N-dimensional array of trivially copyable T in POSIX shared memory (or in a file,
/// see the file constructor), mapped by every participating process on the creator's
/// host. Column-major (first index fastest), 0-based. Copies and deserialized copies are
/// handles to the same memory. T may be const (a read-only view, required for a file
/// opened with mode "r").
/// The memory is released once no handle remains anywhere (or at finalize); nothing is
/// left in /dev/shm even when processes are killed: the name is unlinked as soon as every
/// participant has mapped it.
/// Example:
///   void fill_mine(weft::SharedArray<int, 2>& s) {
///       for (auto i : weft::localindices(s)) s[i] = weft::myid();
///   }
///   WEFT_REMOTE(fill_mine)
///   weft::SharedArray<int, 2> s({3, 4}, {.init = fill_mine});
template <class T, std::size_t N>
class SharedArray {
    static_assert(std::is_trivially_copyable_v<T>, "weft::SharedArray: T must be trivially copyable");
    static_assert(N >= 1, "weft::SharedArray: at least one dimension");

  public:
    /// An empty handle (no memory); assign a constructed array to it.
    SharedArray() = default;

    /// Creates the array (zero-filled), maps it on every participant, runs `o.init` on
    /// each participant, and returns. Throws std::runtime_error when /dev/shm is full,
    /// RemoteException when init fails on a participant.
    explicit SharedArray(std::array<std::size_t, N> dims, SharedArrayOptions<T, N> o = {}) : dims_(dims) {
        pids_ = o.pids.empty() ? detail::shm_default_pids() : o.pids;
        const std::vector<int> mapped = mapped_here_too();
        const int me = myid();
        const std::size_t bytes = detail::product(dims) * sizeof(T);
        map_ = detail::shm_create(bytes);
        name_ = map_->name;
        try {
            detail::shm_attach_all(name_, map_->bytes, mapped, pids_);
        } catch (...) {
            detail::shm_unlink(name_);
            detail::shm_release_all(name_, {me});
            throw;
        }
        detail::shm_unlink(name_);
        // The token is the result of a call stored here and never fetched, so that the
        // cluster-wide count of token_ handles decides when it is freed.
        token_ = remotecall([](std::string n, std::vector<int> m) { return detail::ShmToken(std::move(n), std::move(m), true); },
                            me, name_, mapped);
        data_ = static_cast<T*>(map_->data());
        run_init(o);
    }

    /// A file-backed array (Julia's SharedArray(filename, dims, offset; mode, init, pids)):
    /// maps the `dims` elements of T stored at byte `offset` of the file `path` (relative
    /// paths are taken from this process's working directory) on this process and every
    /// participant, which must see the same file at that path (the same host). Writes go
    /// to the file; the file stays when the array is gone. `mode` as Julia:
    ///   "r"  read-only (T must be const: SharedArray<const T, N>); the file must exist
    ///        and hold offset + size bytes;
    ///   "r+" read-write; the file must exist;
    ///   "w+" read-write; creates the file or truncates it to nothing first;
    ///   "a+" read-write; creates the file if it does not exist, keeps its content;
    ///   ""   (default) "r+" if the file exists, else "w+".
    /// A writable file shorter than offset + size bytes is extended (with zeros), as
    /// Julia's mmap grows it. `offset` must be a multiple of alignof(T). `o.init` runs on
    /// every participant as for shared memory (refused with mode "r").
    /// Throws std::invalid_argument (a bad mode or offset, a missing or short file for
    /// "r", init with "r") or std::system_error (the file cannot be opened, extended or
    /// mapped), each naming the path and what to do.
    /// Example:
    ///   weft::SharedArray<double, 2> a("/data/grid.bin", {1000, 1000}, 0, "w+");
    ///   weft::SharedArray<const double, 2> r("/data/grid.bin", {1000, 1000}, 0, "r");
    SharedArray(const std::string& path, std::array<std::size_t, N> dims, std::size_t offset = 0,
                const std::string& mode = "", SharedArrayOptions<T, N> o = {})
        : dims_(dims) {
        pids_ = o.pids.empty() ? detail::shm_default_pids() : o.pids;
        const std::vector<int> mapped = mapped_here_too();
        const int me = myid();
        map_ = detail::file_create(path, offset, detail::product(dims) * sizeof(T), alignof(T), mode,
                                   std::is_const_v<T>, o.init != nullptr);
        name_ = map_->name;
        try {
            detail::file_attach_all(*map_, mapped);
        } catch (...) {
            detail::shm_release_all(name_, {me});
            throw;
        }
        token_ = remotecall([](std::string n, std::vector<int> m) { return detail::ShmToken(std::move(n), std::move(m), true); },
                            me, name_, mapped);
        data_ = static_cast<T*>(map_->data());
        run_init(o);
    }

    /// Element (i0, i1, ...) in column-major order; unchecked.
    template <class... I>
        requires(sizeof...(I) == N && (std::is_integral_v<I> && ...))
    T& operator()(I... idx) const {
        const std::size_t ix[N] = {static_cast<std::size_t>(idx)...};
        std::size_t lin = ix[N - 1];
        for (std::size_t k = N - 1; k-- > 0;) lin = lin * dims_[k] + ix[k];
        return data_[lin];
    }
    /// Element at linear (column-major) index; unchecked.
    T& operator[](std::size_t linear) const { return data_[linear]; }

    /// Element (i0, i1, ...) or, with one index, at the linear (column-major) index,
    /// bounds-checked: throws std::out_of_range naming the index and the dims, and
    /// std::logic_error on a process that does not map the array.
    /// Example: `s.at(2, 3) = 1.0;  // s is 3x4: throws std::out_of_range`
    template <class... I>
        requires((sizeof...(I) == N || sizeof...(I) == 1) && (std::is_integral_v<I> && ...))
    T& at(I... idx) const {
        if (!data_) detail::shm_not_mapped(name_, pids_);
        const long long ix[] = {static_cast<long long>(idx)...};
        bool ok = true;
        if constexpr (sizeof...(I) == 1) ok = ix[0] >= 0 && static_cast<std::size_t>(ix[0]) < size();
        else
            for (std::size_t k = 0; k < N; ++k) ok = ok && ix[k] >= 0 && static_cast<std::size_t>(ix[k]) < dims_[k];
        if (!ok) {
            std::string where = "(", d = "(";
            for (std::size_t k = 0; k < sizeof...(I); ++k) where += (k ? ", " : "") + std::to_string(ix[k]);
            for (std::size_t k = 0; k < N; ++k) d += (k ? "x" : "") + std::to_string(dims_[k]);
            throw std::out_of_range("weft::SharedArray::at" + where + "): index out of bounds for an array of dims " +
                                    d + ")" + (sizeof...(I) == 1 && N > 1 ? " (linear index, size " + std::to_string(size()) + ")" : "") +
                                    " on process " + std::to_string(myid()) + "; indices are 0-based");
        }
        if constexpr (sizeof...(I) == 1) return data_[static_cast<std::size_t>(ix[0])];
        else return (*this)(idx...);
    }

    std::size_t size() const { return detail::product(dims_); }
    std::array<std::size_t, N> dims() const { return dims_; }
    std::size_t dim(std::size_t k) const { return dims_.at(k); }
    /// Participating processes (those that take a share of localindices).
    const std::vector<int>& pids() const { return pids_; }
    /// Segment name in /dev/shm (already unlinked once the constructor returned); for a
    /// file-backed array "<path>#<creator os pid>-<seq>" (the file is not a segment).
    const std::string& segment() const { return name_; }
    /// True when this process maps the memory.
    bool mapped() const { return data_ != nullptr; }
    /// The data, locally mapped (throws on a process that does not map it).
    std::span<T> data() const {
        if (!data_) detail::shm_not_mapped(name_, pids_);
        return std::span<T>(data_, size());
    }

    void save(OutArchive& ar) const {
        const bool live = token_.handle_ptr() != nullptr;
        ar(dims_, pids_, name_, live);
        if (live) ar(token_);
    }
    void load(InArchive& ar) {
        bool live = false;
        ar(dims_, pids_, name_, live);
        if (live) ar(token_);
        map_ = live ? detail::shm_lookup(name_) : nullptr;
        data_ = map_ ? static_cast<T*>(map_->data()) : nullptr;
    }

    /// The same memory seen with other dims (Julia's reshape): a handle like this one (same
    /// segment, participants and lifetime; writes through either are seen by both), which
    /// travels to other processes as any handle. Throws std::invalid_argument when the
    /// element counts differ. Example: `auto m = v.reshape(std::array<std::size_t, 2>{3, 4});`
    template <std::size_t M>
    SharedArray<T, M> reshape(std::array<std::size_t, M> dims) const {
        if (detail::product(dims) != size())
            throw std::invalid_argument("weft::SharedArray::reshape: " + std::to_string(detail::product(dims)) +
                                        " elements in the new dims, " + std::to_string(size()) +
                                        " in the array (process " + std::to_string(myid()) +
                                        "); the element count must stay the same");
        SharedArray<T, M> r;
        r.dims_ = dims;
        r.pids_ = pids_;
        r.name_ = name_;
        r.token_ = token_;
        r.map_ = map_;
        r.data_ = data_;
        return r;
    }

    /// Releases the memory on every participant now (Julia's finalize); this handle
    /// becomes empty. Other handles that still map it keep valid memory until they go.
    void finalize() {
        if (name_.empty()) return;
        std::vector<int> mapped = pids_;
        if (token_.handle_ptr()) {
            bool have = false;
            for (int p : mapped) have |= p == token_.where();
            if (!have) mapped.push_back(token_.where());
            weft::finalize(token_);
        }
        detail::shm_release_all(name_, mapped);
        map_.reset();
        data_ = nullptr;
        name_.clear();
    }

  private:
    /// The participants and this process, which maps the array even when it is not one.
    std::vector<int> mapped_here_too() const {
        std::vector<int> mapped = pids_;
        if (std::find(mapped.begin(), mapped.end(), myid()) == mapped.end()) mapped.push_back(myid());
        return mapped;
    }
    void run_init(const SharedArrayOptions<T, N>& o) {
        if (!o.init) return;
        std::vector<Future<void>> runs;
        runs.reserve(pids_.size());
        for (int p : pids_) runs.push_back(remotecall(o.init, p, *this));
        for (auto& r : runs) weft::wait(r);
    }
    template <class U, std::size_t K>
    friend class SharedArray;
    std::array<std::size_t, N> dims_{};
    std::vector<int> pids_;
    std::string name_;
    Future<detail::ShmToken> token_{std::shared_ptr<detail::RefHandle>()};
    std::shared_ptr<detail::ShmMapping> map_;
    T* data_ = nullptr;
};

/// S with other dims, sharing its memory (see SharedArray::reshape).
template <class T, std::size_t N, std::size_t M>
SharedArray<T, M> reshape(const SharedArray<T, N>& s, std::array<std::size_t, M> dims) {
    return s.reshape(dims);
}

/// The whole data of S, locally mapped (Julia's sdata).
template <class T, std::size_t N>
std::span<T> sdata(const SharedArray<T, N>& s) { return s.data(); }

/// Position of this process in procs(S) (0-based), or -1 if it takes no share.
template <class T, std::size_t N>
int indexpids(const SharedArray<T, N>& s) {
    const int me = myid();
    const auto& p = s.pids();
    for (std::size_t k = 0; k < p.size(); ++k)
        if (p[k] == me) return static_cast<int>(k);
    return -1;
}

/// This process's share of the linear indices, as SharedArrays.jl: chunk k = indexpids(S)
/// of np = procs(S).size() is [k*q, (k+1)*q) with q = size/np, the last chunk running to
/// size (and [k, k+1) for k < size when size < np); empty on a process that takes no share.
template <class T, std::size_t N>
Range localindices(const SharedArray<T, N>& s) {
    const int k = indexpids(s);
    if (k < 0) return Range{0, 0, 1};
    return detail::split_range(s.size(), s.pids().size(), static_cast<std::size_t>(k));
}

/// The participating processes of S.
template <class T, std::size_t N>
std::vector<int> procs(const SharedArray<T, N>& s) { return s.pids(); }

/// Releases S's memory everywhere now (see SharedArray::finalize).
template <class T, std::size_t N>
void finalize(SharedArray<T, N>& s) { s.finalize(); }

}  // namespace weft
