// runtime/process_messages.cpp — one handler per message type (Distributed.jl's
// process_messages.jl). Handlers run on the runtime thread inside I/O completions: they
// decode what they need from the frame at once and never block; a call runs in a new
// task, so a call that blocks never stops the process from serving others.
#include "cluster_state.hpp"
#include "log.hpp"
#include "pending.hpp"
#include "registry.hpp"
#include "remote_refs.hpp"

namespace weft::rt {

void handle_join_pgrp(Connection& c, const JoinPGRPMsg& m);    // worker.cpp
void handle_join_complete(Connection& c, const JoinCompleteMsg& m);  // cluster.cpp
void handle_peer_added(const PeerAddr& p);                     // worker.cpp
void handle_exit_request();                                    // worker.cpp
void handle_worker_output(Connection& c, const OutputMsg& m);   // cluster.cpp
void handle_interrupt_request();                               // worker.cpp

namespace {

/// Decodes the call; a decoding failure becomes the call's error.
std::shared_ptr<detail::Job> decode_job(std::uint64_t fn, InArchive& ar, CapturedException& err) {
    const RegisteredFn* f = find_function(fn);
    if (!f) {
        err.type = "std::logic_error";
        err.message = "no function with id " + std::to_string(fn) + " is registered on process " +
                      std::to_string(state().myid) +
                      " (every process must run the same program, with the function registered by WEFT_REMOTE or "
                      "'#pragma weft remote')";
        err.pid = state().myid;
        return nullptr;
    }
    try {
        return f->decode(ar, f->fnptr);
    } catch (...) {
        err = detail::capture_current_exception();
        err.message = "could not decode the arguments of " + f->name + ": " + err.message;
        return nullptr;
    }
}

void handle_call(int peer, const CallMsg& m, InArchive& ar) {
    CapturedException err;
    auto job = decode_job(m.fn, ar, err);
    stored_begin_call(m.rrid, peer);
    if (!job) {
        stored_set_error(m.rrid, std::move(err));
        stored_end_call(m.rrid);
        return;
    }
    launch([job, id = m.rrid] {
        detail::Value v;
        CapturedException e;
        if (run_job(*job, v, e)) stored_set_value(id, std::move(v));
        else stored_set_error(id, std::move(e));
        stored_end_call(id);
    });
}

void handle_call_fetch(int peer, const CallFetchMsg& m, InArchive& ar) {
    CapturedException err;
    auto job = decode_job(m.fn, ar, err);
    if (!job) return send_result_error(peer, m.resp, err);
    launch([job, peer, resp = m.resp] {
        detail::Value v;
        CapturedException e;
        const bool ok = run_job(*job, v, e);
        try {
            if (!ok) return send_result_error(peer, resp, e);
            try {
                send_result_value(peer, resp, &v);
            } catch (const ProcessExitedException&) {
                throw;
            } catch (...) {  // the result could not be serialized: tell the caller why
                send_result_error(peer, resp, detail::capture_current_exception());
            }
        } catch (const ProcessExitedException&) {
            log_debug("the caller (process ", peer, ") left before its result was sent");
        }
    });
}

void handle_call_wait(int peer, const CallWaitMsg& m, InArchive& ar) {
    CapturedException err;
    auto job = decode_job(m.fn, ar, err);
    stored_begin_call(m.rrid, peer);
    if (!job) {
        stored_set_error(m.rrid, err);
        stored_end_call(m.rrid);
        return send_result_error(peer, m.resp, err);
    }
    launch([job, peer, id = m.rrid, resp = m.resp] {
        detail::Value v;
        CapturedException e;
        bool ok = run_job(*job, v, e);
        if (ok) stored_set_value(id, std::move(v));
        else stored_set_error(id, e);
        try {
            if (ok) send_result_value(peer, resp, nullptr);
            else send_result_error(peer, resp, e);
        } catch (const ProcessExitedException&) {
        }
        stored_end_call(id);
    });
}

void handle_remote_do(int peer, const RemoteDoMsg& m, InArchive& ar) {
    CapturedException err;
    auto job = decode_job(m.fn, ar, err);
    if (!job) {
        log_error("remote_do from process ", peer, " failed: ", err.type, ": ", err.message);
        return;
    }
    launch([job, peer] {
        detail::Value v;
        CapturedException e;
        if (!run_job(*job, v, e)) log_error("remote_do from process ", peer, " failed:\n", describe(RemoteException(e)));
    });
}

template <class M>
M read(InArchive& ar) {
    M m;
    ar(m);
    return m;
}

/// A reference count change: a positive count no bigger than any process could owe
/// (stored_add_client/stored_del_client also refuse a sum that would overflow).
RefCountMsg read_count(InArchive& ar) {
    auto m = read<RefCountMsg>(ar);
    if (m.n <= 0 || m.n > max_ref_count_step)
        throw std::runtime_error("reference count change of " + std::to_string(m.n) + " for {" +
                                 std::to_string(m.rrid.whence) + ", " + std::to_string(m.rrid.id) +
                                 "} is out of range (1.." + std::to_string(max_ref_count_step) + ")");
    return m;
}
}  // namespace

/// Whether a message of this type may come from `from` now; checked before its body is
/// decoded. Membership messages flow one way (master -> worker or worker -> master);
/// everything else needs a connection whose peer is known.
bool expected_here(MsgType type, int from) {
    const auto& st = state();
    const bool master = !st.is_worker && st.myid == 1;
    switch (type) {
        case MsgType::join_pgrp: return st.is_worker && from == 1 && st.myid < 1;
        case MsgType::peer_added:
        case MsgType::peer_removed:
        case MsgType::exit:
        case MsgType::interrupt: return st.is_worker && from == 1;
        case MsgType::join_complete:
        case MsgType::output: return master && from > 1;
        default: return from != 0;
    }
}

void process_message(Connection& c, MsgType type, InArchive& ar) {
    const int peer = c.peer();
    if (!expected_here(type, peer))
        throw std::runtime_error(std::string("unexpected here: process ") + std::to_string(state().myid) +
                                 (state().is_worker ? " (a worker)" : " (the master)") + " does not take it from process " +
                                 std::to_string(peer) + " (a peer that is not a weft process of this cluster, or a bug)");
    switch (type) {
        case MsgType::call: { auto m = read<CallMsg>(ar); return handle_call(peer, m, ar); }
        case MsgType::call_fetch: { auto m = read<CallFetchMsg>(ar); return handle_call_fetch(peer, m, ar); }
        case MsgType::call_wait: { auto m = read<CallWaitMsg>(ar); return handle_call_wait(peer, m, ar); }
        case MsgType::remote_do: { auto m = read<RemoteDoMsg>(ar); return handle_remote_do(peer, m, ar); }
        case MsgType::result: { auto m = read<ResultMsg>(ar); return handle_result(peer, m, ar); }
        case MsgType::ref_fetch: return handle_ref_fetch(peer, read<RefFetchMsg>(ar));
        case MsgType::ref_put: { auto m = read<RefPutMsg>(ar); return handle_ref_put(peer, m, ar); }
        case MsgType::ref_add: { auto m = read_count(ar); return stored_add_client(m.rrid, m.client, m.n); }
        case MsgType::ref_del: { auto m = read_count(ar); return stored_del_client(m.rrid, m.client, m.n); }
        case MsgType::join_pgrp: return handle_join_pgrp(c, read<JoinPGRPMsg>(ar));
        case MsgType::join_complete: return handle_join_complete(c, read<JoinCompleteMsg>(ar));
        case MsgType::peer_added: return handle_peer_added(read<PeerAddr>(ar));
        case MsgType::peer_removed: {
            auto m = read<PeerRemovedMsg>(ar);
            if (state().peers.count(m.pid)) peer_gone(m.pid, "removed from the cluster");
            return;
        }
        case MsgType::exit: return handle_exit_request();
        case MsgType::output: return handle_worker_output(c, read<OutputMsg>(ar));
        case MsgType::interrupt: return handle_interrupt_request();
    }
}

}  // namespace weft::rt
