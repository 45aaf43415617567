// weft/everywhere.hpp — run a function on every process (Julia's @everywhere).
#pragma once
#include <exception>
#include <vector>

#include "cluster.hpp"
#include "exceptions.hpp"
#include "remotecall.hpp"

namespace weft {

/// Runs f() on each process in `pids` at the same time (this one included when listed)
/// and waits for all. As Julia's @everywhere, an id listed k times runs f k times, the
/// runs on one process starting in list order. Errors: with one entry in `pids`, its
/// RemoteException as it is; with several, a CompositeException holding each failure in
/// the order of `pids`. Blocks the calling task.
/// Example: `weft::everywhere(load_table);`
template <class F>
void everywhere(const std::vector<int>& pids, F&& f) {
    std::vector<Future<detail::call_result_t<F>>> futures;
    futures.reserve(pids.size());
    for (int p : pids) futures.push_back(remotecall(f, p));
    std::vector<std::exception_ptr> errors;
    for (auto& fu : futures) {
        try { wait(fu); } catch (...) { errors.push_back(std::current_exception()); }
    }
    if (errors.empty()) return;
    if (pids.size() == 1) std::rethrow_exception(errors.front());
    throw CompositeException(std::move(errors));
}

/// Runs f() on every process and waits.
template <class F>
void everywhere(F&& f) { everywhere(procs(), std::forward<F>(f)); }

}  // namespace weft
