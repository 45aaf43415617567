// runtime/managers/slurm_mpi_managers.cpp — SlurmManager and MPIManager: one launcher
// process (srun / mpiexec) starts every worker; their announcement lines arrive on its
// stdout, one per worker, and each launched WorkerConfig takes the next one.
//
// srun: `srun --overlap -n N [flags] EXE --weft-worker --weft-bind=slurm`, the cookie on
// stdin (srun broadcasts it to every task); a worker binds the address on its route back
// to SLURM_LAUNCH_NODE_IPADDR. Interrupts go over weft's connection (scancel --signal
// would hit the whole step).
// mpiexec: `mpiexec -n N [flags] EXE --weft-worker --weft-bind=B`; stdin reaches rank 0
// only, so the cookie is in a 0600 file named by WEFT_COOKIE_FILE (passed with -x to Open
// MPI), removed once every worker joined.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.hpp"
#include "cluster_state.hpp"
#include "log.hpp"
#include "managers/launch_common.hpp"
#include "managers/process.hpp"

namespace weft {
using rt::Process;

namespace {
void add_shared_process(const std::shared_ptr<Process>& p, int n, const std::string& what, const AddProcsOptions& o,
                        std::vector<WorkerConfig>& launched, LaunchNotifier& notify) {
    p->set_shared_label("From " + what + ": ");
    for (int i = 0; i < n; ++i) {
        WorkerConfig c;
        c.process = p;
        c.command = p->command();
        c.exename = o.exename;
        c.exeflags = o.exeflags;
        c.userdata = i;  // the rank in the launcher's job
        launched.push_back(std::move(c));
    }
    notify.notify();
}

struct CookieFile {
    std::string path;
    ~CookieFile() {
        if (!path.empty()) ::unlink(path.c_str());
    }
};
}  // namespace

void SlurmManager::launch(const AddProcsOptions& o, std::vector<WorkerConfig>& launched, LaunchNotifier& notify) {
    int n = count_;
    if (n <= 0) {
        const char* t = std::getenv("SLURM_NTASKS");
        if (!std::getenv("SLURM_JOB_ID") || !t)
            throw std::runtime_error("weft: SlurmManager needs a Slurm allocation (run the master under salloc or "
                                     "sbatch; SLURM_JOB_ID/SLURM_NTASKS are not set) or an explicit count");
        n = std::atoi(t);
    }
    if (n <= 0) return;
    rt::SpawnSpec s;
    s.argv = {"srun", "--overlap", "-n", std::to_string(n)};
    for (auto& f : flags_) s.argv.push_back(f);
    s.argv.insert(s.argv.end(), {o.exename.empty() ? rt::self_exe() : o.exename, "--weft-worker", "--weft-bind=slurm"});
    for (auto& f : o.exeflags) s.argv.push_back(f);
    s.env = rt::worker_env(o);
    s.unset = rt::worker_env_unset();
    s.dir = o.dir;
    s.stdin_text = rt::state().cookie + "\n";
    add_shared_process(Process::spawn(s), n, "srun", o, launched, notify);
}

void SlurmManager::manage(int id, WorkerConfig& c, ManageOp op) {
    if (op == ManageOp::interrupt) ClusterManager::manage(id, c, op);
}

void MPIManager::launch(const AddProcsOptions& o, std::vector<WorkerConfig>& launched, LaunchNotifier& notify) {
    if (count_ <= 0) return;
    auto cookie = std::make_shared<CookieFile>();
    char tmpl[] = "/tmp/weft-cookie-XXXXXX";
    int fd = ::mkstemp(tmpl);  // 0600
    if (fd < 0) throw std::runtime_error("weft: MPIManager: cannot create the cookie file in /tmp");
    cookie->path = tmpl;
    const std::string line = rt::state().cookie + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok) throw std::runtime_error("weft: MPIManager: cannot write the cookie file " + cookie->path);

    rt::SpawnSpec s;
    s.argv = {mpiexec_, "-n", std::to_string(count_)};
    s.env = rt::worker_env(o);
    s.env["WEFT_COOKIE_FILE"] = cookie->path;
    // Open MPI passes the environment to remote ranks only when named.
    const bool open_mpi = mpiexec_.find("openmpi") != std::string::npos || mpiexec_.find("orterun") != std::string::npos;
    if (open_mpi)
        for (auto& [k, v] : s.env) s.argv.insert(s.argv.end(), {"-x", k});
    for (auto& f : flags_) s.argv.push_back(f);
    std::string bind = o.restrict ? "127.0.0.1" : "0.0.0.0";
    if (const std::string a = rt::config::master_addr(); !a.empty()) {
        bind = "route:" + a.substr(0, a.rfind(':'));
    }
    s.argv.insert(s.argv.end(), {o.exename.empty() ? rt::self_exe() : o.exename, "--weft-worker", "--weft-bind=" + bind});
    for (auto& f : o.exeflags) s.argv.push_back(f);
    s.unset = rt::worker_env_unset();
    s.dir = o.dir;
    cookie_ = cookie;
    cookie_pending_ = count_;
    add_shared_process(Process::spawn(s), count_, "mpiexec", o, launched, notify);
}

void MPIManager::manage(int id, WorkerConfig& c, ManageOp op) {
    if (op == ManageOp::interrupt) ClusterManager::manage(id, c, op);
    if (op == ManageOp::register_ && cookie_ && --cookie_pending_ <= 0) cookie_.reset();  // every rank read it
}

}  // namespace weft
