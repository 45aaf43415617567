// runtime/pools/progress.cpp — progress bars on stderr for pmap and, with WEFT_PROGRESS=1,
// asynchronous distributed loops: tqdm's form fitted to the terminal, or plain lines.
#include "weft/detail/progress.hpp"
#include "config.hpp"
#include "dashboard/stats.hpp"
#include "registry.hpp"
#include "tasks/fiber.hpp"
#include "weft/distributed.hpp"
#include "weft/task.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <list>
#include <set>

namespace weft::detail {

bool progress_from_env() { return weft::rt::config::progress(); }

std::string function_label(void* fnptr, const char* fallback) {
    std::string name = rt::registered_name(fnptr);
    for (const char* anon : {"(anonymous namespace)::", "{anonymous}::"})  // clang's, gcc's
        for (auto at = name.find(anon); at != std::string::npos; at = name.find(anon))
            name.erase(at, std::char_traits<char>::length(anon));
    return name.empty() ? fallback : name;
}

namespace {
using Clock = std::chrono::steady_clock;

/// A terminal is redrawn at most this often (tqdm's default is 10 times a second too).
constexpr std::chrono::milliseconds tty_redraw{100};

std::string duration_text(double s) {
    char buf[32];
    long t = static_cast<long>(s + 0.5);
    if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
    else if (t < 3600) std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    return buf;
}

/// tqdm's clock form: MM:SS, or H:MM:SS from an hour on.
std::string clock_text(double s) {
    char buf[32];
    const long t = static_cast<long>(s);
    if (t < 3600) std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    return buf;
}

/// The columns of the terminal on stderr, asked at every redraw (so a resized window is
/// followed without a SIGWINCH handler); 80 if it does not say.
int terminal_columns() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}
}  // namespace

std::string progress_line(const std::string& label, std::size_t done, std::size_t total, double elapsed_s,
                          int columns) {
    const std::size_t room = static_cast<std::size_t>(std::max(columns - 1, 1));
    const double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0;
    char buf[64];
    const std::string count = std::to_string(done) + "/" + std::to_string(total);
    std::snprintf(buf, sizeof buf, "%3.0f%%", total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0);
    const std::string pct = buf;
    if (rate <= 0) std::snprintf(buf, sizeof buf, "?it/s");
    else if (rate >= 1) std::snprintf(buf, sizeof buf, "%.2fit/s", rate);
    else std::snprintf(buf, sizeof buf, "%.2fs/it", 1 / rate);
    const std::string rate_text = buf;
    const std::string left = done >= total ? clock_text(0) : rate > 0 ? clock_text(static_cast<double>(total - done) / rate) : "?";
    const std::string times = clock_text(elapsed_s) + "<" + left;

    // The widest form that fits: bar, percentage, rate go first as the width shrinks.
    const std::string with_rate = " " + count + " [" + times + ", " + rate_text + "]";
    const std::string head = label + ": " + pct;
    constexpr std::size_t min_bar = 5;
    if (head.size() + 2 + min_bar + with_rate.size() <= room) {
        const std::size_t width = room - head.size() - 2 - with_rate.size();
        const std::size_t fill = total ? width * std::min(done, total) / total : width;
        return head + "|" + std::string(fill, '#') + std::string(width - fill, '.') + "|" + with_rate;
    }
    for (const std::string& tail : {" " + pct + with_rate, with_rate, " " + count + " [" + times + "]", " " + count}) {
        const std::string line = label + ":" + tail;
        if (line.size() <= room) return line;
    }
    // Even the count alone does not fit beside the label: cut the label, then the count.
    const std::string tail = ": " + count;
    if (tail.size() < room) return label.substr(0, room - tail.size()) + tail;
    return count.substr(0, room);
}

namespace {
/// What the dashboard reads of a Progress: every live one is listed (runtime thread only).
struct Counted {
    std::uint64_t id = 0;
    std::string label;
    std::size_t total = 0, done = 0, retries = 0;
    std::set<int> failed;
    Clock::time_point start = Clock::now();
};
std::list<const Counted*> g_live;
std::deque<rt::dash::MapView> g_finished;  // the last few, newest last
std::uint64_t g_next_id = 1;
constexpr std::size_t max_finished = 5;

rt::dash::MapView map_view(const Counted& c, bool finished) {
    rt::dash::MapView v;
    v.id = c.id;
    v.label = c.label;
    v.done = c.done;
    v.total = c.total;
    v.retries = c.retries;
    v.failed_workers.assign(c.failed.begin(), c.failed.end());
    v.elapsed = std::chrono::duration<double>(Clock::now() - c.start).count();
    v.finished = finished;
    return v;
}
}  // namespace

struct Progress::Impl : Counted {
    bool enabled = false, tty = false, drawn = false, finished = false;
    std::chrono::milliseconds interval{1000};
    Clock::time_point last{};
    std::list<const Counted*>::iterator listed;

    void draw(bool force) {
        auto now = Clock::now();
        if (!force) {
            if (tty && drawn && now - last < std::min(interval, std::chrono::milliseconds(tty_redraw))) return;
            if (!tty && (now - start < interval || (drawn && now - last < interval))) return;
        }
        last = now;
        drawn = true;
        const double elapsed = std::chrono::duration<double>(now - start).count();
        std::string line;
        if (tty) {
            line = "\r" + progress_line(label, done, total, elapsed, terminal_columns()) + "\033[K";
        } else {
            const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
            const double pct = total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
            const std::string eta = rate > 0 ? duration_text(static_cast<double>(total - done) / rate) : "?";
            char buf[128];
            std::snprintf(buf, sizeof buf, ": %zu/%zu (%.0f%%) %.1f/s ETA %s\n", done, total, pct, rate, eta.c_str());
            line = label + buf;
        }
        std::fputs(line.c_str(), stderr);
        std::fflush(stderr);
    }

    /// On a terminal: "label: 3 retries, failed workers: 4", cut into lines that fit.
    void tty_summary() {
        if (retries == 0 && failed.empty()) return;
        std::vector<std::string> parts = {label + ": " + std::to_string(retries) + " retries"};
        std::string ws;
        for (int pid : failed) ws += (ws.empty() ? "" : ",") + std::to_string(pid);
        parts.push_back("failed workers: " + (ws.empty() ? std::string("none") : ws));
        const std::size_t room = static_cast<std::size_t>(std::max(terminal_columns() - 1, 1));
        std::string out, line;
        for (auto& p : parts) {
            if (!line.empty() && line.size() + 2 + p.size() > room) {
                out += line + "\n";
                line.clear();
            }
            line += (line.empty() ? "" : ", ") + p;
        }
        out += line + "\n";
        std::fputs(out.c_str(), stderr);
    }
};

Progress::Progress(std::string label, std::size_t total, bool enabled, std::chrono::milliseconds interval)
    : p_(std::make_unique<Impl>()) {
    p_->id = g_next_id++;
    p_->label = std::move(label);
    p_->total = total;
    p_->listed = g_live.insert(g_live.end(), p_.get());
    p_->enabled = enabled;
    p_->interval = interval;
    p_->tty = ::isatty(STDERR_FILENO) == 1;
    if (p_->enabled && p_->tty && total > 0) p_->draw(true);  // 0/n at once, as tqdm
}

Progress::~Progress() {
    g_live.erase(p_->listed);
    g_finished.push_back(map_view(*p_, true));
    if (g_finished.size() > max_finished) g_finished.pop_front();
}

void Progress::advance(std::size_t n) {
    p_->done += n;
    if (p_->enabled) p_->draw(false);
}
void Progress::retried(std::size_t n) { p_->retries += n; }
void Progress::worker_failed(int pid) { p_->failed.insert(pid); }
void Progress::element_failed(const CapturedException& e) { rt::dash::record_error(e); }

void Progress::finish() {
    Impl& p = *p_;
    if (!p.enabled || !p.drawn || p.finished) return;
    p.finished = true;
    if (p.tty) {
        p.draw(true);
        std::fputs("\n", stderr);
        p.tty_summary();
        std::fflush(stderr);
        return;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - p.start).count();
    std::string failed;
    for (int pid : p.failed) failed += (failed.empty() ? "" : ",") + std::to_string(pid);
    std::fprintf(stderr, "%s: %zu/%zu done in %s, %zu retries, failed workers: %s\n", p.label.c_str(), p.done,
                 p.total, duration_text(elapsed).c_str(), p.retries, failed.empty() ? "none" : failed.c_str());
    std::fflush(stderr);
}

}  // namespace weft::detail

namespace weft::rt::dash {
std::vector<MapView> map_views() {
    std::vector<MapView> v;
    for (const detail::Counted* c : detail::g_live) v.push_back(detail::map_view(*c, false));
    v.insert(v.end(), detail::g_finished.rbegin(), detail::g_finished.rend());
    return v;
}
}  // namespace weft::rt::dash

namespace weft::detail {
void watch_loop(std::string label, std::int64_t total, std::vector<std::shared_ptr<RefHandle>> parts,
                std::vector<std::int64_t> sizes, bool draw) {
    start_task([label = std::move(label), total, parts = std::move(parts), sizes = std::move(sizes), draw] {
        Progress prog(label, static_cast<std::size_t>(total), draw);
        for (std::size_t k = 0; k < parts.size(); ++k) {
            try {
                rt::WaitUncounted own;  // the dashboard's watcher: not one of the program's blocked tasks
                ref_wait(*parts[k]);
            } catch (const std::exception&) {
                prog.worker_failed(ref_where(*parts[k]));  // the error itself reaches the caller
            }
            prog.advance(static_cast<std::size_t>(sizes[k]));
        }
        prog.finish();
    });
}
}  // namespace weft::detail
