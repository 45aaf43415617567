// weft/serialize.hpp — how values cross processes: weft's cereal archives (OutArchive,
// InArchive) and the Serializable concept every API checks at compile time.
#pragma once
#include <cereal/cereal.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/chrono.hpp>
#include <cereal/types/complex.hpp>
#include <cereal/types/deque.hpp>
#include <cereal/types/list.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/memory.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/set.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/unordered_set.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>
#include <algorithm>
#include <compare>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "detail/buffer.hpp"

namespace weft {

/// Writes a message for process `peer()`. Arithmetic values are copied; contiguous
/// arithmetic arrays of 64 KiB or more are sent straight from their own memory.
/// Use it as any cereal archive: `ar(a, b, c)`. Not thread-safe.
class OutArchive : public cereal::OutputArchive<OutArchive, cereal::AllowEmptyClassElision> {
  public:
    explicit OutArchive(detail::OutBuffer& buf, int peer = 0)
        : cereal::OutputArchive<OutArchive, cereal::AllowEmptyClassElision>(this), buf_(buf), peer_(peer) {}
    void saveBinary(const void* p, std::size_t n) { buf_.append(p, n); }
    void saveBulk(const void* p, std::size_t n) { buf_.append_external(p, n); }
    /// The process this message goes to (0: stored locally, not sent).
    int peer() const { return peer_; }
    detail::OutBuffer& buffer() { return buf_; }

  private:
    detail::OutBuffer& buf_;
    int peer_;
};

class InArchive;
namespace detail {
/// Where an InArchive gets the rest of a message that is bigger than what is buffered:
/// the transport streams big frames through a small buffer instead of holding them whole.
class StreamSource {
  public:
    /// Makes the archive's next bytes available (at least one, at most `unread`); waits
    /// (as a task) until they arrive. Throws if the connection is gone.
    virtual void refill(InArchive& ar) = 0;
    /// The size of the message's next piece when it can be received straight into the
    /// reader's memory (a big array the UCX transport sent on its own), else 0. Asked only
    /// when nothing is buffered.
    virtual std::size_t bulk_ahead() const { return 0; }
    /// Receives that whole piece (bulk_ahead() bytes) into `p`, waiting (as a task) until it
    /// is there, and takes it from the archive's unread(). Throws if the connection is gone.
    virtual void receive_into(InArchive&, void*) {
        throw std::logic_error("weft: receive_into on a message source without bulk pieces");
    }

  protected:
    ~StreamSource() = default;
};
}  // namespace detail

/// Reads a message that came from process `peer()`. Reading past the end throws
/// `cereal::Exception` (the transport drops a peer that sends such a frame).
///
/// The bytes in [position(), position() + buffered()) are at hand; a streamed message has
/// `unread()` more still on their way, which loadBinary waits for.
class InArchive : public cereal::InputArchive<InArchive, cereal::AllowEmptyClassElision> {
  public:
    InArchive(const char* data, std::size_t size, int peer = 0)
        : cereal::InputArchive<InArchive, cereal::AllowEmptyClassElision>(this),
          cur_(data), end_(data + size), peer_(peer) {}
    /// A message of which `size` bytes are buffered and `unread` more come from `src`.
    InArchive(const char* data, std::size_t size, int peer, detail::StreamSource* src, std::size_t unread)
        : InArchive(data, size, peer) {
        src_ = src;
        unread_ = unread;
    }
    void loadBinary(void* p, std::size_t n) {
        if (n == 0) return;  // p may be null (an empty vector's data())
        if (n <= buffered()) {
            std::memcpy(p, cur_, n);
            cur_ += n;
            return;
        }
        check(n, "needed");
        auto* out = static_cast<char*>(p);
        while (n > 0) {
            if (cur_ == end_) {
                if (const std::size_t b = src_->bulk_ahead(); b > 0 && b <= n) {
                    src_->receive_into(*this, out);  // no copy through a buffer
                    out += b;
                    n -= b;
                    continue;
                }
                src_->refill(*this);
            }
            const std::size_t k = n < buffered() ? n : buffered();
            std::memcpy(out, cur_, k);
            out += k;
            cur_ += k;
            n -= k;
        }
    }
    int peer() const { return peer_; }
    /// Bytes of the message not read yet (buffered or not).
    std::size_t remaining() const { return buffered() + unread_; }
    std::size_t buffered() const { return static_cast<std::size_t>(end_ - cur_); }
    std::size_t unread() const { return unread_; }
    const char* position() const { return cur_; }
    /// Moves past n buffered bytes read in place through position().
    void skip(std::size_t n) {
        if (n > buffered()) {
            check(n, "skipping");
            throw cereal::Exception("weft: skipping " + std::to_string(n) + " bytes of a streamed message, " +
                                    std::to_string(buffered()) + " at hand (refill() first)");
        }
        cur_ += n;
    }
    /// Waits for the next bytes of a streamed message (position() may change).
    void refill() {
        if (unread_ == 0) check(buffered() + 1, "needed");
        src_->refill(*this);
    }
    /// How many of the next bytes loadBinary receives straight into the caller's memory
    /// (not through a buffer), or 0: a reader that makes room for exactly that many and
    /// loads them in one call saves a copy.
    std::size_t bulk_ahead() const { return cur_ == end_ && src_ ? src_->bulk_ahead() : 0; }
    /// For the StreamSource: the next buffered bytes, taken from unread().
    void set_buffered(const char* data, std::size_t size) {
        cur_ = data;
        end_ = data + size;
        unread_ -= size;
    }
    /// For the StreamSource: `size` unread bytes went straight to the reader's memory.
    void took_unread(std::size_t size) { unread_ -= size; }

  private:
    void check(std::size_t n, const char* what) const {
        if (n > remaining())
            throw cereal::Exception("weft: message truncated: " + std::string(what) + " " + std::to_string(n) +
                                    " bytes, " + std::to_string(remaining()) + " left");
    }
    const char* cur_;
    const char* end_;
    int peer_;
    detail::StreamSource* src_ = nullptr;
    std::size_t unread_ = 0;
};

// cereal glue, as cereal's own binary archive does it.
template <class T>
inline std::enable_if_t<std::is_arithmetic_v<T>> CEREAL_SAVE_FUNCTION_NAME(OutArchive& ar, const T& t) {
    ar.saveBinary(std::addressof(t), sizeof(t));
}
template <class T>
inline std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>> CEREAL_LOAD_FUNCTION_NAME(InArchive& ar,
                                                                                                     T& t) {
    ar.loadBinary(std::addressof(t), sizeof(t));
}
/// A bool is one byte, 0 or 1; any other byte is a bad message (loading it into a bool
/// would be undefined behaviour).
inline void CEREAL_LOAD_FUNCTION_NAME(InArchive& ar, bool& b) {
    unsigned char v = 0;
    ar.loadBinary(&v, 1);
    if (v > 1) throw cereal::Exception("weft: bad message: a bool holds the byte " + std::to_string(v) + ", not 0 or 1");
    b = v != 0;
}
template <class Archive, class T>
inline CEREAL_ARCHIVE_RESTRICT(InArchive, OutArchive) CEREAL_SERIALIZE_FUNCTION_NAME(Archive& ar, cereal::NameValuePair<T>& t) {
    ar(t.value);
}
template <class T>
inline void CEREAL_SAVE_FUNCTION_NAME(OutArchive& ar, const cereal::SizeTag<T>& t) {
    ar(t.size);
}
/// Every container length read from a message is at most the bytes the message has left
/// (each element takes at least one byte; a container of elements that serialize to no
/// bytes, e.g. empty structs, can hold no more elements than that), so a forged length
/// cannot make the receiver allocate more than the message's own size before it fails.
template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(InArchive& ar, cereal::SizeTag<T>& t) {
    ar(t.size);
    if (t.size > ar.remaining())
        throw cereal::Exception("weft: bad message: a length of " + std::to_string(t.size) + " with " +
                                std::to_string(ar.remaining()) + " bytes left in the message");
}
template <class T>
inline void CEREAL_SAVE_FUNCTION_NAME(OutArchive& ar, const cereal::BinaryData<T>& bd) {
    ar.saveBulk(bd.data, static_cast<std::size_t>(bd.size));
}
template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(InArchive& ar, cereal::BinaryData<T>& bd) {
    ar.loadBinary(bd.data, static_cast<std::size_t>(bd.size));
}

namespace detail {
/// Reads the T at each position of a byte buffer (which need not be aligned for T).
template <class T>
class UnalignedIterator {
  public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = T;
    UnalignedIterator() = default;
    explicit UnalignedIterator(const char* p) : p_(p) {}
    T operator*() const {
        T v;
        std::memcpy(&v, p_, sizeof(T));
        return v;
    }
    T operator[](difference_type k) const { return *(*this + k); }
    UnalignedIterator& operator++() { p_ += sizeof(T); return *this; }
    UnalignedIterator operator++(int) { auto t = *this; p_ += sizeof(T); return t; }
    UnalignedIterator& operator--() { p_ -= sizeof(T); return *this; }
    UnalignedIterator operator--(int) { auto t = *this; p_ -= sizeof(T); return t; }
    UnalignedIterator& operator+=(difference_type k) { p_ += k * static_cast<difference_type>(sizeof(T)); return *this; }
    UnalignedIterator& operator-=(difference_type k) { return *this += -k; }
    friend UnalignedIterator operator+(UnalignedIterator a, difference_type k) { return a += k; }
    friend UnalignedIterator operator+(difference_type k, UnalignedIterator a) { return a += k; }
    friend UnalignedIterator operator-(UnalignedIterator a, difference_type k) { return a -= k; }
    friend difference_type operator-(const UnalignedIterator& a, const UnalignedIterator& b) {
        return (a.p_ - b.p_) / static_cast<difference_type>(sizeof(T));
    }
    friend auto operator<=>(const UnalignedIterator&, const UnalignedIterator&) = default;

  private:
    const char* p_ = nullptr;
};
}  // namespace detail

/// Arrays of numbers are copied once out of the message into fresh storage (cereal's own
/// load zero-fills the vector, then copies: twice the memory traffic for big arrays). A
/// streamed message's array is appended piece by piece as the pieces arrive, or, when the
/// transport can put it straight into memory (UCX), received into the vector in one piece.
template <class T, class A>
inline std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>> CEREAL_LOAD_FUNCTION_NAME(
    InArchive& ar, std::vector<T, A>& v) {
    cereal::size_type n = 0;
    ar(cereal::make_size_tag(n));
    if (n > ar.remaining() / sizeof(T))
        throw cereal::Exception("weft: message truncated: an array of " + std::to_string(n) + " elements, " +
                                std::to_string(ar.remaining()) + " bytes left");
    auto count = static_cast<std::size_t>(n);
    if (count * sizeof(T) <= ar.buffered()) {
        const detail::UnalignedIterator<T> first(ar.position());
        v.assign(first, first + static_cast<std::ptrdiff_t>(count));
        ar.skip(count * sizeof(T));
        return;
    }
    if (count > 0 && ar.bulk_ahead() == count * sizeof(T)) {  // received in place
        v.resize(count);
        ar.loadBinary(v.data(), count * sizeof(T));
        return;
    }
    v.clear();
    v.reserve(count);
    while (count > 0) {
        std::size_t k = ar.buffered() / sizeof(T);
        if (k == 0) {
            if (ar.buffered() > 0) {  // an element split between two pieces
                T t;
                ar.loadBinary(&t, sizeof t);
                v.push_back(t);
                --count;
            } else {
                ar.refill();
            }
            continue;
        }
        if (k > count) k = count;
        const detail::UnalignedIterator<T> first(ar.position());
        v.insert(v.end(), first, first + static_cast<std::ptrdiff_t>(k));
        ar.skip(k * sizeof(T));
        count -= k;
    }
}

/// Strings grow with the bytes that arrive: a streamed message's string is appended piece
/// by piece, never sized from its length prefix before its bytes are here.
template <class C, class Tr, class A>
inline std::enable_if_t<std::is_arithmetic_v<C>> CEREAL_LOAD_FUNCTION_NAME(InArchive& ar,
                                                                          std::basic_string<C, Tr, A>& s) {
    cereal::size_type n = 0;
    ar(cereal::make_size_tag(n));
    if (n > ar.remaining() / sizeof(C))
        throw cereal::Exception("weft: bad message: a string of " + std::to_string(n) + " characters, " +
                                std::to_string(ar.remaining()) + " bytes left");
    auto count = static_cast<std::size_t>(n);
    s.clear();
    if (count * sizeof(C) <= ar.buffered() || (count > 0 && ar.bulk_ahead() == count * sizeof(C))) {
        s.resize(count);
        ar.loadBinary(s.data(), count * sizeof(C));
        return;
    }
    while (count > 0) {
        std::size_t k = ar.buffered() / sizeof(C);
        if (k == 0) {
            C c;
            ar.loadBinary(&c, sizeof c);  // refills; an element may be split between pieces
            s.push_back(c);
            --count;
            continue;
        }
        if (k > count) k = count;
        const std::size_t at = s.size();
        s.resize(at + k);
        ar.loadBinary(s.data() + at, k * sizeof(C));
        count -= k;
    }
}

/// Vectors of other element types grow as elements are decoded, not resized from their
/// length prefix (each element may need far more memory than the byte it takes at least).
template <class T, class A>
inline std::enable_if_t<!std::is_arithmetic_v<T>> CEREAL_LOAD_FUNCTION_NAME(InArchive& ar, std::vector<T, A>& v) {
    cereal::size_type n = 0;
    ar(cereal::make_size_tag(n));
    v.clear();
    v.reserve(static_cast<std::size_t>(std::min<cereal::size_type>(n, ar.buffered() / 8 + 1)));
    for (cereal::size_type k = 0; k < n; ++k) {
        v.emplace_back();
        ar(v.back());
    }
}

namespace detail {
// runtime/registry.cpp (declared again in detail/call.hpp, with FnId for the id type).
std::uint64_t function_id(void* fnptr);
void* function_pointer(std::uint64_t id);

template <class T>
inline constexpr bool is_function_pointer_v = std::is_pointer_v<T> && std::is_function_v<std::remove_pointer_t<T>>;

/// A class with no data that can be made anew on the other side: a captureless lambda,
/// an empty function object, a tag. It travels as nothing at all (cereal elides empty
/// classes in weft's archives) and is default-constructed where it arrives.
template <class T>
inline constexpr bool is_stateless_v = std::is_class_v<T> && std::is_empty_v<T> && !std::is_polymorphic_v<T> &&
                                       std::is_default_constructible_v<T> && std::is_trivially_copyable_v<T>;

/// The id under which a function pointer travels (0 for a null pointer). Throws
/// std::logic_error naming the function when it is not registered, before anything is sent.
inline std::uint64_t function_id_to_send(void* fnptr, int peer) {
    if (!fnptr) return 0;
    try {
        return function_id(fnptr);
    } catch (const std::logic_error& e) {
        throw std::logic_error("weft: a function pointer cannot be sent to process " + std::to_string(peer) +
                               ": " + e.what());
    }
}
}  // namespace detail

/// A function pointer travels as the registered id of its function (WEFT_REMOTE or
/// '#pragma weft remote'; a captureless lambda converted to a function pointer where a
/// registered function's parameter asks for one is registered by weft itself) and is the
/// same function where it arrives: every process runs the same binary.
template <class F>
    requires detail::is_function_pointer_v<F>
inline void CEREAL_SAVE_FUNCTION_NAME(OutArchive& ar, const F& f) {
    const std::uint64_t id = detail::function_id_to_send(reinterpret_cast<void*>(f), ar.peer());
    ar(id);
}
template <class F>
    requires detail::is_function_pointer_v<F>
inline void CEREAL_LOAD_FUNCTION_NAME(InArchive& ar, F& f) {
    std::uint64_t id = 0;
    ar(id);
    f = id == 0 ? nullptr : reinterpret_cast<F>(detail::function_pointer(id));
}

/// True when T can cross processes: arithmetic types, enums, std::string, standard
/// containers, pair/tuple/optional/variant/array, and types with a cereal
/// `serialize`/`save`/`load` (member or free), plus weft handles (Future, ...);
/// function pointers to registered functions (as their id); and classes with no data
/// (a captureless lambda, an empty function object), which need no `serialize`.
template <class T>
concept Serializable = std::is_void_v<T> || detail::is_function_pointer_v<T> || detail::is_stateless_v<T> ||
    (!std::is_pointer_v<T> && !std::is_member_pointer_v<T> && !std::is_reference_v<T> &&
     cereal::traits::is_output_serializable<T, OutArchive>::value &&
     cereal::traits::is_input_serializable<T, InArchive>::value);

namespace detail {
/// Instantiated for every type weft sends; a failure names the type in the
/// "required from here" chain of the compiler's error.
template <class T>
constexpr void require_serializable() {
    static_assert(Serializable<T>,
                  "weft: this type cannot cross processes (see the type in 'with T = ...' above): give it a "
                  "cereal serialize(Archive&) member or free function, or save/load");
}
}  // namespace detail
}  // namespace weft

// Function pointers use weft's save/load above, not cereal's catch-all for raw pointers
// (cereal/types/common.hpp, which refuses them).
namespace cereal {
template <class Archive, class R, class... P>
struct specialize<Archive, R (*)(P...), specialization::non_member_load_save> {};
template <class Archive, class R, class... P>
struct specialize<Archive, R (*)(P...) noexcept, specialization::non_member_load_save> {};
}  // namespace cereal

CEREAL_REGISTER_ARCHIVE(weft::OutArchive)
CEREAL_REGISTER_ARCHIVE(weft::InArchive)
CEREAL_SETUP_ARCHIVE_TRAITS(weft::InArchive, weft::OutArchive)
