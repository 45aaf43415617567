// weft/detail/progress.hpp — the progress bar of pmap and asynchronous distributed loops
// (PmapOptions::progress, WEFT_PROGRESS=1): drawn on stderr by the process that counts
// completions, redrawn in place on a terminal (fitted to its width), plain periodic lines
// otherwise.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "call.hpp"

namespace weft {
struct CapturedException;
}

namespace weft::detail {

class RefHandle;

/// True once this process serves the dashboard (weft::dashboard, WEFT_DASHBOARD): reads
/// one flag, so the loops that register with it only when it is on cost nothing when off.
bool dashboard_on();

/// A task that counts a distributed loop's (or everywhere's) parts as they finish: listed
/// as a running operation on the dashboard with `total` items, `sizes[k]` of them done
/// when part k is; also drawn on stderr when `draw` (WEFT_PROGRESS).
void watch_loop(std::string label, std::int64_t total, std::vector<std::shared_ptr<RefHandle>> parts,
                std::vector<std::int64_t> sizes, bool draw);

/// The reference handles of some Futures, for watch_loop.
template <class Futures>
std::vector<std::shared_ptr<RefHandle>> ref_handles(const Futures& fs) {
    std::vector<std::shared_ptr<RefHandle>> hs;
    hs.reserve(fs.size());
    for (const auto& f : fs) hs.push_back(f.handle_ptr());
    return hs;
}

/// True if WEFT_PROGRESS asks for progress bars (throws std::invalid_argument for a value
/// that is not a yes/no).
bool progress_from_env();

/// The registered name of the function at `fnptr` (WEFT_REMOTE, `#pragma weft remote`),
/// or `fallback` if it is not registered.
std::string function_label(void* fnptr, const char* fallback);

/// The label of a progress bar for callable `f`: its registered name when it is a
/// function, else `fallback` (lambdas and function objects have no name to show).
template <class F>
std::string progress_label(const F& f, const char* fallback) {
    if constexpr (std::is_pointer_v<F> && std::is_function_v<std::remove_pointer_t<F>>)
        return function_label(reinterpret_cast<void*>(f), fallback);
    else
        return fallback;
}
template <class Fp>
std::string progress_label(const FnRef<Fp>& f, const char* fallback) {
    return progress_label(f.f, fallback);
}

/// The terminal form of a progress bar in at most `columns - 1` characters (the last
/// column is left free: writing there makes some terminals wrap), e.g.
/// `simulate:  45%|#####.....| 4520/10000 [00:08<00:10, 565.00it/s]`; pieces are dropped
/// as the width shrinks (bar, percentage, rate, then the label is cut), never the count.
std::string progress_line(const std::string& label, std::size_t done, std::size_t total, double elapsed_s,
                          int columns);

/// Counts completions and draws them on stderr. On a terminal: a bar fitted to the
/// terminal's width (asked again at each redraw, so it follows resizes), with count,
/// elapsed<remaining time and rate, shown at once and redrawn at most every 100 ms (or
/// every `interval`, if shorter). Otherwise: one line per `interval`, the first once
/// `interval` has passed (runs shorter than that print nothing). Not thread-safe: one
/// task counts.
class Progress {
  public:
    /// `label` names the operation (a function's name, "pmap"); nothing is drawn unless
    /// `enabled`.
    Progress(std::string label, std::size_t total, bool enabled,
             std::chrono::milliseconds interval = std::chrono::seconds(1));
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void advance(std::size_t n = 1);
    void retried(std::size_t n = 1);
    void worker_failed(int pid);
    /// An element failed (retried or not): listed among the dashboard's recent errors.
    void element_failed(const CapturedException& e);
    /// The final state: on a terminal the bar at n/n (plus a line for retries and failed
    /// workers, if any); otherwise, if anything was drawn, a line with the elapsed time,
    /// retries and failed workers.
    void finish();

  private:
    struct Impl;
    std::unique_ptr<Impl> p_;
};

}  // namespace weft::detail
