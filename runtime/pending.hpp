// runtime/pending.hpp — requests waiting for a ResultMsg: the waiting task parks on an
// Event; the reader decodes the result straight into the waiter's storage.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "messages.hpp"
#include "cluster_state.hpp"
#include "tasks/fiber.hpp"
#include "threads/hooks.hpp"

namespace weft::rt {

struct Pending {
    Event ev;
    int pid = 0;
    void (*decode)(InArchive&, void*) = nullptr;  ///< reads the value on ResultStatus::ok
    void* out = nullptr;
    ResultStatus status = ResultStatus::ok;
    CapturedException error;
    std::string message;
    bool exited = false;
    bool decoding = false;  ///< the reader is decoding into `out` (a streamed result may wait)
    std::string exit_reason;
    std::chrono::nanoseconds timeout{0};  ///< > 0: wait_pending throws TimeoutError after it
};

/// Registers p (which must stay alive until wait_pending returns) and returns its id.
std::uint64_t pending_add(Pending& p);
/// Waits for the result. Throws ProcessExitedException if the peer went away,
/// RemoteException for remote_error, InvalidStateException for invalid_state and
/// TimeoutError when p.timeout passed first (the request is then forgotten: a late
/// answer is dropped).
void wait_pending(Pending& p, std::uint64_t id);
/// Forgets a request whose message could not be sent.
void pending_remove(std::uint64_t id);
void handle_result(int peer, const ResultMsg& m, InArchive& body);
void pending_peer_gone(int pid, const std::string& reason);

/// Sends a request to p.pid and waits for its ResultMsg: `write(OutArchive&, resp)` fills
/// the body given the response id. Throws as wait_pending, or what the send threw.
template <class W>
void request(Pending& p, MsgType type, W&& write) {
    check_not_in_threadcall("a remote request (remotecall_fetch, remotecall_wait, fetch, wait, isready, put)");
    const std::uint64_t resp = pending_add(p);
    try {
        send_to(p.pid, type, [&](OutArchive& ar) { write(ar, resp); });
    } catch (...) {
        pending_remove(resp);
        throw;
    }
    wait_pending(p, resp);
}

/// Runs a decoded call, turning what it throws into `err`; false if it threw.
bool run_job(detail::Job& job, detail::Value& out, CapturedException& err);

/// Sends a ResultMsg: a value (v may be null for "nothing"), an error, or a message.
void send_result_value(int pid, std::uint64_t resp, const detail::Value* v);
void send_result_error(int pid, std::uint64_t resp, const CapturedException& e);
void send_result_status(int pid, std::uint64_t resp, ResultStatus s, const std::string& message = {});

}  // namespace weft::rt
