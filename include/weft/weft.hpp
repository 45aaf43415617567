// weft/weft.hpp — the only include users need: Julia's parallel-computing model for C++.
//   cluster.hpp     init, addprocs, rmprocs, nprocs, workers, myid, interrupt, cluster_cookie
//   cluster_manager.hpp  ClusterManager, WorkerConfig, LocalManager, SSHManager, SlurmManager, MPIManager
//   remotecall.hpp  remotecall, remotecall_fetch, remotecall_wait, remote_do, spawnat, fetchfrom
//   future.hpp      Future<T>, fetch, wait, isready, put, finalize
//   task.hpp        Task<R>, async, sync, yield, sleep, istaskdone
//   condition.hpp   Condition (fiber-aware)
//   channel.hpp     Channel<T>, unbounded
//   remote_channel.hpp RemoteChannel<T>, AbstractChannel<T>, ChannelFactory<T>
//   threads.hpp     weft::threads: nthreads, threadid, parallel_for, parallel_reduce, atomics
//   threadcall.hpp  threadcall
//   everywhere.hpp  everywhere
//   range.hpp       Range, range
//   distributed.hpp distributed_for, distributed_reduce, min_op, max_op
//   pmap.hpp        pmap, PmapOptions, auto_batch
//   worker_pool.hpp WorkerPool, CachingPool, default_worker_pool, remote
//   shared_array.hpp SharedArray<T,N>, sdata, localindices, indexpids
//   darray.hpp      DArray<T,N>, Array<T,N>, dzeros/dones/drand/drandn/dfill, distribute
//   remote.hpp      WEFT_REMOTE, WEFT_REMOTE_AS
//   serialize.hpp   OutArchive, InArchive, Serializable
//   exceptions.hpp  RemoteException, ProcessExitedException, CompositeException, InvalidStateException, describe
//   call_site.hpp   CallSite (where a call was made; reported by RemoteException)
//   dashboard.hpp   dashboard (a live web page of the cluster, /api/state, /metrics)
#pragma once
#include "channel.hpp"
#include "cluster.hpp"
#include "call_site.hpp"
#include "cluster_manager.hpp"
#include "condition.hpp"
#include "darray.hpp"
#include "dashboard.hpp"
#include "debug.hpp"
#include "distributed.hpp"
#include "everywhere.hpp"
#include "exceptions.hpp"
#include "future.hpp"
#include "pmap.hpp"
#include "range.hpp"
#include "remote.hpp"
#include "remote_channel.hpp"
#include "remotecall.hpp"
#include "serialize.hpp"
#include "shared_array.hpp"
#include "task.hpp"
#include "threadcall.hpp"
#include "threads.hpp"
#include "worker_pool.hpp"

namespace weft {
/// Serial fallback (SPEC §3.9): waiting on a plain value (what an untranslated spawn
/// left in its variable) does nothing. Only serializable, non-polymorphic values: a type
/// weft does not know (a pool, a mutex) is a compile error, not a silent no-op.
template <class T>
    requires(!detail::is_handle<std::decay_t<T>>::value && !std::is_polymorphic_v<std::decay_t<T>> &&
             Serializable<std::decay_t<T>>)
void wait(const T&) {}
}  // namespace weft
