// weft/detail/progress.hpp — the progress bar of pmap and asynchronous distributed loops
// (PmapOptions::progress, WEFT_PROGRESS=1): drawn on stderr by the process that counts
// completions, redrawn in place on a terminal, plain periodic lines otherwise.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace weft::detail {

/// True if WEFT_PROGRESS=1 asks for progress bars.
bool progress_from_env();

class Progress {
  public:
    /// `label` names the operation ("pmap"); nothing is drawn unless `enabled`. The first
    /// update comes once `interval` has passed (runs shorter than that print nothing), and
    /// at most one per `interval` after it.
    Progress(std::string label, std::size_t total, bool enabled,
             std::chrono::milliseconds interval = std::chrono::seconds(1));
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void advance(std::size_t n = 1);
    void retried(std::size_t n = 1);
    void worker_failed(int pid);
    /// The final line (elapsed time, retries, failed workers), if anything was drawn.
    void finish();

  private:
    struct Impl;
    std::unique_ptr<Impl> p_;
};

}  // namespace weft::detail
