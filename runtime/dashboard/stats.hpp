// runtime/dashboard/stats.hpp — what the dashboard shows, gathered cheaply: per-process
// counters (a plain increment on the runtime thread per call and per frame), the calls
// running now (an intrusive list, linked and unlinked by run_job), recent errors, the
// maps and loops in progress, and the reports workers send the master while someone
// watches (docs/dashboard.md).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "weft/exceptions.hpp"

namespace weft::detail { struct Job; }

namespace weft::rt::dash {

/// This process's counters; runtime thread only (no atomics: the snapshot is taken there).
struct Counters {
    std::uint64_t calls_in = 0;   ///< calls this process ran for others or itself (run_job)
    std::uint64_t calls_out = 0;  ///< calls it sent to other processes
    std::uint64_t bytes_in = 0;   ///< bytes of frames received from peers
    std::uint64_t bytes_out = 0;  ///< bytes of frames sent to peers
    std::uint64_t errors = 0;     ///< calls that threw
};
extern Counters counters;

/// A call running on this process, linked into the list while run_job runs it.
struct RunningCall {
    const detail::Job* job = nullptr;
    std::int64_t since_ms = 0;  ///< coarse monotonic clock, ms
    RunningCall* prev = nullptr;
    RunningCall* next = nullptr;
    explicit RunningCall(const detail::Job& j);
    ~RunningCall();
    RunningCall(const RunningCall&) = delete;
    RunningCall& operator=(const RunningCall&) = delete;
};

/// Records a call's error (its worker, type, message, where it was thrown) in the ring of
/// recent errors this process reports.
void record_error(const CapturedException& e);

struct RunningView {
    std::string name;
    double seconds = 0;
    template <class A> void serialize(A& a) { a(name, seconds); }
};
struct ErrorView {
    std::int32_t pid = 0;
    std::string type, message, where, index_of;
    std::int64_t index = -1;
    double unix_time = 0;
    template <class A> void serialize(A& a) { a(pid, type, message, where, index_of, index, unix_time); }
};

/// One process's state: what a worker sends the master in each report.
struct ProcessReport {
    std::int32_t pid = 0;
    std::string host;
    std::int32_t ospid = 0;
    double cpu_seconds = 0;
    std::uint64_t rss_bytes = 0;
    std::uint64_t calls_in = 0, calls_out = 0, bytes_in = 0, bytes_out = 0, errors = 0;
    std::uint64_t running = 0, stored_refs = 0, held_refs = 0;
    std::uint64_t tasks = 0;          ///< tasks alive (started, not ended), the dashboard's own not counted
    std::uint64_t tasks_blocked = 0;  ///< tasks suspended waiting (Future, Channel, Condition, sleep)
    std::vector<RunningView> calls;   ///< the oldest calls running now (at most 4)
    std::vector<ErrorView> new_errors;  ///< errors since the previous report (at most 8)
    template <class A>
    void serialize(A& a) {
        a(pid, host, ospid, cpu_seconds, rss_bytes, calls_in, calls_out, bytes_in, bytes_out, errors, running,
          stored_refs, held_refs, tasks, tasks_blocked, calls, new_errors);
    }
};

/// A pmap or distributed loop this process counts (the master, usually).
struct MapView {
    std::uint64_t id = 0;
    std::string label;
    std::uint64_t done = 0, total = 0, retries = 0;
    std::vector<int> failed_workers;
    double elapsed = 0;
    bool finished = false;
};

/// One worker as the master sees it.
struct WorkerView {
    ProcessReport report;
    bool reported = false;     ///< a report arrived since watching began
    double report_age = -1;    ///< seconds since the last report (-1: none)
    std::string state;         ///< starting, idle, busy, leaving, gone
    std::string gone_reason;
};

/// The whole cluster, as the master sees it at one moment.
struct Snapshot {
    double unix_time = 0;
    double uptime = 0;
    bool master_responsive = true;  ///< false: the runtime thread did not answer in time
    std::vector<WorkerView> processes;  ///< the master first, then workers by id, then gone ones
    std::vector<MapView> maps;          ///< running ones, then recently finished
    std::vector<ErrorView> errors;      ///< newest last (at most 50)
};

/// This process's report, now (runtime thread). `take_errors`: move the errors recorded
/// since the last report into it.
ProcessReport report_here(bool take_errors);

/// Master, runtime thread, in a task: marks the cluster as watched for the next few
/// seconds (workers report every `interval` while it is), waiting for a first report
/// from each worker (at most 1 s) when watching begins, and returns the snapshot.
Snapshot watch_and_snapshot(std::chrono::milliseconds interval);

/// Starts the dashboard if WEFT_DASHBOARD is set (weft::init, master; server.cpp).
void start_dashboard_from_env();

/// The maps and loops in progress, then the last few finished (pools/progress.cpp).
std::vector<MapView> map_views();

}  // namespace weft::rt::dash
