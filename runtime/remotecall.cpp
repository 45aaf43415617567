// runtime/remotecall.cpp — the caller's side of remote calls (CallMsg, CallFetchMsg,
// CallWaitMsg, RemoteDoMsg), the table of requests waiting for a ResultMsg, and running
// calls locally (to myid(), or when there are no workers).
#include <unordered_map>

#include "cluster_state.hpp"
#include "dashboard/stats.hpp"
#include "log.hpp"
#include "pending.hpp"
#include "remote_refs.hpp"
#include "stack_traces.hpp"
#include "weft/remotecall.hpp"
#include "weft/task.hpp"

namespace weft::rt {
namespace {
std::unordered_map<std::uint64_t, Pending*> g_pending;
std::uint64_t g_next_pending = 1;
}  // namespace

std::uint64_t pending_add(Pending& p) {
    auto id = g_next_pending++;
    g_pending.emplace(id, &p);
    return id;
}

void pending_remove(std::uint64_t id) { g_pending.erase(id); }

void wait_pending(Pending& p, std::uint64_t id) {
    if (p.timeout.count() > 0 && !p.ev.wait_for(p.timeout) && !p.decoding) {
        g_pending.erase(id);
        throw TimeoutError(p.pid, "no answer within " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(p.timeout).count()) + " ms");
    }
    p.ev.wait();  // also when a streamed answer is being decoded into the caller's storage
    g_pending.erase(id);
    if (p.exited) throw ProcessExitedException(p.pid, p.exit_reason);
    switch (p.status) {
        case ResultStatus::remote_error: throw RemoteException(p.error, p.site);
        case ResultStatus::invalid_state: throw InvalidStateException(p.message);
        default: return;
    }
}

void handle_result(int peer, const ResultMsg& m, InArchive& body) {
    auto it = g_pending.find(m.resp);
    if (it == g_pending.end()) {
        log_debug("result for unknown request ", m.resp, " from process ", peer);
        return;
    }
    Pending& p = *it->second;
    p.status = m.status;
    if (m.status == ResultStatus::ok && p.decode) {
        p.decoding = true;  // a streamed result waits for its bytes: the waiter must not leave
        try {
            p.decode(body, p.out);
        } catch (const ProcessExitedException&) {
            p.exited = true;  // pending_peer_gone has left the reason
        } catch (...) {
            p.status = ResultStatus::remote_error;
            p.error = detail::capture_current_exception();
            p.error.message = "could not decode the result from process " + std::to_string(peer) + ": " + p.error.message;
        }
        p.decoding = false;
    } else if (m.status == ResultStatus::remote_error) {
        body(p.error);
    } else if (m.status == ResultStatus::invalid_state) {
        body(p.message);
    }
    p.ev.set();
}

void pending_peer_gone(int pid, const std::string& reason) {
    for (auto& [id, p] : g_pending) {
        if (p->pid != pid || p->ev.is_set()) continue;
        p->exited = true;
        p->exit_reason = reason;
        if (!p->decoding) p->ev.set();  // else handle_result sets it when it stops decoding
    }
}

void send_result_value(int pid, std::uint64_t resp, const detail::Value* v) {
    ResultMsg m{resp, ResultStatus::ok};
    send_to(pid, MsgType::result, [&](OutArchive& ar) {
        ar(m);
        if (v && v->save) v->save(v->ptr.get(), ar);
    });
}
void send_result_error(int pid, std::uint64_t resp, const CapturedException& e) {
    ResultMsg m{resp, ResultStatus::remote_error};
    send_to(pid, MsgType::result, [&](OutArchive& ar) { ar(m, e); });
}
void send_result_status(int pid, std::uint64_t resp, ResultStatus s, const std::string& message) {
    ResultMsg m{resp, s};
    send_to(pid, MsgType::result, [&](OutArchive& ar) {
        ar(m);
        if (s == ResultStatus::invalid_state) ar(message);
    });
}

/// Runs a job, turning what it throws into a CapturedException (with the stack where it
/// was thrown: the TraceScope turns the recording on for the job's code).
bool run_job(detail::Job& job, detail::Value& out, CapturedException& err) {
    ++dash::counters.calls_in;
    dash::RunningCall running(job);
    try {
        TraceScope traced;
        out = job.run();
        return true;
    } catch (...) {
        err = detail::capture_current_exception();
        dash::record_error(err);
        return false;
    }
}

}  // namespace weft::rt

namespace weft::detail {
using namespace weft::rt;

int resolve_pid(int pid) {
    auto& st = state();
    if (pid == any) {
        auto ws = workers();
        return ws[st.round_robin++ % ws.size()];
    }
    if (pid == st.myid || st.peers.count(pid)) return pid;
    if (pid >= 1 && pid < st.next_pid)
        throw ProcessExitedException(pid, departed_reason(pid));
    throw std::invalid_argument("weft: no process with id " + std::to_string(pid) +
                                " (the cluster has " + std::to_string(nprocs()) + "; see weft::procs())");
}

int choose_proc(std::initializer_list<int> wheres) {
    for (int w : wheres)
        if (w != state().myid && (state().peers.count(w))) return w;
    return resolve_pid(any);
}

void send_call(CallKind kind, int pid, FnId id, Encoder enc, const void* ctx, const RefHandle* result,
               const CallSite& site) {
    check_not_in_threadcall(kind == CallKind::remote_do   ? "weft::remote_do"
                            : kind == CallKind::call_wait ? "weft::remotecall_wait"
                                                          : "weft::remotecall");
    ++dash::counters.calls_out;
    switch (kind) {
        case CallKind::call: {
            CallMsg m{ref_id(*result), id};
            send_to(pid, MsgType::call, [&](OutArchive& ar) { ar(m); enc(ar, ctx); });
            return;
        }
        case CallKind::call_wait: {
            Pending p;
            p.pid = pid;
            p.site = site;
            request(p, MsgType::call_wait, [&](OutArchive& ar, std::uint64_t resp) {
                ar(CallWaitMsg{ref_id(*result), resp, id});
                enc(ar, ctx);
            });
            return;
        }
        case CallKind::remote_do: {
            RemoteDoMsg m{id};
            send_to(pid, MsgType::remote_do, [&](OutArchive& ar) { ar(m); enc(ar, ctx); });
            return;
        }
    }
}

void call_fetch(int pid, FnId id, Encoder enc, const void* ctx, void (*decode)(InArchive&, void*), void* out,
                const CallSite& site, std::chrono::nanoseconds timeout) {
    check_not_in_threadcall("weft::remotecall_fetch");
    ++dash::counters.calls_out;
    Pending p;
    p.pid = pid;
    p.site = site;
    p.timeout = timeout;
    p.decode = decode;
    p.out = out;
    request(p, MsgType::call_fetch, [&](OutArchive& ar, std::uint64_t resp) {
        ar(CallFetchMsg{resp, id});
        enc(ar, ctx);
    });
}

void run_local(std::unique_ptr<Job> job, const RefHandle* result) {
    if (!result) {
        launch([job = std::shared_ptr<Job>(std::move(job))] {
            Value v;
            CapturedException err;
            if (!run_job(*job, v, err)) log_error("remote_do on process ", err.pid, " failed:\n", describe(RemoteException(err)));
        });
        return;
    }
    RRID id = ref_id(*result);
    stored_begin_call(id, state().myid);
    launch([job = std::shared_ptr<Job>(std::move(job)), id] {
        Value v;
        CapturedException err;
        if (run_job(*job, v, err)) stored_set_value(id, std::move(v));
        else stored_set_error(id, std::move(err));
        stored_end_call(id);
    });
}

Value run_here(Job& job, const CallSite& site) {
    Value v;
    CapturedException err;
    if (!run_job(job, v, err)) throw RemoteException(std::move(err), site);
    return v;
}

}  // namespace weft::detail
