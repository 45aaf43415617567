// weft/cluster.hpp — the cluster of processes: starting (init, addprocs), removing
// (rmprocs), asking who is there (nprocs, workers, myid), interrupting, the cookie.
#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weft {

/// How workers are connected to each other.
enum class Topology {
    all_to_all,     ///< every process may call every other (worker↔worker opened lazily)
    master_worker,  ///< workers talk only to process 1; worker↔worker calls are refused
    /// As the cluster manager decides (Julia's :custom): workers a and b are connected
    /// when one's WorkerConfig::ident is in the other's connect_idents (int, long,
    /// long long, unsigned, std::string or const char* idents); a call between workers
    /// that are not is refused with std::logic_error. Every worker reaches process 1.
    custom,
};

/// Options of `addprocs`, as Julia's keyword arguments.
struct AddProcsOptions {
    bool restrict = true;            ///< workers bind 127.0.0.1 only
    std::string dir;                 ///< working directory of the workers ("" = the master's)
    std::string exename;             ///< executable to start ("" = this program)
    std::vector<std::string> exeflags;  ///< extra arguments for the workers
    std::map<std::string, std::string> env;  ///< extra environment for the workers
    Topology topology = Topology::all_to_all;
    /// true: open worker↔worker connections on first use; false: make them all before
    /// addprocs returns (n·(n−1)/2 among n workers, fewer with a custom topology). Every
    /// addprocs while workers are present must use the same value (else std::invalid_argument).
    bool lazy = true;
    bool tunnel = false;             ///< (SSH) reach workers through ssh -L
    bool multiplex = false;          ///< (SSH) share one ssh connection
    std::vector<std::string> sshflags;  ///< (SSH) extra ssh flags
    int max_parallel = 10;           ///< (SSH) concurrent launches
    bool enable_threaded_blas = false;
    /// Seconds to wait for a worker to announce itself and connect; unset: WEFT_WORKER_TIMEOUT (60).
    std::optional<std::chrono::seconds> timeout;
};

/// Makes this process part of a cluster. Call first in `main`. In a process started as
/// a worker (`--weft-worker`) it serves requests and never returns. In the master it
/// reads WEFT_PROCS (a count or `auto`) and starts those local workers, then returns.
/// Removes weft's own flags from argv. Blocks until the WEFT_PROCS workers are up.
void init(int& argc, char**& argv);

/// Starts `n` local workers (same executable) and returns their ids. Blocks until they
/// are connected. Only process 1 may call it. Throws std::runtime_error naming the launch
/// command, the worker's last stderr lines and the timeout to raise if one does not come
/// up; the workers that did start are kept.
/// Example: `auto ids = weft::addprocs(4);  // {2, 3, 4, 5}`
std::vector<int> addprocs(int n, AddProcsOptions options = {});

/// Removes workers; waits until they are gone. With `waitfor`, throws
/// std::runtime_error if they are not gone in time. Ids are never reused.
void rmprocs(const std::vector<int>& pids,
             std::optional<std::chrono::milliseconds> waitfor = std::nullopt);
inline void rmprocs(int pid, std::optional<std::chrono::milliseconds> waitfor = std::nullopt) {
    rmprocs(std::vector<int>{pid}, waitfor);
}

int nprocs();                        ///< number of processes (master included)
int nworkers();                      ///< nprocs()-1, or 1 when the master is alone
int myid();                          ///< this process's id (master: 1)
std::vector<int> procs();            ///< all process ids, ascending
std::vector<int> procs(int pid);     ///< the processes on the same host as `pid`
std::vector<int> workers();          ///< worker ids ({1} when the master is alone)

/// Interrupts the running tasks of the given workers (Julia's Ctrl-C on a worker): a
/// task blocked in a weft operation there, or at its next weft::yield(), throws
/// weft::InterruptException. Does not block.
void interrupt(const std::vector<int>& pids);
void interrupt();                    ///< all workers

/// The cluster's secret (HMAC key of the handshake). Setting it affects workers started
/// afterwards; set it before addprocs. As Julia, a cookie shorter than 16 characters is
/// padded with spaces to 16 (the value set is returned); an empty one works but logs a
/// warning (no protection). Throws std::invalid_argument for a newline in the cookie.
std::string cluster_cookie();
std::string cluster_cookie(std::string cookie);

}  // namespace weft
