// runtime/dashboard/render.cpp — Snapshot as JSON, as Prometheus metrics, and as text.
#include "dashboard/render.hpp"

#include <cstdio>
#include <functional>

namespace weft::rt::dash {
namespace {

std::string json_string(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': o += "\\\""; break;
            case '\\': o += "\\\\"; break;
            case '\n': o += "\\n"; break;
            case '\r': o += "\\r"; break;
            case '\t': o += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    o += buf;
                } else {
                    o += static_cast<char>(c);
                }
        }
    }
    return o + "\"";
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

/// A JSON object written field by field.
class Obj {
  public:
    explicit Obj(std::string& out) : o_(out) { o_ += '{'; }
    ~Obj() { o_ += '}'; }
    Obj(const Obj&) = delete;
    Obj& operator=(const Obj&) = delete;
    Obj& str(const char* k, const std::string& v) { return key(k) += json_string(v), *this; }
    Obj& real(const char* k, double v) { return key(k) += num(v), *this; }
    Obj& uint(const char* k, std::uint64_t v) { return key(k) += std::to_string(v), *this; }
    Obj& sint(const char* k, std::int64_t v) { return key(k) += std::to_string(v), *this; }
    Obj& boolean(const char* k, bool v) { return key(k) += v ? "true" : "false", *this; }
    template <class T, class F>
    Obj& array(const char* k, const std::vector<T>& xs, F each) {
        key(k) += '[';
        for (std::size_t i = 0; i < xs.size(); ++i) {
            if (i) o_ += ',';
            each(o_, xs[i]);
        }
        o_ += ']';
        return *this;
    }

  private:
    std::string& key(const char* k) {
        if (!first_) o_ += ',';
        first_ = false;
        return o_ += json_string(k) + ':';
    }
    std::string& o_;
    bool first_ = true;
};

void error_json(std::string& o, const ErrorView& e) {
    Obj(o).sint("worker", e.pid).str("type", e.type).str("message", e.message).str("where", e.where)
        .sint("index", e.index).str("index_of", e.index_of).real("unix_time", e.unix_time);
}

/// A Prometheus label value: backslash, double quote and newline escaped.
std::string label(const std::string& v) {
    std::string o;
    for (char c : v) {
        if (c == '\\') o += "\\\\";
        else if (c == '"') o += "\\\"";
        else if (c == '\n') o += "\\n";
        else o += c;
    }
    return o;
}

std::string bytes_text(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
    return buf;
}

std::string eta_text(const MapView& m) {
    if (m.finished || m.done >= m.total) return "done";
    if (m.done == 0 || m.elapsed <= 0) return "?";
    const double rate = static_cast<double>(m.done) / m.elapsed;
    const double left = static_cast<double>(m.total - m.done) / rate;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0fs", left);
    return buf;
}
}  // namespace

std::string state_json(const Snapshot& s) {
    std::string o;
    {
        Obj top(o);
        top.real("unix_time", s.unix_time).real("uptime", s.uptime).boolean("master_responsive", s.master_responsive);
        top.array("processes", s.processes, [](std::string& o, const WorkerView& w) {
            const ProcessReport& r = w.report;
            Obj p(o);
            p.sint("id", r.pid).str("host", r.host).sint("ospid", r.ospid).str("state", w.state)
                .boolean("reported", w.reported).real("report_age", w.report_age).real("cpu_seconds", r.cpu_seconds)
                .uint("rss_bytes", r.rss_bytes).uint("calls_in", r.calls_in).uint("calls_out", r.calls_out)
                .uint("bytes_in", r.bytes_in).uint("bytes_out", r.bytes_out).uint("errors", r.errors)
                .uint("running", r.running).uint("tasks", r.tasks).uint("tasks_blocked", r.tasks_blocked)
                .uint("stored_refs", r.stored_refs).uint("held_refs", r.held_refs)
                .str("gone_reason", w.gone_reason);
            p.array("calls", r.calls, [](std::string& o, const RunningView& c) {
                Obj(o).str("name", c.name).real("seconds", c.seconds);
            });
        });
        top.array("maps", s.maps, [](std::string& o, const MapView& m) {
            const double rate = m.elapsed > 0 ? static_cast<double>(m.done) / m.elapsed : 0;
            const double eta = rate > 0 && m.done < m.total ? static_cast<double>(m.total - m.done) / rate : -1;
            Obj(o).uint("id", m.id).str("label", m.label).uint("done", m.done).uint("total", m.total)
                .uint("retries", m.retries).real("elapsed", m.elapsed).real("rate", rate).real("eta", eta)
                .boolean("finished", m.finished)
                .array("failed_workers", m.failed_workers, [](std::string& o, int w) { o += std::to_string(w); });
        });
        top.array("errors", s.errors, error_json);
    }
    return o;
}

std::string metrics_text(const Snapshot& s) {
    std::string o;
    auto family = [&](const char* name, const char* type, const char* help) {
        o += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    auto per_process = [&](const char* name, const char* type, const char* help,
                           const std::function<double(const WorkerView&)>& value) {
        family(name, type, help);
        for (const auto& w : s.processes) {
            if (w.state == "gone") continue;
            o += std::string(name) + "{worker=\"" + std::to_string(w.report.pid) + "\"} " + num(value(w)) + "\n";
        }
    };
    std::size_t workers = 0;
    for (const auto& w : s.processes) workers += w.state != "gone" && w.state != "master";
    family("weft_workers", "gauge", "Workers in the cluster.");
    o += "weft_workers " + std::to_string(workers) + "\n";
    family("weft_process_info", "gauge", "One series per live process: its host, OS pid and state.");
    for (const auto& w : s.processes) {
        if (w.state == "gone") continue;
        o += "weft_process_info{worker=\"" + std::to_string(w.report.pid) + "\",host=\"" + label(w.report.host) +
             "\",ospid=\"" + std::to_string(w.report.ospid) + "\",state=\"" + label(w.state) + "\"} 1\n";
    }
    per_process("weft_report_age_seconds", "gauge", "Seconds since the process last reported (-1: not yet).",
                [](const WorkerView& w) { return w.report_age; });
    per_process("weft_cpu_seconds_total", "counter", "CPU time (user and system) of the process.",
                [](const WorkerView& w) { return w.report.cpu_seconds; });
    per_process("weft_resident_memory_bytes", "gauge", "Resident memory of the process.",
                [](const WorkerView& w) { return static_cast<double>(w.report.rss_bytes); });
    per_process("weft_calls_total", "counter", "Calls the process ran (remote calls and pmap batches).",
                [](const WorkerView& w) { return static_cast<double>(w.report.calls_in); });
    per_process("weft_calls_sent_total", "counter", "Calls the process sent to others.",
                [](const WorkerView& w) { return static_cast<double>(w.report.calls_out); });
    per_process("weft_call_errors_total", "counter", "Calls and pmap elements that threw on or for the process.",
                [](const WorkerView& w) { return static_cast<double>(w.report.errors); });
    per_process("weft_received_bytes_total", "counter", "Bytes of messages received from other processes.",
                [](const WorkerView& w) { return static_cast<double>(w.report.bytes_in); });
    per_process("weft_sent_bytes_total", "counter", "Bytes of messages sent to other processes.",
                [](const WorkerView& w) { return static_cast<double>(w.report.bytes_out); });
    per_process("weft_running_calls", "gauge", "Calls running on the process now.",
                [](const WorkerView& w) { return static_cast<double>(w.report.running); });
    per_process("weft_tasks", "gauge", "Tasks alive on the process (started and not ended).",
                [](const WorkerView& w) { return static_cast<double>(w.report.tasks); });
    per_process("weft_tasks_blocked", "gauge",
                "Tasks suspended waiting on the process (a Future, a Channel, a Condition, a sleep).",
                [](const WorkerView& w) { return static_cast<double>(w.report.tasks_blocked); });
    per_process("weft_stored_refs", "gauge", "Remote references (Future values, channels) the process stores.",
                [](const WorkerView& w) { return static_cast<double>(w.report.stored_refs); });
    auto per_map = [&](const char* name, const char* type, const char* help,
                       const std::function<double(const MapView&)>& value) {
        family(name, type, help);
        for (const auto& m : s.maps) {
            if (m.finished) continue;
            o += std::string(name) + "{map=\"" + std::to_string(m.id) + "\",label=\"" + label(m.label) + "\"} " +
                 num(value(m)) + "\n";
        }
    };
    per_map("weft_map_done", "gauge", "Elements of a running pmap or loop that are done.",
            [](const MapView& m) { return static_cast<double>(m.done); });
    per_map("weft_map_size", "gauge", "Elements of a running pmap or loop in all.",
            [](const MapView& m) { return static_cast<double>(m.total); });
    per_map("weft_map_retries_total", "counter", "Elements of a running pmap retried.",
            [](const MapView& m) { return static_cast<double>(m.retries); });
    return o;
}

std::string status_text(const Snapshot& s) {
    std::string o;
    char buf[512];
    std::snprintf(buf, sizeof buf, "weft cluster: up %.0fs%s\n", s.uptime,
                  s.master_responsive ? "" : " (the master's runtime is busy: older state)");
    o += buf;
    std::snprintf(buf, sizeof buf, "%4s %-13s %-16s %8s %8s %10s %8s %8s %7s %10s %10s  %s\n", "id", "state", "host",
                  "ospid", "cpu", "rss", "calls", "running", "blocked", "in", "out", "running now");
    o += buf;
    for (const auto& w : s.processes) {
        const ProcessReport& r = w.report;
        std::string now;
        for (const auto& c : r.calls) now += (now.empty() ? "" : ", ") + c.name + " " + num(c.seconds) + "s";
        if (w.state == "gone") now = w.gone_reason;
        std::snprintf(buf, sizeof buf, "%4d %-13s %-16s %8d %7.1fs %10s %8llu %8llu %7llu %10s %10s  %s\n", r.pid,
                      w.state.c_str(), r.host.c_str(), r.ospid, r.cpu_seconds,
                      bytes_text(static_cast<double>(r.rss_bytes)).c_str(),
                      static_cast<unsigned long long>(r.calls_in), static_cast<unsigned long long>(r.running),
                      static_cast<unsigned long long>(r.tasks_blocked), bytes_text(static_cast<double>(r.bytes_in)).c_str(),
                      bytes_text(static_cast<double>(r.bytes_out)).c_str(), now.c_str());
        o += buf;
    }
    if (!s.maps.empty()) o += "\nmaps and loops:\n";
    for (const auto& m : s.maps) {
        const double pct = m.total ? 100.0 * static_cast<double>(m.done) / static_cast<double>(m.total) : 100.0;
        std::snprintf(buf, sizeof buf, "  %s: %llu/%llu (%.0f%%) %.1fs, ETA %s, %llu retries%s\n", m.label.c_str(),
                      static_cast<unsigned long long>(m.done), static_cast<unsigned long long>(m.total), pct, m.elapsed,
                      eta_text(m).c_str(), static_cast<unsigned long long>(m.retries), m.finished ? " (finished)" : "");
        o += buf;
    }
    if (!s.errors.empty()) o += "\nrecent errors:\n";
    for (const auto& e : s.errors) {
        o += "  worker " + std::to_string(e.pid) + ": " + e.type + ": " + e.message;
        if (e.index >= 0) o += " (element " + std::to_string(e.index) + " of " + e.index_of + ")";
        if (!e.where.empty()) o += "\n    at " + e.where;
        o += "\n";
    }
    return o;
}

}  // namespace weft::rt::dash
