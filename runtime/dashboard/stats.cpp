// runtime/dashboard/stats.cpp — the dashboard's data: this process's counters and running
// calls, its report (with CPU time and RSS from /proc), and, on the master, the reports of
// the workers. Workers report only while the master says someone watches: the master
// sends each one `subscribe(interval)` when the first page, API or /metrics request comes,
// and `subscribe(0)` once nobody asked for `watch_window`; a worker reports with one
// remote_do per interval. When nobody watches, the only cost is the counters. The
// dashboard's own calls are taken off the call counters (their bytes stay counted).
#include "dashboard/stats.hpp"

#include <time.h>
#include <boost/fiber/operations.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <set>

#include "cluster_state.hpp"
#include "tasks/asan_fibers.hpp"
#include "registry.hpp"
#include "tasks/fiber.hpp"
#include "remote_refs.hpp"
#include "weft/remote.hpp"
#include "weft/remotecall.hpp"
#include "weft/task.hpp"

namespace weft::rt::dash {

Counters counters;

namespace {
using Clock = std::chrono::steady_clock;

/// How long the cluster counts as watched after the last request.
constexpr auto watch_window = std::chrono::seconds(10);
constexpr std::size_t max_report_errors = 8, max_recent_errors = 50, max_reported_calls = 4;

const Clock::time_point g_started = Clock::now();

RunningCall* g_oldest = nullptr;
RunningCall* g_newest = nullptr;
std::size_t g_running = 0;

std::deque<ErrorView> g_new_errors;  // this process's, since its last report

std::int64_t coarse_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string strip_anonymous(std::string name) {
    for (const char* anon : {"(anonymous namespace)::", "{anonymous}::"})
        for (auto at = name.find(anon); at != std::string::npos; at = name.find(anon))
            name.erase(at, std::strlen(anon));
    return name;
}

std::string job_name(const detail::Job& job) {
    if (void* fn = job.function()) {
        std::string n = registered_name(fn);
        if (n.empty()) n = symbol_name(fn);
        if (!n.empty()) return strip_anonymous(n);
    }
    return strip_anonymous(detail::demangle(job.callable().name()));
}

const std::string& host_name() {
    static const std::string h = [] {
        char buf[256] = {};
        if (::gethostname(buf, sizeof buf - 1) != 0) return std::string("?");
        return std::string(buf);
    }();
    return h;
}

/// CPU time (user + system) and resident memory of this process, from /proc.
void read_proc(double& cpu_seconds, std::uint64_t& rss_bytes) {
    cpu_seconds = 0;
    rss_bytes = 0;
    if (std::FILE* f = std::fopen("/proc/self/stat", "r")) {
        char buf[1024];
        const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
        std::fclose(f);
        buf[n] = '\0';
        // Fields after the command name (which may hold spaces): state is the 3rd field,
        // utime and stime the 14th and 15th.
        if (const char* p = std::strrchr(buf, ')')) {
            unsigned long long utime = 0, stime = 0;
            if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) == 2)
                cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
        }
    }
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        unsigned long long size = 0, resident = 0;
        if (std::fscanf(f, "%llu %llu", &size, &resident) == 2)
            rss_bytes = resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
        std::fclose(f);
    }
}

/// The dashboard's own tasks sleep uncounted (not among the program's blocked tasks) and
/// never take an interrupt (SIGINT) meant for the program's tasks, as weft::sleep would.
void dashboard_sleep(std::chrono::milliseconds d) {
    boost::this_fiber::sleep_for(d);
    rt::asan::landed();  // back on this task's stack (runtime/tasks/asan_fibers.hpp)
}

/// The dashboard's tasks alive now (the worker's reporter, the master's watch task).
std::size_t own_tasks();

// ---- worker side: reporting while subscribed ----
int g_interval_ms = 0;
bool g_reporting = false;

void receive_report(ProcessReport r);

void subscribe_here(int interval_ms) {
    --counters.calls_in;  // the dashboard's own calls are not the program's
    g_interval_ms = interval_ms;
    if (interval_ms <= 0 || g_reporting) return;
    g_reporting = true;
    launch([] {
        while (g_interval_ms > 0 && !state().shutting_down) {
            try {
                remote_do(&receive_report, 1, report_here(true));
                --counters.calls_out;
            } catch (const std::exception&) {
                break;  // the master is gone: nobody to report to
            }
            dashboard_sleep(std::chrono::milliseconds(g_interval_ms));
        }
        g_reporting = false;
    });
}

// ---- master side ----
struct Received {
    ProcessReport report;
    Clock::time_point at;
};
std::map<int, Received> g_reports;
std::map<int, Clock::time_point> g_subscribed;  // worker -> when it was asked to report
std::deque<ErrorView> g_recent;                 // the cluster's, newest last
Clock::time_point g_watch_until{};
bool g_watch_task = false;
std::shared_ptr<Event> g_first;  // set when every subscribed worker has reported

std::size_t own_tasks() {
    if (state().is_worker) return g_reporting ? 1 : 0;  // the reporter, calling report_here
    return (g_watch_task ? 1 : 0) + 1;                   // + the request's snapshot task
}

void keep_errors(std::vector<ErrorView>& errs) {
    for (auto& e : errs) {
        g_recent.push_back(std::move(e));
        if (g_recent.size() > max_recent_errors) g_recent.pop_front();
    }
    errs.clear();
}

bool all_reported() {
    for (const auto& [pid, since] : g_subscribed) {
        if (!state().peers.count(pid)) continue;
        auto it = g_reports.find(pid);
        if (it == g_reports.end() || it->second.at < since) return false;
    }
    return true;
}

void receive_report(ProcessReport r) {
    --counters.calls_in;
    if (state().is_worker) return;
    keep_errors(r.new_errors);
    const int pid = r.pid;
    g_reports[pid] = Received{std::move(r), Clock::now()};
    if (g_first && all_reported()) std::exchange(g_first, nullptr)->set();
}

void unsubscribe_all() {
    for (const auto& [pid, since] : g_subscribed) {
        if (!state().peers.count(pid)) continue;
        try {
            remote_do(&subscribe_here, pid, 0);
            --counters.calls_out;
        } catch (const std::exception&) {  // gone meanwhile: it reports no more anyway
        }
    }
    g_subscribed.clear();
    g_reports.clear();
}

/// Subscribes the workers not subscribed yet; true if there were any.
bool subscribe_new(std::chrono::milliseconds interval) {
    bool any = false;
    for (auto it = g_subscribed.begin(); it != g_subscribed.end();)
        it = state().peers.count(it->first) ? std::next(it) : g_subscribed.erase(it);
    for (const auto& [pid, peer] : state().peers) {
        if (g_subscribed.count(pid) || peer.ospid == 0 || !peer.conn) continue;
        try {
            remote_do(&subscribe_here, pid, static_cast<int>(interval.count()));
            --counters.calls_out;
            g_subscribed[pid] = Clock::now();
            any = true;
        } catch (const std::exception&) {  // leaving: shown from what the master knows
        }
    }
    return any;
}

ErrorView error_view(const CapturedException& e) {
    ErrorView v;
    v.pid = e.pid;
    v.type = e.type;
    v.message = e.message;
    v.where = e.stack.empty() ? std::string() : e.stack.front();
    v.index = e.index;
    v.index_of = e.index_of;
    v.unix_time = unix_now();
    return v;
}
}  // namespace

RunningCall::RunningCall(const detail::Job& j) : job(&j), since_ms(coarse_ms()), prev(g_newest) {
    (g_newest ? g_newest->next : g_oldest) = this;
    g_newest = this;
    ++g_running;
}

RunningCall::~RunningCall() {
    (prev ? prev->next : g_oldest) = next;
    (next ? next->prev : g_newest) = prev;
    --g_running;
}

void record_error(const CapturedException& e) {
    ++counters.errors;
    g_new_errors.push_back(error_view(e));
    if (g_new_errors.size() > max_report_errors) g_new_errors.pop_front();
}

ProcessReport report_here(bool take_errors) {
    ProcessReport r;
    r.pid = state().myid;
    r.host = host_name();
    r.ospid = static_cast<std::int32_t>(::getpid());
    read_proc(r.cpu_seconds, r.rss_bytes);
    r.calls_in = counters.calls_in;
    r.calls_out = counters.calls_out;
    r.bytes_in = counters.bytes_in;
    r.bytes_out = counters.bytes_out;
    r.errors = counters.errors;
    r.running = g_running;
    r.stored_refs = stored_count();
    r.held_refs = handle_count();
    // Taken from a dashboard task (the reporter, a request's snapshot task): running, so
    // not blocked; the other dashboard task sleeps uncounted.
    // The master's main task runs the program; a worker's idles until exit (not counted).
    const std::size_t live = tasks_live() + (state().is_worker ? 0 : 1);
    r.tasks = live - std::min(live, own_tasks());
    r.tasks_blocked = tasks_blocked();
    const std::int64_t now = coarse_ms();
    for (RunningCall* c = g_oldest; c && r.calls.size() < max_reported_calls; c = c->next)
        r.calls.push_back({job_name(*c->job), static_cast<double>(now - c->since_ms) / 1000.0});
    if (take_errors) {
        r.new_errors.assign(std::make_move_iterator(g_new_errors.begin()), std::make_move_iterator(g_new_errors.end()));
        g_new_errors.clear();
    }
    return r;
}

Snapshot watch_and_snapshot(std::chrono::milliseconds interval) {
    const auto now = Clock::now();
    g_watch_until = now + watch_window;
    if (subscribe_new(interval)) {
        // Watching (re)starts: wait for a first report from each worker, so that the
        // first answer already shows them (a worker busy on its runtime thread is shown
        // from what the master knows).
        if (!all_reported()) {
            auto ev = g_first = std::make_shared<Event>();
            WaitUncounted own;
            ev->wait_for(std::chrono::seconds(1));
            if (g_first == ev) g_first = nullptr;
        }
    }
    if (!g_watch_task) {
        g_watch_task = true;
        launch([] {
            while (Clock::now() < g_watch_until && !state().shutting_down) dashboard_sleep(std::chrono::milliseconds(500));
            unsubscribe_all();
            g_watch_task = false;
        });
    }

    Snapshot s;
    s.unix_time = unix_now();
    s.uptime = std::chrono::duration<double>(Clock::now() - g_started).count();
    WorkerView master;
    master.report = report_here(true);
    keep_errors(master.report.new_errors);
    master.reported = true;
    master.report_age = 0;
    master.state = "master";
    s.processes.push_back(std::move(master));
    const auto at = Clock::now();
    for (const auto& [pid, peer] : state().peers) {
        WorkerView w;
        auto it = g_reports.find(pid);
        if (it != g_reports.end()) {
            w.report = it->second.report;
            w.reported = true;
            w.report_age = std::chrono::duration<double>(at - it->second.at).count();
        }
        w.report.pid = pid;
        if (w.report.host.empty()) w.report.host = peer.host;
        w.report.ospid = peer.ospid;
        const double late = 2.0 + 3.0 * static_cast<double>(interval.count()) / 1000.0;
        if (peer.removing) w.state = "leaving";
        else if (peer.ospid == 0) w.state = "starting";
        else if (w.reported && w.report_age > late) w.state = "unresponsive";
        else w.state = w.report.running > 0 ? "busy" : "idle";
        s.processes.push_back(std::move(w));
    }
    std::size_t gone = 0;
    for (auto it = state().departed.rbegin(); it != state().departed.rend() && gone < 16; ++it, ++gone) {
        WorkerView w;
        w.report.pid = it->first;
        w.state = "gone";
        w.gone_reason = it->second;
        s.processes.push_back(std::move(w));
    }
    s.maps = map_views();
    s.errors.assign(g_recent.begin(), g_recent.end());
    return s;
}

}  // namespace weft::rt::dash

WEFT_REMOTE_AS(weft_dashboard_subscribe, &weft::rt::dash::subscribe_here)
WEFT_REMOTE_AS(weft_dashboard_report, &weft::rt::dash::receive_report)
