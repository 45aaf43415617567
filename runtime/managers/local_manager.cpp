// runtime/managers/local_manager.cpp — LocalManager: workers on this host, started with
// posix_spawn of this executable (or options.exename), the cookie on stdin.
#include <signal.h>
#include <unistd.h>

#include "config.hpp"
#include "cluster_state.hpp"
#include "log.hpp"
#include "managers/launch_common.hpp"
#include "managers/process.hpp"
#include "transport/transport.hpp"

namespace weft {
using rt::Process;

void LocalManager::launch(const AddProcsOptions& o, std::vector<WorkerConfig>& launched, LaunchNotifier& notify) {
    for (int i = 0; i < count_; ++i) {
        rt::SpawnSpec spec;
        spec.argv = {o.exename.empty() ? rt::self_exe() : o.exename, "--weft-worker"};
        const std::string b = rt::config::bind_addr();
        spec.argv.push_back("--weft-bind=" + (!b.empty() ? b : o.restrict ? "127.0.0.1" : "0.0.0.0"));
        for (auto& f : o.exeflags) spec.argv.push_back(f);
        spec.env = rt::worker_env(o);
        for (auto& [k, v] : rt::local_worker_env()) spec.env.emplace(k, v);  // options.env wins
        spec.unset = rt::worker_env_unset();
        spec.dir = o.dir;
        spec.stdin_text = rt::state().cookie + "\n";
        try {
            WorkerConfig c;
            c.process = Process::spawn(spec);
            c.command = c.process->command();
            c.exename = spec.argv[0];
            c.exeflags = o.exeflags;
            launched.push_back(std::move(c));
            notify.notify();
        } catch (const std::exception& e) {
            notify.fail(std::string(e.what()) + " (check AddProcsOptions::exename and ::dir)");
        }
    }
}

void LocalManager::manage(int, WorkerConfig& c, ManageOp op) {
    if (!c.process) return;
    if (op == ManageOp::interrupt) c.process->signal(SIGINT);
    if (op == ManageOp::deregister && !c.process->wait_exit(std::chrono::seconds(10))) {
        rt::log_warn("worker process ", c.process->ospid(), " did not exit after leaving the cluster; killing it");
        c.process->signal(SIGKILL);
    }
}

}  // namespace weft
