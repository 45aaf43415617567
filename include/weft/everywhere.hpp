// weft/everywhere.hpp — run a function on every process (Julia's @everywhere).
#pragma once
#include <exception>
#include <vector>

#include "cluster.hpp"
#include "exceptions.hpp"
#include "remotecall.hpp"

namespace weft {

/// Runs f() on each process in `pids` (this one included when listed) at the same time
/// and waits for all; errors from any process are collected in a CompositeException
/// (each a RemoteException naming this call's site).
/// Example: `weft::everywhere(load_table);`
template <class F>
void everywhere(const std::vector<int>& pids, F&& f, CallSite site = {}) {
    std::vector<Future<detail::call_result_t<F>>> futures;
    bool here = false;
    for (int p : pids) {
        if (p == myid()) here = true;
        else futures.push_back(remotecall(f, detail::ProcAt(p, site)));
    }
    std::vector<std::exception_ptr> errors;
    if (here) {
        try { remotecall_fetch(f, detail::ProcAt(myid(), site)); } catch (...) { errors.push_back(std::current_exception()); }
    }
    for (auto& fu : futures) {
        try { wait(fu); } catch (...) { errors.push_back(std::current_exception()); }
    }
    if (!errors.empty()) throw CompositeException(std::move(errors));
}

/// Runs f() on every process and waits.
template <class F>
void everywhere(F&& f, CallSite site = {}) { everywhere(procs(), std::forward<F>(f), site); }

}  // namespace weft
