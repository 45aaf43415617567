// weft/everywhere.hpp — run a function on every process (Julia's @everywhere).
#pragma once
#include <exception>
#include <vector>

#include "cluster.hpp"
#include "detail/progress.hpp"
#include "exceptions.hpp"
#include "remotecall.hpp"

namespace weft {

/// Runs f() on each process in `pids` at the same time (this one included when listed)
/// and waits for all. As Julia's @everywhere, an id listed k times runs f k times, the
/// runs on one process starting in list order. Errors: with one entry in `pids`, its
/// RemoteException as it is; with several, a CompositeException holding each failure in
/// the order of `pids`. Each error is a RemoteException naming this
/// call's site. Blocks the calling task.
/// Example: `weft::everywhere(load_table);`
template <class F>
void everywhere(const std::vector<int>& pids, F&& f, CallSite site = {}) {
    std::vector<Future<detail::call_result_t<F>>> futures;
    futures.reserve(pids.size());
    for (int p : pids) futures.push_back(remotecall(f, detail::ProcAt(p, site)));
    if (detail::dashboard_on() && !futures.empty())  // one item per process; never drawn on stderr
        detail::watch_loop(detail::progress_label(f, "everywhere"), static_cast<std::int64_t>(futures.size()),
                           detail::ref_handles(futures), std::vector<std::int64_t>(futures.size(), 1), false);
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
void everywhere(F&& f, CallSite site = {}) { everywhere(procs(), std::forward<F>(f), site); }

}  // namespace weft
