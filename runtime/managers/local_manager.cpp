// runtime/managers/local_manager.cpp — starting local workers and relaying their output.
#include "managers/local_manager.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "log.hpp"

extern char** environ;

namespace weft::rt {
namespace {
std::string self_exe() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "/proc/self/exe";
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string quote(const std::string& s) {
    if (s.find_first_of(" \t'\"\\$") == std::string::npos) return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

void write_line(int fd, const std::string& s) {
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
/// Writes the cookie to the worker's stdin (a pipe holds far more than a cookie). A worker
/// that already exited must not kill the master with SIGPIPE: block it for this write
/// and consume it if it was raised.
void write_cookie(int fd, const std::string& line) {
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n = ::write(fd, line.data(), line.size());
    if (n < 0 && errno == EPIPE) {
        timespec zero{0, 0};
        sigtimedwait(&pipe_set, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}
}  // namespace

std::shared_ptr<LocalProcess> LocalProcess::spawn(int pid, const AddProcsOptions& o, const std::string& cookie) {
    const std::string exe = o.exename.empty() ? self_exe() : o.exename;
    std::vector<std::string> args{exe, "--weft-worker"};
    if (const char* b = std::getenv("WEFT_BIND_ADDR"); b && *b) args.push_back(std::string("--weft-bind=") + b);
    else args.push_back(o.restrict ? "--weft-bind=127.0.0.1" : "--weft-bind=0.0.0.0");
    for (auto& f : o.exeflags) args.push_back(f);
    std::string command;
    for (auto& a : args) command += (command.empty() ? "" : " ") + quote(a);

    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        std::string k = kv.substr(0, eq);
        if (o.env.count(k) || k == "WEFT_PROCS" || k == "WEFT_MACHINE_FILE" ||
            (o.timeout && k == "WEFT_WORKER_TIMEOUT"))
            continue;  // workers never start workers of their own
        env_store.push_back(kv);
    }
    for (auto& [k, v] : o.env) env_store.push_back(k + "=" + v);
    if (o.timeout) env_store.push_back("WEFT_WORKER_TIMEOUT=" + std::to_string(o.timeout->count()));
    std::vector<char*> envp, argv;
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);

    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
        throw std::runtime_error(std::string("weft: cannot create pipes for a worker: ") + std::strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);  // no sockets or user fds leak into workers
    if (!o.dir.empty()) posix_spawn_file_actions_addchdir_np(&fa, o.dir.c_str());
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
    int rc = ::posix_spawn(&child, exe.c_str(), &fa, &at, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        ::close(in[1]);
        ::close(out[0]);
        ::close(err[0]);
        throw std::runtime_error("weft: could not start worker " + std::to_string(pid) + " with `" + command +
                                 "`: " + std::strerror(rc) + " (check AddProcsOptions::exename and ::dir)");
    }
    write_cookie(in[1], cookie + "\n");
    ::close(in[1]);
    log_debug("started worker ", pid, " (pid ", child, "): ", command);
    auto p = std::shared_ptr<LocalProcess>(new LocalProcess(pid, child, command, out[0], err[0]));
    p->read_stream(false);
    p->read_stream(true);
    return p;
}

LocalProcess::LocalProcess(int pid, int ospid, std::string command, int out_fd, int err_fd)
    : pid_(pid), ospid_(ospid), command_(std::move(command)), out_(io(), out_fd), err_(io(), err_fd) {}

LocalProcess::~LocalProcess() = default;

void LocalProcess::read_stream(bool is_stderr) {
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
                           if (--self->open_streams_ == 0) self->start_reaping();
                       });
}

void LocalProcess::on_line(bool is_stderr, std::string_view line) {
    if (!is_stderr && !announced_ && line.rfind("weft-worker ", 0) == 0) {
        auto addr = line.substr(12);
        auto colon = addr.rfind(':');
        if (colon != std::string_view::npos) {
            ann_host_ = std::string(addr.substr(0, colon));
            ann_port_ = std::atoi(std::string(addr.substr(colon + 1)).c_str());
            announced_ = true;
            log_debug("worker ", pid_, " announced ", addr);
            announced_ev_.set();
            return;
        }
    }
    if (is_stderr) {
        tail_.emplace_back(line);
        if (tail_.size() > 10) tail_.pop_front();
    }
    std::fflush(is_stderr ? stderr : stdout);
    write_line(is_stderr ? 2 : 1, "From worker " + std::to_string(pid_) + ": " + std::string(line) + "\n");
}

void LocalProcess::start_reaping() {
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
            self->announced_ev_.set();
            *poll = nullptr;  // break the cycle
            return;
        }
        self->reap_timer_->expires_after(std::chrono::microseconds(tries < 100 ? 200 : 20000));
        self->reap_timer_->async_wait([poll, tries](const boost::system::error_code&) {
            if (*poll) (*poll)(tries + 1);
        });
    };
    (*poll)(0);
}

std::pair<std::string, int> LocalProcess::wait_announcement(std::chrono::seconds timeout) {
    bool in_time = announced_ev_.wait_for(timeout);
    if (announced_) return {ann_host_, ann_port_};
    std::string why = in_time ? "exited (" + exit_description() + ") before announcing its address"
                              : "did not announce its address within " + std::to_string(timeout.count()) + " s";
    throw std::runtime_error("weft: worker " + std::to_string(pid_) + " started with `" + command_ + "` " + why +
                             ". Its last stderr lines:\n" + stderr_tail() +
                             "(raise WEFT_WORKER_TIMEOUT or AddProcsOptions::timeout if it is only slow to start)");
}

std::string LocalProcess::stderr_tail() const {
    if (tail_.empty()) return "  (nothing)\n";
    std::string s;
    for (auto& l : tail_) s += "  " + l + "\n";
    return s;
}

std::string LocalProcess::exit_description() const {
    if (!exited_) return "still running";
    if (WIFEXITED(status_)) return "exit status " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) {
        int s = WTERMSIG(status_);
        const char* abbrev = sigabbrev_np(s);
        return "killed by signal " + std::to_string(s) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
    }
    return "status " + std::to_string(status_);
}

bool LocalProcess::wait_exit(std::chrono::nanoseconds timeout) { return exited_ || exited_ev_.wait_for(timeout); }

void LocalProcess::signal(int sig) {
    if (!exited_) ::kill(ospid_, sig);
}

}  // namespace weft::rt
