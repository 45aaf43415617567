// runtime/transport/ucx.cpp — frames over UCX active messages (issue 19; docs/design.md,
// "Transports").
//
// One UCP context and worker per process, thread mode SERIALIZED: built on a starter
// thread (prestart), then used only on the runtime thread. The worker's event descriptor sits in the event loop's epoll set; run_io calls
// poll() first (event_loop.hpp): ucp_worker_progress on every look (so the scheduler's
// spin progresses UCX at each step), and ucp_worker_arm right before the loop sleeps.
//
// One AM id; the AM header is {token, frame type}; the AM data is the frame's body. The
// token says which connection a frame is for: each side picks its own for a connection
// and offers it after the handshake (transport.cpp). Frames wait in their link's inbox, in
// the order they came, until the connection reads; a big frame (rendezvous) is received
// into a buffer of its own size, and the frames after it wait until it is complete.
//
// Where WEFT_UCX_IN_PLACE allows it (Link::split; by default only to a peer on another
// host), a call's arguments or a result of 1 MiB or more whose big arrays the sender left
// in place (external segments) is split: a head AM with the inline bytes and a table of where
// each array goes, then one AM per array. The receiver decodes the head in a task, and
// receives each array straight into the vector the decoder made for it (InArchive's
// bulk_ahead): zero-copy on one host (CMA), RDMA across hosts. Later frames of that
// connection wait until the task is done.
//
// Faults: endpoints use error mode NONE (UCX 1.13's shared-memory transports have no
// failure handler; with PEER it would pick TCP). A dead peer is seen by the TCP connection,
// never by UCX: its EOF abandons the link, whose endpoint gets a flush close that nobody
// waits for (it would wait forever for a peer that stopped with frames queued for it;
// FORCE needs error mode PEER in 1.13). The close unmaps the dead peer's segments.
#include "transport/ucx.hpp"

#include <dirent.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <ucp/api/ucp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <deque>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config.hpp"
#include "dashboard/stats.hpp"
#include "log.hpp"
#include "tasks/event_loop.hpp"
#include "tasks/fiber.hpp"
#include "transport/connection.hpp"
#include "weft/exceptions.hpp"

namespace weft::rt::ucx {

namespace {

constexpr unsigned am_id = 1;
/// The AM header's type of one array of a split frame (the others are MsgType values).
constexpr std::uint32_t part_type = 0xffffffffu;
/// The most arrays a frame is split into; a frame with more goes whole.
constexpr std::size_t max_parts = 64;

struct AmHeader {
    std::uint64_t token;
    std::uint32_t type;
    std::uint32_t parts;  ///< of a split frame's head: how many array AMs follow it
};

/// One array of a split frame, as UCX handed it over.
struct Part {
    void* desc = nullptr;  ///< UCX's data (persistent) or rendezvous descriptor, until received
    bool rndv = false;
    std::unique_ptr<char[]> own;  ///< a copy, when UCX could not keep its data
    const char* data = nullptr;   ///< the bytes, when not a rendezvous
    std::size_t len = 0;
    Part() = default;
    Part(Part&& o) noexcept
        : desc(std::exchange(o.desc, nullptr)), rndv(o.rndv), own(std::move(o.own)), data(o.data), len(o.len) {}
    ~Part();
};

/// One received frame, in its link's inbox until it is handed to process_message.
struct Inbound {
    MsgType type{};
    const char* data = nullptr;
    std::size_t len = 0;
    void* ucx_data = nullptr;  ///< UCX's buffer, kept (persistent data): released after
    std::unique_ptr<char[]> own;  ///< a copy, or the buffer a rendezvous frame is received into
    bool ready = true;
    std::string error;  ///< the frame could not be received
    // A split frame: its head (the above: a table of the arrays, then the inline bytes),
    // and its arrays as they come.
    std::size_t parts_expected = 0;
    std::size_t parts_came = 0;
    std::vector<Part> parts;
    std::shared_ptr<Event> waiter;  ///< the decoding task waits for an array to come
    bool finished = false;          ///< decoded: arrays that come later are dropped
    ~Inbound();
};

class Link;

struct Engine final : IoHandler {
    ucp_context_h context = nullptr;
    ucp_worker_h worker = nullptr;
    int efd = -1;
    std::string address;
    std::uint64_t next_token = 1;
    std::unordered_map<std::uint64_t, Link*> links;  ///< inbound, by this side's token
    /// One entry per frame received, in the order they came from every peer: frames are
    /// handed over in that order (as TCP's readiness order did), so a message that was
    /// caused by another one sent earlier to this process from elsewhere (a put after the
    /// owner was told of the handle) is never handled before it.
    std::deque<std::shared_ptr<Link>> arrivals;
    bool dispatch_pending = false;
    bool dispatching = false;  ///< dispatch() is running (a handler that progresses does not re-enter it)
    std::size_t sends_waiting = 0;  ///< sends UCX could not complete at once, not completed yet
    /// Of those, the ones to peers that died: with no room in the dead peer's queue they
    /// never complete, and UCX 1.13 cannot drop them (Link::abandon).
    std::size_t stuck_sends = 0;

    void on_io(std::uint32_t) override;
    std::size_t progress();
    std::size_t dispatch();
};

Engine* g_engine = nullptr;  // never destroyed: abandoned endpoints may still hold requests
bool g_failed = false;
std::uint64_t g_in_place = 0;  // bytes_received_in_place

Inbound::~Inbound() {
    if (ucx_data) ucp_am_data_release(g_engine->worker, ucx_data);
}

// An array never received: UCX drops it (the sender's send completes).
Part::~Part() {
    if (desc) ucp_am_data_release(g_engine->worker, desc);
}

/// Whether process_vm_readv (UCX's cma transport) works in this container; UCX aborts
/// where it is forbidden, so it is then left out.
bool cma_works() {
    char src[8] = "weftcma", dst[8] = {};
    iovec l{dst, sizeof dst}, r{src, sizeof src};
    return ::process_vm_readv(::getpid(), &l, 1, &r, 1, 0) == static_cast<ssize_t>(sizeof dst) &&
           std::memcmp(src, dst, sizeof dst) == 0;
}

/// Whether this host has an RDMA device (InfiniBand, RoCE, iWARP): the only way UCX
/// reaches a process on another host that weft's TCP does not reach as well.
bool rdma_present() {
    DIR* d = ::opendir("/sys/class/infiniband");
    if (!d) return false;
    bool any = false;
    while (const dirent* e = ::readdir(d))
        if (e->d_name[0] != '.') any = true;
    ::closedir(d);
    return any;
}

/// UCX's settings, before it reads them (ucp_config_read); the user's own UCX_* win.
/// - The SysV transport grows its pool of receive buffers 128 at a time instead of 512: it
///   builds the first chunk at start-up, and clearing its 4 MiB of shared pages was most of
///   the 8-20 ms of CPU that ucp_worker_create cost per process (2-3 ms now).
/// - Without RDMA, UCX can only reach this host's processes, over shared memory: only the
///   transports weft uses there are opened (SysV segments for messages, CMA for big ones);
///   posix shm and UCX's own TCP cost 2-6 ms each to open and are never picked.
/// - With RDMA, UCX's own TCP is left out too: a peer that UCX could reach only by it is
///   reached by weft's TCP, which is never slower (docs/design.md), and ucp_ep_create to it
///   fails, so the link stays on weft's TCP (UcxPath is receive-only then).
/// What UCX reads when libucs loads (UCX_MEM_EVENTS, UCX_MODULES) cannot be set here: set
/// at run time, UCX only warns that it is unused. Local workers get it in their
/// environment instead (load_time_env).
/// Runs on the runtime thread, before the starter thread exists.
void settle_environment() {
    const bool cma = cma_works();
    ::setenv("UCX_SYSV_RX_BUFS_GROW", "128", 0);
    if (!rdma_present()) ::setenv("UCX_TLS", cma ? "sysv,cma" : "sysv", 0);
    else ::setenv("UCX_TLS", cma ? "^tcp" : "^tcp,cma", 0);
}

std::string status_text(ucs_status_t s) { return ucs_status_string(s); }

ucs_status_t on_am(void* arg, const void* header, size_t header_length, void* data, size_t length,
                   const ucp_am_recv_param_t* param);

/// Builds the engine: UCX's context and worker (any thread; the runtime thread takes it
/// over in install_engine). Throws std::runtime_error saying which call failed.
std::unique_ptr<Engine> build_engine() {
    auto e = std::make_unique<Engine>();
    ucp_config_t* cfg = nullptr;
    ucs_status_t s = ucp_config_read(nullptr, nullptr, &cfg);
    if (s != UCS_OK) throw std::runtime_error("ucp_config_read: " + status_text(s));
    ucp_params_t params{};
    params.field_mask = UCP_PARAM_FIELD_FEATURES;
    params.features = UCP_FEATURE_AM | UCP_FEATURE_WAKEUP;
    s = ucp_init(&params, cfg, &e->context);
    ucp_config_release(cfg);
    if (s != UCS_OK) throw std::runtime_error("ucp_init: " + status_text(s));
    ucp_worker_params_t wp{};
    wp.field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE;
    wp.thread_mode = UCS_THREAD_MODE_SERIALIZED;  // built on the starter thread, then the runtime thread's
    s = ucp_worker_create(e->context, &wp, &e->worker);
    if (s != UCS_OK) throw std::runtime_error("ucp_worker_create: " + status_text(s));
    s = ucp_worker_get_efd(e->worker, &e->efd);
    if (s != UCS_OK) throw std::runtime_error("ucp_worker_get_efd: " + status_text(s));
    ucp_am_handler_param_t hp{};
    hp.field_mask = UCP_AM_HANDLER_PARAM_FIELD_ID | UCP_AM_HANDLER_PARAM_FIELD_FLAGS |
                    UCP_AM_HANDLER_PARAM_FIELD_CB | UCP_AM_HANDLER_PARAM_FIELD_ARG;
    hp.id = am_id;
    hp.flags = UCP_AM_FLAG_WHOLE_MSG | UCP_AM_FLAG_PERSISTENT_DATA;
    hp.cb = &on_am;
    hp.arg = e.get();
    s = ucp_worker_set_am_recv_handler(e->worker, &hp);
    if (s != UCS_OK) throw std::runtime_error("ucp_worker_set_am_recv_handler: " + status_text(s));
    ucp_address_t* addr = nullptr;
    std::size_t addr_len = 0;
    s = ucp_worker_get_address(e->worker, &addr, &addr_len);
    if (s != UCS_OK) throw std::runtime_error("ucp_worker_get_address: " + status_text(s));
    e->address.assign(reinterpret_cast<const char*>(addr), addr_len);
    ucp_worker_release_address(e->worker, addr);
    return e;
}

/// The engine being built on a thread of its own (prestart), until new_link takes it.
struct Starter {
    std::thread thread;
    std::unique_ptr<Engine> engine;
    std::string error;
};
Starter* g_starter = nullptr;

/// Puts the engine into the runtime thread's event loop.
void install_engine(std::unique_ptr<Engine> e) {
    g_engine = e.release();
    // Edge-triggered: the descriptor stays readable from the event that woke the loop until
    // the next ucp_worker_arm (right before a sleep); level-triggered, every look of the
    // spin would see it again, count it as something done and keep the loop from ever
    // arming and sleeping (an idle master that a worker reported to burnt a CPU).
    io_watch(g_engine->efd, g_engine, EPOLLIN | EPOLLET, 0);
    io_set_poller([](bool before_sleep) -> std::size_t {
        Engine& en = *g_engine;
        std::size_t n = en.progress();
        if (n || !before_sleep) return n;
        // Arm, unless something came meanwhile (then do it, and do not sleep). A busy arm
        // with nothing to progress passes within a few dozen tries when no send waits (a
        // message half-arrived; seen up to 36). With sends waiting it stays busy as long
        // as they wait for room in a peer's receive queue, and UCX's shared memory has no
        // wake-up for that, so this process must not sleep: it gives the CPU away (often
        // to that peer) and comes back through the scheduler. Retrying the arm instead
        // burnt whole time slices while the peer waited for the CPU (1,000 calls in flight
        // fell from 200k to 8k calls/s beside a build).
        // Sends that wait for a dead peer keep the arm busy for good: with only those
        // waiting, the loop sleeps 2 ms at a time instead (progressing UCX after
        // each), so that the process does not burn a CPU for the rest of its life.
        for (int tries = 0; tries < 100000; ++tries) {
            const ucs_status_t st = ucp_worker_arm(en.worker);
            if (st == UCS_OK) return 0;
            if (st != UCS_ERR_BUSY) {
                log_error("UCX: ucp_worker_arm failed on process ", ::getpid(), ": ", status_text(st),
                          " (weft keeps polling; set WEFT_TRANSPORT=tcp to avoid UCX)");
                return 1;
            }
            if ((n = en.progress())) return n;
            if (en.sends_waiting > en.stuck_sends) break;
            if (en.stuck_sends > 0 && tries >= 64) {
                io_cap_sleep(std::chrono::milliseconds(2));
                return 0;
            }
        }
        ::sched_yield();
        return 1;
    });
}

/// The engine, started here unless prestart did; throws std::runtime_error.
void start_engine() {
    prestart();
    std::unique_ptr<Starter> st(std::exchange(g_starter, nullptr));
    st->thread.join();
    if (!st->engine) throw std::runtime_error(st->error);
    install_engine(std::move(st->engine));
}

/// A task that waits while UCX sends its arrays from where they are.
struct SendWait {
    std::size_t left = 1;  ///< sends not completed, plus one while they are being posted
    Event done;
    ucs_status_t status = UCS_OK;
};

class Link;
/// Hands a split frame to process_message on a task of its own (Link::deliver_one).
void decode_split(Link& l, Connection& c, std::shared_ptr<Inbound> in);

/// The per-connection state; the Connection owns it through a UcxPath, requests in flight
/// through shared_ptrs.
class Link : public std::enable_shared_from_this<Link> {
  public:
    std::uint64_t token = 0;       ///< this side's: the peer sends with it
    std::uint64_t peer_token = 0;  ///< the peer's: this side sends with it
    ucp_ep_h ep = nullptr;
    Connection* conn = nullptr;  ///< set while the connection reads
    bool dead = false;
    /// Big call and result frames go split, their arrays received in place (UcxPath::send;
    /// WEFT_UCX_IN_PLACE).
    bool split = false;
    std::size_t in_flight = 0;
    std::deque<std::shared_ptr<Inbound>> inbox;
    std::shared_ptr<Inbound> assembling;  ///< a split frame whose arrays are still coming
    std::shared_ptr<Inbound> decoding;    ///< a split frame a task decodes: the next wait
    std::vector<std::weak_ptr<SendWait>> send_waits;  ///< tasks waiting for their arrays to be sent

    /// Hands the first frame to process_message if it is complete; false if it is not
    /// (or the link cannot deliver now).
    bool deliver_one() {
        if (!conn || dead || decoding || inbox.empty() || !inbox.front()->ready) return false;
        auto keep = conn->shared_from_this();  // a handler may drop the last other reference
        auto self = shared_from_this();
        auto in = std::move(inbox.front());
        inbox.pop_front();
        if (!in->error.empty()) {
            conn->close(in->error);
            return true;
        }
        if (in->parts_expected > 0) {
            decode_split(*this, *conn, std::move(in));
            return true;
        }
        dash::counters.bytes_in += 8 + 1 + in->len;  // as a TCP frame: length, type, body
        try {
            static const char empty = 0;
            InArchive ar(in->data ? in->data : &empty, in->len, conn->peer());
            process_message(*conn, in->type, ar);
        } catch (const std::exception& e) {
            if (!dead) conn->close(std::string("bad ") + msg_name(in->type) + " message: " + e.what());
        }
        return true;
    }

    void abandon() {
        if (dead) return;
        dead = true;
        conn = nullptr;
        g_engine->stuck_sends += in_flight;
        if (in_flight > 0)
            log_warn("UCX: ", in_flight, " message(s) of process ", ::getpid(), " stay queued for a peer that is gone; "
                     "UCX 1.13 cannot drop them, so until this process exits it looks for UCX messages every 2 "
                     "ms instead of sleeping until one comes (WEFT_TRANSPORT=tcp avoids this)");
        g_engine->links.erase(token);
        inbox.clear();  // a rendezvous still in flight keeps its own frame (RecvOp)
        assembling.reset();
        for (auto& wp : send_waits)  // their arrays would never be taken: the tasks go on
            if (const auto w = wp.lock()) {
                w->status = UCS_ERR_CONNECTION_RESET;
                w->done.set();
            }
        send_waits.clear();
        if (decoding) {  // its task stops at its next wait
            for (Part& p : decoding->parts)  // rendezvous not begun are dropped while the endpoint is open
                if (p.rndv && p.desc) ucp_am_data_release(g_engine->worker, std::exchange(p.desc, nullptr));
            if (decoding->waiter) decoding->waiter->set();
        }
        if (ep) {
            // A flush close, never waited for: UCX 1.13 refuses FORCE with error mode NONE
            // (UCS_ERR_INVALID_PARAM). With nothing in flight it completes at once or in a
            // later progress, and unmaps the peer's segments; if the peer died with this
            // side's frames still queued for it, it never completes, and nobody waits.
            ucp_request_param_t p{};
            void* r = ucp_ep_close_nbx(ep, &p);
            if (UCS_PTR_IS_PTR(r)) ucp_request_free(r);
            ep = nullptr;
        }
    }
};

struct RecvOp {
    std::shared_ptr<Link> link;
    std::shared_ptr<Inbound> frame;
};

struct SendOp {
    std::shared_ptr<Link> link;
    AmHeader header{};                ///< UCX 1.13 sends the header from here (no copy flag)
    std::vector<char> own;            ///< the frame's inline bytes (or all of it), copied
    std::vector<ucp_dt_iov_t> iov;    ///< what UCX sends from
    std::shared_ptr<SendWait> wait;
};

/// Sends one AM; UCX keeps `op` until the send completes when it cannot at once.
ucs_status_t post(std::unique_ptr<SendOp> op) {
    Link& l = *op->link;
    ucp_request_param_t p{};
    p.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK | UCP_OP_ATTR_FIELD_USER_DATA;
    p.user_data = op.get();
    p.cb.send = [](void* req, ucs_status_t st, void* user) {
        const std::unique_ptr<SendOp> op(static_cast<SendOp*>(user));
        --op->link->in_flight;
        --g_engine->sends_waiting;
        if (op->link->dead) --g_engine->stuck_sends;
        if (op->wait) {
            if (st != UCS_OK) op->wait->status = st;
            if (--op->wait->left == 0) op->wait->done.set();
        }
        ucp_request_free(req);
    };
    const void* buf = nullptr;
    std::size_t count = 0;
    if (op->iov.size() == 1) {
        buf = op->iov[0].buffer;
        count = op->iov[0].length;
    } else if (op->iov.size() > 1) {
        p.op_attr_mask |= UCP_OP_ATTR_FIELD_DATATYPE;
        p.datatype = ucp_dt_make_iov();
        buf = op->iov.data();
        count = op->iov.size();
    }
    void* r = ucp_am_send_nbx(l.ep, am_id, &op->header, sizeof op->header, buf, count, &p);
    if (r == nullptr) return UCS_OK;  // done after all; no callback comes
    if (UCS_PTR_IS_ERR(r)) return UCS_PTR_STATUS(r);
    ++l.in_flight;
    ++g_engine->sends_waiting;
    if (op->wait && op->wait->left++ == 1) {  // the first of its sends that waits
        auto& ws = l.send_waits;
        ws.erase(std::remove_if(ws.begin(), ws.end(), [](const auto& w) { return w.expired(); }), ws.end());
        ws.push_back(op->wait);
    }
    op.release();  // the callback deletes it
    return UCS_OK;
}

/// One array of the split frame the link is assembling: kept (UCX's buffer, or its
/// rendezvous descriptor) until the decoding task asks for it.
ucs_status_t on_part(Link& l, void* data, size_t length, const ucp_am_recv_param_t* param) {
    const std::shared_ptr<Inbound> in = l.assembling;
    if (!in) return UCS_OK;  // its head was bad (the connection closes): dropped
    if (++in->parts_came == in->parts_expected) l.assembling.reset();
    if (in->finished) return UCS_OK;  // decoded without it (a bad message): dropped
    Part p;
    p.len = length;
    ucs_status_t keep = UCS_INPROGRESS;
    if (param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV) {
        p.desc = data;
        p.rndv = true;
    } else if (param->recv_attr & UCP_AM_RECV_ATTR_FLAG_DATA) {
        p.desc = data;
        p.data = static_cast<const char*>(data);
    } else {
        p.own.reset(new char[length ? length : 1]);
        if (length) std::memcpy(p.own.get(), data, length);
        p.data = p.own.get();
        keep = UCS_OK;
    }
    in->parts.push_back(std::move(p));
    if (in->waiter) in->waiter->set();
    return keep;
}

ucs_status_t on_am(void* arg, const void* header, size_t header_length, void* data, size_t length,
                   const ucp_am_recv_param_t* param) {
    auto& e = *static_cast<Engine*>(arg);
    AmHeader h{};
    if (header_length != sizeof h) return UCS_OK;  // not weft's
    std::memcpy(&h, header, sizeof h);
    auto it = e.links.find(h.token);
    if (it == e.links.end()) return UCS_OK;  // its connection closed: dropped like unread bytes
    Link& l = *it->second;
    if (h.type == part_type) return on_part(l, data, length, param);
    auto in = std::make_shared<Inbound>();
    in->type = static_cast<MsgType>(h.type);
    in->len = length;
    e.dispatch_pending = true;
    e.arrivals.push_back(l.shared_from_this());
    if (h.type == 0 || h.type > static_cast<std::uint32_t>(MsgType::last_)) {
        in->error = "unknown message type " + std::to_string(h.type) + " (over UCX)";
    } else if (h.parts > 0 && (h.parts > max_parts || !streamable(in->type))) {
        in->error = "a " + std::string(msg_name(in->type)) + " message split into " + std::to_string(h.parts) +
                    " arrays (over UCX)";
    } else if (h.parts > 0 && l.assembling) {
        in->error = "a message came before all the arrays of the one before it (over UCX)";
    } else if (length + 1 > max_frame()) {
        in->error = "frame of " + std::to_string(length + 1) + " bytes exceeds the limit WEFT_MAX_FRAME=" +
                    std::to_string(max_frame()) + " (raise WEFT_MAX_FRAME if this is legitimate)";
    }
    if (!in->error.empty()) {  // the connection closes when it comes to this frame
        l.inbox.push_back(std::move(in));
        return UCS_OK;
    }
    if (h.parts > 0) {  // a split frame's head: its arrays come next
        in->parts_expected = h.parts;
        in->parts.reserve(h.parts);  // never reallocated: the decoding task holds on to its parts
        l.assembling = in;
    }
    if (param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV) {
        in->own.reset(new char[length]);
        in->data = in->own.get();
        in->ready = false;
        auto* op = new RecvOp{l.shared_from_this(), in};
        ucp_request_param_t p{};
        p.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK | UCP_OP_ATTR_FIELD_USER_DATA;
        p.user_data = op;
        p.cb.recv_am = [](void* req, ucs_status_t st, size_t, void* user) {
            auto* op = static_cast<RecvOp*>(user);
            op->frame->ready = true;
            if (st != UCS_OK) op->frame->error = "receiving a message over UCX failed: " + status_text(st);
            g_engine->dispatch_pending = true;
            delete op;
            ucp_request_free(req);
        };
        void* r = ucp_am_recv_data_nbx(e.worker, data, in->own.get(), length, &p);
        if (!UCS_PTR_IS_PTR(r)) {  // done at once (or failed): no callback comes
            in->ready = true;
            if (UCS_PTR_IS_ERR(r)) in->error = "receiving a message over UCX failed: " + status_text(UCS_PTR_STATUS(r));
            delete op;
        }
    } else if (param->recv_attr & UCP_AM_RECV_ATTR_FLAG_DATA) {
        in->data = static_cast<const char*>(data);
        in->ucx_data = data;
        l.inbox.push_back(std::move(in));
        return UCS_INPROGRESS;  // kept until the frame is handled
    } else {
        in->own.reset(new char[length ? length : 1]);
        if (length) std::memcpy(in->own.get(), data, length);
        in->data = in->own.get();
    }
    l.inbox.push_back(std::move(in));
    return UCS_OK;
}

void Engine::on_io(std::uint32_t) { progress(); }

std::size_t Engine::progress() {
    std::size_t n = 0;
    while (ucp_worker_progress(worker)) ++n;
    if (dispatch_pending && !dispatching) n += dispatch();
    return n;
}

std::size_t Engine::dispatch() {
    dispatch_pending = false;
    dispatching = true;
    // A link whose first frame cannot go yet (its rendezvous is still coming, or its
    // connection does not read yet) keeps all its later frames back; others go on.
    std::deque<std::shared_ptr<Link>> kept;
    std::vector<Link*> blocked;
    std::size_t n = 0;
    while (!arrivals.empty()) {
        auto l = std::move(arrivals.front());
        arrivals.pop_front();
        if (l->dead || l->inbox.empty()) continue;  // abandoned, or drained meanwhile
        if (std::find(blocked.begin(), blocked.end(), l.get()) == blocked.end() && l->deliver_one()) {
            ++n;
            continue;
        }
        blocked.push_back(l.get());
        kept.push_back(std::move(l));
    }
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) arrivals.push_front(std::move(*it));
    dispatching = false;
    return n;
}

/// Where each array of a split frame goes: its offset in the inline bytes, and its size.
struct Slot {
    std::uint64_t offset;
    std::uint64_t size;
};

/// The rest of a split frame, for the InArchive that decodes it: the inline bytes between
/// the arrays, and each array received straight into the reader's memory (receive_into)
/// or, when the reader takes it piece by piece, into a buffer of its own (refill).
class SplitSource final : public detail::StreamSource {
  public:
    SplitSource(Link& l, Inbound& in, int peer, const char* body, std::size_t body_len, std::vector<Slot> table)
        : l_(l), in_(in), peer_(peer), body_(body), body_len_(body_len), table_(std::move(table)),
          inline_at_(table_.front().offset) {}

    std::size_t bulk_ahead() const override {
        return next_ < table_.size() && inline_at_ == table_[next_].offset ? table_[next_].size : 0;
    }

    void receive_into(InArchive& ar, void* p) override {
        Part& part = arrived(next_++);
        if (part.rndv) {
            receive(part, p);
            g_in_place += part.len;
        } else {
            std::memcpy(p, part.data, part.len);
        }
        ar.took_unread(part.len);
    }

    void refill(InArchive& ar) override {
        if (bulk_ahead() > 0) {
            Part& part = arrived(next_++);
            if (part.rndv) {
                scratch_.reset(new char[part.len]);
                receive(part, scratch_.get());
                ar.set_buffered(scratch_.get(), part.len);
            } else {
                ar.set_buffered(part.data, part.len);
            }
            return;
        }
        const std::size_t end = next_ < table_.size() ? table_[next_].offset : body_len_;
        if (end <= inline_at_) throw cereal::Exception("weft: message truncated (over UCX)");
        ar.set_buffered(body_ + inline_at_, end - inline_at_);
        inline_at_ = end;
    }

  private:
    /// Array i, once it has come; throws when the connection is lost first.
    Part& arrived(std::size_t i) {
        while (in_.parts.size() <= i && !l_.dead) {
            const auto w = in_.waiter = std::make_shared<Event>();
            w->wait();  // on_part or abandon sets it
        }
        in_.waiter.reset();
        if (in_.parts.size() <= i || (in_.parts[i].rndv && !in_.parts[i].desc))
            throw ProcessExitedException(peer_, "connection lost while receiving a message over UCX");
        Part& p = in_.parts[i];
        if (p.len != table_[i].size)
            throw cereal::Exception("weft: bad message: array " + std::to_string(i) + " has " + std::to_string(p.len) +
                                    " bytes, its head says " + std::to_string(table_[i].size));
        return p;
    }

    /// Receives a rendezvous array into `into` (CMA on one host, RDMA across); waits for
    /// UCX to finish writing there, even when the peer is gone meanwhile.
    void receive(Part& part, void* into) {
        struct Wait {
            Event done;
            ucs_status_t status = UCS_OK;
        };
        auto w = std::make_shared<Wait>();
        ucp_request_param_t p{};
        p.op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK | UCP_OP_ATTR_FIELD_USER_DATA;
        p.user_data = new std::shared_ptr<Wait>(w);
        p.cb.recv_am = [](void* req, ucs_status_t st, size_t, void* user) {
            std::unique_ptr<std::shared_ptr<Wait>> w(static_cast<std::shared_ptr<Wait>*>(user));
            (*w)->status = st;
            (*w)->done.set();
            ucp_request_free(req);
        };
        void* r = ucp_am_recv_data_nbx(g_engine->worker, std::exchange(part.desc, nullptr), into, part.len, &p);
        if (UCS_PTR_IS_PTR(r)) {
            w->done.wait();
        } else {  // done at once (or failed): no callback comes
            delete static_cast<std::shared_ptr<Wait>*>(p.user_data);
            if (UCS_PTR_IS_ERR(r)) w->status = UCS_PTR_STATUS(r);
        }
        if (w->status != UCS_OK)
            throw ProcessExitedException(peer_, "receiving an array over UCX failed: " + status_text(w->status));
    }

    Link& l_;
    Inbound& in_;
    int peer_;
    const char* body_;
    std::size_t body_len_;
    std::vector<Slot> table_;
    std::size_t inline_at_;  ///< inline bytes handed to the archive so far
    std::size_t next_ = 0;   ///< the next array
    std::unique_ptr<char[]> scratch_;
};

void decode_split(Link& l, Connection& c, std::shared_ptr<Inbound> in) {
    // The head: the table (offset and size of each array), then the inline bytes.
    const std::size_t k = in->parts_expected;
    std::vector<Slot> table(k);
    std::string bad;
    std::uint64_t total = 0;
    if (in->len < k * sizeof(Slot)) {
        bad = "its head has " + std::to_string(in->len) + " bytes, too few for " + std::to_string(k) + " arrays";
    } else {
        std::memcpy(table.data(), in->data, k * sizeof(Slot));
        total = in->len - k * sizeof(Slot);
        const std::uint64_t body_len = total;
        for (std::size_t i = 0; i < k && bad.empty(); ++i) {
            const Slot& t = table[i];
            if (t.offset > body_len || (i > 0 && t.offset < table[i - 1].offset) || t.size == 0 ||
                t.size > max_frame())
                bad = "array " + std::to_string(i) + " at " + std::to_string(t.offset) + " of " +
                      std::to_string(t.size) + " bytes, in " + std::to_string(body_len) + " inline bytes";
            total += t.size;
        }
        if (bad.empty() && total + 1 > max_frame())
            bad = "frame of " + std::to_string(total + 1) + " bytes exceeds the limit WEFT_MAX_FRAME=" +
                  std::to_string(max_frame()) + " (raise WEFT_MAX_FRAME if this is legitimate)";
    }
    if (!bad.empty()) {
        c.close(std::string("bad ") + msg_name(in->type) + " message (over UCX): " + bad);
        return;
    }
    dash::counters.bytes_in += 8 + 1 + total;  // as a TCP frame: length, type, body
    l.decoding = in;
    launch([link = l.shared_from_this(), conn = c.shared_from_this(), in, table = std::move(table), total]() mutable {
        const std::size_t head = table.size() * sizeof(Slot);
        const char* body = in->data + head;
        const std::size_t body_len = in->len - head;
        const std::size_t first = table.front().offset;
        SplitSource src(*link, *in, conn->peer(), body, body_len, std::move(table));
        InArchive ar(body, first, conn->peer(), &src, total - first);
        try {
            process_message(*conn, in->type, ar);
            while (ar.remaining() > 0) {  // the handler did not read it all
                if (ar.buffered() == 0) ar.refill();
                ar.skip(ar.buffered());
            }
        } catch (const std::exception& e) {
            if (!link->dead) conn->close(std::string("bad ") + msg_name(in->type) + " message: " + e.what());
        }
        in->finished = true;
        in->parts.clear();  // what was not received is dropped
        link->decoding.reset();
        if (!link->dead) {
            g_engine->dispatch_pending = true;  // the frames after it
            wake_event_loop();
        }
    });
}

/// The FastPath a Connection owns.
class UcxPath final : public FastPath {
  public:
    explicit UcxPath(std::shared_ptr<Link> l) : link_(std::move(l)) {}
    ~UcxPath() override { link_->abandon(); }

    const char* name() const override { return "ucx"; }
    bool sends() const override { return link_->ep != nullptr; }
    bool idle() const override { return link_->in_flight == 0; }
    void start(Connection& c) override {
        link_->conn = &c;
        if (!link_->inbox.empty()) {
            g_engine->dispatch_pending = true;
            wake_event_loop();
        }
    }
    void drain() override {
        for (int i = 0; i < 64 && g_engine->progress() > 0; ++i) {
        }
        while (link_->deliver_one()) {
        }
    }
    void abandon() override { link_->abandon(); }
    void send(Connection& c, MsgType type, const detail::OutBuffer& f) override;

    Link& link() { return *link_; }

  private:
    void send_split(Connection& c, MsgType type, const detail::OutBuffer& f);
    /// Waits until UCX has sent a task's arrays; throws ProcessExitedException when a send
    /// failed or the connection closed meanwhile.
    void wait_sent(Connection& c, SendWait& w);
    [[noreturn]] void failed(Connection& c, ucs_status_t st) {
        const std::string why = "sending over UCX failed: " + status_text(st);
        c.close(why);
        throw ProcessExitedException(c.peer(), "send to " + c.remote() + " failed: " + why);
    }
    std::shared_ptr<Link> link_;
};

void UcxPath::send(Connection& c, MsgType type, const detail::OutBuffer& f) {
    Link& l = *link_;
    const auto& segs = f.segments();
    if (l.split && !segs.empty() && segs.size() <= max_parts && f.total_size() >= stream_threshold && streamable(type))
        return send_split(c, type, f);
    const AmHeader h{l.peer_token, static_cast<std::uint32_t>(type), 0};
    // The body: the inline bytes after the frame header, with the external segments
    // spliced in at their offsets.
    ucp_dt_iov_t iov[64];
    std::size_t n = 0;
    const bool gather = segs.size() < 30;
    if (gather) {
        std::size_t at = frame_header_size;
        for (const auto& s : segs) {
            if (s.offset > at) iov[n++] = {const_cast<char*>(f.data()) + at, s.offset - at};
            iov[n++] = {const_cast<char*>(s.data), s.size};
            at = s.offset;
        }
        if (f.inline_size() > at) iov[n++] = {const_cast<char*>(f.data()) + at, f.inline_size() - at};
        ucp_request_param_t p{};
        p.op_attr_mask = UCP_OP_ATTR_FLAG_FORCE_IMM_CMPL;  // so the header and data may be on loan
        const void* buf = n == 1 ? iov[0].buffer : iov;
        std::size_t count = n == 1 ? iov[0].length : n;
        if (n == 0) {
            buf = nullptr;
            count = 0;
        } else if (n > 1) {
            p.op_attr_mask |= UCP_OP_ATTR_FIELD_DATATYPE;
            p.datatype = ucp_dt_make_iov();
        }
        void* r = ucp_am_send_nbx(l.ep, am_id, &h, sizeof h, buf, count, &p);
        if (r == nullptr) return;  // sent (the usual case for a small frame)
        if (UCS_PTR_IS_PTR(r)) {   // not expected with FORCE_IMM_CMPL; the data must stay
            ucp_request_free(r);
            throw std::logic_error("UCX kept a send that had to complete at once");
        }
        if (UCS_PTR_STATUS(r) != UCS_ERR_NO_RESOURCE) failed(c, UCS_PTR_STATUS(r));
    }
    // It has to wait (a big frame, or a full queue): the inline bytes are copied; a task's
    // arrays are sent from where they are while it waits, anything else is copied too.
    auto op = std::make_unique<SendOp>();
    op->link = link_;
    op->header = h;
    if (in_task() && gather) {
        op->own.assign(f.data() + frame_header_size, f.data() + f.inline_size());
        std::size_t at = frame_header_size;
        auto add_inline = [&](std::size_t from, std::size_t to) {
            if (to > from) op->iov.push_back({op->own.data() + (from - frame_header_size), to - from});
        };
        for (const auto& s : segs) {
            add_inline(at, s.offset);
            op->iov.push_back({const_cast<char*>(s.data), s.size});
            at = s.offset;
        }
        add_inline(at, f.inline_size());
        if (!segs.empty()) op->wait = std::make_shared<SendWait>();
    } else {
        std::vector<char> all = f.flatten();
        op->own.assign(all.begin() + frame_header_size, all.end());
        if (!op->own.empty()) op->iov.push_back({op->own.data(), op->own.size()});
    }
    const auto wait = op->wait;
    if (const ucs_status_t st = post(std::move(op)); st != UCS_OK) failed(c, st);
    if (wait) wait_sent(c, *wait);
}

// A split frame (ucx.cpp's header): the head, then one AM per array; a task's arrays are
// sent from where they are while it waits, anything else's are copied.
void UcxPath::send_split(Connection& c, MsgType type, const detail::OutBuffer& f) {
    Link& l = *link_;
    const auto& segs = f.segments();
    auto head = std::make_unique<SendOp>();
    head->link = link_;
    head->header = {l.peer_token, static_cast<std::uint32_t>(type), static_cast<std::uint32_t>(segs.size())};
    const std::size_t body = f.inline_size() - frame_header_size;
    head->own.resize(segs.size() * sizeof(Slot) + body);
    char* at = head->own.data();
    for (const auto& s : segs) {
        const Slot t{s.offset - frame_header_size, s.size};
        std::memcpy(at, &t, sizeof t);
        at += sizeof t;
    }
    std::memcpy(at, f.data() + frame_header_size, body);
    head->iov.push_back({head->own.data(), head->own.size()});
    if (const ucs_status_t st = post(std::move(head)); st != UCS_OK) failed(c, st);
    const auto wait = in_task() ? std::make_shared<SendWait>() : nullptr;
    for (const auto& s : segs) {
        auto op = std::make_unique<SendOp>();
        op->link = link_;
        op->header = {l.peer_token, part_type, 0};
        if (wait) {
            op->iov.push_back({const_cast<char*>(s.data), s.size});
        } else {
            op->own.assign(s.data, s.data + s.size);
            op->iov.push_back({op->own.data(), op->own.size()});
        }
        op->wait = wait;
        if (const ucs_status_t st = post(std::move(op)); st != UCS_OK) failed(c, st);
    }
    if (wait) wait_sent(c, *wait);
}

void UcxPath::wait_sent(Connection& c, SendWait& w) {
    const bool waited = --w.left > 0;
    if (waited) w.done.wait();
    if (w.status != UCS_OK || (waited && !c.is_open()))
        throw ProcessExitedException(c.peer(), "connection to " + c.remote() + " closed during a send" +
                                                   (w.status != UCS_OK ? " (UCX: " + status_text(w.status) + ")" : ""));
}

}  // namespace

void prestart() {
    if (g_engine || g_starter || g_failed) return;
    settle_environment();
    g_starter = new Starter;
    g_starter->thread = std::thread([st = g_starter] {
        try {
            st->engine = build_engine();
        } catch (const std::exception& e) {
            st->error = e.what();
        }
    });
}

std::uint64_t bytes_received_in_place() { return g_in_place; }

bool rdma_here() { return rdma_present(); }

std::map<std::string, std::string> load_time_env() {
    if (rdma_present()) return {};
    return {{"UCX_MEM_EVENTS", "n"}, {"UCX_MODULES", "^ib,rdmacm"}};
}

std::unique_ptr<FastPath> new_link(std::uint64_t& token, std::string& address) {
    if (g_failed) return nullptr;
    if (!g_engine) {
        try {
            start_engine();
        } catch (const std::exception& e) {
            g_failed = true;
            log_warn("UCX cannot start in process ", ::getpid(), " (", e.what(),
                     "); its messages go over TCP (set WEFT_TRANSPORT=tcp to skip UCX, or see UCX_* settings)");
            return nullptr;
        }
    }
    auto l = std::make_shared<Link>();
    l->token = token = g_engine->next_token++;
    g_engine->links[l->token] = l.get();
    address = g_engine->address;
    return std::make_unique<UcxPath>(std::move(l));
}

void connect(FastPath& path, std::uint64_t peer_token, const std::string& peer_address, bool same_host) {
    Link& l = static_cast<UcxPath&>(path).link();
    ucp_ep_params_t ep{};
    ep.field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS | UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE;
    ep.address = reinterpret_cast<const ucp_address_t*>(peer_address.data());
    ep.err_mode = UCP_ERR_HANDLING_MODE_NONE;
    const ucs_status_t s = ucp_ep_create(g_engine->worker, &ep, &l.ep);
    if (s != UCS_OK) {
        l.ep = nullptr;
        log_debug("UCX cannot reach the peer's worker (", status_text(s), "): its messages go over TCP");
        return;
    }
    l.peer_token = peer_token;
    const auto in_place = config::ucx_in_place();
    l.split = in_place == config::InPlace::yes || (in_place == config::InPlace::automatic && !same_host);
}

}  // namespace weft::rt::ucx
