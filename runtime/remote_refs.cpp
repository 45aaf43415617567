// runtime/remote_refs.cpp — Futures: local handles (RefHandle) and the values stored for
// the cluster (Stored), with exact distributed reference counting.
//
// Counting (Julia's scheme, made exact): the owner keeps, per RRID, a count per client
// process = adds received - dels received. A process holding handles for an RRID owes
// one del per add made on its behalf: creating a Future(pid) or a remotecall result adds
// one; every copy of the handle shipped to process P adds one for P, sent by the shipper
// to the owner right after the frame that carries the handle. The last local handle (or
// the fetch that caches the value) sends one del with everything owed. Adds and dels for
// P may cross in transit, so a count can dip below zero; the entry is freed only when
// every count is zero, nothing runs under it and nobody waits for it. Because a shipper
// sends its add for P before its own del, on the same connection, a live handle always
// keeps some count above zero, except while the add for P is still in transit: P's own
// requests (put, fetch) can overtake it, so only a count change, the end of a call or a
// peer's exit frees an entry, never the answer to a request.
#include "remote_refs.hpp"

#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "cluster_state.hpp"
#include "log.hpp"
#include "pending.hpp"
#include "weft/exceptions.hpp"
#include "weft/future.hpp"

namespace weft::detail {

class RefHandle {
  public:
    RRID rrid;
    int where = 0;
    std::int64_t owed = 0;  ///< dels this process owes the owner
    bool has_cache = false;
    std::shared_ptr<void> cache;
    std::optional<CapturedException> cached_error;
    CallSite site{nullptr, 0, 0};  ///< where the call that fills it was made (remotecall & co.)
    bool finalized = false;
    /// A Future(pid) not used yet: the owner has not heard of it (Julia makes the value
    /// lazily too); announce() counts it there on first use.
    bool unannounced = false;
    ~RefHandle();
    void release();  ///< pays what is owed
};

}  // namespace weft::detail

namespace weft::rt {
using detail::RefHandle;

namespace {
std::unordered_map<RRID, std::shared_ptr<Stored>> g_store;
std::unordered_map<RRID, std::weak_ptr<RefHandle>> g_handles;
std::uint64_t g_next_ref = 1;
struct DeferredAdd { int owner; RefCountMsg msg; };
std::vector<DeferredAdd> g_deferred;
/// While a value is serialized for a put: where ref_save lists the handles inside it.
std::vector<std::pair<RRID, int>>* g_embedded = nullptr;

bool peer_alive(int pid) { return pid == state().myid || state().peers.count(pid) > 0; }

/// Counts one reference for `client` to a handle that crosses inside stored bytes.
void add_for(const RRID& id, int owner, int client) {
    if (owner == state().myid) stored_add_client(id, client, 1);
    else g_deferred.push_back({owner, RefCountMsg{id, client, 1}});
}

void send_count(MsgType t, int owner, const RRID& id, int client, std::int64_t n) {
    RefCountMsg m{id, client, n};
    if (!in_task() && !existing_connection(owner)) {
        // Connecting would block, and I/O handlers must not: let a task do it.
        launch([t, owner, m] { send_to(owner, t, [&](OutArchive& ar) { ar(m); }); });
        return;
    }
    send_to(owner, t, [&](OutArchive& ar) { ar(m); });
}

void maybe_erase(const RRID& id) {
    auto it = g_store.find(id);
    if (it == g_store.end()) return;
    Stored& s = *it->second;
    if (s.running > 0 || !s.remote_waiters.empty()) return;
    for (auto& [pid, n] : s.clients)
        if (n != 0) return;
    auto embedded = std::move(s.embedded);
    g_store.erase(it);
    // Pay the references the putter counted for this process (after any adds for
    // processes the bytes were forwarded to: those went out right after their frames).
    for (auto& [eid, owner] : embedded) {
        if (owner == state().myid) stored_del_client(eid, owner, 1);
        else if (peer_alive(owner)) send_count(MsgType::ref_del, owner, eid, state().myid, 1);
    }
}

/// Wakes local and remote waiters. It never frees the entry: a request about an RRID
/// comes from a process holding a handle to it, whose add may still be in transit on
/// another connection (the shipper's) while the counts here read zero; that holder's
/// del, or the end of the call, comes later and frees it then.
void answer_waiters(const RRID& id) {
    auto s = stored_lookup(id, false);
    if (!s) return;
    s->ready_event.set();
    auto waiters = std::move(s->remote_waiters);
    s->remote_waiters.clear();
    for (auto& w : waiters) {
        try {
            reply_with_stored(w.pid, w.resp, *s, w.mode);
        } catch (const std::exception& e) {
            log_debug("could not answer process ", w.pid, " about a Future: ", e.what());
        }
    }
}


std::shared_ptr<RefHandle> new_handle(int where) {
    auto h = std::make_shared<RefHandle>();
    h->rrid = RRID{state().myid, g_next_ref++};
    h->where = where;
    h->owed = 1;
    g_handles[h->rrid] = h;
    return h;
}

void check_usable(const RefHandle& h) {
    if (h.finalized)
        throw InvalidStateException("this Future {" + std::to_string(h.rrid.whence) + ", " + std::to_string(h.rrid.id) +
                                    "} was finalized on process " + std::to_string(state().myid) + " and cannot be used");
}

/// First use of a Future(pid): the owner counts this process's reference now. Shipping
/// it (in a frame being written) defers the add until after that frame, as other adds.
void announce(RefHandle& h, bool in_frame = false) {
    if (!h.unannounced) return;
    h.unannounced = false;
    h.owed += 1;
    if (h.where == state().myid) stored_add_client(h.rrid, h.where, 1);
    else if (in_frame) g_deferred.push_back({h.where, RefCountMsg{h.rrid, state().myid, 1}});
    else send_count(MsgType::ref_add, h.where, h.rrid, state().myid, 1);
}

/// Runs `f` on the runtime thread (handles may be dropped on any thread).
template <class F>
void on_runtime(F&& f) {
    if (on_runtime_thread()) f();
    else if (scheduler_installed()) post_to_runtime(std::forward<F>(f));
}
}  // namespace

// ---- owner side ----

std::shared_ptr<Stored> stored_lookup(const RRID& id, bool create) {
    auto it = g_store.find(id);
    if (it != g_store.end()) return it->second;
    if (!create) return nullptr;
    auto s = std::make_shared<Stored>();
    g_store.emplace(id, s);
    return s;
}

namespace {
void count_change(const RRID& id, int pid, std::int64_t n, bool add) {
    auto s = stored_lookup(id);
    std::int64_t& c = s->clients[pid];
    std::int64_t r = 0;
    if (add ? __builtin_add_overflow(c, n, &r) : __builtin_sub_overflow(c, n, &r)) {
        maybe_erase(id);
        throw std::overflow_error("the reference count of process " + std::to_string(pid) + " for {" +
                                  std::to_string(id.whence) + ", " + std::to_string(id.id) + "} on process " +
                                  std::to_string(state().myid) + " would overflow");
    }
    c = r;
    maybe_erase(id);
}
}  // namespace

void stored_add_client(const RRID& id, int pid, std::int64_t n) { count_change(id, pid, n, true); }
void stored_del_client(const RRID& id, int pid, std::int64_t n) { count_change(id, pid, n, false); }

void stored_set_value(const RRID& id, detail::Value v) {
    auto s = stored_lookup(id);
    s->value = std::move(v);
    s->ready = true;
    answer_waiters(id);
}
void stored_set_error(const RRID& id, CapturedException e) {
    auto s = stored_lookup(id);
    s->error = std::move(e);
    s->ready = true;
    answer_waiters(id);
}
void stored_begin_call(const RRID& id, int caller) {
    auto s = stored_lookup(id);
    s->clients[caller] += 1;
    s->running += 1;
}
void stored_end_call(const RRID& id) {
    if (auto s = stored_lookup(id, false)) s->running -= 1;
    maybe_erase(id);
}
std::size_t stored_count() { return g_store.size(); }
std::size_t handle_count() { return g_handles.size(); }

void reply_with_stored(int peer, std::uint64_t resp, const Stored& s, FetchMode mode) {
    if (mode == FetchMode::isready)
        return send_result_status(peer, resp, s.ready ? ResultStatus::ok : ResultStatus::value_false);
    if (s.error) return send_result_error(peer, resp, *s.error);
    if (mode == FetchMode::wait) return send_result_value(peer, resp, nullptr);
    if (s.bytes) {
        ResultMsg m{resp, ResultStatus::ok};
        send_to(peer, MsgType::result, [&](OutArchive& ar) {
            ar(m);
            ar.saveBinary(s.bytes->data(), s.bytes->size());
            for (auto& [eid, owner] : s.embedded) add_for(eid, owner, peer);
        });
        return;
    }
    send_result_value(peer, resp, &s.value);
}

void handle_ref_fetch(int peer, const RefFetchMsg& m) {
    auto s = stored_lookup(m.rrid);
    if (s->ready || m.mode == FetchMode::isready) {
        reply_with_stored(peer, m.resp, *s, m.mode);
        return;
    }
    s->remote_waiters.push_back({peer, m.resp, m.mode});
}

void handle_ref_put(int peer, const RefPutMsg& m, InArchive& value) {
    auto s = stored_lookup(m.rrid);
    if (s->ready) {
        send_result_status(peer, m.resp, ResultStatus::invalid_state,
                           "Future can be set only once (it is stored on process " + std::to_string(state().myid) + ")");
        return;
    }
    // The value, then the handles inside it (RRID, owner)..., then the value's size (u64).
    std::uint64_t value_size = 0;
    if (value.remaining() < sizeof value_size) throw cereal::Exception("weft: RefPutMsg without its trailer");
    std::memcpy(&value_size, value.position() + value.remaining() - sizeof value_size, sizeof value_size);
    if (value_size > value.remaining() - sizeof value_size) throw cereal::Exception("weft: RefPutMsg value size out of range");
    s->bytes.emplace(value.position(), value.position() + value_size);
    InArchive list(value.position() + value_size, value.remaining() - value_size - sizeof value_size, peer);
    while (list.remaining() > 0) {
        RRID eid;
        std::int32_t owner = 0;
        list(eid, owner);
        s->embedded.emplace_back(eid, owner);
    }
    s->bytes_peer = peer;
    s->ready = true;
    send_result_status(peer, m.resp, ResultStatus::ok);
    answer_waiters(m.rrid);
}

void refs_peer_gone(int pid) {
    std::vector<RRID> touched;
    for (auto& [id, s] : g_store) {
        s->clients.erase(pid);
        std::erase_if(s->remote_waiters, [&](const RemoteWaiter& w) { return w.pid == pid; });
        touched.push_back(id);
    }
    for (auto& id : touched) maybe_erase(id);
}

void flush_deferred_refs() {
    while (!g_deferred.empty()) {
        auto batch = std::move(g_deferred);
        g_deferred.clear();
        for (auto& d : batch) {
            try {
                send_count(MsgType::ref_add, d.owner, d.msg.rrid, d.msg.client, d.msg.n);
            } catch (const std::exception& e) {
                log_debug("reference add for process ", d.msg.client, " not sent: ", e.what());
            }
        }
    }
}
void discard_deferred_refs() { g_deferred.clear(); }

}  // namespace weft::rt

namespace weft::detail {
using namespace weft::rt;

RefHandle::~RefHandle() {
    if (state().shutting_down) return;
    RRID id = rrid;
    int w = where;
    std::int64_t n = owed;
    // The table entry goes whether or not anything is owed (a fetched handle owes
    // nothing: it paid when the value arrived); a handle made since for the same id
    // (ref_load) replaced the entry and keeps it.
    on_runtime([id, w, n] {
        auto it = g_handles.find(id);
        if (it != g_handles.end() && it->second.expired()) g_handles.erase(it);
        if (n == 0) return;
        if (w == state().myid) stored_del_client(id, w, n);
        else if (peer_alive(w)) {
            try {
                send_count(MsgType::ref_del, w, id, state().myid, n);
            } catch (const std::exception&) {
            }
        }
    });
}

void RefHandle::release() {
    if (owed == 0) return;
    std::int64_t n = owed;
    owed = 0;
    if (where == state().myid) stored_del_client(rrid, where, n);
    else if (peer_alive(where)) send_count(MsgType::ref_del, where, rrid, state().myid, n);
}

std::shared_ptr<RefHandle> ref_new(int where, bool lazy) {
    if (!peer_alive(where)) throw ProcessExitedException(where, "cannot create a Future there");
    auto h = new_handle(where);
    h->owed = 0;
    h->unannounced = true;  // nothing on the owner until first use
    if (!lazy) announce(*h);
    return h;
}

std::shared_ptr<RefHandle> ref_for_call(int where, const CallSite& site) {
    check_not_in_threadcall("weft::remotecall");
    auto h = new_handle(where);
    h->site = site;
    return h;
}

RRID ref_id(const RefHandle& h) { return h.rrid; }
bool ref_cached(const RefHandle& h) { return h.has_cache; }
int ref_where(const RefHandle& h) { return h.where; }

namespace {
struct FetchInto {
    RefHandle* h;
    ValueDecoder decode;
};
void decode_into_cache(InArchive& ar, void* p) {
    auto* f = static_cast<FetchInto*>(p);
    if (f->decode) f->h->cache = f->decode(ar);
}

/// Asks the owner; returns after the ResultMsg (or throws).
void ask_owner(RefHandle& h, FetchMode mode, void (*decode)(InArchive&, void*), void* out, bool* ready = nullptr) {
    Pending p;
    p.pid = h.where;
    p.decode = decode;
    p.out = out;
    p.site = h.site;
    try {
        request(p, MsgType::ref_fetch, [&](OutArchive& ar, std::uint64_t resp) { ar(RefFetchMsg{h.rrid, resp, mode}); });
    } catch (const RemoteException& e) {
        h.cached_error = e.captured();
        throw;
    }
    if (ready) *ready = p.status == ResultStatus::ok;
}

void wait_local(Stored& s) {
    while (!s.ready) {
        s.ready_event.wait();
    }
}

void throw_cached(const RefHandle& h) {
    if (h.cached_error) throw RemoteException(*h.cached_error, h.site);
}
}  // namespace

const std::shared_ptr<void>& ref_fetch(RefHandle& h, ValueDecoder decode, const std::type_info& type) {
    check_not_in_threadcall("weft::fetch");
    check_usable(h);
    announce(h);
    throw_cached(h);
    if (h.has_cache) return h.cache;
    if (h.where == state().myid) {
        auto s = stored_lookup(h.rrid);
        wait_local(*s);
        if (s->error) {
            h.cached_error = s->error;
            h.release();
            throw RemoteException(*s->error, h.site);
        }
        if (s->bytes) {
            if (decode) {
                // Decoding makes handles here that will each pay a del: count them first.
                for (auto& [eid, owner] : s->embedded) add_for(eid, owner, state().myid);
                flush_deferred_refs();
                InArchive ar(s->bytes->data(), s->bytes->size(), s->bytes_peer);
                h.cache = decode(ar);
            }
        } else if (*s->value.type != type && !(type == typeid(char) && *s->value.type == typeid(void))) {
            throw std::logic_error("Future type mismatch on process " + std::to_string(state().myid) +
                                   ": the stored value is " + demangle(s->value.type->name()) + ", fetched as " +
                                   demangle(type.name()));
        } else {
            h.cache = s->value.ptr;
        }
    } else {
        FetchInto into{&h, decode};
        ask_owner(h, FetchMode::fetch, &decode_into_cache, &into);
    }
    h.has_cache = true;
    h.release();  // the value is here now: the owner no longer needs to keep it for us
    return h.cache;
}

void ref_wait(RefHandle& h) {
    check_not_in_threadcall("weft::wait");
    check_usable(h);
    announce(h);
    throw_cached(h);
    if (h.has_cache) return;
    if (h.where == state().myid) {
        auto s = stored_lookup(h.rrid);
        wait_local(*s);
        if (s->error) throw RemoteException(*s->error, h.site);
        return;
    }
    ask_owner(h, FetchMode::wait, nullptr, nullptr);
}

bool ref_isready(RefHandle& h) {
    check_not_in_threadcall("weft::isready");
    check_usable(h);
    announce(h);
    if (h.has_cache || h.cached_error) return true;
    if (h.where == state().myid) return stored_lookup(h.rrid)->ready;
    bool ready = false;
    ask_owner(h, FetchMode::isready, nullptr, nullptr, &ready);
    return ready;
}

void ref_put(RefHandle& h, Value v) {
    check_not_in_threadcall("weft::put");
    check_usable(h);
    announce(h);
    if (h.has_cache || h.cached_error)
        throw InvalidStateException("Future can be set only once (this process already holds its value)");
    if (h.where == state().myid) {
        auto s = stored_lookup(h.rrid);
        if (s->ready) throw InvalidStateException("Future can be set only once (it is stored on this process)");
        stored_set_value(h.rrid, v);
    } else {
        Pending p;
        p.pid = h.where;
        request(p, MsgType::ref_put, [&](OutArchive& ar, std::uint64_t resp) {
            ar(RefPutMsg{h.rrid, resp});
            const std::uint64_t start = ar.buffer().total_size();
            std::vector<std::pair<RRID, int>> embedded;
            g_embedded = &embedded;
            try {
                v.save(v.ptr.get(), ar);
            } catch (...) {
                g_embedded = nullptr;
                throw;
            }
            g_embedded = nullptr;
            const std::uint64_t value_size = ar.buffer().total_size() - start;
            for (auto& [eid, owner] : embedded) ar(eid, static_cast<std::int32_t>(owner));
            ar(value_size);
        });
    }
    h.cache = v.ptr;
    h.has_cache = true;
    h.release();
}

void ref_finalize(RefHandle& h) {
    if (h.finalized) return;
    h.release();
    h.finalized = true;
    h.cache.reset();
    h.has_cache = false;
}

void ref_save(const RefHandle& h, OutArchive& ar, void (*save_cached)(const void*, OutArchive&)) {
    check_usable(h);
    std::uint8_t kind = h.cached_error ? 2 : (h.has_cache ? 1 : 0);
    ar(h.rrid, static_cast<std::int32_t>(h.where), kind);
    if (kind == 1) {
        if (save_cached) save_cached(h.cache.get(), ar);
        return;
    }
    if (kind == 2) {
        ar(*h.cached_error);
        return;
    }
    const int peer = ar.peer();
    if (peer <= 0) throw std::logic_error("weft: a Future can only be written into a message for another process");
    announce(const_cast<RefHandle&>(h), true);
    if (g_embedded) g_embedded->emplace_back(h.rrid, h.where);
    if (h.where == state().myid) stored_add_client(h.rrid, peer, 1);
    else g_deferred.push_back({h.where, RefCountMsg{h.rrid, peer, 1}});
}

std::shared_ptr<RefHandle> ref_load(InArchive& ar, ValueDecoder decode) {
    RRID id;
    std::int32_t where = 0;
    std::uint8_t kind = 0;
    ar(id, where, kind);
    if (kind == 1 || kind == 2) {
        auto h = std::make_shared<RefHandle>();
        h->rrid = id;
        h->where = where;
        h->has_cache = kind == 1;
        if (kind == 1 && decode) h->cache = decode(ar);
        if (kind == 2) {
            CapturedException e;
            ar(e);
            h->cached_error = e;
        }
        return h;
    }
    auto it = g_handles.find(id);
    if (it != g_handles.end()) {
        if (auto h = it->second.lock()) {
            h->owed += 1;
            if (h->has_cache || h->finalized) h->release();
            return h;
        }
    }
    auto h = std::make_shared<RefHandle>();
    h->rrid = id;
    h->where = where;
    h->owed = 1;
    g_handles[id] = h;
    return h;
}

std::shared_ptr<void> ref_local_value(const RRID& id) {
    auto s = rt::stored_lookup(id, false);
    return s && s->ready ? s->value.ptr : nullptr;
}

void ref_store_local(const RRID& id, Value v) { rt::stored_set_value(id, std::move(v)); }

}  // namespace weft::detail
