// weft/weft.hpp — the only include users need: Julia's parallel-computing model for C++.
//   cluster.hpp     init, addprocs, rmprocs, nprocs, workers, myid, interrupt, cluster_cookie
//   remotecall.hpp  remotecall, remotecall_fetch, remotecall_wait, remote_do, spawnat, fetchfrom
//   future.hpp      Future<T>, fetch, wait, isready, put, finalize
//   task.hpp        Task<R>, async, sync, yield, sleep, istaskdone
//   threads.hpp     weft::threads: nthreads, threadid, parallel_for, parallel_reduce, atomics
//   threadcall.hpp  threadcall
//   everywhere.hpp  everywhere
//   remote.hpp      WEFT_REMOTE, WEFT_REMOTE_AS
//   serialize.hpp   OutArchive, InArchive, Serializable
//   exceptions.hpp  RemoteException, ProcessExitedException, CompositeException, InvalidStateException
#pragma once
#include "cluster.hpp"
#include "debug.hpp"
#include "everywhere.hpp"
#include "exceptions.hpp"
#include "future.hpp"
#include "remote.hpp"
#include "remotecall.hpp"
#include "serialize.hpp"
#include "task.hpp"
#include "threadcall.hpp"
#include "threads.hpp"

namespace weft {
/// Serial fallback (SPEC §3.9): waiting on a plain value does nothing.
template <class T>
    requires(!detail::is_handle<std::decay_t<T>>::value)
void wait(const T&) {}
}  // namespace weft
