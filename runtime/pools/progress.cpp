// runtime/pools/progress.cpp — progress bars on stderr (count, percent, rate, ETA) for pmap
// and, with WEFT_PROGRESS=1, asynchronous distributed loops.
#include "weft/detail/progress.hpp"
#include "weft/distributed.hpp"
#include "weft/task.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

namespace weft::detail {

bool progress_from_env() {
    const char* v = std::getenv("WEFT_PROGRESS");
    return v && std::strcmp(v, "0") != 0 && *v;
}

namespace {
using Clock = std::chrono::steady_clock;

std::string duration_text(double s) {
    char buf[32];
    long t = static_cast<long>(s + 0.5);
    if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
    else if (t < 3600) std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    else std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    return buf;
}
}  // namespace

struct Progress::Impl {
    std::string label;
    std::size_t total = 0, done = 0, retries = 0;
    std::set<int> failed;
    bool enabled = false, tty = false, drawn = false, finished = false;
    std::chrono::milliseconds interval{1000};
    Clock::time_point start = Clock::now(), last{};

    void draw(bool force) {
        auto now = Clock::now();
        if (!force && (now - start < interval || (drawn && now - last < interval))) return;
        last = now;
        drawn = true;
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
        const double pct = total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
        std::string eta = rate > 0 ? duration_text(static_cast<double>(total - done) / rate) : "?";
        char line[256];
        if (tty) {
            constexpr int width = 30;
            int fill = total ? static_cast<int>(width * done / total) : width;
            std::string bar(static_cast<std::size_t>(fill), '#');
            bar.resize(width, '.');
            std::snprintf(line, sizeof line, "\r%s [%s] %zu/%zu %3.0f%% %.1f/s ETA %s\033[K", label.c_str(), bar.c_str(),
                          done, total, pct, rate, eta.c_str());
        } else {
            std::snprintf(line, sizeof line, "%s: %zu/%zu (%.0f%%) %.1f/s ETA %s\n", label.c_str(), done, total, pct,
                          rate, eta.c_str());
        }
        std::fputs(line, stderr);
        std::fflush(stderr);
    }
};

Progress::Progress(std::string label, std::size_t total, bool enabled, std::chrono::milliseconds interval)
    : p_(std::make_unique<Impl>()) {
    p_->label = std::move(label);
    p_->total = total;
    p_->enabled = enabled;
    p_->interval = interval;
    p_->tty = ::isatty(STDERR_FILENO) == 1;
}

Progress::~Progress() = default;

void Progress::advance(std::size_t n) {
    p_->done += n;
    if (p_->enabled) p_->draw(false);
}
void Progress::retried(std::size_t n) { p_->retries += n; }
void Progress::worker_failed(int pid) { p_->failed.insert(pid); }

void Progress::finish() {
    Impl& p = *p_;
    if (!p.enabled || !p.drawn || p.finished) return;
    p.finished = true;
    if (p.tty) {
        p.draw(true);
        std::fputs("\n", stderr);
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - p.start).count();
    std::string failed;
    for (int pid : p.failed) failed += (failed.empty() ? "" : ",") + std::to_string(pid);
    std::fprintf(stderr, "%s: %zu/%zu done in %s, %zu retries, failed workers: %s\n", p.label.c_str(), p.done,
                 p.total, duration_text(elapsed).c_str(), p.retries, failed.empty() ? "none" : failed.c_str());
    std::fflush(stderr);
}

}  // namespace weft::detail

namespace weft::detail {
void watch_loop(std::int64_t total, const std::vector<Future<void>>& parts, const std::vector<std::int64_t>& sizes) {
    start_task([total, parts, sizes] {
        Progress prog("distributed_for", static_cast<std::size_t>(total), true);
        for (std::size_t k = 0; k < parts.size(); ++k) {
            try {
                wait(parts[k]);
            } catch (const std::exception&) {
                prog.worker_failed(parts[k].where());  // the error itself reaches the enclosing sync
            }
            prog.advance(static_cast<std::size_t>(sizes[k]));
        }
        prog.finish();
    });
}
}  // namespace weft::detail
