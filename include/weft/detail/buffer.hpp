// weft/detail/buffer.hpp — the growable output buffer weft's archives write into.
// Small values are copied inline; big contiguous arrays are recorded as external segments
// (pointer + length) so the transport can gather-write them without a copy.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace weft::detail {

/// Output bytes of one message: an inline byte string with external segments spliced in
/// at recorded offsets. Not thread-safe; each connection reuses one.
class OutBuffer {
  public:
    /// Arrays at least this big travel as external segments (no copy into the buffer).
    static constexpr std::size_t external_threshold = 64 * 1024;

    struct Segment {
        std::size_t offset;  ///< position in the inline bytes where the segment goes
        const char* data;
        std::size_t size;
    };

    OutBuffer() = default;
    OutBuffer(const OutBuffer&) = delete;
    OutBuffer& operator=(const OutBuffer&) = delete;
    ~OutBuffer() { std::free(data_); }

    void append(const void* p, std::size_t n) {
        if (n == 0) return;  // p may be null (an empty vector's data()): no memcpy from it
        if (size_ + n > cap_) grow(size_ + n);
        std::memcpy(data_ + size_, p, n);
        size_ += n;
    }
    /// Records `p[0..n)` as an external segment; the memory must outlive the send.
    void append_external(const void* p, std::size_t n) {
        if (!allow_external_ || n < external_threshold) return append(p, n);
        segments_.push_back({size_, static_cast<const char*>(p), n});
        external_bytes_ += n;
    }
    void clear() { size_ = 0; segments_.clear(); external_bytes_ = 0; }
    char* data() { return data_; }
    const char* data() const { return data_; }
    std::size_t inline_size() const { return size_; }
    std::size_t total_size() const { return size_ + external_bytes_; }
    const std::vector<Segment>& segments() const { return segments_; }
    void set_allow_external(bool on) { allow_external_ = on; }
    /// Reserves n bytes at the end and returns their position (for headers patched later).
    std::size_t reserve_bytes(std::size_t n) {
        if (size_ + n > cap_) grow(size_ + n);
        std::size_t at = size_;
        size_ += n;
        return at;
    }
    /// Copies everything (segments spliced in) into one contiguous vector.
    std::vector<char> flatten() const;

  private:
    void grow(std::size_t need) {
        std::size_t c = cap_ ? cap_ : 256;
        while (c < need) c *= 2;
        char* p = static_cast<char*>(std::realloc(data_, c));
        if (!p) throw std::bad_alloc();
        data_ = p;
        cap_ = c;
    }
    char* data_ = nullptr;
    std::size_t size_ = 0, cap_ = 0, external_bytes_ = 0;
    std::vector<Segment> segments_;
    bool allow_external_ = true;
};

inline std::vector<char> OutBuffer::flatten() const {
    std::vector<char> out(total_size());
    std::size_t in = 0, o = 0;
    for (const auto& s : segments_) {
        std::memcpy(out.data() + o, data_ + in, s.offset - in);
        o += s.offset - in;
        in = s.offset;
        std::memcpy(out.data() + o, s.data, s.size);
        o += s.size;
    }
    std::memcpy(out.data() + o, data_ + in, size_ - in);
    return out;
}

}  // namespace weft::detail
