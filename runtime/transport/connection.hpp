// runtime/transport/connection.hpp — one TCP connection to a peer process: framed,
// ordered sends (direct send() when nothing is queued, else gathered writes whenever the
// socket can take more), and one reader that hands each complete frame to process_message.
// The socket sits in the event loop's epoll set directly, not in Asio's.
#pragma once
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "asio.hpp"
#include "messages.hpp"
#include "tasks/event_loop.hpp"
#include "tasks/fiber.hpp"
#include "transport/transport.hpp"
#include "weft/detail/buffer.hpp"

namespace weft::rt {

/// Frames at least this big that carry a call's arguments or a result (streamable) are
/// decoded as they arrive: over TCP through a buffer of 256 KiB, whose arrays are copied
/// once out of a buffer that stays in the CPU's cache instead of a frame-sized one in
/// memory; over UCX with each big array received straight into the vector that holds it.
constexpr std::uint64_t stream_threshold = 1u << 20;
/// A call's arguments or a result: a message whose handler may wait while it decodes.
bool streamable(MsgType type);

class Connection final : public std::enable_shared_from_this<Connection>,
                   private detail::StreamSource,
                   private IoHandler {
  public:
    /// Takes the descriptor out of `socket` (authenticated already); `fast`, from the
    /// handshake, carries the frames where it can (transport.hpp).
    Connection(tcp::socket socket, std::string remote, std::unique_ptr<FastPath> fast = nullptr);
    ~Connection();

    int peer() const { return peer_; }
    void set_peer(int pid) { peer_ = pid; }
    /// "ip:port" of the other end.
    const std::string& remote() const { return remote_; }
    bool is_open() const { return !closed_; }
    /// Nothing held back or queued: every frame finished so far is in the kernel.
    bool idle() const { return queue_.empty() && batch_.empty() && (!fast_ || fast_->idle()); }
    /// The transport frames to the peer take: "tcp" or the fast path's ("ucx").
    const char* transport() const { return fast_ && fast_->sends() ? fast_->name() : "tcp"; }
    /// Ends what this side sends (FIN after the last byte queued in the kernel); reading
    /// goes on until the peer closes too.
    void shutdown_send();
    /// Waits (on a task) at most `d` for the connection to close; true when it did.
    bool wait_closed(std::chrono::nanoseconds d);

    /// Starts a frame of type `t` in this connection's reused buffer. Fill it with an
    /// OutArchive, then call finish(). Nothing between begin and finish may block.
    detail::OutBuffer& begin(MsgType t);
    /// Sends the frame. If big arrays were recorded by reference and could not be written
    /// at once, the calling task waits until they are (their memory must stay valid).
    /// Throws ProcessExitedException if the connection is closed.
    void finish();
    /// Drops a frame started with begin() (e.g. when serializing it threw).
    void abandon() { out_.clear(); }

    /// Starts reading frames (after the handshake).
    void start_reader();
    /// Closes the connection (idempotent); the cluster is told once, with the reason.
    void close(const std::string& reason);

  private:
    struct Chunk {
        std::vector<char> own;
        const char* ext = nullptr;
        std::size_t len = 0, off = 0;
        std::shared_ptr<Event> done;
        const char* data() const { return ext ? ext : own.data(); }
    };
    void enqueue_rest(std::size_t written);
    void flush_batch();
    friend void flush_batches();
    /// Writes what is queued while the socket takes it; watches for writability if not all.
    void write_queued();
    void on_io(std::uint32_t events) override;
    void read_ready();
    bool try_read() override;
    /// One recv into the buffer, its complete frames dispatched.
    enum class ReadResult { nothing, drained, filled, stop };  ///< filled: more may wait
    ReadResult read_once();
    /// Hands every complete frame in the buffer to process_message; false when the reader
    /// must stop (the connection closed, or a streamed frame took over).
    bool dispatch_frames();
    void make_read_room();
    void ensure_read_capacity(std::size_t need);
    void watch(bool in, bool out);
    /// Handles a big call or result frame on a task as its bytes arrive (see connection.cpp).
    void stream_frame(MsgType type, std::uint64_t len);
    void refill(InArchive& ar) override;

    int fd_ = -1;
    std::uint32_t watching_ = 0;  ///< the epoll events asked for
    bool reading_ = false;        ///< start_reader was called
    bool streaming_ = false;      ///< a task is decoding a big frame (stream_frame)
    std::shared_ptr<Event> readable_;  ///< that task waits for the socket to be readable
    std::shared_ptr<Connection> reader_keeps_;  ///< set while reading: peers may drop theirs
    std::string remote_;
    int peer_ = 0;
    bool closed_ = false;
    Event closed_ev_;
    detail::OutBuffer out_;
    std::deque<Chunk> queue_;
    std::vector<char> batch_;  ///< small frames held back while other tasks were ready to run
    bool batch_listed_ = false;
    std::unique_ptr<FastPath> fast_;  ///< null: every frame goes over the socket
    std::unique_ptr<char[]> rbuf_;
    std::size_t rcap_ = 0, rpos_ = 0, rend_ = 0;
};

/// Called for every complete frame (process_messages.cpp). Throwing drops the peer.
void process_message(Connection& c, MsgType type, InArchive& body);
/// Called once when a connection closes (cluster.cpp).
void on_connection_closed(Connection& c, const std::string& reason);
/// WEFT_MAX_FRAME (bytes; default 1 GiB).
std::uint64_t max_frame();

}  // namespace weft::rt
