// runtime/messages.hpp — the messages processes exchange, one struct per message.
//
// Wire format. After the handshake (transport/handshake.hpp: fixed-size HMAC frames,
// nothing deserialized before both sides proved the cookie) every frame is
//
//     u64 length | u8 type | body            (length counts type + body, little endian)
//
// A frame longer than WEFT_MAX_FRAME (1 GiB) or of an unknown type drops the peer. The
// body is written with weft's cereal archives (OutArchive/InArchive): the fixed fields of
// the message struct below, in order, then for calls the callable's state and the
// arguments, for results the value.
//
//   CallMsg       rrid fn       args  -> run fn(args); store the result under rrid
//   CallFetchMsg  resp fn       args  -> run; ResultMsg(resp, value)
//   CallWaitMsg   rrid resp fn  args  -> run; store under rrid; ResultMsg(resp) when done
//   RemoteDoMsg   fn            args  -> run; nothing comes back
//   ResultMsg     resp status   value | CapturedException | message
//   RefFetchMsg   rrid resp mode      -> ResultMsg when the value is there (fetch / wait)
//                                        or at once (isready: bool)
//   RefPutMsg     rrid resp     value, {rrid owner}... of the handles inside it, u64 value size
//                               -> ResultMsg(resp, ok | "set only once")
//   RefAddMsg     rrid client n       (distributed reference counting, see remote_refs.cpp)
//   RefDelMsg     rrid client n
//   JoinPGRPMsg   pid topology peers  master -> new worker: your id, the other workers
//   JoinCompleteMsg ospid             worker -> master
//   PeerAddedMsg  peer                master -> workers: a new worker's address
//   PeerRemovedMsg pid                master -> workers: a worker is gone
//   ExitMsg                           master -> worker: exit now
//   OutputMsg     stream text         worker -> master: whole lines of its stdout/stderr
//   InterruptMsg                      master -> worker: interrupt your running tasks
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "weft/exceptions.hpp"
#include "weft/future.hpp"

namespace weft::rt {

enum class MsgType : std::uint8_t {
    call = 1, call_fetch, call_wait, remote_do, result,
    ref_fetch, ref_put, ref_add, ref_del,
    join_pgrp, join_complete, peer_added, peer_removed, exit,
    output, interrupt,
    last_ = interrupt
};
const char* msg_name(MsgType);

constexpr std::size_t frame_header_size = 9;

enum class ResultStatus : std::uint8_t { ok = 0, remote_error = 1, invalid_state = 2, value_false = 3 };
enum class FetchMode : std::uint8_t { fetch = 0, wait = 1, isready = 2 };

struct CallMsg { RRID rrid; std::uint64_t fn = 0; template <class A> void serialize(A& a) { a(rrid, fn); } };
struct CallFetchMsg { std::uint64_t resp = 0, fn = 0; template <class A> void serialize(A& a) { a(resp, fn); } };
struct CallWaitMsg { RRID rrid; std::uint64_t resp = 0, fn = 0; template <class A> void serialize(A& a) { a(rrid, resp, fn); } };
struct RemoteDoMsg { std::uint64_t fn = 0; template <class A> void serialize(A& a) { a(fn); } };
struct ResultMsg { std::uint64_t resp = 0; ResultStatus status = ResultStatus::ok; template <class A> void serialize(A& a) { a(resp, status); } };
struct RefFetchMsg { RRID rrid; std::uint64_t resp = 0; FetchMode mode = FetchMode::fetch; template <class A> void serialize(A& a) { a(rrid, resp, mode); } };
struct RefPutMsg { RRID rrid; std::uint64_t resp = 0; template <class A> void serialize(A& a) { a(rrid, resp); } };
struct RefCountMsg { RRID rrid; std::int32_t client = 0; std::int64_t n = 0; template <class A> void serialize(A& a) { a(rrid, client, n); } };

struct PeerAddr {
    std::int32_t pid = 0;
    std::string host;
    std::int32_t port = 0;
    bool refused = false;  ///< custom topology: the manager does not connect the receiver to it
    template <class A> void serialize(A& a) { a(pid, host, port, refused); }
};
struct JoinPGRPMsg {
    std::int32_t pid = 0;
    std::uint8_t topology = 0;
    std::vector<PeerAddr> peers;
    std::int32_t log_level = 1;
    template <class A> void serialize(A& a) { a(pid, topology, peers, log_level); }
};
struct JoinCompleteMsg { std::int32_t ospid = 0; template <class A> void serialize(A& a) { a(ospid); } };
struct OutputMsg {
    std::uint8_t stream = 1;  ///< 1 stdout, 2 stderr
    std::string text;         ///< one or more whole lines, each ending in '\n'
    template <class A> void serialize(A& a) { a(stream, text); }
};
struct PeerRemovedMsg { std::int32_t pid = 0; template <class A> void serialize(A& a) { a(pid); } };

}  // namespace weft::rt
