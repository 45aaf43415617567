// runtime/managers/local_manager.hpp — local workers: started with posix_spawn of this
// executable (`--weft-worker`), the cookie on stdin; their stdout/stderr are read on the
// runtime thread, the announcement line picked out, everything else printed as whole
// lines prefixed `From worker N: `.
#pragma once
#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "asio.hpp"
#include "tasks/fiber.hpp"
#include "weft/cluster.hpp"

namespace weft::rt {

class LocalProcess : public std::enable_shared_from_this<LocalProcess> {
  public:
    /// Starts the worker process that will become `pid`. Throws std::runtime_error naming
    /// the command if it cannot be started.
    static std::shared_ptr<LocalProcess> spawn(int pid, const AddProcsOptions& o, const std::string& cookie);
    ~LocalProcess();

    int pid() const { return pid_; }
    int ospid() const { return ospid_; }
    const std::string& command() const { return command_; }
    /// Waits for the `weft-worker <ip>:<port>` line. Throws std::runtime_error (with the
    /// worker's last stderr lines) if the process exits or the timeout passes first.
    std::pair<std::string, int> wait_announcement(std::chrono::seconds timeout);
    /// The last lines the worker wrote to stderr, for error messages.
    std::string stderr_tail() const;
    bool exited() const { return exited_; }
    /// "exit status 3", "killed by signal 9 (SIGKILL)".
    std::string exit_description() const;
    /// Waits until the process has exited and been reaped; false on timeout.
    bool wait_exit(std::chrono::nanoseconds timeout);
    void signal(int sig);

  private:
    LocalProcess(int pid, int ospid, std::string command, int out_fd, int err_fd);
    void read_stream(bool is_stderr);
    void on_line(bool is_stderr, std::string_view line);
    void start_reaping();

    int pid_, ospid_;
    std::string command_;
    asio::posix::stream_descriptor out_, err_;
    std::string out_buf_, err_buf_;
    char out_chunk_[4096], err_chunk_[4096];
    int open_streams_ = 2;
    std::deque<std::string> tail_;
    bool announced_ = false;
    std::string ann_host_;
    int ann_port_ = 0;
    Event announced_ev_;
    bool exited_ = false;
    int status_ = 0;
    Event exited_ev_;
    std::unique_ptr<asio::steady_timer> reap_timer_;
};

}  // namespace weft::rt
