// weft/cluster_manager.hpp — how workers are started and reached (Julia's ClusterManager):
// the ClusterManager interface, WorkerConfig, LaunchNotifier, the built-in managers
// (LocalManager, SSHManager, SlurmManager, MPIManager) and custom transports
// (init_worker + a manager whose connect() supplies its own byte stream).
//
// Whatever the manager, a worker is the same executable started with `--weft-worker`;
// it reads the cluster cookie (stdin, or the 0600 file named by WEFT_COOKIE_FILE),
// listens, and announces `weft-worker <ip>:<port>` as one line on stdout. The master
// connects (or the manager's connect() supplies a stream), both sides run the one
// handshake of SPEC §6, and from then on the worker's stdout/stderr travel over that
// connection and appear on the master as `From worker N: ` lines.
#pragma once
#include <any>
#include <cstdlib>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster.hpp"

namespace weft {
namespace rt {
class Process;  // a launcher process started on this host (runtime/managers/process.hpp)
}

/// A connected byte stream to one worker: any SOCK_STREAM socket (TCP, a Unix socket
/// pair, ...). Owns the descriptor. Returned by ClusterManager::connect.
class Connection {
  public:
    Connection() = default;
    /// Takes ownership of `fd`; `description` names the far end in messages ("10.0.0.2:4012").
    explicit Connection(int fd, std::string description = {});
    Connection(Connection&& o) noexcept;
    Connection& operator=(Connection&& o) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();
    int fd() const { return fd_; }
    const std::string& description() const { return description_; }
    /// Gives up ownership of the descriptor.
    int release();

  private:
    int fd_ = -1;
    std::string description_;
};

/// What the master knows about one worker while launching and afterwards (Julia's
/// WorkerConfig; std::optional where Julia has `nothing`).
struct WorkerConfig {
    std::optional<int> io;                       ///< fd of the worker's stdout (announcement line), if the manager has one
    std::optional<std::string> host;             ///< address the master connects to
    std::optional<int> port;
    std::optional<int> count;                    ///< workers to start on this host (SSH)
    std::optional<std::string> exename;
    std::optional<std::vector<std::string>> exeflags;
    std::any userdata;                           ///< the manager's own data
    std::optional<bool> tunnel;                  ///< reach the worker through `ssh -L`
    std::optional<bool> multiplex;               ///< share one ssh master connection
    std::optional<bool> forward;
    std::optional<std::string> bind_addr;        ///< address the worker binds (machine file's second column)
    std::optional<std::vector<std::string>> sshflags;
    std::optional<int> max_parallel;
    std::optional<std::string> connect_at;       ///< "host:port" to connect to instead of the announced address
    std::shared_ptr<rt::Process> process;        ///< the launcher process on this host, if any
    std::optional<int> ospid;                    ///< the worker's OS pid (set when it joins)
    std::optional<std::map<std::string, std::string>> environ;
    std::any ident;
    std::vector<std::any> connect_idents;
    std::optional<bool> enable_threaded_blas;
    /// weft: the command that started the worker, for error messages.
    std::string command;
    /// weft: the host as the user named it ("user@node3"), for error messages.
    std::string machine;
};

/// Passed to ClusterManager::launch: call notify() after pushing configs to `launched`,
/// and the master starts joining them at once (launch may go on starting others).
/// fail() reports a worker that could not be started (the others are kept).
class LaunchNotifier {
  public:
    virtual ~LaunchNotifier() = default;
    virtual void notify() = 0;
    virtual void fail(const std::string& error) = 0;
};

enum class ManageOp { register_, deregister, interrupt, finalize };

/// Starts workers and, optionally, supplies the streams to reach them. launch() and the
/// others run on a task of process 1: they may block weft-style (weft::sleep, waiting on
/// a launcher) but must not block the thread.
class ClusterManager {
  public:
    virtual ~ClusterManager() = default;
    /// Starts the workers; pushes one WorkerConfig per worker to `launched` (with `io` or
    /// `process` to read the announcement from, or host/port) and calls notify.notify().
    /// Returns once every worker is launched.
    virtual void launch(const AddProcsOptions& options, std::vector<WorkerConfig>& launched,
                        LaunchNotifier& notify) = 0;
    /// Told when worker `id` joined (register_), is gone (deregister), should be
    /// interrupted (interrupt) or when the master exits (finalize). Default: interrupt
    /// over weft's own connection; the rest do nothing.
    virtual void manage(int id, WorkerConfig& config, ManageOp op);
    /// A connected stream to worker `pid` (the master's connection, or a worker↔worker one
    /// with a custom topology). Default: TCP to connect_at, else host:port.
    virtual Connection connect(int pid, WorkerConfig& config);
    /// Ends worker `pid`. Default: tells it to exit over weft's connection.
    virtual void kill(int pid, WorkerConfig& config);
    /// Short name in messages ("local", "ssh", ...).
    virtual std::string name() const { return "custom"; }
};

/// Local workers: this executable (or options.exename) started with posix_spawn.
class LocalManager : public ClusterManager {
  public:
    explicit LocalManager(int count) : count_(count) {}
    void launch(const AddProcsOptions&, std::vector<WorkerConfig>&, LaunchNotifier&) override;
    void manage(int id, WorkerConfig&, ManageOp) override;
    std::string name() const override { return "local"; }

  private:
    int count_;
};

/// One entry of an SSH host list: `[user@]host[:port] [bind_addr[:port]]` and a count
/// (`Machine("node1", 4)`, `Machine("node2", Machine::auto_count)` for the core count there).
struct Machine {
    static constexpr int auto_count = -1;
    std::string spec;
    int count = 1;
    Machine(const char* s) : spec(s) {}
    Machine(std::string s) : spec(std::move(s)) {}
    Machine(std::string s, int n) : spec(std::move(s)), count(n) {}
};

/// Parses Julia's machine-file format, one `[count*][user@]host[:port] [bind_addr[:port]]`
/// a line (count an integer or `auto`; `#` comments and blank lines ignored). Throws
/// std::invalid_argument naming the file, line number and what is wrong.
std::vector<Machine> parse_machine_file(const std::string& path);

namespace detail {
/// WEFT_SSH if set, else "ssh"; throws std::invalid_argument for a bad value.
std::string ssh_client();
}  // namespace detail

/// Workers on other hosts, started with `ssh host 'cd dir && exename --weft-worker ...'`.
/// Workers bind and advertise the IP through which ssh reached them (SSH_CONNECTION), or
/// the machine's bind_addr; with `tunnel` they bind their own loopback and the master
/// reaches them through `ssh -L`. At most `max_parallel` ssh launches run at once.
class SSHManager : public ClusterManager {
  public:
    explicit SSHManager(std::vector<Machine> machines) : machines_(std::move(machines)) {}
    void launch(const AddProcsOptions&, std::vector<WorkerConfig>&, LaunchNotifier&) override;
    Connection connect(int pid, WorkerConfig&) override;
    void manage(int id, WorkerConfig&, ManageOp) override;
    std::string name() const override { return "ssh"; }
    /// The ssh client: WEFT_SSH if set (e.g. a wrapper adding `-F config`), else "ssh".
    std::string ssh = detail::ssh_client();

  private:
    std::vector<Machine> machines_;
};

/// Workers started with `srun --overlap` inside a Slurm allocation (salloc/sbatch);
/// `count` 0 means SLURM_NTASKS. `srun_flags` are passed to srun as they are.
class SlurmManager : public ClusterManager {
  public:
    explicit SlurmManager(int count = 0, std::vector<std::string> srun_flags = {})
        : count_(count), flags_(std::move(srun_flags)) {}
    void launch(const AddProcsOptions&, std::vector<WorkerConfig>&, LaunchNotifier&) override;
    void manage(int id, WorkerConfig&, ManageOp) override;
    std::string name() const override { return "slurm"; }

  private:
    int count_;
    std::vector<std::string> flags_;
};

/// Workers started as one MPI job with `mpiexec -n count` (MPICH or Open MPI; the
/// master is outside the job). The cookie reaches them through a 0600 file named by
/// WEFT_COOKIE_FILE, never the command line.
class MPIManager : public ClusterManager {
  public:
    explicit MPIManager(int count, std::string mpiexec = "mpiexec", std::vector<std::string> mpiexec_flags = {})
        : count_(count), mpiexec_(std::move(mpiexec)), flags_(std::move(mpiexec_flags)) {}
    void launch(const AddProcsOptions&, std::vector<WorkerConfig>&, LaunchNotifier&) override;
    void manage(int id, WorkerConfig&, ManageOp) override;
    std::string name() const override { return "mpi"; }

  private:
    int count_;
    std::string mpiexec_;
    std::vector<std::string> flags_;
    std::shared_ptr<void> cookie_;  ///< the cookie file, removed when every rank joined
    int cookie_pending_ = 0;
};

/// Adds the workers `manager` launches; returns their ids. Same errors as addprocs(n).
/// The manager must outlive the workers.
std::vector<int> addprocs(ClusterManager& manager, AddProcsOptions options = {});
/// SSH workers (an SSHManager owned by the cluster).
std::vector<int> addprocs(const std::vector<Machine>& machines, AddProcsOptions options = {});

/// How start_worker sets up a worker process (Julia's start_worker arguments).
struct StartWorkerOptions {
    /// Where the announcement `weft-worker <ip>:<port>` is written, in one line (Julia's
    /// `out`): the stream the manager's WorkerConfig::io reads.
    int out = 1;
    /// The cluster cookie; empty: one line read from stdin (or from the file
    /// WEFT_COOKIE_FILE names), as workers started by weft's own managers do.
    std::string cookie;
    /// Once the cookie is read, stdin becomes /dev/null: the worker holds no pipe (or ssh
    /// channel) of its launcher open, and a read from stdin sees end-of-file at once.
    bool close_stdin = true;
    /// From the start, stderr (fd 2) writes where stdout (fd 1) does: before the worker
    /// joins, to the launcher's stream; afterwards the master prints the worker's stderr
    /// lines with its stdout lines ("From worker 2: ..."), in the order they were written.
    bool stderr_to_stdout = true;
};

/// Julia's start_worker: makes this process a worker over TCP, for a custom manager that
/// starts worker processes its own way (a program whose main calls this instead of
/// weft::init). Reads the cookie, listens (on WEFT_BIND_ADDR, else 127.0.0.1), writes
/// the announcement to `o.out`, then serves the master until it says exit, and exits.
/// Workers that weft's managers start (`--weft-worker`) keep stdin and a stderr of their
/// own: they behave as start_worker with close_stdin and stderr_to_stdout false.
/// Throws std::logic_error when weft::init (or init_worker) already ran in this process.
[[noreturn]] void start_worker(StartWorkerOptions o = {});

/// Custom transports: makes this process a worker of the cluster with `cookie`, whose
/// connections come from `manager` (its connect() for worker↔worker streams). Call
/// instead of init; then hand each stream from the master to process_messages.
void init_worker(std::string cookie, ClusterManager& manager);
/// On a worker set up with init_worker: authenticates `stream` (the acceptor side of
/// the handshake) and serves it. The first stream must come from the master. Returns at
/// once; run_worker_loop() blocks until the master says exit.
void process_messages(Connection stream);
/// Serves until the master tells this worker to exit, then exits the process.
[[noreturn]] void run_worker_loop();

}  // namespace weft
