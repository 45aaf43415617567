// runtime/managers/process.hpp — a launcher process on the master's host (the worker
// itself, ssh, srun, mpiexec), started with posix_spawn, or just a stream handed over
// by a custom manager (WorkerConfig::io). Its stdout/stderr are read on the runtime
// thread: `weft-worker <ip>:<port>` announcement lines are queued (one per worker: an
// mpiexec carries several), everything else is printed as whole lines with the
// process's label (`From worker N: `), and the last stderr lines are kept for errors.
#pragma once
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "asio.hpp"
#include "tasks/fiber.hpp"

namespace weft::rt {

struct SpawnSpec {
    std::vector<std::string> argv;            ///< argv[0] is looked up in PATH when it has no '/'
    std::map<std::string, std::string> env;   ///< added to (or replacing) the master's environment
    std::set<std::string> unset;              ///< removed from it
    std::string dir;                          ///< working directory ("" = the master's)
    std::string stdin_text;                   ///< written to stdin, which is then closed
};

class Process : public std::enable_shared_from_this<Process> {
  public:
    /// Starts a process. Throws std::runtime_error naming the command if it cannot start.
    static std::shared_ptr<Process> spawn(const SpawnSpec& spec);
    /// Reads an existing stream (a custom manager's WorkerConfig::io); no process to reap.
    static std::shared_ptr<Process> adopt(int out_fd, std::string command);

    int ospid() const { return ospid_; }
    const std::string& command() const { return command_; }
    /// Prefix of relayed lines ("From worker 3: ").
    void set_label(std::string label) {
        if (!shared_) label_ = std::move(label);
    }
    /// For a launcher shared by several workers (srun, mpiexec): this label stays.
    void set_shared_label(std::string label) {
        label_ = std::move(label);
        shared_ = true;
    }
    /// The next announced address, in order; throws std::runtime_error (with the last
    /// stderr lines) if the process closes its output or the timeout passes first.
    std::pair<std::string, int> wait_announcement(std::chrono::seconds timeout, const std::string& who);
    /// Waits (without taking it) until an announcement arrived or the output closed;
    /// false on timeout.
    bool wait_ready(std::chrono::nanoseconds timeout);
    /// Announcements seen so far (taken or not).
    int announcements() const { return seen_; }
    /// The last lines the process wrote to stderr, indented, for error messages.
    std::string stderr_tail() const;
    /// Adds a stderr line that reached the master another way (a worker's output relay).
    void note_stderr_line(std::string_view line);
    bool exited() const { return exited_; }
    /// "exit status 3", "killed by signal 9 (SIGKILL)".
    std::string exit_description() const;
    /// Waits until the process has exited and been reaped; false on timeout.
    bool wait_exit(std::chrono::nanoseconds timeout);
    void signal(int sig);
    ~Process();

  private:
    Process(int ospid, std::string command, int out_fd, int err_fd);
    void read_stream(bool is_stderr);
    void on_line(bool is_stderr, std::string_view line);
    void start_reaping();

    int ospid_;
    std::string command_;
    std::string label_ = "From worker ?: ";
    asio::posix::stream_descriptor out_, err_;
    std::string out_buf_, err_buf_;
    char out_chunk_[4096], err_chunk_[4096];
    int open_streams_ = 0;
    std::deque<std::string> tail_;
    std::deque<std::pair<std::string, int>> announced_;
    Event announce_ev_;
    bool output_closed_ = false;
    int seen_ = 0;
    bool shared_ = false;
    bool exited_ = false;
    int status_ = 0;
    Event exited_ev_;
    std::unique_ptr<asio::steady_timer> reap_timer_;
};

/// `a b 'c d'`: argv as a shell would need it.
std::string shell_quote(const std::string& s);
std::string command_text(const std::vector<std::string>& argv);
/// The absolute path of this executable.
std::string self_exe();

}  // namespace weft::rt
