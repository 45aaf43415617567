// runtime/managers/process.cpp — launcher processes: posix_spawn, output relay, reaping.
#include "managers/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <stdexcept>

#include "log.hpp"

extern char** environ;

namespace weft::rt {

std::string self_exe() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "/proc/self/exe";
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string shell_quote(const std::string& s) {
    if (!s.empty() && s.find_first_of(" \t\n'\"\\$`;&|<>()*?[]{}~#!") == std::string::npos) return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string command_text(const std::vector<std::string>& argv) {
    std::string command;
    for (auto& a : argv) command += (command.empty() ? "" : " ") + shell_quote(a);
    return command;
}

namespace {
void write_all_fd(int fd, const std::string& s) {
    const char* p = s.data();
    std::size_t left = s.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

/// Writes the stdin text (a cookie: far less than a pipe holds). A process that already
/// exited must not kill the master with SIGPIPE: block it for this write and consume it.
void write_stdin(int fd, const std::string& text) {
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EPIPE) {
        timespec zero{0, 0};
        sigtimedwait(&pipe_set, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

/// argv[0] as posix_spawnp would find it, for the error message.
bool findable(const std::string& exe) {
    if (exe.find('/') != std::string::npos) return ::access(exe.c_str(), X_OK) == 0;
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/bin:/bin";
    std::size_t at = 0;
    while (at <= p.size()) {
        auto colon = p.find(':', at);
        std::string dir = p.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
        if (::access(((dir.empty() ? "." : dir) + "/" + exe).c_str(), X_OK) == 0) return true;
        if (colon == std::string::npos) break;
        at = colon + 1;
    }
    return false;
}
}  // namespace

std::shared_ptr<Process> Process::spawn(const SpawnSpec& spec) {
    const std::string command = command_text(spec.argv);
    if (spec.argv.empty() || !findable(spec.argv[0]))
        throw std::runtime_error("weft: cannot start `" + command + "`: " +
                                 (spec.argv.empty() ? std::string("no command")
                                                    : "'" + spec.argv[0] + "' is not an executable file (or not in PATH)"));
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        std::string k = kv.substr(0, kv.find('='));
        if (spec.env.count(k) || spec.unset.count(k)) continue;
        env_store.push_back(kv);
    }
    for (auto& [k, v] : spec.env) env_store.push_back(k + "=" + v);
    std::vector<char*> envp, argv;
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = spec.argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);

    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
        throw std::runtime_error(std::string("weft: cannot create pipes for `") + command + "`: " + std::strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);  // no sockets or user fds leak into workers
    if (!spec.dir.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.dir.c_str());
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t def, none;
    sigemptyset(&none);
    sigemptyset(&def);
    for (int s : {SIGINT, SIGPIPE, SIGCHLD, SIGTERM, SIGHUP}) sigaddset(&def, s);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setpgroup(&at, 0);  // a terminal's Ctrl-C reaches the master only
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    pid_t child = 0;
    int rc = ::posix_spawnp(&child, args[0].c_str(), &fa, &at, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        ::close(in[1]);
        ::close(out[0]);
        ::close(err[0]);
        throw std::runtime_error("weft: cannot start `" + command + "`: " + std::strerror(rc) +
                                 (spec.dir.empty() ? "" : " (in directory " + spec.dir + ")"));
    }
    if (!spec.stdin_text.empty()) write_stdin(in[1], spec.stdin_text);
    ::close(in[1]);
    log_debug("started (pid ", child, "): ", command);
    auto p = std::shared_ptr<Process>(new Process(child, command, out[0], err[0]));
    p->read_stream(false);
    p->read_stream(true);
    return p;
}

std::shared_ptr<Process> Process::adopt(int out_fd, std::string command) {
    ::fcntl(out_fd, F_SETFD, FD_CLOEXEC);
    auto p = std::shared_ptr<Process>(new Process(0, std::move(command), out_fd, -1));
    p->read_stream(false);
    return p;
}

Process::Process(int ospid, std::string command, int out_fd, int err_fd)
    : ospid_(ospid), command_(std::move(command)), out_(io(), out_fd), err_(io()) {
    open_streams_ = 1;
    if (err_fd >= 0) {
        err_.assign(err_fd);
        open_streams_ = 2;
    }
}

Process::~Process() = default;

void Process::read_stream(bool is_stderr) {
    auto& sd = is_stderr ? err_ : out_;
    char* chunk = is_stderr ? err_chunk_ : out_chunk_;
    sd.async_read_some(asio::buffer(chunk, sizeof out_chunk_),
                       [self = shared_from_this(), is_stderr, chunk](const boost::system::error_code& ec, std::size_t n) {
                           std::string& buf = is_stderr ? self->err_buf_ : self->out_buf_;
                           if (!ec) {
                               buf.append(chunk, n);
                               std::size_t start = 0, nl;
                               while ((nl = buf.find('\n', start)) != std::string::npos) {
                                   self->on_line(is_stderr, std::string_view(buf).substr(start, nl - start));
                                   start = nl + 1;
                               }
                               buf.erase(0, start);
                               self->read_stream(is_stderr);
                               return;
                           }
                           if (!buf.empty()) self->on_line(is_stderr, buf);  // a last line without '\n'
                           buf.clear();
                           if (!is_stderr) {
                               self->output_closed_ = true;
                               self->announce_ev_.set();
                           }
                           if (--self->open_streams_ == 0) self->start_reaping();
                       });
}

void Process::on_line(bool is_stderr, std::string_view line) {
    if (!is_stderr) {
        // Open MPI may glue another rank's text before a line; the announcement is found
        // anywhere in it, written by the worker with one write().
        auto at = line.find("weft-worker ");
        if (at != std::string_view::npos) {
            auto addr = line.substr(at + 12);
            auto colon = addr.rfind(':');
            int port = colon == std::string_view::npos ? 0 : std::atoi(std::string(addr.substr(colon + 1)).c_str());
            if (port > 0) {
                announced_.emplace_back(std::string(addr.substr(0, colon)), port);
                ++seen_;
                log_debug("announcement from `", command_, "`: ", addr);
                announce_ev_.set();
                if (at == 0) return;
                line = line.substr(0, at);
            }
        }
    } else {
        note_stderr_line(line);
    }
    std::fflush(is_stderr ? stderr : stdout);
    write_all_fd(is_stderr ? 2 : 1, label_ + std::string(line) + "\n");
}

void Process::start_reaping() {
    if (ospid_ == 0) {
        exited_ = true;
        exited_ev_.set();
        return;
    }
    // Both pipes closed: the process is exiting. Poll waitpid briefly instead of taking
    // SIGCHLD, which belongs to the application.
    reap_timer_ = std::make_unique<asio::steady_timer>(io());
    auto poll = std::make_shared<std::function<void(int)>>();
    *poll = [self = shared_from_this(), poll](int tries) {
        int st = 0;
        pid_t r = ::waitpid(self->ospid_, &st, WNOHANG);
        if (r == self->ospid_ || (r < 0 && errno == ECHILD)) {
            self->status_ = st;
            self->exited_ = true;
            self->exited_ev_.set();
            // Break the cycle later: not while this closure (which may hold the last
            // reference to the process and its timer) is running.
            asio::post(io(), [poll] { *poll = nullptr; });
            return;
        }
        self->reap_timer_->expires_after(std::chrono::microseconds(tries < 100 ? 200 : 20000));
        self->reap_timer_->async_wait([poll, tries](const boost::system::error_code&) {
            if (*poll) (*poll)(tries + 1);
        });
    };
    (*poll)(0);
}

std::pair<std::string, int> Process::wait_announcement(std::chrono::seconds timeout, const std::string& who) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (announced_.empty() && !output_closed_) {
        announce_ev_.reset();
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds(0) || !announce_ev_.wait_for(left)) break;
    }
    if (!announced_.empty()) {
        auto a = announced_.front();
        announced_.pop_front();
        return a;
    }
    std::string why;
    if (output_closed_) {
        wait_exit(std::chrono::seconds(2));  // say how it ended, when it ends soon
        why = ospid_ == 0 ? "closed its output before announcing its address"
                          : "exited (" + exit_description() + ") before announcing its address";
    } else {
        why = "did not announce its address within " + std::to_string(timeout.count()) + " s";
    }
    throw std::runtime_error("weft: " + who + " started with `" + command_ + "` " + why +
                             ". Its last stderr lines:\n" + stderr_tail() +
                             "(raise WEFT_WORKER_TIMEOUT or AddProcsOptions::timeout if it is only slow to start)");
}

bool Process::wait_ready(std::chrono::nanoseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (seen_ == 0 && !output_closed_) {
        announce_ev_.reset();
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds(0) || !announce_ev_.wait_for(left)) return false;
    }
    return true;
}

void Process::note_stderr_line(std::string_view line) {
    tail_.emplace_back(line);
    if (tail_.size() > 10) tail_.pop_front();
}

std::string Process::stderr_tail() const {
    if (tail_.empty()) return "  (nothing)\n";
    std::string s;
    for (auto& l : tail_) s += "  " + l + "\n";
    return s;
}

std::string Process::exit_description() const {
    if (!exited_) return "still running";
    if (ospid_ == 0) return "stream closed";
    if (WIFEXITED(status_)) return "exit status " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) {
        int s = WTERMSIG(status_);
        const char* abbrev = sigabbrev_np(s);
        return "killed by signal " + std::to_string(s) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
    }
    return "status " + std::to_string(status_);
}

bool Process::wait_exit(std::chrono::nanoseconds timeout) { return exited_ || exited_ev_.wait_for(timeout); }

void Process::signal(int sig) {
    if (!exited_ && ospid_ > 0) ::kill(ospid_, sig);
}

}  // namespace weft::rt
