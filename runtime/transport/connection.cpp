// runtime/transport/connection.cpp — framing, the direct-send fast path with gathered
// writes, the ordered write queue, and the frame reader, on a socket in the event loop.
#include "transport/connection.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config.hpp"
#include "dashboard/stats.hpp"
#include "log.hpp"
#include "weft/exceptions.hpp"

namespace weft::rt {

std::uint64_t max_frame() {
    static const std::uint64_t v = config::max_frame();
    return v;
}

namespace {
std::vector<std::shared_ptr<Connection>> g_batched;  // connections with a batch to send

/// A streamed frame's read buffer (stream_threshold, connection.hpp).
constexpr std::size_t stream_buffer = 256 * 1024;
/// The most one sendmsg of the write queue hands the kernel: a reader sharing this CPU is
/// woken after each piece and copies it out while it is still in cache.
constexpr std::size_t write_piece = 64 * 1024;
}

bool streamable(MsgType type) {
    switch (type) {
        case MsgType::call:
        case MsgType::call_fetch:
        case MsgType::call_wait:
        case MsgType::remote_do:
        case MsgType::result: return true;
        default: return false;
    }
}

/// Sends every held-back batch; the scheduler calls it before it polls or waits for I/O,
/// so a batch waits at most until the ready tasks have run (8 picks at most).
void flush_batches() {
    static std::vector<std::shared_ptr<Connection>> list;  // keeps its capacity
    list.swap(g_batched);
    for (auto& c : list) {
        c->batch_listed_ = false;
        if (c->is_open() && !c->batch_.empty()) c->flush_batch();
    }
    list.clear();
}

Connection::Connection(tcp::socket socket, std::string remote, std::unique_ptr<FastPath> fast)
    : remote_(std::move(remote)), fast_(std::move(fast)) {
    set_before_poll(&flush_batches);
    boost::system::error_code ec;
    fd_ = socket.release(ec);  // out of Asio's reactor: the event loop watches it
    if (ec || fd_ < 0) {
        closed_ = true;
        fd_ = -1;
        return;
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

Connection::~Connection() {
    if (fd_ >= 0) {
        watch(false, false);
        ::close(fd_);
    }
}

void Connection::watch(bool in, bool out) {
    const std::uint32_t want = (in ? EPOLLIN : 0u) | (out ? EPOLLOUT : 0u);
    io_watch(fd_, this, want, watching_);
    watching_ = want;
}

void Connection::on_io(std::uint32_t events) {
    auto self = shared_from_this();  // a handler may drop the last other reference
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) write_queued();
    if (!closed_ && reading_ && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) read_ready();
}

void Connection::shutdown_send() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool Connection::wait_closed(std::chrono::nanoseconds d) { return closed_ || closed_ev_.wait_for(d); }

detail::OutBuffer& Connection::begin(MsgType t) {
    out_.clear();
    out_.reserve_bytes(frame_header_size);
    out_.data()[8] = static_cast<char>(t);
    return out_;
}

void Connection::finish() {
    if (closed_) {
        out_.clear();
        throw ProcessExitedException(peer_, "connection to " + remote_ + " is closed");
    }
    const std::uint64_t len = out_.total_size() - 8;
    dash::counters.bytes_out += 8 + len;
    std::memcpy(out_.data(), &len, 8);
    if (fast_ && fast_->sends()) {
        struct Clear {  // the buffer is free again whether the send threw or not
            detail::OutBuffer& b;
            ~Clear() { b.clear(); }
        } clear{out_};
        fast_->send(*this, static_cast<MsgType>(out_.data()[8]), out_);
        return;
    }
    // Batching: when other tasks are ready they will likely send too (1,000 calls in
    // flight); hold a small frame back and send them all with one system call when the
    // scheduler next polls I/O. A lone sender (the latency path) sends at once.
    if (out_.segments().empty() && in_task() && other_tasks_ready()) {
        batch_.insert(batch_.end(), out_.data(), out_.data() + out_.inline_size());
        out_.clear();
        if (!batch_listed_) {
            batch_listed_ = true;
            g_batched.push_back(shared_from_this());
        }
        return;
    }
    if (!batch_.empty()) flush_batch();  // what was held back goes first
    std::size_t written = 0;
    if (queue_.empty()) {
        // Fast path: one gathered send straight from the buffer and the arrays' memory.
        iovec iov[64];
        const auto& segs = out_.segments();
        if (segs.size() < 30) {
            int n = 0;
            std::size_t at = 0;
            for (const auto& s : segs) {
                iov[n++] = {out_.data() + at, s.offset - at};
                iov[n++] = {const_cast<char*>(s.data), s.size};
                at = s.offset;
            }
            iov[n++] = {out_.data() + at, out_.inline_size() - at};
            msghdr mh{};
            mh.msg_iov = iov;
            mh.msg_iovlen = static_cast<std::size_t>(n);
            ssize_t r;
            do r = ::sendmsg(fd_, &mh, MSG_NOSIGNAL);
            while (r < 0 && errno == EINTR);
            if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                std::string why = std::strerror(errno);
                out_.clear();
                close("send failed: " + why);
                throw ProcessExitedException(peer_, "send to " + remote_ + " failed: " + why);
            }
            written = r > 0 ? static_cast<std::size_t>(r) : 0;
            if (written == out_.total_size()) {
                out_.clear();
                return;
            }
        }
    }
    enqueue_rest(written);
}

// Queues what the fast path did not write: inline bytes are copied; big arrays stay by
// reference while the calling task waits for them (in an I/O handler, they are copied).
void Connection::enqueue_rest(std::size_t written) {
    const bool can_wait = in_task();
    std::shared_ptr<Event> done;
    std::size_t pos = 0;  // position in the frame
    auto add = [&](const char* p, std::size_t n, bool external) {
        if (n == 0) return;
        if (pos + n <= written) { pos += n; return; }  // already sent
        std::size_t skip = written > pos ? written - pos : 0;
        p += skip; n -= skip; pos += skip;
        Chunk c;
        if (external && can_wait) {
            c.ext = p;
            c.len = n;
            if (!done) done = std::make_shared<Event>();
        } else {
            c.own.assign(p, p + n);
            c.len = n;
        }
        queue_.push_back(std::move(c));
        pos += n;
    };
    std::size_t at = 0;
    for (const auto& s : out_.segments()) {
        add(out_.data() + at, s.offset - at, false);
        add(s.data, s.size, true);
        at = s.offset;
    }
    add(out_.data() + at, out_.inline_size() - at, false);
    out_.clear();
    if (done) queue_.back().done = done;  // the frame's last chunk: all of it written
    write_queued();
    if (done) {
        done->wait();
        if (closed_) throw ProcessExitedException(peer_, "connection to " + remote_ + " closed during a send");
    }
}

void Connection::flush_batch() {
    std::size_t written = 0;
    if (queue_.empty()) {
        ssize_t r;
        do r = ::send(fd_, batch_.data(), batch_.size(), MSG_NOSIGNAL);
        while (r < 0 && errno == EINTR);
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            batch_.clear();
            close(std::string("send failed: ") + std::strerror(errno));
            return;
        }
        written = r > 0 ? static_cast<std::size_t>(r) : 0;
    }
    if (written < batch_.size()) {
        Chunk c;
        c.own.assign(batch_.begin() + static_cast<std::ptrdiff_t>(written), batch_.end());
        c.len = c.own.size();
        queue_.push_back(std::move(c));
    }
    batch_.clear();
    write_queued();
}

void Connection::write_queued() {
    while (!queue_.empty() && !closed_) {
        iovec iov[64];
        int n = 0;
        std::size_t total = 0;
        for (auto& c : queue_) {
            const std::size_t len = std::min(c.len - c.off, write_piece - total);
            iov[n++] = {const_cast<char*>(c.data()) + c.off, len};
            total += len;
            if (n == 64 || total == write_piece) break;
        }
        msghdr mh{};
        mh.msg_iov = iov;
        mh.msg_iovlen = static_cast<std::size_t>(n);
        const ssize_t r = ::sendmsg(fd_, &mh, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                // on_io continues when there is room; reading stays as it is (a streaming
                // task waiting in refill() needs its EPOLLIN while this send waits too)
                watch(watching_ & EPOLLIN, true);
                return;
            }
            close(std::string("write failed: ") + std::strerror(errno));
            return;
        }
        auto left = static_cast<std::size_t>(r);
        while (!queue_.empty()) {
            auto& c = queue_.front();
            const std::size_t take = std::min(left, c.len - c.off);
            c.off += take;
            left -= take;
            if (c.off < c.len) break;
            if (c.done) c.done->set();
            queue_.pop_front();
        }
    }
    if ((watching_ & EPOLLOUT) && !closed_) watch(watching_ & EPOLLIN, false);
}

void Connection::start_reader() {
    if (closed_) return;
    reading_ = true;
    reader_keeps_ = shared_from_this();  // a reading connection lives until it closes
    watch(true, watching_ & EPOLLOUT);
    if (fast_) fast_->start(*this);
}

void Connection::ensure_read_capacity(std::size_t need) {
    if (need <= rcap_) return;
    std::size_t cap = rcap_ ? rcap_ : 64 * 1024;
    while (cap < need) cap *= 2;
    std::unique_ptr<char[]> nb(new char[cap]);  // not zeroed: the socket fills it
    if (rend_ > rpos_) std::memcpy(nb.get(), rbuf_.get() + rpos_, rend_ - rpos_);  // rbuf_ is null at first
    rend_ -= rpos_;
    rpos_ = 0;
    rbuf_ = std::move(nb);
    rcap_ = cap;
}

void Connection::make_read_room() {
    if (rcap_ - rend_ >= 4096) return;
    if (rpos_ > 0) {
        std::memmove(rbuf_.get(), rbuf_.get() + rpos_, rend_ - rpos_);
        rend_ -= rpos_;
        rpos_ = 0;
    }
    ensure_read_capacity(rend_ + 64 * 1024);
}

// The socket is readable (level-triggered): one recv, and another only while recv filled
// all the room it had (more may be waiting); a short read means the socket is drained, and
// epoll reports it again when more arrives, so no read ends in EAGAIN in the common case.
void Connection::read_ready() {
    if (streaming_) {  // the streaming task reads; wake it, and stop watching until it waits
        if (readable_) std::exchange(readable_, nullptr)->set();
        watch(false, watching_ & EPOLLOUT);
        return;
    }
    for (int round = 0; round < 16; ++round)  // bounded: other peers get their turn
        if (read_once() != ReadResult::filled) return;
}

bool Connection::try_read() {
    if (!reading_ || streaming_ || closed_) return false;
    auto self = shared_from_this();  // dispatching may drop the last other reference
    const ReadResult r = read_once();
    return r == ReadResult::drained || r == ReadResult::filled;
}

Connection::ReadResult Connection::read_once() {
    make_read_room();
    const std::size_t room = rcap_ - rend_;
    ssize_t n;
    do n = ::recv(fd_, rbuf_.get() + rend_, room, 0);
    while (n < 0 && errno == EINTR);
    if (n == 0) {
        if (fast_) fast_->drain();  // what the peer sent the other way before it closed
        if (closed_) return ReadResult::stop;
        close("connection closed by the peer");
        return ReadResult::stop;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadResult::nothing;
        close(std::string("read failed: ") + std::strerror(errno));
        return ReadResult::stop;
    }
    io_mark_hot(this);
    rend_ += static_cast<std::size_t>(n);
    if (!dispatch_frames()) return ReadResult::stop;
    return static_cast<std::size_t>(n) == room ? ReadResult::filled : ReadResult::drained;
}

bool Connection::dispatch_frames() {
    while (rend_ - rpos_ >= frame_header_size) {
        std::uint64_t len;
        std::memcpy(&len, rbuf_.get() + rpos_, 8);
        if (len == 0 || len > max_frame()) {
            close("frame of " + std::to_string(len) + " bytes exceeds the limit WEFT_MAX_FRAME=" +
                  std::to_string(max_frame()) + " (raise WEFT_MAX_FRAME if this is legitimate)");
            return false;
        }
        auto type = static_cast<std::uint8_t>(rbuf_[rpos_ + 8]);
        if (rend_ - rpos_ - 8 < len) {
            if (len >= stream_threshold && streamable(static_cast<MsgType>(type))) {
                stream_frame(static_cast<MsgType>(type), len);
                return false;
            }
            // Room for more of the frame, growing with what arrived (at most twice that,
            // plus 64 KiB), never sized from the header alone: a peer must send the bytes
            // of a big frame before this process holds memory for them.
            const std::size_t have = rend_ - rpos_;
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(8 + len, 2 * have + 64 * 1024));
            if (rpos_ + want > rcap_) ensure_read_capacity(want);
            break;
        }
        dash::counters.bytes_in += 8 + len;
        const char* body = rbuf_.get() + rpos_ + frame_header_size;
        const std::size_t body_len = len - 1;
        rpos_ += 8 + len;
        if (type == 0 || type > static_cast<std::uint8_t>(MsgType::last_)) {
            close("unknown message type " + std::to_string(type));
            return false;
        }
        try {
            InArchive ar(body, body_len, peer_);
            process_message(*this, static_cast<MsgType>(type), ar);
        } catch (const std::exception& e) {
            close(std::string("bad ") + msg_name(static_cast<MsgType>(type)) + " message: " + e.what());
            return false;
        }
        if (closed_) return false;
    }
    if (rpos_ == rend_) rpos_ = rend_ = 0;
    if (rcap_ > (64u << 20) && rend_ - rpos_ < (1u << 20)) {  // give back a huge buffer
        std::unique_ptr<char[]> nb(new char[64 * 1024]);
        std::memcpy(nb.get(), rbuf_.get() + rpos_, rend_ - rpos_);
        rend_ -= rpos_;
        rpos_ = 0;
        rbuf_ = std::move(nb);
        rcap_ = 64 * 1024;
    }
    return true;
}

// A streamed frame: the reader stops, and a task decodes the frame with an archive that
// asks refill() for each next piece; reads are capped at the frame's end, so the buffer
// never holds the next frame. When the handler returns, what it left unread is skipped
// and the reader goes on.
void Connection::stream_frame(MsgType type, std::uint64_t len) {
    dash::counters.bytes_in += 8 + len;
    if (rpos_ > 0) {
        std::memmove(rbuf_.get(), rbuf_.get() + rpos_, rend_ - rpos_);
        rend_ -= rpos_;
        rpos_ = 0;
    }
    if (rcap_ < stream_buffer) ensure_read_capacity(stream_buffer);
    streaming_ = true;
    watch(false, watching_ & EPOLLOUT);  // refill() watches while it waits
    launch([self = shared_from_this(), type, len] {
        Connection& c = *self;
        const std::size_t have = c.rend_ - frame_header_size;
        InArchive ar(c.rbuf_.get() + frame_header_size, have, c.peer_, &c, len - 1 - have);
        try {
            process_message(c, type, ar);
            while (ar.remaining() > 0) {  // the handler did not read it all
                if (ar.buffered() == 0) ar.refill();
                ar.skip(ar.buffered());
            }
        } catch (const std::exception& e) {
            if (!c.closed_) c.close(std::string("bad ") + msg_name(type) + " message: " + e.what());
        }
        c.rpos_ = c.rend_ = 0;
        c.streaming_ = false;
        if (!c.closed_) c.watch(true, c.watching_ & EPOLLOUT);  // what came meanwhile is reported
    });
}

void Connection::refill(InArchive& ar) {
    const std::size_t want = std::min<std::size_t>(ar.unread(), stream_buffer);
    for (;;) {
        if (closed_) throw ProcessExitedException(peer_, "connection to " + remote_ + " lost while receiving a message");
        const ssize_t n = ::recv(fd_, rbuf_.get(), want, 0);
        if (n > 0) {
            rpos_ = 0;
            rend_ = static_cast<std::size_t>(n);
            ar.set_buffered(rbuf_.get(), rend_);
            return;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            auto ev = std::make_shared<Event>();
            readable_ = ev;
            watch(true, watching_ & EPOLLOUT);
            ev->wait();  // read_ready or close sets it
            continue;
        }
        const std::string why = n == 0 ? "the peer closed it with " + std::to_string(ar.unread()) +
                                             " bytes of a message still to come"
                                       : std::string("read failed: ") + std::strerror(errno);
        close(why);
        throw ProcessExitedException(peer_, "connection to " + remote_ + " lost while receiving a message: " + why);
    }
}

void Connection::close(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    const auto keep = std::move(reader_keeps_);  // released when close returns
    if (fast_) fast_->abandon();
    if (fd_ >= 0) {
        watch(false, false);
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        fd_ = -1;
    }
    if (readable_) std::exchange(readable_, nullptr)->set();
    for (auto& c : queue_)
        if (c.done) c.done->set();
    queue_.clear();
    closed_ev_.set();
    on_connection_closed(*this, reason);
}

const char* msg_name(MsgType t) {
    switch (t) {
        case MsgType::call: return "CallMsg";
        case MsgType::call_fetch: return "CallFetchMsg";
        case MsgType::call_wait: return "CallWaitMsg";
        case MsgType::remote_do: return "RemoteDoMsg";
        case MsgType::result: return "ResultMsg";
        case MsgType::ref_fetch: return "RefFetchMsg";
        case MsgType::ref_put: return "RefPutMsg";
        case MsgType::ref_add: return "RefAddMsg";
        case MsgType::ref_del: return "RefDelMsg";
        case MsgType::join_pgrp: return "JoinPGRPMsg";
        case MsgType::join_complete: return "JoinCompleteMsg";
        case MsgType::peer_added: return "PeerAddedMsg";
        case MsgType::peer_removed: return "PeerRemovedMsg";
        case MsgType::exit: return "ExitMsg";
        case MsgType::output: return "OutputMsg";
        case MsgType::interrupt: return "InterruptMsg";
    }
    return "unknown";
}

}  // namespace weft::rt
