// runtime/managers/ssh_manager.cpp — SSHManager: workers on other hosts through ssh, and
// Julia's machine-file format.
//
// Each worker is one `ssh [sshflags] [-p port] [user@]host 'cd DIR && env K=V ... EXE
// --weft-worker --weft-bind=B FLAGS'` with the cookie on ssh's stdin; B is `ssh` (the
// address ssh reached, from SSH_CONNECTION), the machine's bind_addr, or 127.0.0.1 with
// `tunnel` (then the master connects through `ssh -L`). At most max_parallel ssh are
// starting at once (sshd's MaxStartups is 10); a launch refused at key exchange is
// retried once. `multiplex` runs one `ssh -M -N` control master per host (kept by pid,
// ended when its last worker leaves) and every worker ssh and tunnel goes through it.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "cluster_state.hpp"
#include "log.hpp"
#include "managers/launch_common.hpp"
#include "managers/process.hpp"
#include "weft/task.hpp"

namespace weft {
using rt::Process;

namespace {
struct HostSpec {
    std::string user, host, bind;
    int port = 0, bind_port = 0;
    std::string dest() const { return user.empty() ? host : user + "@" + host; }
    std::string text() const { return dest() + (port ? ":" + std::to_string(port) : ""); }
};

/// "[user@]host[:port]" (host may be "[v6]").
void split_host(const std::string& s, std::string& user, std::string& host, int& port, const std::string& where) {
    std::string rest = s;
    auto at = rest.find('@');
    if (at != std::string::npos) {
        user = rest.substr(0, at);
        rest = rest.substr(at + 1);
    }
    if (!rest.empty() && rest[0] == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos) throw std::invalid_argument(where + ": unclosed '[' in '" + s + "'");
        host = rest.substr(1, close - 1);
        rest = rest.substr(close + 1);
    } else {
        auto colon = rest.find(':');
        host = rest.substr(0, colon);
        rest = colon == std::string::npos ? "" : rest.substr(colon);
    }
    if (!rest.empty()) {
        if (rest[0] != ':' || rest.size() == 1 || rest.find_first_not_of("0123456789", 1) != std::string::npos)
            throw std::invalid_argument(where + ": '" + s + "' has a bad port (expected [user@]host[:port])");
        port = std::atoi(rest.c_str() + 1);
        if (port <= 0 || port > 65535) throw std::invalid_argument(where + ": port out of range in '" + s + "'");
    }
    if (host.empty() || host.find_first_of(" \t'\"$;&|") != std::string::npos)
        throw std::invalid_argument(where + ": '" + s + "' names no valid host");
}

HostSpec parse_spec(const std::string& spec, const std::string& where) {
    std::istringstream in(spec);
    std::string first, second, extra;
    in >> first >> second >> extra;
    if (first.empty()) throw std::invalid_argument(where + ": empty host entry");
    if (!extra.empty())
        throw std::invalid_argument(where + ": '" + spec + "' has more than two fields (expected "
                                    "[count*][user@]host[:port] [bind_addr[:port]])");
    HostSpec h;
    split_host(first, h.user, h.host, h.port, where);
    if (!second.empty()) {
        std::string u;
        split_host(second, u, h.bind, h.bind_port, where);
        if (!u.empty()) throw std::invalid_argument(where + ": the bind address '" + second + "' cannot have a user");
    }
    return h;
}

/// A free local TCP port (ssh -L 0 is refused, so pick one first).
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) ::close(fd);
    if (!port) throw std::runtime_error("no free local port for an ssh tunnel");
    return port;
}

/// One `ssh -M -N` per host for multiplex; ended (by pid) when its last worker leaves.
struct ControlMaster {
    std::shared_ptr<Process> proc;
    std::string path;
    int users = 0;
    ~ControlMaster() {
        if (proc) proc->signal(SIGTERM);
        ::unlink(path.c_str());
        ::rmdir(path.substr(0, path.rfind('/')).c_str());  // when it was the last one
    }
};

struct SSHWorkerData {
    HostSpec host;
    std::vector<std::string> base;  ///< ssh [flags] [-p port] [control options]
    std::shared_ptr<Process> tunnel;
    std::shared_ptr<ControlMaster> control;
};

std::string control_dir() {
    static std::string dir = [] {
        std::string d = "/tmp/weft-ssh-" + std::to_string(::getuid()) + "-" + std::to_string(::getpid());
        ::mkdir(d.c_str(), 0700);
        return d;
    }();
    return dir;
}
}  // namespace

std::vector<Machine> parse_machine_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::invalid_argument("weft: cannot read the machine file '" + path + "'");
    std::vector<Machine> out;
    std::string line;
    int no = 0;
    while (std::getline(in, line)) {
        ++no;
        auto hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        auto b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos) continue;
        line = line.substr(b, line.find_last_not_of(" \t\r") - b + 1);
        const std::string where = "weft: machine file " + path + ":" + std::to_string(no);
        int count = 1;
        auto star = line.find('*');
        if (star != std::string::npos) {
            std::string c = line.substr(0, star);
            if (c == "auto") count = Machine::auto_count;
            else if (!c.empty() && c.find_first_not_of("0123456789") == std::string::npos && std::stoi(c) > 0) count = std::stoi(c);
            else throw std::invalid_argument(where + ": '" + c + "' is not a worker count (a positive integer or 'auto') in '" + line + "'");
            line = line.substr(star + 1);
        }
        parse_spec(line, where);  // reports a bad entry with its line now
        out.emplace_back(line, count);
    }
    return out;
}

void SSHManager::launch(const AddProcsOptions& o, std::vector<WorkerConfig>& launched, LaunchNotifier& notify) {
    auto& st = rt::state();
    char cwd[4096];
    const std::string dir = !o.dir.empty() ? o.dir : ::getcwd(cwd, sizeof cwd) ? std::string(cwd) : std::string();
    const std::string exe = o.exename.empty() ? rt::self_exe() : o.exename;
    const auto timeout = o.timeout ? *o.timeout : rt::worker_timeout();
    std::map<std::string, std::shared_ptr<ControlMaster>> controls;

    struct Job { HostSpec host; std::string machine; };
    std::vector<Job> jobs;
    for (auto& m : machines_) {
        HostSpec h = parse_spec(m.spec, "weft: addprocs host '" + m.spec + "'");
        int n = m.count;
        if (n == Machine::auto_count) {  // the core count over there
            rt::SpawnSpec s;
            s.argv = {ssh};
            for (auto& f : o.sshflags) s.argv.push_back(f);
            if (h.port) s.argv.insert(s.argv.end(), {"-p", std::to_string(h.port)});
            s.argv.insert(s.argv.end(), {h.dest(), ""});
            s.argv.back() = "echo weft-worker n:$(nproc)";  // read like an announcement
            auto p2 = Process::spawn(s);
            p2->set_label("From ssh " + h.text() + ": ");
            try {
                n = p2->wait_announcement(timeout, "ssh " + h.text()).second;
            } catch (const std::exception& e) {
                notify.fail(std::string("weft: cannot count the cores of ") + h.text() + ": " + e.what());
                continue;
            }
        }
        for (int i = 0; i < n; ++i) jobs.push_back({h, m.spec});
    }

    const int parallel = std::max(1, o.max_parallel);
    int running = 0;
    rt::Event slot_free, all_done;
    int left = static_cast<int>(jobs.size());
    if (left == 0) return;
    // Workers are handed over in the order of the host list (ids follow it), each as soon
    // as it and those before it have started.
    std::vector<std::optional<WorkerConfig>> ready(jobs.size());
    std::vector<std::string> failed(jobs.size());
    std::size_t next = 0;
    auto hand_over = [&] {
        for (; next < jobs.size() && (ready[next] || !failed[next].empty()); ++next) {
            if (ready[next]) {
                launched.push_back(std::move(*ready[next]));
                notify.notify();
            } else {
                notify.fail(failed[next]);
            }
        }
    };
    for (std::size_t ji = 0; ji < jobs.size(); ++ji) {
        auto& job = jobs[ji];
        while (running >= parallel) {
            slot_free.reset();
            slot_free.wait();
        }
        ++running;
        auto data = std::make_shared<SSHWorkerData>();
        data->host = job.host;
        data->base = {ssh};
        for (auto& f : o.sshflags) data->base.push_back(f);
        if (job.host.port) data->base.insert(data->base.end(), {"-p", std::to_string(job.host.port)});
        if (o.multiplex) {
            auto& cm = controls[job.host.text()];
            if (!cm) {
                cm = std::make_shared<ControlMaster>();
                cm->path = control_dir() + "/" + std::to_string(controls.size()) + "-" + std::to_string(job.host.port);
                rt::SpawnSpec s;
                s.argv = data->base;
                s.argv.insert(s.argv.end(), {"-o", "ControlMaster=yes", "-o", "ControlPath=" + cm->path, "-N", job.host.dest()});
                try {
                    cm->proc = Process::spawn(s);
                    cm->proc->set_label("From ssh " + job.host.text() + ": ");
                    // Ready when the control socket exists.
                    const auto until = std::chrono::steady_clock::now() + timeout;
                    struct stat sb;
                    while (::stat(cm->path.c_str(), &sb) != 0 && !cm->proc->exited() &&
                           std::chrono::steady_clock::now() < until)
                        weft::sleep(std::chrono::milliseconds(10));
                } catch (const std::exception&) {
                }
            }
            data->control = cm;
            data->base.insert(data->base.end(), {"-o", "ControlMaster=no", "-o", "ControlPath=" + cm->path});
        }
        const std::string bind = o.tunnel ? "127.0.0.1" : !job.host.bind.empty() ? job.host.bind : "ssh";
        std::string remote = "cd " + rt::shell_quote(dir) + " && exec env";
        for (auto& [k, v] : rt::worker_env(o)) remote += " " + rt::shell_quote(k + "=" + v);
        remote += " " + rt::shell_quote(exe) + " --weft-worker --weft-bind=" + rt::shell_quote(bind);
        for (auto& f : o.exeflags) remote += " " + rt::shell_quote(f);
        rt::SpawnSpec spec;
        spec.argv = data->base;
        spec.argv.insert(spec.argv.end(), {"-T", job.host.dest(), remote});
        spec.unset = rt::worker_env_unset();
        spec.stdin_text = st.cookie + "\n";
        rt::launch([&, ji, spec, data] {
            std::shared_ptr<Process> p;
            std::string error;
            for (int attempt = 0; attempt < 2; ++attempt) {
                try {
                    p = Process::spawn(spec);
                } catch (const std::exception& e) {
                    error = e.what();
                    break;
                }
                p->set_label("From ssh " + data->host.text() + ": ");
                if (!p->wait_ready(timeout)) {  // a silent host: give up within the timeout
                    p->signal(SIGKILL);
                    error = "`" + p->command() + "` did not announce the worker's address within " +
                            std::to_string(timeout.count()) + " s. Its last stderr lines:\n" + p->stderr_tail() +
                            "(raise WEFT_WORKER_TIMEOUT or AddProcsOptions::timeout if the host is only slow)";
                    p.reset();
                    break;
                }
                if (p->announcements() == 0) p->wait_exit(std::chrono::seconds(1));  // closed: reap it
                // sshd's MaxStartups drops concurrent key exchanges: retry such a launch once.
                if (attempt == 0 && p->announcements() == 0 &&
                    p->stderr_tail().find("kex_exchange_identification") != std::string::npos)
                    continue;
                break;
            }
            if (p) {
                WorkerConfig c;
                c.process = p;
                c.command = p->command();
                c.machine = data->host.text();
                c.tunnel = o.tunnel;
                c.multiplex = o.multiplex;
                c.sshflags = o.sshflags;
                c.max_parallel = o.max_parallel;
                c.exename = exe;
                c.exeflags = o.exeflags;
                if (!data->host.bind.empty()) c.bind_addr = data->host.bind;
                if (data->control) ++data->control->users;
                c.userdata = data;
                ready[ji] = std::move(c);
            } else {
                failed[ji] = "weft: cannot start a worker on " + data->host.text() + ": " + error;
            }
            hand_over();
            --running;
            slot_free.set();
            if (--left == 0) all_done.set();
        });
    }
    all_done.wait();
}

Connection SSHManager::connect(int pid, WorkerConfig& c) {
    if (!c.tunnel.value_or(false)) return ClusterManager::connect(pid, c);
    auto data = std::any_cast<std::shared_ptr<SSHWorkerData>>(c.userdata);
    const int lport = free_port();
    const std::string fwd = std::to_string(lport) + ":127.0.0.1:" + std::to_string(*c.port);
    rt::SpawnSpec s;
    s.argv = data->base;
    if (data->control) s.argv.insert(s.argv.end(), {"-O", "forward", "-L", fwd, data->host.dest()});
    else s.argv.insert(s.argv.end(), {"-N", "-o", "ExitOnForwardFailure=yes", "-L", fwd, data->host.dest()});
    data->tunnel = Process::spawn(s);
    data->tunnel->set_label("From ssh tunnel to " + data->host.text() + ": ");
    const auto until = std::chrono::steady_clock::now() + rt::worker_timeout();
    std::string last;
    for (;;) {  // the forward is up when a connect succeeds
        try {
            auto sock = rt::connect_tcp("127.0.0.1", lport, std::chrono::seconds(5));
            return Connection(sock.release(), "127.0.0.1:" + std::to_string(lport) + " (ssh -L to " + data->host.text() + ")");
        } catch (const std::exception& e) {
            last = e.what();
        }
        if (std::chrono::steady_clock::now() > until || (!data->control && data->tunnel->exited()))
            throw std::runtime_error("the ssh tunnel `" + data->tunnel->command() + "` did not open (" + last +
                                     "); its last stderr lines:\n" + data->tunnel->stderr_tail());
        weft::sleep(std::chrono::milliseconds(20));
    }
}

void SSHManager::manage(int id, WorkerConfig& c, ManageOp op) {
    if (op != ManageOp::deregister) {
        if (op == ManageOp::interrupt) ClusterManager::manage(id, c, op);
        return;
    }
    auto* data = std::any_cast<std::shared_ptr<SSHWorkerData>>(&c.userdata);
    if (!data || !*data) return;
    // ssh ends with its worker; one whose host went silent would hang on: end it (by pid).
    if (c.process && !c.process->wait_exit(std::chrono::seconds(2))) {
        c.process->signal(SIGTERM);
        if (!c.process->wait_exit(std::chrono::seconds(1))) c.process->signal(SIGKILL);
    }
    if ((*data)->tunnel && !(*data)->control) (*data)->tunnel->signal(SIGTERM);
    if ((*data)->control && --(*data)->control->users == 0) (*data)->control.reset();
}

}  // namespace weft
